package limit

import (
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"lightdas/p2p"
)

// clock is a settable time source for one goroutine.
type clock struct{ t time.Time }

func newClock() *clock                   { return &clock{t: time.Unix(1_700_000_000, 0)} }
func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }
func (c *clock) option() RateOption      { return WithClock(c.now) }

// step advances the clock by wait, then asks for cost tokens of peer.
type step struct {
	wait time.Duration
	peer p2p.PeerID
	cost float64
	want bool
}

func TestRate(t *testing.T) {
	tests := []struct {
		name      string
		perSecond float64
		burst     int
		steps     []step
	}{
		{"burst then refused", 1, 3, []step{
			{0, "a", 1, true}, {0, "a", 1, true}, {0, "a", 1, true}, {0, "a", 1, false},
		}},
		{"cost spends several tokens", 1, 10, []step{
			{0, "a", 4, true}, {0, "a", 4, true}, {0, "a", 4, false}, {0, "a", 2, true}, {0, "a", 1, false},
		}},
		{"refill at the rate", 4, 4, []step{
			{0, "a", 4, true}, {0, "a", 1, false},
			{125 * time.Millisecond, "a", 1, false}, // half a token
			{125 * time.Millisecond, "a", 1, true},  // one
			{time.Second, "a", 4, true}, {0, "a", 1, false},
		}},
		{"refill stops at the burst", 100, 5, []step{
			{0, "a", 5, true}, {time.Hour, "a", 5, true}, {0, "a", 1, false},
		}},
		{"cost above the burst is never allowed and takes nothing", 1, 10, []step{
			{0, "a", 11, false}, {time.Hour, "a", 11, false}, {0, "a", 10, true},
		}},
		{"peers have their own buckets", 1, 2, []step{
			{0, "a", 2, true}, {0, "a", 1, false}, {0, "b", 2, true}, {0, "b", 1, false},
		}},
		{"time going back adds and removes nothing", 1, 2, []step{
			{0, "a", 1, true}, {-time.Hour, "a", 1, true}, {0, "a", 1, false},
			{time.Hour, "a", 1, false}, // back where it was: still empty
			{time.Second, "a", 1, true},
		}},
		{"zero rate never refills", 0, 2, []step{
			{0, "a", 2, true}, {1000 * time.Hour, "a", 1, false},
		}},
		{"NaN rate never refills", math.NaN(), 2, []step{
			{0, "a", 2, true}, {1000 * time.Hour, "a", 1, false},
		}},
		{"zero burst admits only free requests", 1, 0, []step{
			{0, "a", 1, false}, {time.Hour, "a", 0.5, false}, {0, "a", 0, true},
		}},
		{"free and odd costs", 1, 1, []step{
			{0, "a", 1, true}, {0, "a", 0, true}, {0, "a", -5, true}, {0, "a", 1, false}, // a negative cost adds nothing
			{0, "a", math.NaN(), false},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock()
			r := NewRate(tt.perSecond, tt.burst, c.option())
			for i, s := range tt.steps {
				c.advance(s.wait)
				if got := r.Allow(s.peer, s.cost); got != s.want {
					t.Fatalf("step %d (%+v): Allow = %v", i, s, got)
				}
			}
		})
	}
}

// TestRatePrune: beyond PruneAbove peers a new peer makes the Rate forget
// the refilled buckets, and only those.
func TestRatePrune(t *testing.T) {
	tests := []struct {
		name string
		// wait between the spent buckets and the new peer: none refilled,
		// half refilled (every second peer spent less), all refilled.
		wait       time.Duration
		wantKept   int // buckets of the first PruneAbove peers kept
		spentStays bool
	}{
		{"none refilled", 0, PruneAbove, true},
		{"half refilled", 1500 * time.Millisecond, PruneAbove / 2, true},
		{"all refilled", 2 * time.Second, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock()
			r := NewRate(1, 2, c.option())
			for i := range PruneAbove {
				cost := float64(1 + i%2) // odd peers spend 2 tokens (2 s to refill), even ones 1
				if !r.Allow(peerN(i), cost) {
					t.Fatalf("peer %d refused", i)
				}
			}
			c.advance(tt.wait)
			if !r.Allow("new", 1) {
				t.Fatal("new peer refused")
			}
			if got := len(r.buckets) - 1; got != tt.wantKept {
				t.Fatalf("kept %d buckets, want %d", got, tt.wantKept)
			}
			// A kept bucket keeps its state: peer 1 spent both tokens.
			if got := r.Allow(peerN(1), 2); got == tt.spentStays {
				t.Fatalf("peer 1 after the prune: Allow = %v", got)
			}
		})
	}
}

// TestRateMemoryBounded: peers that come once and go keep the Rate at
// most PruneAbove buckets plus those not yet refilled.
func TestRateMemoryBounded(t *testing.T) {
	c := newClock()
	r := NewRate(1, 1, c.option()) // a spent bucket refills in 1 s = 1000 steps
	most := 0
	for i := range 5 * PruneAbove {
		c.advance(time.Millisecond)
		if !r.Allow(peerN(i), 1) {
			t.Fatalf("peer %d refused", i)
		}
		most = max(most, len(r.buckets))
	}
	if most > PruneAbove {
		t.Fatalf("%d buckets held, bound %d", most, PruneAbove)
	}
}

type op struct {
	release bool
	peer    p2p.PeerID
	want    bool // Acquire's answer
}

func TestSlots(t *testing.T) {
	acq := func(p p2p.PeerID, want bool) op { return op{peer: p, want: want} }
	rel := func(p p2p.PeerID) op { return op{release: true, peer: p} }
	tests := []struct {
		name           string
		total, perPeer int
		ops            []op
		active         int
	}{
		{"total cap", 2, 0, []op{acq("a", true), acq("b", true), acq("c", false), rel("a"), acq("c", true)}, 2},
		{"per-peer cap", 0, 2, []op{acq("a", true), acq("a", true), acq("a", false), acq("b", true), rel("a"), acq("a", true)}, 3},
		{"both caps, total first", 3, 2, []op{acq("a", true), acq("a", true), acq("b", true), acq("b", false), acq("c", false)}, 3},
		{"no caps", 0, 0, []op{acq("a", true), acq("a", true), acq("a", true), acq("b", true)}, 4},
		{"release of an unknown peer does nothing", 1, 1, []op{
			rel("x"), acq("a", true), rel("x"), acq("b", false), rel("a"), rel("a"), acq("a", true), acq("b", false),
		}, 1},
		{"release of everything", 2, 1, []op{acq("a", true), acq("b", true), rel("b"), rel("a"), rel("a"), rel("b")}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewSlots(tt.total, tt.perPeer)
			for i, o := range tt.ops {
				if o.release {
					s.Release(o.peer)
					continue
				}
				if got := s.Acquire(o.peer); got != o.want {
					t.Fatalf("op %d: Acquire(%s) = %v", i, o.peer, got)
				}
			}
			if got := s.Active(); got != tt.active {
				t.Fatalf("Active = %d, want %d", got, tt.active)
			}
			if tt.active == 0 && len(s.peers) != 0 {
				t.Fatalf("%d peers remembered with no slot held", len(s.peers))
			}
		})
	}
}

// TestConcurrent (run with -race): goroutines of several peers share one
// Rate and one Slots. With the clock stopped each peer gets exactly its
// burst, and the caps hold at every moment.
func TestConcurrent(t *testing.T) {
	const (
		peers, workers, tries = 4, 8, 200
		burst, total, perPeer = 50, 6, 2
	)
	start := time.Unix(1_700_000_000, 0)
	r := NewRate(1, burst, WithClock(func() time.Time { return start }))
	s := NewSlots(total, perPeer)
	var allowed [peers]atomic.Int64
	var held, heldMax atomic.Int64
	var perHeld [peers]atomic.Int64
	var wg sync.WaitGroup
	for w := range peers * workers {
		p := w % peers
		wg.Go(func() {
			for range tries {
				if r.Allow(peerN(p), 1) {
					allowed[p].Add(1)
				}
				if !s.Acquire(peerN(p)) {
					continue
				}
				if n := perHeld[p].Add(1); n > perPeer {
					t.Errorf("peer %d holds %d slots", p, n)
				}
				n := held.Add(1)
				for m := heldMax.Load(); n > m && !heldMax.CompareAndSwap(m, n); m = heldMax.Load() {
				}
				held.Add(-1)
				perHeld[p].Add(-1)
				s.Release(peerN(p))
				s.Release("stranger") // holds nothing: must change nothing
			}
		})
	}
	wg.Wait()
	for p := range peers {
		if got := allowed[p].Load(); got != burst {
			t.Errorf("peer %d allowed %d times, want %d", p, got, burst)
		}
	}
	if m := heldMax.Load(); m > total {
		t.Errorf("%d slots held at once, cap %d", m, total)
	}
	if got := s.Active(); got != 0 {
		t.Errorf("Active = %d after every release", got)
	}
}

func peerN(i int) p2p.PeerID { return p2p.PeerID(fmt.Sprintf("peer-%d", i)) }

// BenchmarkAllow is the per-request cost of the rate limit for a known
// peer (a server pays it once per request).
func BenchmarkAllow(b *testing.B) {
	r := NewRate(1e12, 1<<30)
	for b.Loop() {
		r.Allow("peer", 19)
	}
}

// BenchmarkSlots is a stream's Acquire and Release.
func BenchmarkSlots(b *testing.B) {
	s := NewSlots(64, 8)
	for b.Loop() {
		s.Acquire("peer")
		s.Release("peer")
	}
}
