package das

import (
	"context"
	"crypto/sha256"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"lightdas/headers"
	"lightdas/headers/headertest"
	"lightdas/p2p"
	"lightdas/p2p/memnet"
)

// heavy scales loops down under wasm, which is 10-20x slower; no path is
// skipped.
const heavy = runtime.GOARCH != "wasm"

// testTimeout bounds every test's waiting (a liveness bound, not a timed
// assertion: tests finish in a fraction of it).
const testTimeout = 3 * time.Minute

func testHash(s string) headers.Hash { return sha256.Sum256([]byte(s)) }

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// testNet is an in-memory network: a light client host and full nodes
// serving blocks.
type testNet struct {
	t       testing.TB
	net     *memnet.Network
	light   *memnet.Host
	store   *MemBlockStore // the honest servers' store
	servers map[p2p.PeerID]*Server
}

func newTestNet(t testing.TB, opts ...memnet.Option) *testNet {
	t.Helper()
	n := memnet.NewNetwork(opts...)
	t.Cleanup(func() { n.Close() })
	light, err := n.NewHost("light")
	if err != nil {
		t.Fatal(err)
	}
	return &testNet{t: t, net: n, light: light, store: NewMemBlockStore(), servers: map[p2p.PeerID]*Server{}}
}

// permissive is a server configuration without effective rate limits, for
// tests that send many requests.
func permissive() ServerConfig {
	return ServerConfig{CellsPerSecond: 1e9, Burst: 1 << 30, MaxStreamsPerPeer: 64}
}

// addServer starts a full node serving store (the shared honest store if
// nil) and connects it to the light client.
func (n *testNet) addServer(id p2p.PeerID, store BlockStore, cfg ServerConfig) *Server {
	n.t.Helper()
	if store == nil {
		store = n.store
	}
	h, err := n.net.NewHost(id)
	if err != nil {
		n.t.Fatal(err)
	}
	srv, err := NewServer(testChain, store, cfg)
	if err != nil {
		n.t.Fatal(err)
	}
	srv.Register(h)
	if err := n.net.Connect("light", id); err != nil {
		n.t.Fatal(err)
	}
	n.servers[id] = srv
	return srv
}

// honest adds count honest servers named full-0, full-1...
func (n *testNet) honest(count int) {
	n.t.Helper()
	for i := 0; i < count; i++ {
		n.addServer(p2p.PeerID(fmt.Sprintf("full-%d", i)), nil, permissive())
	}
}

// put stores fx's block under h in the honest store.
func (n *testNet) put(fx *fixture, h *headers.Header) {
	n.t.Helper()
	if err := n.store.Put(h.Height, h.Hash(), fx.block); err != nil {
		n.t.Fatal(err)
	}
}

// sampler builds a sampler on the light host with an event log.
func (n *testNet) sampler(cps CheckpointStore, opts ...Option) (*Sampler, *eventLog) {
	n.t.Helper()
	log := newEventLog()
	if cps == nil {
		cps = NewMemCheckpointStore()
	}
	s, err := NewSampler(n.light, testChain, testVerifier(n.t), cps, append([]Option{WithEvents(log.add)}, opts...)...)
	if err != nil {
		n.t.Fatal(err)
	}
	return s, log
}

// eventLog records a sampler's events.
type eventLog struct {
	mu      sync.Mutex
	events  []Event
	changed chan struct{}
}

func newEventLog() *eventLog { return &eventLog{changed: make(chan struct{})} }

func (l *eventLog) add(e Event) {
	l.mu.Lock()
	l.events = append(l.events, e)
	close(l.changed)
	l.changed = make(chan struct{})
	l.mu.Unlock()
}

func (l *eventLog) snapshot() []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Event(nil), l.events...)
}

// blocks returns the BlockResult events so far.
func (l *eventLog) blocks() []*BlockResult {
	var out []*BlockResult
	for _, e := range l.snapshot() {
		if b, ok := e.(*BlockResult); ok {
			out = append(out, b)
		}
	}
	return out
}

func (l *eventLog) penalties() []*PeerPenalised {
	var out []*PeerPenalised
	for _, e := range l.snapshot() {
		if p, ok := e.(*PeerPenalised); ok {
			out = append(out, p)
		}
	}
	return out
}

func (l *eventLog) cells() []*CellResult {
	var out []*CellResult
	for _, e := range l.snapshot() {
		if c, ok := e.(*CellResult); ok {
			out = append(out, c)
		}
	}
	return out
}

// waitBlocks waits until at least n BlockResult events arrived.
func (l *eventLog) waitBlocks(ctx context.Context, t testing.TB, n int) []*BlockResult {
	t.Helper()
	for {
		l.mu.Lock()
		ch := l.changed
		l.mu.Unlock()
		if b := l.blocks(); len(b) >= n {
			return b
		}
		select {
		case <-ch:
		case <-ctx.Done():
			t.Fatalf("waiting for %d block results: %v (have %d)", n, ctx.Err(), len(l.blocks()))
		}
	}
}

// signedChain builds a real signed header chain: block i carries the
// commitments of blocks[i] (so its data is that fixture's block). It
// returns the chain and a headers.MemStore holding it, and puts every
// block in the honest servers' store.
func (n *testNet) signedChain(blocks ...*fixture) (*headertest.Chain, *headers.MemStore) {
	n.t.Helper()
	c, err := headertest.NewChain(headertest.Config{ChainID: testChain})
	if err != nil {
		n.t.Fatal(err)
	}
	store := headers.NewMemStore()
	for _, fx := range blocks {
		n.extend(c, store, fx)
	}
	return c, store
}

// extend appends to the chain (and store) a signed block carrying fx's
// commitments, and serves fx's block under it.
func (n *testNet) extend(c *headertest.Chain, store *headers.MemStore, fx *fixture) *headers.LightBlock {
	n.t.Helper()
	h := c.NextHeader()
	h.Blobs = fx.blobs
	h.Commitments = make([]headers.Commitment, fx.k)
	for j := range h.Commitments {
		h.Commitments[j] = headers.Commitment(fx.block.Commitments[j])
	}
	b := c.Append(h)
	n.put(fx, h)
	if store == nil {
		return b
	}
	if err := store.Append(context.Background(), b); err != nil {
		n.t.Fatal(err)
	}
	return b
}

// repeat returns n copies of fx.
func repeat(fx *fixture, n int) []*fixture {
	out := make([]*fixture, n)
	for i := range out {
		out[i] = fx
	}
	return out
}

// runSampler runs s in the background until the test ends.
func runSampler(t testing.TB, ctx context.Context, s *Sampler) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != context.Canceled {
				t.Errorf("Run returned %v, want context.Canceled", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func memnetStall() memnet.Conditions { return memnet.Conditions{StallRate: 1} }

func memnetLossy() memnet.Option {
	return memnet.WithConditions(memnet.Conditions{Latency: time.Millisecond, ResetRate: 0.15})
}

// waitUntil waits for cond, re-checking after every event.
func (l *eventLog) waitUntil(ctx context.Context, t testing.TB, what string, cond func() bool) {
	t.Helper()
	for {
		l.mu.Lock()
		ch := l.changed
		l.mu.Unlock()
		if cond() {
			return
		}
		select {
		case <-ch:
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, ctx.Err())
		}
	}
}
