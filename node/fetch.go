package node

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"lightdas/erasure"
	"lightdas/headers"
	"lightdas/kzg"
	"lightdas/p2p"
)

// blockFetcher completes extended blocks from peers over the rows
// protocol, trusting nothing but the header: every row is verified against
// the header's k commitments before it counts.
type blockFetcher struct {
	host        p2p.Host
	proto       p2p.ProtocolID
	verifier    *kzg.Verifier
	prover      func() (*kzg.Prover, error) // built on first recovery
	codec       func() *erasure.Codec       // built on first decoding
	timeout     time.Duration               // one row request
	concurrency int
	banFor      time.Duration
	// onPenalty is called from the fetch workers, concurrently.
	onPenalty func(peer p2p.PeerID, height uint64, err error, until time.Time)

	mu     sync.Mutex
	banned map[p2p.PeerID]time.Time // served bad rows
	skip   map[p2p.PeerID]time.Time // do not serve the protocol
}

func newBlockFetcher(host p2p.Host, chainID string, v *kzg.Verifier, prover func() (*kzg.Prover, error)) *blockFetcher {
	return &blockFetcher{host: host, proto: RowsProtocolID(chainID), verifier: v, prover: prover,
		codec:   sync.OnceValue(erasure.NewCodec),
		timeout: 10 * time.Second, concurrency: 4, banFor: 10 * time.Minute,
		banned: map[p2p.PeerID]time.Time{}, skip: map[p2p.PeerID]time.Time{}}
}

// candidates are the connected peers worth asking, in random order.
func (f *blockFetcher) candidates() []p2p.PeerID {
	now := time.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []p2p.PeerID
	for _, p := range f.host.Peers() {
		if now.Before(f.banned[p]) || now.Before(f.skip[p]) {
			continue
		}
		out = append(out, p)
	}
	rand.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// Banned lists the peers banned for bad rows, with the end of the ban.
func (f *blockFetcher) Banned() map[p2p.PeerID]time.Time {
	now := time.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[p2p.PeerID]time.Time{}
	for p, t := range f.banned {
		if now.Before(t) {
			out[p] = t
		}
	}
	return out
}

func (f *blockFetcher) ban(p p2p.PeerID, height uint64, err error) {
	until := time.Now().Add(f.banFor)
	f.mu.Lock()
	f.banned[p] = until
	f.mu.Unlock()
	if f.onPenalty != nil {
		f.onPenalty(p, height, err, until)
	}
}

// fetch returns the verified extended block of h, or an error wrapping
// ErrBlockUnavailable (a *RowsUnavailableError naming the rows no peer
// served when fewer than k rows verified). Rows are spread over the
// candidates (row r starts at candidate r mod n) and asked elsewhere when a
// peer fails them. Any k verified rows of the 2k determine the block: when
// some are missing, the original rows are decoded column-wise from the
// verified ones and the block is re-encoded and checked against the header.
//
// got holds the rows verified by earlier attempts at the same header (nil:
// none); fetch asks only for the others and adds what verifies, so a retry
// keeps what the previous attempts got.
func (f *blockFetcher) fetch(ctx context.Context, h *headers.Header, got *blockRows) (*kzg.ExtendedBlock, error) {
	k := h.K()
	if got == nil || len(got.have) != 2*k {
		got = newBlockRows(k)
	}
	originals := make([]kzg.Commitment, k)
	for i, c := range h.Commitments {
		originals[i] = kzg.Commitment(c)
		// A signed header with a commitment that is not a G1 point can
		// never verify: refuse it before blaming any peer for its rows.
		if _, err := originals[i].Point(); err != nil {
			return nil, fmt.Errorf("node: height %d: header commitment %d: %w", h.Height, i, err)
		}
	}
	peers := f.candidates()
	if len(peers) == 0 {
		return nil, fmt.Errorf("%w: height %d: no peers", ErrBlockUnavailable, h.Height)
	}
	cells, proofs, have := got.cells, got.proofs, got.have
	rows := make(chan int, 2*k)
	for r := range 2 * k {
		if !have[r] {
			rows <- r
		}
	}
	close(rows)
	var wg sync.WaitGroup
	for range min(f.concurrency, 2*k) {
		wg.Go(func() {
			for r := range rows {
				if ctx.Err() != nil {
					return
				}
				c, p, ok := f.fetchRow(ctx, h, originals, r, peers)
				if ok {
					cells[r], proofs[r], have[r] = *c, *p, true
				}
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var missing []int
	for r, ok := range have {
		if !ok {
			missing = append(missing, r)
		}
	}
	if len(missing) == 0 {
		cs, err := kzg.ExtendCommitments(originals)
		if err != nil {
			return nil, fmt.Errorf("node: height %d: %w", h.Height, err)
		}
		return &kzg.ExtendedBlock{K: k, Commitments: cs, Cells: cells, Proofs: proofs}, nil
	}
	// Whole rows: the pattern decodes iff at least k rows verified, but
	// erasure's peeling rule is the one definition of decodable.
	if err := erasure.Decodable(k, func(r, _ int) bool { return have[r] }); err != nil {
		if !errors.Is(err, erasure.ErrUndecodable) {
			return nil, fmt.Errorf("node: height %d: %w", h.Height, err) // unreachable: k validated by the header
		}
		return nil, &RowsUnavailableError{Height: h.Height, Missing: missing, Verified: 2*k - len(missing), K: k, Peers: len(peers)}
	}
	blobs, lost, err := f.originalBlobs(h, cells, have)
	if err != nil {
		return nil, err
	}
	return f.rebuild(h, originals, blobs, lost)
}

// blockRows are the verified rows of one block, filled in by fetch.
type blockRows struct {
	cells  [][kzg.CellsPerRow]kzg.Cell
	proofs [][kzg.CellsPerRow]kzg.Proof
	have   []bool
}

func newBlockRows(k int) *blockRows {
	return &blockRows{cells: make([][kzg.CellsPerRow]kzg.Cell, 2*k),
		proofs: make([][kzg.CellsPerRow]kzg.Proof, 2*k), have: make([]bool, 2*k)}
}

// RowsUnavailableError: fewer than K of a block's 2K rows were served and
// verified, so the block cannot be decoded. It wraps ErrBlockUnavailable.
type RowsUnavailableError struct {
	Height   uint64
	Missing  []int // rows no peer served with valid proofs, ascending
	Verified int   // rows that verified
	K        int   // any K verified rows determine the block
	Peers    int   // peers asked
}

func (e *RowsUnavailableError) Error() string {
	return fmt.Sprintf("%v: height %d: rows %v not served by any of %d peers; %d of %d rows verified, any %d recover the block",
		ErrBlockUnavailable, e.Height, e.Missing, e.Peers, e.Verified, 2*e.K, e.K)
}

func (e *RowsUnavailableError) Unwrap() error { return ErrBlockUnavailable }

// originalBlobs returns the blobs of the k original rows (the first 64
// cells of an original row are its blob) and the original rows that had to
// be decoded. Verified original rows are copied; missing ones are decoded
// from the verified rows, original and extended, with erasure.RecoverBlock:
// every row present is whole, so each column holds at least k of its 2k
// cells and only column (Lagrange) decoding runs, no row recovery.
func (f *blockFetcher) originalBlobs(h *headers.Header, cells [][kzg.CellsPerRow]kzg.Cell, have []bool) ([]kzg.Blob, []int, error) {
	k := h.K()
	blobs := make([]kzg.Blob, k)
	var lost []int
	for r := range k {
		if !have[r] {
			lost = append(lost, r)
			continue
		}
		for c := range kzg.FieldElementsPerBlob / kzg.FieldElementsPerCell {
			copy(blobs[r][c*kzg.BytesPerCell:], cells[r][c][:])
		}
	}
	if len(lost) == 0 {
		return blobs, nil, nil
	}
	grid, err := f.decodeRows(k, cells, have)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: height %d: decoding original rows %v from the verified rows: %w", ErrBlockUnavailable, h.Height, lost, err)
	}
	for _, r := range lost {
		b, err := kzg.BlobFromElements(grid.Rows[r][:kzg.FieldElementsPerBlob])
		if err != nil {
			return nil, nil, fmt.Errorf("node: height %d: decoded row %d: %w", h.Height, r, err) // unreachable: 4096 elements
		}
		blobs[r] = *b
	}
	return blobs, lost, nil
}

// decodeRows completes the 2k x 128 grid from the rows marked in have.
// RecoverBlock also checks that the result is a 2D codeword agreeing with
// every given cell; verified rows always are one (each lies on the
// polynomial its derived commitment binds), so a failure here means a
// broken verifier, and it is reported, not stored.
func (f *blockFetcher) decodeRows(k int, cells [][kzg.CellsPerRow]kzg.Cell, have []bool) (*erasure.Block, error) {
	pb, err := erasure.NewPartialBlock(k)
	if err != nil {
		return nil, err
	}
	for r, ok := range have {
		if !ok {
			continue
		}
		for c := range kzg.CellsPerRow {
			if pb.Cells[r][c], err = cells[r][c].Elements(); err != nil {
				return nil, fmt.Errorf("row %d cell %d: %w", r, c, err)
			}
		}
	}
	return f.codec().RecoverBlock(pb)
}

// rebuild re-encodes the block from the blobs of its k original rows and
// checks that the commitments come out as the header's. decoded names the
// original rows that were decoded rather than fetched (for the error).
func (f *blockFetcher) rebuild(h *headers.Header, originals []kzg.Commitment, blobs []kzg.Blob, decoded []int) (*kzg.ExtendedBlock, error) {
	prover, err := f.prover()
	if err != nil {
		return nil, fmt.Errorf("node: height %d: recovery needs the prover: %w", h.Height, err)
	}
	eb, err := prover.ExtendBlock(blobs)
	if err != nil {
		return nil, fmt.Errorf("node: height %d: re-encoding: %w", h.Height, err)
	}
	if eb.K != len(originals) {
		return nil, fmt.Errorf("%w: height %d: re-encoded block has k = %d, header %d", ErrBlockUnavailable, h.Height, eb.K, len(originals))
	}
	for r := range originals {
		if eb.Commitments[r] != originals[r] {
			return nil, fmt.Errorf("%w: height %d: re-encoded commitment of row %d differs from the header's (rows decoded: %v)",
				ErrBlockUnavailable, h.Height, r, decoded)
		}
	}
	return eb, nil
}

// fetchRow asks the peers in turn, starting at row mod n, until one serves
// row r and it verifies.
func (f *blockFetcher) fetchRow(ctx context.Context, h *headers.Header, originals []kzg.Commitment, r int, peers []p2p.PeerID) (*[kzg.CellsPerRow]kzg.Cell, *[kzg.CellsPerRow]kzg.Proof, bool) {
	q := &RowRequest{Height: h.Height, Hash: h.Hash(), Row: r}
	for i := range peers {
		p := peers[(r+i)%len(peers)]
		if f.isBanned(p) {
			continue
		}
		rctx, cancel := context.WithTimeout(ctx, f.timeout)
		resp, err := FetchRow(rctx, f.host, f.proto, p, q)
		cancel()
		switch {
		case ctx.Err() != nil:
			return nil, nil, false
		case errors.Is(err, p2p.ErrProtocolNotSupported):
			f.mu.Lock()
			f.skip[p] = time.Now().Add(time.Minute)
			f.mu.Unlock()
			continue
		case errors.Is(err, ErrRowPeer):
			f.ban(p, h.Height, err)
			continue
		case err != nil:
			continue // transport failure: ask elsewhere
		case resp.Status != RowOK:
			continue
		}
		if err := VerifyRow(f.verifier, originals, r, resp.Cells, resp.Proofs); err != nil {
			f.ban(p, h.Height, err)
			continue
		}
		return resp.Cells, resp.Proofs, true
	}
	return nil, nil, false
}

func (f *blockFetcher) isBanned(p p2p.PeerID) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return time.Now().Before(f.banned[p])
}
