package node

import (
	"sync"
	"time"

	"lightdas/node/api"
)

// hub fans events out to subscribers: one event at a time, in order, on
// the emitting goroutine (subscribers must not block, per api.Backend).
type hub struct {
	emit sync.Mutex // serialises deliveries

	mu   sync.Mutex
	next int
	subs map[int]func(api.Event)
}

func newHub() *hub { return &hub{subs: map[int]func(api.Event){}} }

// Subscribe implements api.Backend.Subscribe. After cancel returns, fn is
// not called again.
func (h *hub) Subscribe(fn func(api.Event)) (cancel func()) {
	h.mu.Lock()
	id := h.next
	h.next++
	h.subs[id] = fn
	h.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			h.emit.Lock() // waits for a delivery in progress
			h.mu.Lock()
			delete(h.subs, id)
			h.mu.Unlock()
			h.emit.Unlock()
		})
	}
}

func (h *hub) publish(e api.Event) {
	h.emit.Lock()
	defer h.emit.Unlock()
	h.mu.Lock()
	fns := make([]func(api.Event), 0, len(h.subs))
	for _, fn := range h.subs {
		fns = append(fns, fn)
	}
	h.mu.Unlock()
	for _, fn := range fns {
		fn(e)
	}
}

// results keeps the latest per-height verdicts, bounded: the oldest
// heights are dropped beyond max.
type results struct {
	mu  sync.Mutex
	max int
	m   map[uint64]api.BlockResult
	low uint64 // lowest height kept
}

func newResults(max int) *results {
	return &results{max: max, m: map[uint64]api.BlockResult{}}
}

func (r *results) put(res api.BlockResult) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.m[res.Height] = res
	if r.low == 0 || res.Height < r.low {
		r.low = res.Height
	}
	for len(r.m) > r.max {
		delete(r.m, r.low)
		r.low++
	}
}

func (r *results) get(h uint64) (api.BlockResult, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	res, ok := r.m[h]
	return res, ok
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
