package light

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"lightdas/p2p"
)

// Valid peer ids (Ed25519 identity multihashes) for address tests.
const (
	idA = "12D3KooWKhADnYyGbkyHNZKRb7SWNrGZwcE3gWFYXU56R9hoJpyt"
	idB = "12D3KooWLn7vCWSi9ywnJEFxZ4eKH8Koozxe9LUeAdRJ3REMRcPX"
	idC = "12D3KooWLprHMZW9NavJHbUguc9zoXBWvrVqjMpbgE1MQMX2d5ZV"
)

func addr(n int, id string) string { return fmt.Sprintf("/memory/%d/p2p/%s", n, id) }

func TestPeerOf(t *testing.T) {
	for _, tc := range []struct {
		addr string
		want p2p.PeerID
		ok   bool
	}{
		{addr(1, idA), idA, true},
		{"/ip4/127.0.0.1/udp/4003/webrtc-direct/certhash/uEiAkH5a4DPGKUuOBjYw0CgwjvcJCJMD2K_1aluKR_tpevQ/p2p/" + idB, idB, true},
		{"/ip4/127.0.0.1/tcp/1", "", false},
		{"/p2p/" + idA, "", false},
		{"garbage", "", false},
		{"", "", false},
		{"/ip4/127.0.0.1/tcp/1/p2p/" + idA + "/p2p-circuit/p2p/" + idB, "", false},
	} {
		got, err := PeerOf(tc.addr)
		if tc.ok != (err == nil) || got != tc.want {
			t.Errorf("PeerOf(%q) = %q, %v", tc.addr, got, err)
		}
		if err != nil && !errors.Is(err, ErrBadAddr) {
			t.Errorf("PeerOf(%q): %v does not wrap ErrBadAddr", tc.addr, err)
		}
	}
}

func TestBackoffDoublesToTheCap(t *testing.T) {
	b, err := newAddrBook(nil, 100*time.Millisecond, time.Second, 8)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		n    int
		base time.Duration
	}{{1, 100 * time.Millisecond}, {2, 200 * time.Millisecond}, {3, 400 * time.Millisecond}, {4, 800 * time.Millisecond}, {5, time.Second}, {40, time.Second}} {
		for range 50 {
			d := b.backoff(tc.n)
			if d < tc.base*8/10 || d > tc.base*12/10 {
				t.Fatalf("backoff(%d) = %v, want %v ±20%%", tc.n, d, tc.base)
			}
		}
	}
}

func TestDueRespectsPeersAndBackoff(t *testing.T) {
	now := time.Unix(1000, 0)
	b, err := newAddrBook([]string{addr(1, idA)}, time.Second, 8*time.Second, 8)
	if err != nil {
		t.Fatal(err)
	}
	if n := b.learn([]string{addr(2, idB), addr(3, idB), addr(4, idC), "junk", addr(1, idA)}, now); n != 3 {
		t.Fatalf("learned %d new addresses, want 3", n)
	}
	// Bootstrap first, one address per peer.
	got, _ := b.due(now, nil, 8, 8)
	if len(got) != 3 || got[0].addr != addr(1, idA) || !got[0].bootstrap {
		t.Fatalf("due: %+v", got)
	}
	peers := map[p2p.PeerID]int{}
	for _, e := range got {
		peers[e.peer]++
	}
	if peers[idB] != 1 {
		t.Fatalf("peer B dialled at %d addresses at once", peers[idB])
	}
	// Dialling: nothing is due twice.
	if again, _ := b.due(now, nil, 8, 8); len(again) != 0 {
		t.Fatalf("due while dialling: %+v", again)
	}
	// A's dial fails: it waits ~1 s; B succeeds; C fails.
	wait := b.dialed(addr(1, idA), idA, errors.New("refused"), now)
	if wait < 800*time.Millisecond || wait > 1200*time.Millisecond {
		t.Fatalf("first wait %v", wait)
	}
	for _, e := range got[1:] {
		if e.peer == idB {
			b.dialed(e.addr, idB, nil, now)
		} else {
			b.dialed(e.addr, e.peer, errors.New("refused"), now)
		}
	}
	connected := map[p2p.PeerID]bool{idB: true}
	due, next := b.due(now, connected, 8, 8)
	if len(due) != 0 || next.IsZero() || next.Sub(now) > 1200*time.Millisecond {
		t.Fatalf("due right after failures: %+v, next in %v", due, next.Sub(now))
	}
	// Later, A is due again; with maxPeers reached, learned C is not, but
	// the bootstrap A still is.
	later := now.Add(2 * time.Second)
	due, _ = b.due(later, connected, 1, 8)
	if len(due) != 1 || due[0].addr != addr(1, idA) {
		t.Fatalf("due at max peers: %+v", due)
	}
	b.dialed(addr(1, idA), idA, errors.New("refused"), later)
	if e := b.entries[addr(1, idA)]; e.failures != 2 || e.next.Sub(later) < 1600*time.Millisecond {
		t.Fatalf("after a second failure: %+v", e)
	}
	// Slots bound the dials at once.
	due, _ = b.due(later.Add(time.Minute), nil, 8, 1)
	if len(due) != 1 {
		t.Fatalf("%d dials with one slot", len(due))
	}
}

func TestLearnedAddressesAreBounded(t *testing.T) {
	now := time.Unix(1000, 0)
	b, err := newAddrBook([]string{addr(1, idA)}, time.Second, time.Minute, 2)
	if err != nil {
		t.Fatal(err)
	}
	b.learn([]string{addr(2, idB), addr(3, idC)}, now)
	// B fails often: it is the one evicted for a new address.
	for range 3 {
		b.entries[addr(2, idB)].dialing = true
		b.dialed(addr(2, idB), idB, errors.New("refused"), now)
	}
	if n := b.learn([]string{addr(4, idB)}, now); n != 1 {
		t.Fatalf("learned %d", n)
	}
	if len(b.entries) != 3 || b.entries[addr(2, idB)] != nil || b.entries[addr(1, idA)] == nil {
		t.Fatalf("entries %v", b.snapshot())
	}
	// A learned address that keeps failing is forgotten; bootstrap
	// addresses never are.
	for range maxLearnedFailures {
		b.entries[addr(3, idC)].dialing = true
		b.dialed(addr(3, idC), idC, errors.New("refused"), now)
		b.entries[addr(1, idA)].dialing = true
		b.dialed(addr(1, idA), idA, errors.New("refused"), now)
	}
	if b.entries[addr(3, idC)] != nil || b.entries[addr(1, idA)] == nil {
		t.Fatalf("entries %v", b.snapshot())
	}
}
