package memnet_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"lightdas/p2p"
	"lightdas/p2p/memnet"
	"lightdas/p2p/p2ptest"
)

const proto p2p.ProtocolID = "/memnet/test/1"

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func mustHost(t *testing.T, n *memnet.Network, id p2p.PeerID) *memnet.Host {
	t.Helper()
	h, err := n.NewHost(id)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// echo serves proto by echoing until EOF.
func echo(s p2p.Stream) {
	if _, err := io.Copy(s, s); err != nil {
		s.Reset()
		return
	}
	s.Close()
}

const flood p2p.ProtocolID = "/memnet/flood/1"

// flooder writes until the stream fails and never reads.
func flooder(s p2p.Stream) {
	buf := make([]byte, 4096)
	for {
		if _, err := s.Write(buf); err != nil {
			s.Reset()
			return
		}
	}
}

func TestCloseStopsEverything(t *testing.T) {
	base := p2ptest.Goroutines()
	ctx := testCtx(t)
	n := memnet.NewNetwork(memnet.WithStreamWindow(1024))
	hosts := []*memnet.Host{mustHost(t, n, "a"), mustHost(t, n, "b"), mustHost(t, n, "c")}
	for _, h := range hosts {
		h.SetStreamHandler(proto, func(s p2p.Stream) {
			io.Copy(io.Discard, s) // never answers, never finishes on its own
			s.Reset()
		})
		h.SetStreamHandler(flood, flooder)
		h.Subscribe(func(p2p.PeerEvent) {})
	}
	n.Connect("a", "b")
	n.Connect("b", "c")
	n.Connect("a", "c")
	// Readers blocked on silent peers, writers blocked on full windows.
	var wg sync.WaitGroup
	for _, pair := range [][2]int{{0, 1}, {1, 2}, {2, 0}} {
		from, to := hosts[pair[0]], hosts[pair[1]].ID()
		s, err := from.NewStream(ctx, to, proto)
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			var buf [1]byte
			s.Read(buf[:])
		})
		s2, err := from.NewStream(ctx, to, flood)
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() { flooder(s2) })
	}
	n.Close()
	wg.Wait()
	p2ptest.WaitGoroutines(t, base)
	if _, err := n.NewHost("d"); !errors.Is(err, p2p.ErrClosed) {
		t.Errorf("NewHost on a closed network: %v, want ErrClosed", err)
	}
}

func TestHostCloseReleasesID(t *testing.T) {
	base := p2ptest.Goroutines()
	n := memnet.NewNetwork()
	defer n.Close()
	a := mustHost(t, n, "a")
	mustHost(t, n, "b")
	if _, err := n.NewHost("a"); !errors.Is(err, memnet.ErrDuplicateHost) {
		t.Fatalf("duplicate id: %v, want ErrDuplicateHost", err)
	}
	a.Subscribe(func(p2p.PeerEvent) {})
	a.SetStreamHandler(proto, echo)
	if err := a.Connect("b"); err != nil {
		t.Fatal(err)
	}
	a.Close()
	if n.Connected("a", "b") {
		t.Error("closed host still connected")
	}
	if err := n.Connect("a", "b"); !errors.Is(err, memnet.ErrUnknownHost) {
		t.Errorf("connect to a closed host: %v, want ErrUnknownHost", err)
	}
	a2 := mustHost(t, n, "a")
	if err := n.Connect("a", "b"); err != nil {
		t.Fatal(err)
	}
	a2.Close()
	p2ptest.WaitGoroutines(t, base)
}

func TestNetworkErrors(t *testing.T) {
	n := memnet.NewNetwork()
	defer n.Close()
	mustHost(t, n, "a")
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"self", n.Connect("a", "a"), memnet.ErrSelfConnect},
		{"unknown", n.Connect("a", "zz"), memnet.ErrUnknownHost},
		{"conditions of no link", n.SetLinkConditions("a", "zz", memnet.Conditions{}), p2p.ErrNoConnection},
	}
	for _, tc := range tests {
		if !errors.Is(tc.err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, tc.err, tc.want)
		}
	}
}

func TestEventsInOrder(t *testing.T) {
	n := memnet.NewNetwork()
	defer n.Close()
	a := mustHost(t, n, "a")
	mustHost(t, n, "b")
	c := mustHost(t, n, "c")
	var mu sync.Mutex
	var got []p2p.PeerEvent
	done := make(chan struct{})
	const want = 5
	a.Subscribe(func(ev p2p.PeerEvent) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, ev)
		if len(got) == want {
			close(done)
		}
	})
	n.Connect("a", "b")
	n.Connect("a", "b") // no-op
	n.Connect("c", "a")
	n.Connect("b", "c") // not a's business
	n.Disconnect("a", "b")
	n.Disconnect("a", "b") // no-op
	n.Connect("b", "a")
	if !slices.Equal(a.Peers(), []p2p.PeerID{"b", "c"}) {
		t.Errorf("Peers = %v, want [b c]", a.Peers())
	}
	c.Close()
	select {
	case <-done:
	case <-testCtx(t).Done():
		t.Fatal("events missing")
	}
	wantEvents := []p2p.PeerEvent{
		{Peer: "b", Kind: p2p.PeerConnected},
		{Peer: "c", Kind: p2p.PeerConnected},
		{Peer: "b", Kind: p2p.PeerDisconnected},
		{Peer: "b", Kind: p2p.PeerConnected},
		{Peer: "c", Kind: p2p.PeerDisconnected},
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(got, wantEvents) {
		t.Errorf("events = %v, want %v", got, wantEvents)
	}
}

func TestSubscribeCancel(t *testing.T) {
	n := memnet.NewNetwork()
	defer n.Close()
	a := mustHost(t, n, "a")
	mustHost(t, n, "b")
	cancelled := make(chan p2p.PeerEvent, 8)
	live := make(chan p2p.PeerEvent, 8)
	cancel := a.Subscribe(func(ev p2p.PeerEvent) { cancelled <- ev })
	a.Subscribe(func(ev p2p.PeerEvent) { live <- ev })
	cancel()
	cancel() // idempotent
	n.Connect("a", "b")
	select {
	case <-live:
	case <-testCtx(t).Done():
		t.Fatal("live subscription got nothing")
	}
	select {
	case ev := <-cancelled:
		t.Fatalf("cancelled subscription got %v", ev)
	default:
	}
}

func TestDisconnectFailsStreams(t *testing.T) {
	ctx := testCtx(t)
	n, a, b := newPair(t)
	handlerErr := make(chan error, 1)
	b.SetStreamHandler(proto, func(s p2p.Stream) {
		var buf [1]byte
		_, err := s.Read(buf[:])
		handlerErr <- err
		s.Reset()
	})
	s, err := a.NewStream(ctx, "b", proto)
	if err != nil {
		t.Fatal(err)
	}
	readErr := make(chan error, 1)
	go func() {
		var buf [1]byte
		_, err := s.Read(buf[:])
		readErr <- err
	}()
	n.Disconnect("a", "b")
	for side, err := range map[string]error{"opener": <-readErr, "handler": <-handlerErr} {
		if !errors.Is(err, p2p.ErrStreamReset) || !errors.Is(err, p2p.ErrNoConnection) {
			t.Errorf("%s: %v, want ErrStreamReset and ErrNoConnection", side, err)
		}
	}
	if _, err := a.NewStream(ctx, "b", proto); !errors.Is(err, p2p.ErrNoConnection) {
		t.Errorf("NewStream after Disconnect: %v, want ErrNoConnection", err)
	}
	if len(a.Peers()) != 0 || len(b.Peers()) != 0 {
		t.Errorf("peers after Disconnect: %v %v", a.Peers(), b.Peers())
	}
	n.Connect("a", "b")
	b.SetStreamHandler(proto, echo)
	s, err = a.NewStream(ctx, "b", proto)
	if err != nil {
		t.Fatalf("after reconnect: %v", err)
	}
	s.Write([]byte("hi"))
	s.CloseWrite()
	if got, err := io.ReadAll(s); err != nil || string(got) != "hi" {
		t.Fatalf("after reconnect: %q, %v", got, err)
	}
}

func TestNumStreams(t *testing.T) {
	ctx := testCtx(t)
	_, a, b := newPair(t)
	done := make(chan struct{})
	b.SetStreamHandler(proto, func(s p2p.Stream) {
		echo(s)
		done <- struct{}{}
	})
	s, err := a.NewStream(ctx, "b", proto)
	if err != nil {
		t.Fatal(err)
	}
	if a.NumStreams() != 1 {
		t.Errorf("opener has %d streams, want 1", a.NumStreams())
	}
	s.CloseWrite()
	io.ReadAll(s)
	<-done
	if b.NumStreams() != 0 {
		t.Errorf("handler closed, still %d streams", b.NumStreams())
	}
	if a.NumStreams() != 1 {
		t.Errorf("opener has %d streams before Close, want 1", a.NumStreams())
	}
	s.Close()
	if a.NumStreams() != 0 {
		t.Errorf("opener has %d streams after Close, want 0", a.NumStreams())
	}
}

func TestCloseStopsPeerWrites(t *testing.T) {
	ctx := testCtx(t)
	_, a, b := newPair(t, memnet.WithStreamWindow(16))
	closed := make(chan struct{})
	b.SetStreamHandler(proto, func(s p2p.Stream) {
		s.Close()
		close(closed)
	})
	s, err := a.NewStream(ctx, "b", proto)
	if err != nil {
		t.Fatal(err)
	}
	<-closed
	// Far more than the window: must fail, not block.
	if _, err := s.Write(make([]byte, 1000)); !errors.Is(err, p2p.ErrStreamReset) {
		t.Fatalf("write to a stream the peer closed: %v, want ErrStreamReset", err)
	}
	if got, err := io.ReadAll(s); err != nil || len(got) != 0 {
		t.Fatalf("read: %q, %v; want EOF", got, err)
	}
}

func TestNewStreamHonoursContext(t *testing.T) {
	_, a, b := newPair(t, memnet.WithConditions(memnet.Conditions{Latency: time.Hour}))
	b.SetStreamHandler(proto, echo)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := a.NewStream(ctx, "b", proto); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled NewStream: %v", err)
	}
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := a.NewStream(ctx, "b", proto); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("NewStream over an hour-long link: %v", err)
	}
}

// Delivery can never be faster than the link allows; these are lower
// bounds, so they cannot flake on a slow machine.
func TestLatencyAndBandwidthLowerBounds(t *testing.T) {
	tests := []struct {
		name string
		cond memnet.Conditions
		size int
		min  time.Duration
	}{
		// NewStream's round trip, then one-way data and EOF.
		{"latency", memnet.Conditions{Latency: 20 * time.Millisecond}, 10, 60 * time.Millisecond},
		{"bandwidth", memnet.Conditions{Bandwidth: 1 << 20}, 100 << 10, 97 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testCtx(t)
			n, a, b := newPair(t)
			if err := n.SetLinkConditions("a", "b", tc.cond); err != nil {
				t.Fatal(err)
			}
			got := make(chan []byte, 1)
			b.SetStreamHandler(proto, func(s p2p.Stream) {
				msg, _ := io.ReadAll(s)
				got <- msg
				s.Close()
			})
			msg := bytes.Repeat([]byte{7}, tc.size)
			start := time.Now()
			s, err := a.NewStream(ctx, "b", proto)
			if err != nil {
				t.Fatal(err)
			}
			go func() {
				s.Write(msg)
				s.CloseWrite()
			}()
			if m := <-got; !bytes.Equal(m, msg) {
				t.Fatalf("got %d bytes, want %d", len(m), len(msg))
			}
			if el := time.Since(start); el < tc.min {
				t.Errorf("delivered after %v, link allows no less than %v", el, tc.min)
			}
			s.Close()
		})
	}
}

func TestConditionsFollowDefaults(t *testing.T) {
	ctx := testCtx(t)
	n, a, b := newPair(t)
	b.SetStreamHandler(proto, echo)
	n.SetDefaultConditions(memnet.Conditions{ResetRate: 1})
	s, err := a.NewStream(ctx, "b", proto)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Write([]byte("x")); !errors.Is(err, p2p.ErrStreamReset) {
		t.Fatalf("ResetRate 1 by default: %v, want ErrStreamReset", err)
	}
	n.SetLinkConditions("a", "b", memnet.Conditions{})
	s, _ = a.NewStream(ctx, "b", proto)
	if _, err := s.Write([]byte("x")); err != nil {
		t.Fatalf("perfect link override: %v", err)
	}
	s.Reset()
	n.ClearLinkConditions("a", "b")
	s, _ = a.NewStream(ctx, "b", proto)
	if _, err := s.Write([]byte("x")); !errors.Is(err, p2p.ErrStreamReset) {
		t.Fatalf("cleared override: %v, want ErrStreamReset", err)
	}
}

// lossPattern opens streams one after another over a lossy link and
// records which first writes were reset.
func lossPattern(t *testing.T, seed uint64) []bool {
	ctx := testCtx(t)
	_, a, b := newPair(t, memnet.WithSeed(seed), memnet.WithConditions(memnet.Conditions{ResetRate: 0.5}))
	b.SetStreamHandler(proto, func(s p2p.Stream) {
		io.Copy(io.Discard, s)
		s.Close()
	})
	var out []bool
	for range 64 {
		s, err := a.NewStream(ctx, "b", proto)
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Write([]byte("x"))
		if err != nil && !errors.Is(err, p2p.ErrStreamReset) {
			t.Fatal(err)
		}
		out = append(out, err != nil)
		s.Close()
	}
	return out
}

func TestLossIsSeeded(t *testing.T) {
	p1, p2, p3 := lossPattern(t, 7), lossPattern(t, 7), lossPattern(t, 8)
	if !slices.Equal(p1, p2) {
		t.Errorf("same seed, different losses:\n%v\n%v", p1, p2)
	}
	if slices.Equal(p1, p3) {
		t.Errorf("different seeds, same 64 losses: %v", p1)
	}
	lost := 0
	for _, l := range p1 {
		if l {
			lost++
		}
	}
	if lost == 0 || lost == len(p1) {
		t.Errorf("ResetRate 0.5 lost %d of %d writes", lost, len(p1))
	}
}

func TestResetLossReachesPeer(t *testing.T) {
	ctx := testCtx(t)
	n, a, b := newPair(t)
	handlerErr := make(chan error, 1)
	b.SetStreamHandler(proto, func(s p2p.Stream) {
		_, err := io.ReadAll(s)
		handlerErr <- err
		s.Close()
	})
	s, err := a.NewStream(ctx, "b", proto)
	if err != nil {
		t.Fatal(err)
	}
	n.SetLinkConditions("a", "b", memnet.Conditions{ResetRate: 1})
	if _, err := s.Write([]byte("x")); !errors.Is(err, p2p.ErrStreamReset) {
		t.Fatalf("write: %v, want ErrStreamReset", err)
	}
	if err := <-handlerErr; !errors.Is(err, p2p.ErrStreamReset) {
		t.Fatalf("peer: %v, want ErrStreamReset", err)
	}
}

func TestStall(t *testing.T) {
	ctx := testCtx(t)
	n, a, b := newPair(t, memnet.WithStreamWindow(100))
	b.SetStreamHandler(proto, echo)
	s, err := a.NewStream(ctx, "b", proto)
	if err != nil {
		t.Fatal(err)
	}
	// A healthy first exchange, then the link black-holes.
	s.Write([]byte("ok"))
	buf := make([]byte, 2)
	if _, err := io.ReadFull(s, buf); err != nil {
		t.Fatal(err)
	}
	n.SetLinkConditions("a", "b", memnet.Conditions{StallRate: 1})
	if _, err := s.Write([]byte("lost")); err != nil {
		t.Fatalf("stalled write should be accepted: %v", err)
	}
	s.SetReadDeadline(time.Now().Add(30 * time.Millisecond))
	if _, err := s.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read over a stalled stream: %v, want a deadline error", err)
	}
	// The window fills: writes block and time out.
	s.SetWriteDeadline(time.Now().Add(30 * time.Millisecond))
	if _, err := s.Write(make([]byte, 200)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("write into a full stalled window: %v, want a deadline error", err)
	}
	s.Reset()
}
