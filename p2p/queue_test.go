package p2p

import (
	"fmt"
	"sync"
	"testing"
)

func TestEventQueue(t *testing.T) {
	for _, tc := range []struct {
		name  string
		drain bool
		want  int // events delivered of 100 queued before Run
	}{
		{"stop drops queued events", false, 0},
		{"stop with drain delivers them, in order", true, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []PeerEvent
			q := NewEventQueue(func(ev PeerEvent) { got = append(got, ev) })
			for i := range 100 {
				q.Push(PeerEvent{Peer: PeerID(fmt.Sprint(i)), Kind: PeerConnected})
			}
			q.Stop(tc.drain)
			q.Stop(!tc.drain) // later calls do nothing
			q.Run()           // returns: stopped
			if len(got) != tc.want {
				t.Fatalf("delivered %d events, want %d", len(got), tc.want)
			}
			for i, ev := range got {
				if ev.Peer != PeerID(fmt.Sprint(i)) {
					t.Fatalf("event %d is %v", i, ev)
				}
			}
		})
	}
}

func TestSubscribers(t *testing.T) {
	var subs Subscribers
	var mu sync.Mutex
	got := map[string][]PeerEvent{}
	collect := func(name string) func(PeerEvent) {
		return func(ev PeerEvent) {
			mu.Lock()
			got[name] = append(got[name], ev)
			mu.Unlock()
		}
	}
	subs.Subscribe(collect("a"))
	cancelB := subs.Subscribe(collect("b"))
	cancelB()
	cancelB() // a second cancel does nothing
	for i := range 50 {
		subs.Publish(PeerEvent{Peer: PeerID(fmt.Sprint(i)), Kind: PeerConnected})
	}
	subs.Close(true) // drains a's queue and waits for its goroutine
	subs.Subscribe(collect("late"))()
	subs.Publish(PeerEvent{Peer: "after", Kind: PeerDisconnected})
	subs.Close(true)

	mu.Lock()
	defer mu.Unlock()
	if len(got["b"]) != 0 || len(got["late"]) != 0 {
		t.Fatalf("cancelled or late subscribers got events: %d, %d", len(got["b"]), len(got["late"]))
	}
	if len(got["a"]) != 50 {
		t.Fatalf("subscriber got %d events, want 50", len(got["a"]))
	}
	for i, ev := range got["a"] {
		if ev.Peer != PeerID(fmt.Sprint(i)) {
			t.Fatalf("event %d is %v: out of order", i, ev)
		}
	}
}
