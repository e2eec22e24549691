// Package limit holds the per-peer admission limits of lightdas's protocol
// servers: a token bucket per peer (Rate), so no peer can make a server do
// more than its share of work, and caps on the streams served at once, in
// all and per peer (Slots), so no peer can hold all of a server's handlers.
// Both are safe for concurrent use and keep memory bounded however many
// peers come and go.
package limit

import (
	"sync"
	"time"

	"lightdas/p2p"
)

// PruneAbove is how many peers' buckets a Rate keeps before a new peer
// makes it forget those that have refilled. Forgetting a full bucket
// changes nothing (a new bucket starts full), so only peers that spent
// tokens within the last burst/perSecond seconds stay above it.
const PruneAbove = 4096

// Rate is a token bucket per peer: each peer's bucket holds up to burst
// tokens and refills at perSecond; a request that costs more than the
// bucket holds is refused and takes nothing.
type Rate struct {
	perSecond float64
	burst     float64
	now       func() time.Time

	mu      sync.Mutex
	buckets map[p2p.PeerID]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time // when tokens was last brought up to date
}

// RateOption configures a Rate.
type RateOption func(*Rate)

// WithClock makes a Rate read the time from now instead of time.Now, so
// tests can step time instead of sleeping.
func WithClock(now func() time.Time) RateOption {
	return func(r *Rate) {
		if now != nil {
			r.now = now
		}
	}
}

// NewRate returns a token bucket per peer refilling at perSecond tokens a
// second up to burst. A perSecond that is not positive never refills; a
// burst that is not positive admits nothing that costs anything.
func NewRate(perSecond float64, burst int, opts ...RateOption) *Rate {
	if !(perSecond > 0) { // NaN included
		perSecond = 0
	}
	r := &Rate{perSecond: perSecond, burst: float64(max(burst, 0)), now: time.Now, buckets: map[p2p.PeerID]*bucket{}}
	for _, o := range opts {
		o(r)
	}
	return r
}

// Allow takes cost tokens from peer's bucket and reports true if the
// bucket holds them; otherwise it takes nothing and reports false. A cost
// above the burst is never allowed; a negative cost counts as 0.
func (r *Rate) Allow(peer p2p.PeerID, cost float64) bool {
	cost = max(cost, 0) // a negative cost must not add tokens
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now() // under the lock: a bucket's time only moves forward
	b := r.buckets[peer]
	if b == nil {
		if len(r.buckets) >= PruneAbove {
			r.prune(now)
		}
		b = &bucket{tokens: r.burst, last: now}
		r.buckets[peer] = b
	}
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = min(r.burst, b.tokens+el*r.perSecond)
		b.last = now
	}
	if !(b.tokens >= cost) { // NaN is refused too
		return false
	}
	b.tokens -= cost
	return true
}

// prune forgets the buckets that have refilled.
func (r *Rate) prune(now time.Time) {
	for peer, b := range r.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*r.perSecond >= r.burst {
			delete(r.buckets, peer)
		}
	}
}

// Slots caps the streams (or subscriptions) served at once: in all, and
// for each peer. A cap that is not positive does not apply.
type Slots struct {
	total   int
	perPeer int

	mu     sync.Mutex
	active int
	peers  map[p2p.PeerID]int // only peers holding a slot
}

// NewSlots returns caps of total slots in all and perPeer for one peer;
// either may be 0 for no cap.
func NewSlots(total, perPeer int) *Slots {
	return &Slots{total: total, perPeer: perPeer, peers: map[p2p.PeerID]int{}}
}

// Acquire takes a slot for peer and reports true, or reports false if a
// cap is reached. Every true must be followed by one Release.
func (s *Slots) Acquire(peer p2p.PeerID) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if (s.total > 0 && s.active >= s.total) || (s.perPeer > 0 && s.peers[peer] >= s.perPeer) {
		return false
	}
	s.active++
	s.peers[peer]++
	return true
}

// Release frees a slot peer holds. Releasing for a peer that holds none
// does nothing, so a stray Release cannot open room beyond the caps.
func (s *Slots) Release(peer p2p.PeerID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, ok := s.peers[peer]
	if !ok {
		return
	}
	s.active--
	if n <= 1 {
		delete(s.peers, peer)
	} else {
		s.peers[peer] = n - 1
	}
}

// Active is the number of slots held.
func (s *Slots) Active() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.active
}
