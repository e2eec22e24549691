package node

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"lightdas/das"
	"lightdas/kzg"
	"lightdas/p2p"
	"lightdas/p2p/limit"
)

// RowServerConfig configures a RowServer; zero fields take the defaults.
type RowServerConfig struct {
	// RequestTimeout bounds one exchange. Default 10 s.
	RequestTimeout time.Duration
	// MaxStreams and MaxStreamsPerPeer cap the streams served at once;
	// streams beyond are reset. Defaults 32 and 8.
	MaxStreams        int
	MaxStreamsPerPeer int
	// RowsPerSecond and Burst are each peer's token bucket, counted in
	// rows (a row is 262 KB); beyond it a request is answered
	// RowRateLimited. Defaults 64 and 256.
	RowsPerSecond float64
	Burst         int
	// Misbehavior, when set, makes the server lie: a row with a withheld
	// cell is answered RowNotFound; Tamper sees the row as a das request
	// for its 128 cells and its answer.
	Misbehavior *das.Misbehavior
}

func (c *RowServerConfig) defaults() {
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = 10 * time.Second
	}
	if c.MaxStreams <= 0 {
		c.MaxStreams = 32
	}
	if c.MaxStreamsPerPeer <= 0 {
		c.MaxStreamsPerPeer = 8
	}
	if c.RowsPerSecond <= 0 {
		c.RowsPerSecond = 64
	}
	if c.Burst <= 0 {
		c.Burst = 256
	}
}

// RowServer answers row requests from a das.BlockStore.
type RowServer struct {
	chainID string
	store   das.BlockStore
	cfg     RowServerConfig
	slots   *limit.Slots
	rate    *limit.Rate // in rows

	mu     sync.Mutex
	served uint64
}

// NewRowServer returns a server of chainID's rows protocol.
func NewRowServer(chainID string, store das.BlockStore, cfg RowServerConfig) *RowServer {
	cfg.defaults()
	return &RowServer{chainID: chainID, store: store, cfg: cfg,
		slots: limit.NewSlots(cfg.MaxStreams, cfg.MaxStreamsPerPeer), rate: limit.NewRate(cfg.RowsPerSecond, cfg.Burst)}
}

// Protocol is the protocol id the server answers.
func (s *RowServer) Protocol() p2p.ProtocolID { return RowsProtocolID(s.chainID) }

// Register serves the protocol on h.
func (s *RowServer) Register(h p2p.Host) { h.SetStreamHandler(s.Protocol(), s.HandleStream) }

// RowsServed counts the whole rows served.
func (s *RowServer) RowsServed() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.served
}

// HandleStream serves one stream: one framed request, one framed response.
func (s *RowServer) HandleStream(st p2p.Stream) {
	peer := st.RemotePeer()
	if !s.slots.Acquire(peer) {
		st.Reset()
		return
	}
	defer s.slots.Release(peer)
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.RequestTimeout)
	defer cancel()
	deadline, _ := ctx.Deadline()
	if err := st.SetDeadline(deadline); err != nil {
		st.Reset()
		return
	}
	msg, err := readFrame(st, RowRequestSize)
	if err != nil {
		st.Reset()
		return
	}
	var resp *RowResponse
	q, err := DecodeRowRequest(msg)
	if err != nil {
		resp = &RowResponse{Status: RowBadRequest}
	} else {
		resp = s.Respond(ctx, peer, q)
	}
	out, err := resp.Encode()
	if err != nil {
		st.Reset()
		return
	}
	if _, err := st.Write(frame(out)); err != nil {
		st.Reset()
		return
	}
	st.Close()
}

// Respond answers a decoded request from peer (rate limit, misbehaviour
// hooks included).
func (s *RowServer) Respond(ctx context.Context, peer p2p.PeerID, q *RowRequest) *RowResponse {
	r := &RowResponse{Height: q.Height, Hash: q.Hash, Row: q.Row}
	if !s.rate.Allow(peer, 1) {
		r.Status = RowRateLimited
		return r
	}
	k, err := s.store.K(ctx, q.Height, q.Hash)
	if err != nil {
		r.Status = RowUnknownBlock
		return r
	}
	if q.Row >= 2*k {
		r.Status = RowBadRequest
		return r
	}
	mb := s.cfg.Misbehavior
	if mb != nil && mb.Withhold != nil {
		for c := range kzg.CellsPerRow {
			if mb.Withhold(q.Height, das.Coord{Row: q.Row, Col: c}) {
				r.Status = RowNotFound
				return r
			}
		}
	}
	cells, proofs, err := s.readRow(ctx, q)
	switch {
	case errors.Is(err, das.ErrUnknownBlock):
		r.Status = RowUnknownBlock
		return r
	case err != nil:
		r.Status = RowNotFound
		return r
	}
	if mb != nil && mb.Tamper != nil {
		tampered, ok := tamperRow(mb.Tamper, q, cells, proofs)
		if !ok {
			r.Status = RowNotFound
			return r
		}
		cells, proofs = tampered.cells, tampered.proofs
	}
	r.Status, r.Cells, r.Proofs = RowOK, cells, proofs
	s.mu.Lock()
	s.served++
	s.mu.Unlock()
	return r
}

// errRowIncomplete: the store lacks a cell of the row.
var errRowIncomplete = errors.New("node: row incomplete in the store")

// readRow reads a whole row, in one read of the store when it can (every
// cell is still checked by the store).
func (s *RowServer) readRow(ctx context.Context, q *RowRequest) (*[kzg.CellsPerRow]kzg.Cell, *[kzg.CellsPerRow]kzg.Proof, error) {
	cells := new([kzg.CellsPerRow]kzg.Cell)
	proofs := new([kzg.CellsPerRow]kzg.Proof)
	if bs, ok := s.store.(das.BatchBlockStore); ok {
		entries := make([]das.Entry, kzg.CellsPerRow)
		for c := range entries {
			entries[c].Coord = das.Coord{Row: q.Row, Col: c}
		}
		if err := bs.Samples(ctx, q.Height, q.Hash, entries); err != nil {
			return nil, nil, err
		}
		for c, e := range entries {
			if !e.Found {
				return nil, nil, errRowIncomplete
			}
			cells[c], proofs[c] = e.Cell, e.Proof
		}
		return cells, proofs, nil
	}
	for c := range kzg.CellsPerRow {
		cell, proof, err := s.store.Sample(ctx, q.Height, q.Hash, q.Row, c)
		if err != nil {
			return nil, nil, err
		}
		cells[c], proofs[c] = cell, proof
	}
	return cells, proofs, nil
}

type rowData struct {
	cells  *[kzg.CellsPerRow]kzg.Cell
	proofs *[kzg.CellsPerRow]kzg.Proof
}

// tamperRow runs a das Tamper hook on a row seen as two 64-cell sample
// requests (the das protocol's limit); ok is false when the hook made the
// answer something other than the whole row.
func tamperRow(tamper func(*das.Request, *das.Response), q *RowRequest, cells *[kzg.CellsPerRow]kzg.Cell, proofs *[kzg.CellsPerRow]kzg.Proof) (rowData, bool) {
	out := rowData{cells: new([kzg.CellsPerRow]kzg.Cell), proofs: new([kzg.CellsPerRow]kzg.Proof)}
	for half := range 2 {
		dq := &das.Request{Height: q.Height, Hash: q.Hash}
		dr := &das.Response{Status: das.ResponseOK, Height: q.Height, Hash: q.Hash}
		for c := half * das.MaxCellsPerRequest; c < (half+1)*das.MaxCellsPerRequest; c++ {
			coord := das.Coord{Row: q.Row, Col: c}
			dq.Cells = append(dq.Cells, coord)
			dr.Entries = append(dr.Entries, das.Entry{Coord: coord, Found: true, Cell: cells[c], Proof: proofs[c]})
		}
		tamper(dq, dr)
		if dr.Status != das.ResponseOK || dr.Match(dq) != nil {
			return rowData{}, false
		}
		for _, e := range dr.Entries {
			if !e.Found {
				return rowData{}, false
			}
			out.cells[e.Col], out.proofs[e.Col] = e.Cell, e.Proof
		}
	}
	return out, true
}

// FetchRow asks peer for one row over proto and returns its matching,
// well-formed response (not yet verified). The exchange is bounded by ctx;
// cancelling ctx resets the stream.
func FetchRow(ctx context.Context, host p2p.Host, proto p2p.ProtocolID, peer p2p.PeerID, q *RowRequest) (*RowResponse, error) {
	msg, err := q.Encode()
	if err != nil {
		return nil, err
	}
	st, err := host.NewStream(ctx, peer, proto)
	if err != nil {
		return nil, fmt.Errorf("node: rows stream to %s: %w", peer, err)
	}
	stop := context.AfterFunc(ctx, func() { st.Reset() })
	defer stop()
	if dl, ok := ctx.Deadline(); ok {
		if err := st.SetDeadline(dl); err != nil {
			st.Reset()
			return nil, fmt.Errorf("node: rows stream to %s: %w", peer, err)
		}
	}
	resp, err := rowExchange(st, msg, q)
	if err != nil {
		st.Reset()
		if cerr := ctx.Err(); cerr != nil {
			err = fmt.Errorf("%w: %w", cerr, err)
		}
		return nil, fmt.Errorf("node: row request to %s: %w", peer, err)
	}
	st.Close()
	return resp, nil
}

func rowExchange(st p2p.Stream, msg []byte, q *RowRequest) (*RowResponse, error) {
	if _, err := st.Write(frame(msg)); err != nil {
		return nil, fmt.Errorf("writing request: %w", err)
	}
	if err := st.CloseWrite(); err != nil {
		return nil, fmt.Errorf("closing request: %w", err)
	}
	b, err := readFrame(st, MaxRowResponseSize)
	if err != nil {
		return nil, err
	}
	resp, err := DecodeRowResponse(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRowPeer, err)
	}
	if err := resp.Match(q); err != nil {
		return nil, err
	}
	return resp, nil
}

// VerifyRow checks a row's 128 cells and proofs against the block's k
// original commitments (an extended row's commitment is derived inside the
// batch, never taken from the network).
func VerifyRow(v *kzg.Verifier, commitments []kzg.Commitment, row int, cells *[kzg.CellsPerRow]kzg.Cell, proofs *[kzg.CellsPerRow]kzg.Proof) error {
	samples := make([]kzg.Sample, kzg.CellsPerRow)
	for c := range samples {
		samples[c] = kzg.Sample{Row: row, Column: c, Cell: cells[c], Proof: proofs[c]}
	}
	if err := v.VerifySamples(commitments, samples); err != nil {
		return fmt.Errorf("%w: row %d: %w", ErrRowPeer, row, err)
	}
	return nil
}
