//go:build !js

package node

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"lightdas/das"
	"lightdas/headers"
	"lightdas/headers/bls"
	"lightdas/kzg"
	"lightdas/node/api"
	"lightdas/node/producer"
)

const tcp = "/ip4/127.0.0.1/tcp/0"

var (
	proverOnce sync.Once
	prover     *kzg.Prover
	proverErr  error
)

// sharedProver builds the prover (about 2 s of CPU) once for the package.
func sharedProver(t testing.TB) *kzg.Prover {
	t.Helper()
	proverOnce.Do(func() { prover, proverErr = kzg.NewProver() })
	if proverErr != nil {
		t.Fatal(proverErr)
	}
	return prover
}

func newVerifier(t testing.TB) *kzg.Verifier {
	t.Helper()
	v, err := kzg.NewVerifier()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// devnet makes a genesis and its validator keys in a temp dir.
func devnet(t testing.TB, chainID string) (*headers.Genesis, []*bls.SecretKey) {
	t.Helper()
	dir := t.TempDir()
	if _, err := producer.NewDevnet(producer.DevnetConfig{ChainID: chainID, Validators: 4, MaxK: 8}, dir); err != nil {
		t.Fatal(err)
	}
	g, keys, err := producer.LoadDevnet(dir)
	if err != nil {
		t.Fatal(err)
	}
	return g, keys
}

func testLogger(t testing.TB) *slog.Logger {
	if os.Getenv("LIGHTDAS_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).With("test", t.Name())
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func testCtx(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

type fullOpts struct {
	dir       string
	listen    []string
	bootstrap []string
	produce   bool
	interval  time.Duration
	blobs     int
	keep      uint64
	mis       *das.Misbehavior
	giveUp    time.Duration // BlockTimeout
	retry     time.Duration // RetryInterval
}

func startFull(t testing.TB, ctx context.Context, g *headers.Genesis, keys []*bls.SecretKey, o fullOpts) *FullNode {
	t.Helper()
	if o.dir == "" {
		o.dir = t.TempDir()
	}
	if o.listen == nil {
		o.listen = []string{tcp}
	}
	cfg := FullConfig{DataDir: o.dir, Genesis: g, ListenAddrs: o.listen, Bootstrap: o.bootstrap,
		KeepBlocks: o.keep, PexInterval: 300 * time.Millisecond, Verifier: newVerifier(t),
		Prover: sharedProver(t), Logger: testLogger(t), Misbehavior: o.mis,
		BlockTimeout: o.giveUp, RetryInterval: o.retry}
	if o.produce {
		if o.interval == 0 {
			o.interval = 300 * time.Millisecond
		}
		if o.blobs == 0 {
			o.blobs = 2
		}
		cfg.Producer = &ProducerConfig{Keys: keys, Interval: o.interval, SyntheticBlobs: o.blobs}
	}
	n, err := NewFullNode(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeNode(t, n) })
	return n
}

type lightOpts struct {
	dir       string
	bootstrap []string
	window    int
}

func startLight(t testing.TB, ctx context.Context, g *headers.Genesis, o lightOpts) *LightNode {
	t.Helper()
	if o.dir == "" {
		o.dir = t.TempDir()
	}
	n, err := NewLightNode(LightConfig{DataDir: o.dir, Genesis: g, Bootstrap: o.bootstrap, Window: o.window,
		PexInterval: 300 * time.Millisecond, Verifier: newVerifier(t), Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeNode(t, n) })
	return n
}

type closer interface{ Close(context.Context) error }

func closeNode(t testing.TB, n closer) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := n.Close(ctx); err != nil {
		t.Errorf("close: %v", err)
	}
}

// recorder collects a node's block verdicts and penalties (cell events are
// too many to queue and not needed).
type recorder struct {
	backend   api.Backend
	mu        sync.Mutex
	blocks    map[uint64][]api.BlockResult
	penalties []*api.PeerPenalisedEvent
	headers   int
	signal    chan struct{}
	cancel    func()
}

func record(b api.Backend) *recorder {
	r := &recorder{backend: b, blocks: map[uint64][]api.BlockResult{}, signal: make(chan struct{}, 1)}
	r.cancel = b.Subscribe(func(e api.Event) {
		r.mu.Lock()
		switch e := e.(type) {
		case *api.BlockEvent:
			r.blocks[e.Height] = append(r.blocks[e.Height], e.BlockResult)
		case *api.PeerPenalisedEvent:
			r.penalties = append(r.penalties, e)
		case *api.HeaderEvent:
			r.headers++
		default:
			r.mu.Unlock()
			return
		}
		r.mu.Unlock()
		select {
		case r.signal <- struct{}{}:
		default:
		}
	})
	return r
}

// waitFor re-checks cond after every recorded event (and every 200 ms for
// conditions on other state) until it holds or ctx ends.
func (r *recorder) waitFor(t testing.TB, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("%s: %v (%s)", what, ctx.Err(), r)
		case <-r.signal:
		case <-tick.C:
		}
	}
}

// available reports whether heights from..to all ended available with at
// least confidence c. A height with no recorded verdict is looked up in
// the node's results: a verdict reached before record subscribed (a
// loaded machine can delay the test goroutine that long) still counts.
func (r *recorder) available(from, to uint64, c float64) bool {
	ok := func(res api.BlockResult) bool { return res.Status == api.StatusAvailable && res.Confidence >= c }
	for h := from; h <= to; h++ {
		if slices.ContainsFunc(r.results(h), ok) {
			continue
		}
		res, err := r.backend.BlockResult(context.Background(), h)
		if err != nil || !ok(res) {
			return false
		}
	}
	return true
}

// String summarises what was recorded, for failure messages.
func (r *recorder) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var settled []string
	for h, rs := range r.blocks {
		last := rs[len(rs)-1]
		settled = append(settled, fmt.Sprintf("%d:%s", h, last.Status))
	}
	slices.Sort(settled)
	return fmt.Sprintf("%d headers, verdicts %v, %d penalties", r.headers, settled, len(r.penalties))
}

func (r *recorder) results(h uint64) []api.BlockResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]api.BlockResult(nil), r.blocks[h]...)
}

func dataDir(t testing.TB) string { return filepath.Join(t.TempDir(), "node") }
