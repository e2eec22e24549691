package light

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"

	"lightdas/das"
)

// Block statuses of BlockResult.Status.
const (
	StatusAvailable   = "available"
	StatusUnavailable = "unavailable"
	StatusInvalid     = "invalid"
	// StatusPending: no verdict yet (queued, in flight, waiting for a
	// retry, or the header could not be had: das.Skipped).
	StatusPending = "pending"
)

// Cell is a sampled cell of the extended 2k x 128 grid; Outcome is set in
// BlockResult.Cells (OutcomeVerified, OutcomeInvalid or OutcomeMissing).
type Cell struct {
	Row     int    `json:"row"`
	Col     int    `json:"col"`
	Outcome string `json:"outcome,omitempty"`
}

// BlockResult is the verdict of one height with its sampled cells. Its
// JSON form extends the node API's block result with "cells".
type BlockResult struct {
	Height     uint64  `json:"height"`
	Hash       string  `json:"hash,omitempty"` // hex; empty when the header is unknown
	K          int     `json:"k,omitempty"`
	Status     string  `json:"status"`
	Confidence float64 `json:"confidence"`
	Samples    int     `json:"samples"`
	Verified   int     `json:"verified"`
	Missing    []Cell  `json:"missing,omitempty"`
	Peers      int     `json:"peers"`
	Requests   int     `json:"requests"`
	Attempt    int     `json:"attempt"`
	// Cells are the sampled cells with their outcome (empty when the
	// client did not see the sampling start, e.g. a result restored from
	// an older store).
	Cells      []Cell     `json:"cells,omitempty"`
	ReceivedAt *time.Time `json:"received_at,omitempty"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	DurationMs float64    `json:"duration_ms"`
	VerifyMs   float64    `json:"verify_ms"`
	LatencyMs  float64    `json:"latency_ms"` // header received to verdict
	Error      string     `json:"error,omitempty"`
}

// MaxResultSize bounds one encoded BlockResult (64 cells of a 128-row
// grid with their outcomes fit in a few KB; the rest is slack).
const MaxResultSize = 64 << 10

// MarshalBinary encodes the result for a ResultStore (JSON).
func (r *BlockResult) MarshalBinary() ([]byte, error) { return json.Marshal(r) }

// UnmarshalBinary decodes a stored result strictly: one JSON object of at
// most MaxResultSize bytes with known fields, a known status and cells on
// the grid. Errors wrap ErrCorrupt; on error r is unchanged.
func (r *BlockResult) UnmarshalBinary(b []byte) error {
	if len(b) > MaxResultSize {
		return fmt.Errorf("%w: block result of %d bytes", ErrCorrupt, len(b))
	}
	var out BlockResult
	if err := strictJSON(b, &out); err != nil {
		return fmt.Errorf("%w: block result: %v", ErrCorrupt, err)
	}
	if err := out.validate(); err != nil {
		return err
	}
	*r = out
	return nil
}

func (r *BlockResult) validate() error {
	switch r.Status {
	case StatusAvailable, StatusUnavailable, StatusInvalid, StatusPending:
	default:
		return fmt.Errorf("%w: block result status %q", ErrCorrupt, r.Status)
	}
	if r.Height == 0 || r.K < 0 || r.K > 64 || r.Samples < 0 || r.Verified < 0 || r.Verified > r.Samples {
		return fmt.Errorf("%w: block result of height %d: k %d, %d of %d samples", ErrCorrupt, r.Height, r.K, r.Verified, r.Samples)
	}
	rows := 2 * max(r.K, 1)
	for _, list := range [][]Cell{r.Cells, r.Missing} {
		for _, c := range list {
			if c.Row < 0 || c.Row >= rows || c.Col < 0 || c.Col >= 128 {
				return fmt.Errorf("%w: block result of height %d: cell (%d, %d) off the grid", ErrCorrupt, r.Height, c.Row, c.Col)
			}
		}
	}
	return nil
}

// ResultStore persists per-height verdicts, so that a restarted client
// shows what it sampled before without sampling it again. Implementations
// must be safe for concurrent use.
type ResultStore interface {
	// PutResult stores r, replacing any result of its height.
	PutResult(ctx context.Context, r *BlockResult) error
	// Result returns the stored result of height, or an error wrapping
	// ErrNotFound.
	Result(ctx context.Context, height uint64) (*BlockResult, error)
	// Results returns the stored results of heights in [from, to],
	// ascending, at most MaxResults of them (the highest).
	Results(ctx context.Context, from, to uint64) ([]*BlockResult, error)
	// PruneResults deletes the results below height.
	PruneResults(ctx context.Context, below uint64) error
}

// MaxResults bounds one ResultStore.Results answer.
const MaxResults = 512

// MemResultStore is an in-memory ResultStore that keeps results in their
// encoded form (so every save and load exercises the codec).
type MemResultStore struct {
	mu sync.Mutex
	m  map[uint64][]byte
}

// NewMemResultStore returns an empty store.
func NewMemResultStore() *MemResultStore { return &MemResultStore{m: map[uint64][]byte{}} }

// PutResult implements ResultStore.
func (s *MemResultStore) PutResult(_ context.Context, r *BlockResult) error {
	if err := r.validate(); err != nil {
		return err
	}
	b, err := r.MarshalBinary()
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.m[r.Height] = b
	s.mu.Unlock()
	return nil
}

// Result implements ResultStore.
func (s *MemResultStore) Result(_ context.Context, height uint64) (*BlockResult, error) {
	s.mu.Lock()
	b, ok := s.m[height]
	s.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("%w: no result for height %d", ErrNotFound, height)
	}
	r := new(BlockResult)
	return r, r.UnmarshalBinary(b)
}

// Results implements ResultStore.
func (s *MemResultStore) Results(_ context.Context, from, to uint64) ([]*BlockResult, error) {
	s.mu.Lock()
	var hs []uint64
	for h := range s.m {
		if h >= from && h <= to {
			hs = append(hs, h)
		}
	}
	slices.Sort(hs)
	if len(hs) > MaxResults {
		hs = hs[len(hs)-MaxResults:]
	}
	raw := make([][]byte, len(hs))
	for i, h := range hs {
		raw[i] = s.m[h]
	}
	s.mu.Unlock()
	out := make([]*BlockResult, len(raw))
	for i, b := range raw {
		out[i] = new(BlockResult)
		if err := out[i].UnmarshalBinary(b); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// PruneResults implements ResultStore.
func (s *MemResultStore) PruneResults(_ context.Context, below uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for h := range s.m {
		if h < below {
			delete(s.m, h)
		}
	}
	return nil
}

// fromDAS converts a sampler verdict; cells are the drawn cells (nil when
// unknown) and invalid the ones some peer served invalid data for.
func fromDAS(r *das.BlockResult, cells []das.Coord, invalid map[das.Coord]bool) *BlockResult {
	out := &BlockResult{
		Height:     r.Height,
		K:          r.K,
		Confidence: r.Confidence,
		Samples:    r.Samples,
		Verified:   r.Verified,
		Peers:      r.Peers,
		Requests:   r.Requests,
		Attempt:    r.Attempt,
		DurationMs: ms(r.Duration),
		VerifyMs:   ms(r.Verify),
	}
	if !r.Hash.IsZero() {
		out.Hash = r.Hash.String()
	}
	switch r.Status {
	case das.Available:
		out.Status = StatusAvailable
	case das.Unavailable:
		out.Status = StatusUnavailable
	case das.Invalid:
		out.Status = StatusInvalid
	default:
		out.Status = StatusPending
	}
	missing := make(map[das.Coord]bool, len(r.Missing))
	for _, c := range r.Missing {
		missing[c] = true
		out.Missing = append(out.Missing, Cell{Row: c.Row, Col: c.Col})
	}
	for _, c := range cells {
		o := OutcomeVerified
		switch {
		case invalid[c] && missing[c]:
			o = OutcomeInvalid
		case missing[c]:
			o = OutcomeMissing
		}
		out.Cells = append(out.Cells, Cell{Row: c.Row, Col: c.Col, Outcome: o})
	}
	if !r.Received.IsZero() {
		t := r.Received
		out.ReceivedAt = &t
	}
	if !r.Started.IsZero() {
		t := r.Started
		out.StartedAt = &t
		if !r.Received.IsZero() {
			out.LatencyMs = ms(r.Started.Add(r.Duration).Sub(r.Received))
		}
	}
	if r.Err != nil {
		out.Error = r.Err.Error()
	}
	return out
}

// cellTracker remembers the cells drawn for the blocks being sampled and
// which of them met invalid data, until each block's verdict.
type cellTracker struct {
	mu     sync.Mutex
	blocks map[uint64]*tracked
}

type tracked struct {
	cells   []das.Coord
	invalid map[das.Coord]bool
}

// maxTracked bounds the blocks tracked at once: far above the sampler's
// concurrency, so only heights whose sampling was abandoned (shutdown) are
// ever dropped.
const maxTracked = 256

func newCellTracker() *cellTracker { return &cellTracker{blocks: map[uint64]*tracked{}} }

func (t *cellTracker) started(e *das.BlockStarted) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.blocks[e.Height] = &tracked{cells: e.Cells, invalid: map[das.Coord]bool{}}
	if len(t.blocks) > maxTracked {
		hs := make([]uint64, 0, len(t.blocks))
		for h := range t.blocks {
			hs = append(hs, h)
		}
		slices.Sort(hs)
		for _, h := range hs[:len(hs)-maxTracked] {
			delete(t.blocks, h)
		}
	}
}

func (t *cellTracker) cell(e *das.CellResult) {
	if e.Outcome != das.CellInvalid {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if b := t.blocks[e.Height]; b != nil {
		b.invalid[e.Coord] = true
	}
}

// finish returns and forgets the cells of height (only when the tracked
// sampling is the one that ended: the block hash and cell count agree).
func (t *cellTracker) finish(r *das.BlockResult) ([]das.Coord, map[das.Coord]bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.blocks[r.Height]
	if b == nil {
		return nil, nil
	}
	delete(t.blocks, r.Height)
	if len(b.cells) != r.Samples {
		return nil, nil
	}
	return b.cells, b.invalid
}
