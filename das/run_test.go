package das

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"testing"

	"lightdas/headers"
	"lightdas/headers/headertest"
	"lightdas/p2p"
)

// heightsOf returns the heights of results, failing on a height reported
// twice.
func heightsOf(t *testing.T, results []*BlockResult) map[uint64]*BlockResult {
	t.Helper()
	out := map[uint64]*BlockResult{}
	for _, r := range results {
		if out[r.Height] != nil {
			t.Fatalf("height %d sampled twice", r.Height)
		}
		out[r.Height] = r
	}
	return out
}

// TestRestartFromCheckpoint: a sampler stopped in the middle of catch-up
// and a new one started from its checkpoint (with new heads arriving)
// together sample every height exactly once.
func TestRestartFromCheckpoint(t *testing.T) {
	ctx := testCtx(t)
	fx := loadFixture(t, 2)
	n := newTestNet(t)
	n.honest(3)
	const first, more = 40, 5
	chain, store := n.signedChain(repeat(fx, first)...)
	cps := NewMemCheckpointStore()

	s1, log1 := n.sampler(cps, WithHeaders(store), WithConcurrency(2, 8))
	stop := runSampler(t, ctx, s1)
	if err := s1.HeaderVerified(chain.Head().Header); err != nil {
		t.Fatal(err)
	}
	log1.waitBlocks(ctx, t, 12)
	stop() // Run returns once in-flight blocks are abandoned or settled
	r1 := heightsOf(t, log1.blocks())
	saved, err := cps.LoadCheckpoint(ctx)
	if err != nil || saved == nil {
		t.Fatalf("checkpoint: %v %v", saved, err)
	}
	for h := uint64(1); h <= first; h++ {
		if saved.Settled(h) != (r1[h] != nil) {
			t.Fatalf("height %d: settled in checkpoint %v, reported %v", h, saved.Settled(h), r1[h] != nil)
		}
	}

	s2, log2 := n.sampler(cps, WithHeaders(store), WithConcurrency(2, 8))
	runSampler(t, ctx, s2)
	if err := s2.HeaderVerified(chain.Head().Header); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < more; i++ { // new heads while catching up
		b := n.extend(chain, store, fx)
		if err := s2.HeaderVerified(b.Header); err != nil {
			t.Fatal(err)
		}
	}
	log2.waitUntil(ctx, t, "all heights settled", func() bool { return s2.Status().DoneUpTo == first+more })
	r2 := heightsOf(t, log2.blocks())
	for h := uint64(1); h <= first+more; h++ {
		a, b := r1[h], r2[h]
		switch {
		case a != nil && b != nil:
			t.Fatalf("height %d sampled before and after the restart", h)
		case a == nil && b == nil:
			t.Fatalf("height %d never sampled", h)
		}
		if r := cmp.Or(a, b); r.Status != Available {
			t.Fatalf("height %d: %v", h, r.Status)
		}
	}
	if len(r1)+len(r2) != first+more {
		t.Fatalf("%d + %d results for %d heights", len(r1), len(r2), first+more)
	}
	cp := s2.Checkpoint()
	if cp.DoneUpTo != first+more || len(cp.Done) != 0 || len(cp.Retry) != 0 {
		t.Fatalf("final checkpoint %+v", cp)
	}
}

// gatedStore serves like its BlockStore, except that requests for one
// height wait until the gate is closed.
type gatedStore struct {
	BlockStore
	height uint64
	gate   <-chan struct{}
}

func (g *gatedStore) K(ctx context.Context, height uint64, hash headers.Hash) (int, error) {
	if height == g.height {
		select {
		case <-g.gate:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	return g.BlockStore.K(ctx, height, hash)
}

// TestNewHeadsFirst: a head that arrives during catch-up is sampled
// before the older heights still waiting. One block at a time; the servers
// hold the answers for the fourth catch-up height until the new head has
// been handed over, so the order does not depend on scheduling.
func TestNewHeadsFirst(t *testing.T) {
	ctx := testCtx(t)
	fx := loadFixture(t, 2)
	n := newTestNet(t)
	const first = 12
	const held = first - 3 // the fourth height sampled: 12, 11, 10, then 9
	gate := make(chan struct{})
	var open sync.Once
	release := func() { open.Do(func() { close(gate) }) }
	t.Cleanup(release) // before the network closes: no handler left waiting
	store := &gatedStore{BlockStore: n.store, height: held, gate: gate}
	for _, id := range []p2p.PeerID{"full-0", "full-1", "full-2"} {
		n.addServer(id, store, permissive())
	}
	chain, hstore := n.signedChain(repeat(fx, first)...)
	s, log := n.sampler(nil, WithHeaders(hstore), WithConcurrency(1, 4))
	runSampler(t, ctx, s)
	if err := s.HeaderVerified(chain.Head().Header); err != nil {
		t.Fatal(err)
	}
	log.waitUntil(ctx, t, "the held height started", func() bool {
		for _, e := range log.snapshot() {
			if b, ok := e.(*BlockStarted); ok && b.Height == held {
				return true
			}
		}
		return false
	})
	if got := len(log.blocks()); got != 3 {
		t.Fatalf("%d results before the fourth block, want 3 (one block at a time)", got)
	}
	b := n.extend(chain, hstore, fx)
	if err := s.HeaderVerified(b.Header); err != nil {
		t.Fatal(err)
	}
	release()
	results := log.waitBlocks(ctx, t, first+1)
	var order []uint64
	for _, r := range results {
		if r.Status != Available {
			t.Fatalf("height %d: %v: %v", r.Height, r.Status, r.Err)
		}
		order = append(order, r.Height)
	}
	// Catch-up runs downwards from the head; the new head comes right
	// after the block that was in flight when it arrived.
	var want []uint64
	for h := uint64(first); h >= 1; h-- {
		want = append(want, h)
		if h == held {
			want = append(want, first+1)
		}
	}
	if !slices.Equal(order, want) {
		t.Fatalf("order %v, want %v", order, want)
	}
}

// TestWindow: catch-up covers only the window below the head.
func TestWindow(t *testing.T) {
	ctx := testCtx(t)
	fx := loadFixture(t, 2)
	n := newTestNet(t)
	n.honest(3)
	const heads, window = 20, 5
	chain, store := n.signedChain(repeat(fx, heads)...)
	s, log := n.sampler(nil, WithHeaders(store), WithWindow(window))
	runSampler(t, ctx, s)
	if err := s.HeaderVerified(chain.Head().Header); err != nil {
		t.Fatal(err)
	}
	log.waitUntil(ctx, t, "window settled", func() bool { return s.Status().DoneUpTo == heads })
	got := heightsOf(t, log.blocks())
	if len(got) != window {
		t.Fatalf("%d heights sampled, want %d", len(got), window)
	}
	for h := uint64(heads - window + 1); h <= heads; h++ {
		if got[h] == nil || got[h].Status != Available {
			t.Fatalf("height %d: %+v", h, got[h])
		}
	}
	if st := s.Status(); st.CatchUpFrom != heads-window+1 || st.CatchUpPending != 0 {
		t.Fatalf("status %+v", st)
	}
	// A header below the window is ignored.
	if err := s.HeaderVerified(chain.Block(3).Header); err != nil {
		t.Fatal(err)
	}
	if st := s.Status(); len(st.InFlight) != 0 || st.CatchUpPending != 0 {
		t.Fatalf("status after an old header: %+v", st)
	}
}

// TestFailureRetry: a height whose cells are withheld ends unavailable and
// goes to the retry set; the checkpoint keeps it across a restart, and once
// the data is served the retry makes it available, without sampling any
// other height again.
func TestFailureRetry(t *testing.T) {
	ctx := testCtx(t)
	fx := loadFixture(t, 2)
	n := newTestNet(t)
	var withhold atomic.Bool
	withhold.Store(true)
	const bad = 3
	cfg := permissive()
	cfg.Misbehavior = &Misbehavior{Withhold: func(height uint64, c Coord) bool {
		return withhold.Load() && height == bad
	}}
	for _, id := range []string{"a", "b", "c"} {
		n.addServer(p2p.PeerID(id), nil, cfg)
	}
	chain, store := n.signedChain(repeat(fx, 6)...)
	cps := NewMemCheckpointStore()
	opts := []Option{WithHeaders(store), WithRetryRounds(1, time.Millisecond), WithFailureRetry(time.Hour, 3)}

	s1, log1 := n.sampler(cps, opts...)
	stop := runSampler(t, ctx, s1)
	if err := s1.HeaderVerified(chain.Head().Header); err != nil {
		t.Fatal(err)
	}
	log1.waitUntil(ctx, t, "all settled", func() bool { return s1.Status().DoneUpTo == 6 })
	stop()
	r1 := heightsOf(t, log1.blocks())
	if r := r1[bad]; r == nil || r.Status != Unavailable || r.Attempt != 1 {
		t.Fatalf("withheld height: %+v", r)
	}
	st := s1.Status()
	if len(st.Failures) != 1 || st.Failures[0] != (RetryEntry{Height: bad, Attempts: 1}) || st.Unavailable != 1 || st.Available != 5 {
		t.Fatalf("status %+v", st)
	}
	cp, err := cps.LoadCheckpoint(ctx)
	if err != nil || cp.DoneUpTo != 6 || len(cp.Retry) != 1 || cp.Retry[0].Height != bad {
		t.Fatalf("checkpoint %+v, %v", cp, err)
	}

	// Restart with the data now served: the failed height is retried at
	// once (retries loaded from a checkpoint are due), nothing else.
	withhold.Store(false)
	s2, log2 := n.sampler(cps, opts...)
	runSampler(t, ctx, s2)
	if err := s2.HeaderVerified(chain.Head().Header); err != nil {
		t.Fatal(err)
	}
	log2.waitUntil(ctx, t, "retry settled", func() bool { return len(log2.blocks()) == 1 })
	r2 := log2.blocks()[0]
	if r2.Height != bad || r2.Status != Available || r2.Attempt != 2 {
		t.Fatalf("retry %+v", r2)
	}
	if cp := s2.Checkpoint(); len(cp.Retry) != 0 || cp.DoneUpTo != 6 {
		t.Fatalf("checkpoint after retry %+v", cp)
	}
}

// TestFollowSyncer wires the sampler to a real header syncer: every head
// the syncer verifies, including ones published while it runs, is sampled.
func TestFollowSyncer(t *testing.T) {
	ctx := testCtx(t)
	fx := loadFixture(t, 2)
	n := newTestNet(t)
	n.honest(3)
	chain, _ := n.signedChain(repeat(fx, 5)...)
	peer := headertest.NewPeer("headers", chain.Blocks, nil)
	now := chain.Config.Start.Add(24 * time.Hour)
	hv, err := headers.NewGenesisVerifier(chain.Genesis, headers.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	store := headers.NewMemStore()
	syncer, err := headers.NewSyncer(headers.SyncerConfig{Store: store, Verifier: hv, Genesis: chain.Genesis,
		Peers: []headers.Peer{peer}, PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	s, log := n.sampler(nil, WithHeaders(store))
	runSampler(t, ctx, s)
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, 2)
	go func() { errs <- syncer.Run(fctx) }()
	go func() { errs <- s.Follow(fctx, syncer) }()

	log.waitUntil(ctx, t, "first heads", func() bool { return s.Status().DoneUpTo == 5 })
	for i := 0; i < 3; i++ {
		b := n.extend(chain, nil, fx)
		if err := peer.Publish(b); err != nil {
			t.Fatal(err)
		}
	}
	log.waitUntil(ctx, t, "published heads", func() bool { return s.Status().DoneUpTo == 8 })
	cancel()
	for i := 0; i < 2; i++ {
		if err := <-errs; !errors.Is(err, context.Canceled) {
			t.Fatalf("syncer or follower: %v", err)
		}
	}
	got := heightsOf(t, log.blocks())
	for h := uint64(1); h <= 8; h++ {
		if got[h] == nil || got[h].Status != Available {
			t.Fatalf("height %d: %+v", h, got[h])
		}
	}
}

// TestSkippedWithoutHeaders: without a header source, heights below a new
// head whose headers never arrived are skipped and retried once their
// header is handed over.
func TestSkippedWithoutHeaders(t *testing.T) {
	ctx := testCtx(t)
	fx := loadFixture(t, 2)
	n := newTestNet(t)
	n.honest(3)
	chain, _ := n.signedChain(repeat(fx, 3)...)
	s, log := n.sampler(nil, WithFailureRetry(time.Hour, 3))
	runSampler(t, ctx, s)
	if err := s.HeaderVerified(chain.Head().Header); err != nil {
		t.Fatal(err)
	}
	log.waitBlocks(ctx, t, 3)
	got := heightsOf(t, log.blocks())
	if got[3].Status != Available || got[2].Status != Skipped || got[1].Status != Skipped || !errors.Is(got[1].Err, ErrHeader) {
		t.Fatalf("results %v %v %v", got[1].Status, got[2].Status, got[3].Status)
	}
	if st := s.Status(); len(st.Failures) != 2 || st.Skipped != 2 {
		t.Fatalf("status %+v", st)
	}
	if err := s.HeaderVerified(chain.Block(2).Header); err != nil {
		t.Fatal(err)
	}
	results := log.waitBlocks(ctx, t, 4)
	if r := results[3]; r.Height != 2 || r.Status != Available || r.Attempt != 2 {
		t.Fatalf("retry %+v", r)
	}
	if st := s.Status(); len(st.Failures) != 1 || st.Failures[0].Height != 1 {
		t.Fatalf("status %+v", st)
	}
}

// TestResultsBeforeCheckpoint: WithResults sees every verdict before its
// height is settled (status and checkpoint), so a node that serves verdicts
// from its own store never has a settled height without one.
func TestResultsBeforeCheckpoint(t *testing.T) {
	ctx := testCtx(t)
	fx := loadFixture(t, 2)
	n := newTestNet(t)
	n.honest(3)
	chain, store := n.signedChain(repeat(fx, 6)...)
	var (
		mu      sync.Mutex
		stored  = map[uint64]bool{}
		s       *Sampler
		ordered = true
	)
	s, log := n.sampler(nil, WithHeaders(store), WithResults(func(_ context.Context, r *BlockResult) error {
		settled := s.Checkpoint().Settled(r.Height)
		mu.Lock()
		defer mu.Unlock()
		stored[r.Height] = true
		ordered = ordered && !settled
		return nil
	}))
	runSampler(t, ctx, s)
	if err := s.HeaderVerified(chain.Head().Header); err != nil {
		t.Fatal(err)
	}
	for _, r := range log.waitBlocks(ctx, t, 6) {
		mu.Lock()
		ok := stored[r.Height]
		mu.Unlock()
		if !ok {
			t.Fatalf("height %d reported before its verdict was stored", r.Height)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if !ordered {
		t.Fatal("a height was settled before its verdict was stored")
	}
}

// TestPeerArrivesMidBlock: a block started without peers goes on as soon
// as peers connect (the host's peer events wake it), not at its next retry
// round, which is an hour away here.
func TestPeerArrivesMidBlock(t *testing.T) {
	ctx := testCtx(t)
	fx := loadFixture(t, 2)
	n := newTestNet(t)
	chain, _ := n.signedChain(fx)
	s, log := n.sampler(nil, WithRetryRounds(0, time.Hour), WithTimeouts(time.Hour, 5*time.Second))
	runSampler(t, ctx, s)
	if err := s.HeaderVerified(chain.Head().Header); err != nil {
		t.Fatal(err)
	}
	log.waitUntil(ctx, t, "the block started", func() bool {
		for _, e := range log.snapshot() {
			if _, ok := e.(*BlockStarted); ok {
				return true
			}
		}
		return false
	})
	n.honest(3)
	res := log.waitBlocks(ctx, t, 1)[0]
	if res.Status != Available || res.Confidence < DefaultConfidence {
		t.Fatalf("%v, confidence %v: %v", res.Status, res.Confidence, res.Err)
	}
}
