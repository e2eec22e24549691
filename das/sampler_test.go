package das

import (
	"context"
	"errors"
	"math"
	"sync"
	"testing"

	"lightdas/kzg"
	"lightdas/p2p"
)

// TestHonestNetwork: blocks of every fixture size, handed over as new
// heads and caught up, all end available with at least the target
// confidence, with each block's cells spread over the three servers.
func TestHonestNetwork(t *testing.T) {
	ctx := testCtx(t)
	n := newTestNet(t)
	n.honest(3)
	var blocks []*fixture
	for _, k := range []int{2, 4, 8} {
		blocks = append(blocks, repeat(loadFixture(t, k), 2)...)
	}
	chain, store := n.signedChain(blocks...)
	s, log := n.sampler(nil, WithHeaders(store))
	runSampler(t, ctx, s)
	// The head first; the rest is catch-up from the header store.
	if err := s.HeaderVerified(chain.Head().Header); err != nil {
		t.Fatal(err)
	}
	results := log.waitBlocks(ctx, t, len(blocks))
	seen := map[uint64]bool{}
	for _, r := range results {
		if seen[r.Height] {
			t.Fatalf("height %d sampled twice", r.Height)
		}
		seen[r.Height] = true
		if r.Status != Available || r.Confidence < DefaultConfidence || r.Verified != r.Samples {
			t.Fatalf("height %d: %v, confidence %v, %d/%d verified (%v)", r.Height, r.Status, r.Confidence, r.Verified, r.Samples, r.Err)
		}
		want, _ := SamplesFor(r.K, DefaultConfidence)
		if r.Samples != want {
			t.Fatalf("height %d: %d samples, want %d", r.Height, r.Samples, want)
		}
		if r.Peers != 3 {
			t.Fatalf("height %d: cells from %d peers, want 3", r.Height, r.Peers)
		}
	}
	// Spread: no server saw more than ceil(n/3) of a block's cells.
	per := map[uint64]map[p2p.PeerID]int{}
	for _, c := range log.cells() {
		if c.Outcome != CellVerified {
			t.Fatalf("cell %+v at %s: %v (%v)", c.Coord, c.Peer, c.Outcome, c.Err)
		}
		if per[c.Height] == nil {
			per[c.Height] = map[p2p.PeerID]int{}
		}
		per[c.Height][c.Peer]++
	}
	for _, r := range results {
		limit := (r.Samples + 2) / 3
		for p, got := range per[r.Height] {
			if got > limit {
				t.Fatalf("height %d: peer %s got %d of %d cells, limit %d", r.Height, p, got, r.Samples, limit)
			}
		}
	}
	if len(log.penalties()) != 0 {
		t.Fatalf("honest peers penalised: %+v", log.penalties()[0])
	}
	head := uint64(len(blocks))
	st := s.Status()
	if st.NetworkHead != head || st.SampledHead != head || st.DoneUpTo != head || st.Available != len(blocks) || st.CatchUpPending != 0 || len(st.Failures) != 0 {
		t.Fatalf("status %+v", st)
	}
}

// TestEvents: one head through Run reports, in order, HeaderVerified,
// BlockStarted with the drawn cells, one CellResult per drawn cell, and the
// BlockResult with its confidence and timings, which are consistent with
// each other.
func TestEvents(t *testing.T) {
	ctx := testCtx(t)
	fx := loadFixture(t, 8)
	n := newTestNet(t)
	n.honest(3)
	chain, _ := n.signedChain(fx)
	h := chain.Head().Header
	s, log := n.sampler(nil)
	runSampler(t, ctx, s)
	if err := s.HeaderVerified(h); err != nil {
		t.Fatal(err)
	}
	log.waitBlocks(ctx, t, 1)
	events := log.snapshot()
	if len(events) < 3 {
		t.Fatalf("%d events", len(events))
	}
	hv, ok := events[0].(*HeaderVerified)
	if !ok || hv.Height != h.Height || hv.Hash != h.Hash() || hv.K != fx.k || hv.Time.IsZero() {
		t.Fatalf("first event %#v, want HeaderVerified of height %d", events[0], h.Height)
	}
	bs, ok := events[1].(*BlockStarted)
	want, _ := SamplesFor(fx.k, DefaultConfidence)
	if !ok || bs.Height != h.Height || bs.Hash != h.Hash() || bs.K != fx.k || bs.Attempt != 1 || len(bs.Cells) != want {
		t.Fatalf("second event %#v, want BlockStarted with %d cells", events[1], want)
	}
	res, ok := events[len(events)-1].(*BlockResult)
	if !ok {
		t.Fatalf("last event %#v, want the BlockResult", events[len(events)-1])
	}
	conf, _ := Confidence(fx.k, want)
	if res.Height != h.Height || res.Hash != h.Hash() || res.K != fx.k || res.Status != Available || res.Err != nil ||
		res.Confidence != conf || res.Confidence < DefaultConfidence || res.Samples != want || res.Verified != want ||
		len(res.Missing) != 0 || res.Peers != 3 || res.Requests < 3 || res.Attempt != 1 {
		t.Fatalf("result %+v", res)
	}
	// Timings: the header's arrival is the HeaderVerified time; sampling
	// starts after it; batch verification is part of the duration.
	if !res.Received.Equal(hv.Time) || res.Started.Before(res.Received) || !bs.Time.Equal(res.Started) ||
		res.Duration <= 0 || res.Verify <= 0 || res.Verify > res.Duration {
		t.Fatalf("timings: received %v (header at %v), started %v, duration %v, verify %v",
			res.Received, hv.Time, res.Started, res.Duration, res.Verify)
	}
	drawn := map[Coord]bool{}
	for _, c := range bs.Cells {
		drawn[c] = true
	}
	for _, e := range events[2 : len(events)-1] {
		c, ok := e.(*CellResult)
		if !ok {
			t.Fatalf("event %#v between the start and the result", e)
		}
		if c.Height != h.Height || c.Outcome != CellVerified || c.Err != nil || !drawn[c.Coord] || c.Elapsed < 0 || c.Elapsed > res.Duration {
			t.Fatalf("cell result %+v (block took %v)", c, res.Duration)
		}
		if _, ok := n.servers[c.Peer]; !ok {
			t.Fatalf("cell from %q, not a server", c.Peer)
		}
		delete(drawn, c.Coord)
	}
	if len(drawn) != 0 {
		t.Fatalf("no result for cells %v", drawn)
	}
	st := s.Status()
	if st.NetworkHead != h.Height || st.SampledHead != h.Height || st.DoneUpTo != h.Height || st.Available != 1 || len(st.Peers) != 3 {
		t.Fatalf("status %+v", st)
	}
}

// countingHost counts the streams its user has open at once (opened and
// not yet closed or reset).
type countingHost struct {
	p2p.Host
	mu        sync.Mutex
	open, top int
}

func (h *countingHost) NewStream(ctx context.Context, peer p2p.PeerID, proto p2p.ProtocolID) (p2p.Stream, error) {
	st, err := h.Host.NewStream(ctx, peer, proto)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	h.open++
	h.top = max(h.top, h.open)
	h.mu.Unlock()
	return &countedStream{Stream: st, h: h}, nil
}

type countedStream struct {
	p2p.Stream
	h    *countingHost
	once sync.Once
}

func (s *countedStream) done() {
	s.once.Do(func() {
		s.h.mu.Lock()
		s.h.open--
		s.h.mu.Unlock()
	})
}

func (s *countedStream) Close() error { s.done(); return s.Stream.Close() }
func (s *countedStream) Reset() error { s.done(); return s.Stream.Reset() }

// TestConcurrencyBounds: with more work waiting than the limits allow, the
// sampler never has more blocks or requests in flight than configured. The
// servers hold every answer until the request limit is reached once, so
// both limits are reached, and checked, on every run.
func TestConcurrencyBounds(t *testing.T) {
	const maxBlocks, maxRequests = 2, 3 // two blocks ask 4 peers each: 8 requests want to go
	ctx := testCtx(t)
	fx := loadFixture(t, 2)
	n := newTestNet(t)
	var (
		full     = make(chan struct{})
		fullOnce sync.Once
		mu       sync.Mutex
		serving  int
	)
	release := func() { fullOnce.Do(func() { close(full) }) }
	t.Cleanup(release) // before the network closes
	cfg := permissive()
	cfg.Misbehavior = &Misbehavior{Send: func(st p2p.Stream, frame []byte) error {
		mu.Lock()
		if serving++; serving == maxRequests {
			release()
		}
		mu.Unlock()
		<-full
		_, err := st.Write(frame)
		mu.Lock()
		serving--
		mu.Unlock()
		return err
	}}
	for _, id := range []p2p.PeerID{"full-0", "full-1", "full-2", "full-3"} {
		n.addServer(id, nil, cfg)
	}
	const heights = 6
	chain, store := n.signedChain(repeat(fx, heights)...)
	host := &countingHost{Host: n.light}
	log := newEventLog()
	s, err := NewSampler(host, testChain, testVerifier(t), NewMemCheckpointStore(),
		WithEvents(log.add), WithHeaders(store), WithConcurrency(maxBlocks, maxRequests))
	if err != nil {
		t.Fatal(err)
	}
	runSampler(t, ctx, s)
	if err := s.HeaderVerified(chain.Head().Header); err != nil {
		t.Fatal(err)
	}
	log.waitBlocks(ctx, t, heights)
	// Blocks in flight, from the event order: a block starts after the
	// result of the one whose place it takes.
	blocks, most := 0, 0
	for _, e := range log.snapshot() {
		switch e := e.(type) {
		case *BlockStarted:
			blocks++
			most = max(most, blocks)
		case *BlockResult:
			blocks--
			if e.Status != Available {
				t.Fatalf("height %d: %v: %v", e.Height, e.Status, e.Err)
			}
		}
	}
	if most != maxBlocks {
		t.Fatalf("%d blocks in flight at most, want %d", most, maxBlocks)
	}
	host.mu.Lock()
	defer host.mu.Unlock()
	if host.top != maxRequests || host.open != 0 {
		t.Fatalf("%d requests in flight at most (want %d), %d left open", host.top, maxRequests, host.open)
	}
}

// TestDrawCoords: the cells of a block are distinct, inside the 2k x 128
// grid and sorted, for every k and count up to the whole grid; and every
// cell is drawn about equally often (a bias, e.g. toward low rows or even
// columns, would show far outside the bound).
func TestDrawCoords(t *testing.T) {
	for k := 1; k <= kzg.MaxRows; k *= 2 {
		total := gridCells(k)
		n, _ := SamplesFor(k, DefaultConfidence)
		counts := []int{0, 1, n, total / 2}
		if k <= 8 || heavy {
			counts = append(counts, total)
		}
		for _, count := range counts {
			cells, err := drawCoords(k, count)
			if err != nil {
				t.Fatal(err)
			}
			if len(cells) != count {
				t.Fatalf("k=%d: %d cells, want %d", k, len(cells), count)
			}
			for i, c := range cells {
				if c.Row < 0 || c.Row >= 2*k || c.Col < 0 || c.Col >= kzg.CellsPerRow {
					t.Fatalf("k=%d: cell %v outside the grid", k, c)
				}
				if i > 0 && !cells[i-1].less(c) {
					t.Fatalf("k=%d: %v then %v: not distinct and ascending", k, cells[i-1], c)
				}
			}
		}
		for _, bad := range []int{-1, total + 1} {
			if _, err := drawCoords(k, bad); !errors.Is(err, ErrConfig) {
				t.Fatalf("k=%d: %d cells: %v", k, bad, err)
			}
		}
	}

	// k = 1 (256 cells), 13 cells a draw: each cell is in a draw with
	// probability p = 13/256. Over the draws, a cell's count is binomial;
	// 7 standard deviations leave a false failure at ~1e-9 per run.
	const k, per, draws = 1, 13, 3000
	seen := make([]int, gridCells(k))
	for i := 0; i < draws; i++ {
		cells, err := drawCoords(k, per)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cells {
			seen[c.Row*kzg.CellsPerRow+c.Col]++
		}
	}
	p := float64(per) / float64(gridCells(k))
	mean, sd := draws*p, math.Sqrt(draws*p*(1-p))
	for i, got := range seen {
		if math.Abs(float64(got)-mean) > 7*sd {
			t.Fatalf("cell (%d, %d) drawn %d times, expected %.0f +- %.0f", i/kzg.CellsPerRow, i%kzg.CellsPerRow, got, mean, sd)
		}
	}
}
