package light_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"lightdas/das"
	"lightdas/headers"
	"lightdas/kzg"
	"lightdas/light"
	"lightdas/light/lighttest"
	"lightdas/p2p/memnet"
)

// testTimeout bounds every test's waiting (a hang guard, not a timed
// assertion).
const testTimeout = 2 * time.Minute

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

var (
	verifierOnce sync.Once
	verifier     *kzg.Verifier
	verifierErr  error
)

func testVerifier(t testing.TB) *kzg.Verifier {
	t.Helper()
	verifierOnce.Do(func() { verifier, verifierErr = kzg.NewVerifier() })
	if verifierErr != nil {
		t.Fatal(verifierErr)
	}
	return verifier
}

func newNet(t testing.TB) *lighttest.Net {
	t.Helper()
	n, err := lighttest.NewNet("lightdas-light-test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

func addNode(t testing.TB, n *lighttest.Net, opts ...lighttest.NodeOption) *lighttest.FullNode {
	t.Helper()
	f, err := n.AddFullNode(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func produce(t testing.TB, n *lighttest.Net, count int) []*headers.LightBlock {
	t.Helper()
	b, err := n.Produce(count)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// stores are a client's persistent stores, kept across restarts.
type stores struct {
	headers     *headers.MemStore
	checkpoints *das.MemCheckpointStore
	results     *light.MemResultStore
}

func newStores() *stores {
	return &stores{headers: headers.NewMemStore(), checkpoints: das.NewMemCheckpointStore(), results: light.NewMemResultStore()}
}

// client is a started light client on its own host with its recorder.
type client struct {
	*light.Client
	host *memnet.Host
	rec  *recorder
}

// newConfig is a test configuration: short backoffs and exchange
// intervals so reconnects and discovery happen within a test.
func newConfig(t testing.TB, n *lighttest.Net, s *stores, bootstrap ...string) light.Config {
	t.Helper()
	h, err := n.NewHost()
	if err != nil {
		t.Fatal(err)
	}
	return light.Config{
		Host: h, Dialer: n.Dialer(h.ID()), Genesis: n.Genesis, Bootstrap: bootstrap,
		Headers: s.headers, Checkpoints: s.checkpoints, Results: s.results,
		Window: 16, PexInterval: 200 * time.Millisecond,
		MinBackoff: 40 * time.Millisecond, MaxBackoff: 320 * time.Millisecond,
		Verifier: testVerifier(t), Logger: testLogger(t),
	}
}

func testLogger(t testing.TB) *slog.Logger {
	if os.Getenv("LIGHTDAS_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).With("test", t.Name())
	}
	return slog.New(slog.DiscardHandler)
}

func start(t testing.TB, ctx context.Context, cfg light.Config) *client {
	t.Helper()
	c, err := light.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	rec.cancel = c.Subscribe(rec.add)
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	cl := &client{Client: c, host: cfg.Host.(*memnet.Host), rec: rec}
	t.Cleanup(func() { cl.stop(t) })
	return cl
}

func (c *client) stop(t testing.TB) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Close(ctx); err != nil {
		t.Errorf("close: %v", err)
	}
	c.rec.cancel()
	c.host.Close()
}

// recorder keeps every event of a client.
type recorder struct {
	mu      sync.Mutex
	events  []light.Event
	changed chan struct{}
	cancel  func()
}

func newRecorder() *recorder { return &recorder{changed: make(chan struct{})} }

func (r *recorder) add(e light.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
}

func (r *recorder) snapshot() []light.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]light.Event(nil), r.events...)
}

// waitFor re-checks cond after every event (and every 100 ms, for
// conditions on other state) until it holds or ctx ends.
func (r *recorder) waitFor(t testing.TB, ctx context.Context, what string, cond func([]light.Event) bool) []light.Event {
	t.Helper()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		r.mu.Lock()
		ch := r.changed
		r.mu.Unlock()
		evs := r.snapshot()
		if cond(evs) {
			return evs
		}
		select {
		case <-ch:
		case <-tick.C:
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v (%d events: %s)", what, ctx.Err(), len(evs), summary(evs))
		}
	}
}

func summary(evs []light.Event) string {
	counts := map[string]int{}
	for _, e := range evs {
		counts[e.Kind()]++
	}
	return fmt.Sprint(counts)
}

// of returns the events of type T.
func of[T light.Event](evs []light.Event) []T {
	var out []T
	for _, e := range evs {
		if x, ok := e.(T); ok {
			out = append(out, x)
		}
	}
	return out
}

// verdicts maps heights to their last block event.
func verdicts(evs []light.Event) map[uint64]*light.BlockEvent {
	out := map[uint64]*light.BlockEvent{}
	for _, b := range of[*light.BlockEvent](evs) {
		out[b.Height] = b
	}
	return out
}

// availableUpTo reports whether every height in [from, to] has an
// available verdict.
func availableUpTo(from, to uint64) func([]light.Event) bool {
	return func(evs []light.Event) bool {
		v := verdicts(evs)
		for h := from; h <= to; h++ {
			if b := v[h]; b == nil || b.Status != light.StatusAvailable {
				return false
			}
		}
		return true
	}
}
