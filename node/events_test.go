package node

import (
	"sync"
	"testing"

	"lightdas/node/api"
)

// TestHubOrderAndCancel: every subscriber sees every event in order, one
// at a time, and nothing after its cancel returns.
func TestHubOrderAndCancel(t *testing.T) {
	h := newHub()
	var mu sync.Mutex
	var a, b []uint64
	cancelA := h.Subscribe(func(e api.Event) { mu.Lock(); a = append(a, e.(*api.HeaderEvent).Height); mu.Unlock() })
	cancelB := h.Subscribe(func(e api.Event) { mu.Lock(); b = append(b, e.(*api.HeaderEvent).Height); mu.Unlock() })
	for i := uint64(1); i <= 100; i++ {
		h.publish(&api.HeaderEvent{Height: i})
	}
	cancelA()
	cancelA() // idempotent
	h.publish(&api.HeaderEvent{Height: 101})
	cancelB()
	h.publish(&api.HeaderEvent{Height: 102})
	if len(a) != 100 || len(b) != 101 {
		t.Fatalf("got %d and %d events, want 100 and 101", len(a), len(b))
	}
	for i, v := range b {
		if v != uint64(i+1) {
			t.Fatalf("event %d is height %d", i, v)
		}
	}
}

func TestResultsBounded(t *testing.T) {
	r := newResults(3)
	for h := uint64(1); h <= 5; h++ {
		r.put(api.BlockResult{Height: h, Status: api.StatusAvailable})
	}
	for h := uint64(1); h <= 5; h++ {
		if _, ok := r.get(h); ok != (h >= 3) {
			t.Fatalf("height %d kept: %t", h, ok)
		}
	}
}
