package p2p

import (
	"fmt"
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
