package das

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"lightdas/headers"
	"lightdas/p2p"
	"lightdas/p2p/limit"
)

// ServerConfig configures a Server; zero fields take the defaults.
type ServerConfig struct {
	// RequestTimeout bounds one exchange (reading the request, writing
	// the response). Default 10 s.
	RequestTimeout time.Duration
	// MaxStreams caps the streams served at once; MaxStreamsPerPeer the
	// streams of one peer. Streams beyond a cap are reset at once.
	// Defaults 64 and 8.
	MaxStreams        int
	MaxStreamsPerPeer int
	// CellsPerSecond and Burst are each peer's token bucket, counted in
	// requested cells: a request costs its cell count, and one that does
	// not fit is answered ResponseRateLimited. Defaults 1024 and 2048.
	CellsPerSecond float64
	Burst          int
	// Misbehavior, when set, makes the server lie (tests and devnets).
	Misbehavior *Misbehavior
}

// Misbehavior hooks into a server's answers to simulate adversaries. Nil
// fields behave honestly.
type Misbehavior struct {
	// Withhold reports the cells the server pretends not to have.
	Withhold func(height uint64, c Coord) bool
	// Tamper edits a response before it is encoded: corrupt cells or
	// proofs, answer other or more cells, change the status.
	Tamper func(q *Request, r *Response)
	// Send replaces writing the encoded response frame (u32 length ||
	// message) to the stream: stall, write part of it, reset. The server
	// closes the stream after Send returns nil and resets it otherwise.
	Send func(st p2p.Stream, frame []byte) error
}

func (c *ServerConfig) defaults() {
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = 10 * time.Second
	}
	if c.MaxStreams <= 0 {
		c.MaxStreams = 64
	}
	if c.MaxStreamsPerPeer <= 0 {
		c.MaxStreamsPerPeer = 8
	}
	if c.CellsPerSecond <= 0 {
		c.CellsPerSecond = 1024
	}
	if c.Burst <= 0 {
		c.Burst = 2048
	}
}

// BatchBlockStore is a BlockStore that reads many cells of one block at
// once. A Server uses Samples when its store has it: one read transaction
// per request, and a store whose records are checksummed (node/store)
// checks only what it serves.
type BatchBlockStore interface {
	BlockStore
	// Samples answers every entry's Coord: Found with the cell and its
	// proof, or not found (Found false, cell and proof zero) when the
	// store lacks or cannot read that cell. The coordinates are in the
	// block (rows below 2k). It returns an error wrapping ErrUnknownBlock
	// when the block is not stored, and another error for cells it could
	// not read (the entries it read stay filled).
	Samples(ctx context.Context, height uint64, hash headers.Hash, entries []Entry) error
}

// Server answers sample requests from a BlockStore.
type Server struct {
	chainID string
	store   BlockStore
	cfg     ServerConfig
	slots   *limit.Slots
	rate    *limit.Rate // in cells

	served atomic.Uint64 // cells answered found
}

// NewServer returns a server of chainID's sample protocol.
func NewServer(chainID string, store BlockStore, cfg ServerConfig) (*Server, error) {
	if err := headers.ValidateChainID(chainID); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if store == nil {
		return nil, fmt.Errorf("%w: nil block store", ErrConfig)
	}
	cfg.defaults()
	return &Server{
		chainID: chainID,
		store:   store,
		cfg:     cfg,
		slots:   limit.NewSlots(cfg.MaxStreams, cfg.MaxStreamsPerPeer),
		rate:    limit.NewRate(cfg.CellsPerSecond, cfg.Burst),
	}, nil
}

// Protocol is the protocol id the server answers.
func (s *Server) Protocol() p2p.ProtocolID { return ProtocolID(s.chainID) }

// Register serves the protocol on h (replacing any handler).
func (s *Server) Register(h p2p.Host) { h.SetStreamHandler(s.Protocol(), s.HandleStream) }

// CellsServed counts the cells answered as found so far.
func (s *Server) CellsServed() uint64 { return s.served.Load() }

// HandleStream serves one incoming stream: one framed request, one framed
// response. It owns the stream.
func (s *Server) HandleStream(st p2p.Stream) {
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
	reqMsg, err := readFrame(st, MaxRequestSize)
	if err != nil {
		st.Reset()
		return
	}
	var resp *Response
	q, err := DecodeRequest(reqMsg)
	if err != nil {
		resp = &Response{Status: ResponseBadRequest}
	} else {
		resp = s.Respond(ctx, peer, q)
	}
	if mb := s.cfg.Misbehavior; mb != nil && mb.Tamper != nil && q != nil {
		mb.Tamper(q, resp)
	}
	msg, err := resp.Encode()
	if err != nil {
		st.Reset()
		return
	}
	buf := frame(msg)
	if mb := s.cfg.Misbehavior; mb != nil && mb.Send != nil {
		err = mb.Send(st, buf)
	} else {
		_, err = st.Write(buf)
	}
	if err != nil {
		st.Reset()
		return
	}
	st.Close()
}

// Respond computes the answer to a decoded request from peer, applying the
// rate limit and the Withhold hook (not Tamper or Send, which act on the
// stream path).
func (s *Server) Respond(ctx context.Context, peer p2p.PeerID, q *Request) *Response {
	r := &Response{Height: q.Height, Hash: q.Hash}
	if !s.rate.Allow(peer, float64(len(q.Cells))) {
		r.Status = ResponseRateLimited
		return r
	}
	k, err := s.store.K(ctx, q.Height, q.Hash)
	if err != nil {
		r.Status = ResponseUnknownBlock
		return r
	}
	for _, c := range q.Cells {
		if c.Row >= 2*k {
			r.Status = ResponseBadRequest
			return r
		}
	}
	r.Entries = make([]Entry, len(q.Cells))
	for i, c := range q.Cells {
		r.Entries[i].Coord = c
	}
	var withhold func(uint64, Coord) bool
	if mb := s.cfg.Misbehavior; mb != nil {
		withhold = mb.Withhold
	}
	if bs, ok := s.store.(BatchBlockStore); ok {
		err = bs.Samples(ctx, q.Height, q.Hash, r.Entries)
		if err != nil && !errors.Is(err, ErrUnknownBlock) {
			// Cells the store could not read (a damaged record) are
			// answered not found, the others served, as Sample would
			// answer cell by cell.
			err = nil
		}
		for i := range r.Entries {
			if e := &r.Entries[i]; withhold != nil && e.Found && withhold(q.Height, e.Coord) {
				*e = Entry{Coord: e.Coord}
			}
		}
	} else {
		err = s.sampleEach(ctx, q, r.Entries, withhold)
	}
	if err != nil {
		// Pruned between K and reading the cells: answer consistently.
		return &Response{Status: ResponseUnknownBlock, Height: q.Height, Hash: q.Hash}
	}
	found := 0
	for i := range r.Entries {
		if r.Entries[i].Found {
			found++
		}
	}
	s.served.Add(uint64(found))
	return r
}

// sampleEach fills entries cell by cell from a store without batch reads.
// It returns an error wrapping ErrUnknownBlock if the block disappears.
func (s *Server) sampleEach(ctx context.Context, q *Request, entries []Entry, withhold func(uint64, Coord) bool) error {
	for i := range entries {
		e := &entries[i]
		if withhold != nil && withhold(q.Height, e.Coord) {
			continue
		}
		cell, proof, err := s.store.Sample(ctx, q.Height, q.Hash, e.Row, e.Col)
		switch {
		case err == nil:
			e.Found, e.Cell, e.Proof = true, cell, proof
		case errors.Is(err, ErrUnknownBlock):
			return err
		}
	}
	return nil
}
