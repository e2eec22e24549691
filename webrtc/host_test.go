//go:build !js

package webrtc

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	rcmgr "github.com/libp2p/go-libp2p/p2p/host/resource-manager"

	"lightdas/p2p"
	"lightdas/p2p/libp2phost"
	"lightdas/p2p/p2ptest"
)

// testTimeout bounds every blocking step so a failure cannot hang the
// run; no assertion depends on it.
const testTimeout = 60 * time.Second

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// listener starts an unmodified go-libp2p host (through libp2phost)
// listening only on WebRTC-direct on loopback, and returns its
// /webrtc-direct/certhash/.../p2p/... address.
func listener(t testing.TB, cfg libp2phost.Config) (*libp2phost.Host, string) {
	t.Helper()
	if cfg.ListenAddrs == nil {
		cfg.ListenAddrs = []string{"/ip4/127.0.0.1/udp/0/webrtc-direct"}
	}
	h, err := libp2phost.New(cfg)
	if err != nil {
		t.Fatalf("libp2phost.New: %v", err)
	}
	t.Cleanup(func() { h.Close() })
	for _, a := range h.AddrStrings() {
		if strings.Contains(a, "/webrtc-direct/") {
			return h, a
		}
	}
	t.Fatalf("no webrtc-direct address among %v", h.AddrStrings())
	return nil, ""
}

func newHost(t testing.TB, cfg Config) *Host {
	t.Helper()
	h, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// waitFor polls cond until it holds; ctx is only a hang guard.
func waitFor(t testing.TB, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		if ctx.Err() != nil {
			t.Fatalf("gave up waiting: %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// dial connects a to b and waits until b lists a too.
func dial(t testing.TB, a *Host, b *libp2phost.Host, addr string) {
	t.Helper()
	ctx := testCtx(t)
	id, err := a.Connect(ctx, addr)
	if err != nil {
		t.Fatalf("Connect(%s): %v", addr, err)
	}
	if id != b.ID() {
		t.Fatalf("Connect returned %s, want %s", id, b.ID())
	}
	waitFor(t, ctx, "the listener to list the dialer", func() bool { return slices.Contains(b.Peers(), a.ID()) })
}

// TestConformance runs the p2p conformance suite with this package's
// host as the side that opens streams (a) and an unmodified go-libp2p
// host as the side that serves them (b). Every case applies: the suite
// opens streams only from a to b.
func TestConformance(t *testing.T) {
	p2ptest.TestHost(t, func(t *testing.T) (p2p.Host, p2p.Host) {
		a := newHost(t, Config{})
		b, addr := listener(t, libp2phost.Config{})
		dial(t, a, b, addr)
		return a, b
	})
}

// TestConformanceIncoming runs the suite the other way round: the
// go-libp2p host opens the streams on the connection this host dialled,
// and this host serves them (and is closed in RemoteHostClose).
//
// ResetUnblocksWriter does not apply: there the writer is go-libp2p, and
// a go-libp2p WebRTC stream learns of the peer's reset only when it reads
// (it processes flags on its read path, and pion stops crediting the send
// buffer of a stream the peer reset, so the writer just blocks). This
// side does send RESET_STREAM and STOP_SENDING and close the channel:
// TestRemoteWriterSeesReset checks what go-libp2p makes of it.
func TestConformanceIncoming(t *testing.T) {
	p2ptest.TestHost(t, func(t *testing.T) (p2p.Host, p2p.Host) {
		b := newHost(t, Config{})
		a, addr := listener(t, libp2phost.Config{})
		dial(t, b, a, addr)
		return a, b
	}, "ResetUnblocksWriter")
}

// TestRemoteWriterSeesReset: a go-libp2p writer whose stream this side
// resets gets the reset on its next read, and its writes stop being
// accepted.
func TestRemoteWriterSeesReset(t *testing.T) {
	srv, addr := listener(t, libp2phost.Config{})
	h := newHost(t, Config{})
	reset := make(chan struct{})
	h.SetStreamHandler("/lightdas/test/reset/1", func(s p2p.Stream) {
		var b [1]byte
		io.ReadFull(s, b[:])
		s.Reset()
		close(reset)
	})
	dial(t, h, srv, addr)
	ctx := testCtx(t)
	s, err := srv.NewStream(ctx, h.ID(), "/lightdas/test/reset/1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	<-reset
	s.SetReadDeadline(time.Now().Add(testTimeout))
	var b [1]byte
	if _, err := s.Read(b[:]); !errors.Is(err, p2p.ErrStreamReset) {
		t.Fatalf("go-libp2p read after the reset: %v, want ErrStreamReset", err)
	}
	if _, err := s.Write([]byte("y")); !errors.Is(err, p2p.ErrStreamReset) {
		t.Fatalf("go-libp2p write after reading the reset: %v, want ErrStreamReset", err)
	}
}

// TestPing speaks /ipfs/ping/1.0.0 to go-libp2p's ping service: 32
// random bytes, echoed.
func TestPing(t *testing.T) {
	srv, addr := listener(t, libp2phost.Config{})
	h := newHost(t, Config{})
	dial(t, h, srv, addr)
	ctx := testCtx(t)
	s, err := h.NewStream(ctx, srv.ID(), "/ipfs/ping/1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.SetDeadline(time.Now().Add(testTimeout))
	for i := range 5 {
		ping := make([]byte, 32)
		rand.Read(ping)
		if _, err := s.Write(ping); err != nil {
			t.Fatalf("ping %d: %v", i, err)
		}
		pong := make([]byte, 32)
		if _, err := io.ReadFull(s, pong); err != nil {
			t.Fatalf("pong %d: %v", i, err)
		}
		if !bytes.Equal(ping, pong) {
			t.Fatalf("pong %d differs from the ping", i)
		}
	}
}

// TestIdentify: the listener learns this host's key, agent and protocols
// through identify, which it runs on every new connection.
func TestIdentify(t *testing.T) {
	srv, addr := listener(t, libp2phost.Config{})
	h := newHost(t, Config{UserAgent: "lightdas-webrtc-test"})
	h.SetStreamHandler("/lightdas/test/echo/1", func(s p2p.Stream) { s.Reset() })
	dial(t, h, srv, addr)
	ctx := testCtx(t)
	pid, err := peer.Decode(string(h.ID()))
	if err != nil {
		t.Fatal(err)
	}
	ps := srv.Libp2p().Peerstore()
	waitFor(t, ctx, "identify", func() bool {
		v, err := ps.Get(pid, "AgentVersion")
		return err == nil && v == "lightdas-webrtc-test"
	})
	protos, err := ps.GetProtocols(pid)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(protos, "/lightdas/test/echo/1") || !slices.Contains(protos, "/ipfs/id/1.0.0") {
		t.Errorf("listener sees protocols %v", protos)
	}
	own, err := crypto.UnmarshalPublicKey(h.key.Public().Marshal())
	if err != nil {
		t.Fatal(err)
	}
	if key := ps.PubKey(pid); key == nil || !key.Equals(own) {
		t.Errorf("listener has key %v", key)
	}
}

func echoHandler(s p2p.Stream) {
	s.SetDeadline(time.Now().Add(testTimeout))
	msg, err := io.ReadAll(s)
	if err != nil {
		s.Reset()
		return
	}
	if _, err := s.Write(msg); err != nil {
		s.Reset()
		return
	}
	s.Close()
}

func roundTrip(ctx context.Context, h p2p.Host, id p2p.PeerID, proto p2p.ProtocolID, msg []byte) error {
	s, err := h.NewStream(ctx, id, proto)
	if err != nil {
		return err
	}
	defer s.Close()
	s.SetDeadline(time.Now().Add(testTimeout))
	werr := make(chan error, 1)
	go func() {
		_, err := s.Write(msg)
		if err == nil {
			err = s.CloseWrite()
		}
		werr <- err
	}()
	got, err := io.ReadAll(s)
	if err := <-werr; err != nil {
		return fmt.Errorf("write: %w", err)
	}
	if err != nil {
		return fmt.Errorf("read: %w", err)
	}
	if !bytes.Equal(got, msg) {
		return fmt.Errorf("echo: %d bytes that differ from the %d sent", len(got), len(msg))
	}
	return nil
}

// TestManyConcurrentStreams: 64 streams at once, each echoing 64 KiB
// (several messages each way).
func TestManyConcurrentStreams(t *testing.T) {
	limits := rcmgr.InfiniteLimits
	srv, addr := listener(t, libp2phost.Config{Limits: &limits})
	srv.SetStreamHandler("/lightdas/test/echo/1", echoHandler)
	h := newHost(t, Config{})
	dial(t, h, srv, addr)
	ctx := testCtx(t)
	const streams = 64
	var wg sync.WaitGroup
	errs := make(chan error, streams)
	for i := range streams {
		wg.Go(func() {
			msg := bytes.Repeat([]byte{byte(i), byte(i >> 8), 0xa5}, 64<<10/3)
			if err := roundTrip(ctx, h, srv.ID(), "/lightdas/test/echo/1", msg); err != nil {
				errs <- fmt.Errorf("stream %d: %w", i, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestLargeMessages: a 1 MiB echo, and a 4 MiB answer to a small
// request, both far beyond one 16 KiB message.
func TestLargeMessages(t *testing.T) {
	srv, addr := listener(t, libp2phost.Config{})
	srv.SetStreamHandler("/lightdas/test/echo/1", echoHandler)
	big := make([]byte, 4<<20)
	rand.Read(big)
	srv.SetStreamHandler("/lightdas/test/big/1", func(s p2p.Stream) {
		s.SetDeadline(time.Now().Add(testTimeout))
		if _, err := io.ReadAll(s); err != nil {
			s.Reset()
			return
		}
		if _, err := s.Write(big); err != nil {
			s.Reset()
			return
		}
		s.Close()
	})
	h := newHost(t, Config{})
	dial(t, h, srv, addr)
	ctx := testCtx(t)
	msg := make([]byte, 1<<20)
	rand.Read(msg)
	if err := roundTrip(ctx, h, srv.ID(), "/lightdas/test/echo/1", msg); err != nil {
		t.Fatal(err)
	}
	s, err := h.NewStream(ctx, srv.ID(), "/lightdas/test/big/1")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.SetDeadline(time.Now().Add(testTimeout))
	if err := s.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(s)
	if err != nil || !bytes.Equal(got, big) {
		t.Fatalf("read %d bytes (%v), want the %d the server wrote", len(got), err, len(big))
	}
}

// TestPeerVanishes: the go-libp2p host closes while a read is blocked:
// the read fails, PeerDisconnected arrives, the peer is gone from Peers
// and NewStream fails with ErrNoConnection; nothing keeps running.
func TestPeerVanishes(t *testing.T) {
	base := p2ptest.Goroutines()
	func() {
		ctx := testCtx(t)
		srv, err := libp2phost.New(libp2phost.Config{ListenAddrs: []string{"/ip4/127.0.0.1/udp/0/webrtc-direct"}})
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		var addr string
		for _, a := range srv.AddrStrings() {
			if strings.Contains(a, "/webrtc-direct/") {
				addr = a
			}
		}
		accepted := make(chan struct{})
		srv.SetStreamHandler("/lightdas/test/hold/1", func(s p2p.Stream) {
			close(accepted)
			io.Copy(io.Discard, s)
			s.Reset()
		})
		h, err := New(Config{})
		if err != nil {
			t.Fatal(err)
		}
		defer h.Close()
		events := make(chan p2p.PeerEvent, 16)
		cancel := h.Subscribe(func(ev p2p.PeerEvent) { events <- ev })
		defer cancel()
		if _, err := h.Connect(ctx, addr); err != nil {
			t.Fatal(err)
		}
		s, err := h.NewStream(ctx, srv.ID(), "/lightdas/test/hold/1")
		if err != nil {
			t.Fatal(err)
		}
		s.SetDeadline(time.Now().Add(testTimeout))
		if _, err := s.Write([]byte("x")); err != nil {
			t.Fatal(err)
		}
		<-accepted
		readErr := make(chan error, 1)
		go func() {
			var b [1]byte
			_, err := s.Read(b[:])
			readErr <- err
		}()
		if err := srv.Close(); err != nil {
			t.Fatal(err)
		}
		if err := <-readErr; !errors.Is(err, p2p.ErrStreamReset) && !errors.Is(err, p2p.ErrNoConnection) {
			t.Fatalf("blocked read: %v, want ErrStreamReset or ErrNoConnection", err)
		}
		want := []p2p.PeerEvent{{Peer: srv.ID(), Kind: p2p.PeerConnected}, {Peer: srv.ID(), Kind: p2p.PeerDisconnected}}
		for _, w := range want {
			select {
			case ev := <-events:
				if ev != w {
					t.Fatalf("event %v, want %v", ev, w)
				}
			case <-ctx.Done():
				t.Fatalf("no %v event", w)
			}
		}
		if len(h.Peers()) != 0 {
			t.Errorf("Peers() = %v after the peer vanished", h.Peers())
		}
		if _, err := h.NewStream(ctx, srv.ID(), "/lightdas/test/hold/1"); !errors.Is(err, p2p.ErrNoConnection) {
			t.Errorf("NewStream to the vanished peer: %v, want ErrNoConnection", err)
		}
		if err := h.Close(); err != nil {
			t.Error(err)
		}
	}()
	p2ptest.WaitGoroutines(t, base)
}

// TestCloseAndReconnect: Disconnect and Close reach the listener; events
// come in order over two connections; a closed host refuses everything.
func TestCloseAndReconnect(t *testing.T) {
	srv, addr := listener(t, libp2phost.Config{})
	srv.SetStreamHandler("/lightdas/test/echo/1", echoHandler)
	srvEvents := make(chan p2p.PeerEvent, 16)
	srvCancel := srv.Subscribe(func(ev p2p.PeerEvent) { srvEvents <- ev })
	defer srvCancel()
	h := newHost(t, Config{})
	events := make(chan p2p.PeerEvent, 16)
	defer h.Subscribe(func(ev p2p.PeerEvent) { events <- ev })()
	ctx := testCtx(t)
	next := func(ch chan p2p.PeerEvent) p2p.PeerEvent {
		select {
		case ev := <-ch:
			return ev
		case <-ctx.Done():
			t.Fatal("no event")
		}
		return p2p.PeerEvent{}
	}
	for round := range 2 {
		dial(t, h, srv, addr)
		if err := roundTrip(ctx, h, srv.ID(), "/lightdas/test/echo/1", []byte(fmt.Sprint("round ", round))); err != nil {
			t.Fatal(err)
		}
		if err := h.Disconnect(srv.ID()); err != nil {
			t.Fatal(err)
		}
		for _, ch := range []chan p2p.PeerEvent{events, srvEvents} {
			peerID := srv.ID()
			if ch == srvEvents {
				peerID = h.ID()
			}
			for _, kind := range []p2p.EventKind{p2p.PeerConnected, p2p.PeerDisconnected} {
				if ev := next(ch); ev != (p2p.PeerEvent{Peer: peerID, Kind: kind}) {
					t.Fatalf("round %d: event %v, want %v %s", round, ev, peerID, kind)
				}
			}
		}
		if err := h.Disconnect(srv.ID()); err != nil {
			t.Fatalf("second Disconnect: %v", err)
		}
	}
	dial(t, h, srv, addr)
	if ev := next(srvEvents); ev.Kind != p2p.PeerConnected {
		t.Fatalf("listener event %v", ev)
	}
	if err := h.Close(); err != nil {
		t.Fatal(err)
	}
	if ev := next(srvEvents); ev != (p2p.PeerEvent{Peer: h.ID(), Kind: p2p.PeerDisconnected}) {
		t.Fatalf("after Close the listener got %v", ev)
	}
	if _, err := h.Connect(ctx, addr); !errors.Is(err, p2p.ErrClosed) {
		t.Errorf("Connect after Close: %v, want ErrClosed", err)
	}
	if _, err := h.NewStream(ctx, srv.ID(), "/lightdas/test/echo/1"); !errors.Is(err, p2p.ErrClosed) {
		t.Errorf("NewStream after Close: %v, want ErrClosed", err)
	}
}

// TestConnectIdempotent: concurrent and repeated Connects to one peer make
// one connection.
func TestConnectIdempotent(t *testing.T) {
	srv, addr := listener(t, libp2phost.Config{})
	h := newHost(t, Config{})
	ctx := testCtx(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if id, err := h.Connect(ctx, addr); err != nil || id != srv.ID() {
				t.Errorf("Connect: %s, %v", id, err)
			}
		})
	}
	wg.Wait()
	if _, err := h.Connect(ctx, addr); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the listener to list the dialer", func() bool { return slices.Contains(srv.Peers(), h.ID()) })
	pid, _ := peer.Decode(string(h.ID()))
	if n := len(srv.Libp2p().Network().ConnsToPeer(pid)); n != 1 {
		t.Fatalf("listener has %d connections to the dialer, want 1", n)
	}
	if got := h.Peers(); len(got) != 1 || got[0] != srv.ID() {
		t.Fatalf("Peers() = %v", got)
	}
}

func TestConnectErrors(t *testing.T) {
	srv, addr := listener(t, libp2phost.Config{})
	h := newHost(t, Config{})
	ctx := testCtx(t)

	if _, err := h.Connect(ctx, "/ip4/127.0.0.1/udp/1/webrtc-direct/p2p/"+string(srv.ID())); !errors.Is(err, ErrMissingCertHash) {
		t.Errorf("no certhash: %v", err)
	}

	// The right listener under another peer id: Noise authenticates the
	// real key and the dial fails.
	_, pub, err := crypto.GenerateEd25519Key(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := peer.IDFromPublicKey(pub)
	wrongID := strings.Replace(addr, string(srv.ID()), other.String(), 1)
	_, err = h.Connect(ctx, wrongID)
	if !errors.Is(err, ErrPeerIDMismatch) || !errors.Is(err, ErrHandshake) || !errors.Is(err, p2p.ErrNoConnection) {
		t.Errorf("wrong peer id: %v, want ErrPeerIDMismatch", err)
	}

	// The right peer id with another certificate hash: DTLS refuses the
	// listener's certificate.
	wrongHash := strings.Replace(addr, "/certhash/"+srv.CertHash(), "/certhash/"+testHash, 1)
	if _, err := h.Connect(ctx, wrongHash); !errors.Is(err, ErrHandshake) || !errors.Is(err, p2p.ErrNoConnection) {
		t.Errorf("wrong certhash: %v, want ErrHandshake", err)
	}

	// Nobody listens: ICE never succeeds within the handshake timeout.
	a, err := ParseAddr(addr)
	if err != nil {
		t.Fatal(err)
	}
	gone := strings.Replace(addr, fmt.Sprintf("/udp/%d/", a.Port), "/udp/9/", 1)
	impatient := newHost(t, Config{HandshakeTimeout: time.Second})
	if _, err := impatient.Connect(ctx, gone); !errors.Is(err, ErrHandshake) || !errors.Is(err, p2p.ErrNoConnection) {
		t.Errorf("nothing listening: %v, want ErrHandshake", err)
	}

	// A cancelled context.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := h.Connect(cctx, addr); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v, want context.Canceled", err)
	}

	if len(h.Peers()) != 0 {
		t.Errorf("failed dials left peers %v", h.Peers())
	}
	// And the host still works.
	dial(t, h, srv, addr)
}

func TestNewStreamErrors(t *testing.T) {
	srv, addr := listener(t, libp2phost.Config{})
	h := newHost(t, Config{})
	dial(t, h, srv, addr)
	ctx := testCtx(t)
	if _, err := h.NewStream(ctx, "nobody", "/x/1"); !errors.Is(err, p2p.ErrNoConnection) {
		t.Errorf("unknown peer: %v", err)
	}
	if _, err := h.NewStream(ctx, srv.ID(), "/lightdas/none/1"); !errors.Is(err, p2p.ErrProtocolNotSupported) {
		t.Errorf("unserved protocol: %v", err)
	}
	srv.SetStreamHandler("/lightdas/test/silent/1", func(s p2p.Stream) {
		time.Sleep(time.Second)
		s.Reset()
	})
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := h.NewStream(cctx, srv.ID(), "/lightdas/test/silent/1"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v, want context.Canceled", err)
	}
}

// TestNoGoroutineLeak: hosts connected, used from both sides, subscribed
// to and closed leave nothing running.
func TestNoGoroutineLeak(t *testing.T) {
	base := p2ptest.Goroutines()
	func() {
		srv, err := libp2phost.New(libp2phost.Config{ListenAddrs: []string{"/ip4/127.0.0.1/udp/0/webrtc-direct"}})
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		var addr string
		for _, a := range srv.AddrStrings() {
			if strings.Contains(a, "/webrtc-direct/") {
				addr = a
			}
		}
		srv.SetStreamHandler("/lightdas/test/echo/1", echoHandler)
		h, err := New(Config{})
		if err != nil {
			t.Fatal(err)
		}
		h.SetStreamHandler("/lightdas/test/echo/1", echoHandler)
		h.Subscribe(func(p2p.PeerEvent) {}) // left for Close to end
		dial(t, h, srv, addr)
		ctx := testCtx(t)
		for range 3 {
			if err := roundTrip(ctx, h, srv.ID(), "/lightdas/test/echo/1", bytes.Repeat([]byte("out"), 20000)); err != nil {
				t.Fatal(err)
			}
			if err := roundTrip(ctx, srv, h.ID(), "/lightdas/test/echo/1", bytes.Repeat([]byte("in"), 20000)); err != nil {
				t.Fatal(err)
			}
		}
		// A stream left open, and one reset.
		if _, err := h.NewStream(ctx, srv.ID(), "/lightdas/test/echo/1"); err != nil {
			t.Fatal(err)
		}
		s, err := h.NewStream(ctx, srv.ID(), "/lightdas/test/echo/1")
		if err != nil {
			t.Fatal(err)
		}
		s.Reset()
		if err := h.Close(); err != nil {
			t.Error(err)
		}
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
	}()
	p2ptest.WaitGoroutines(t, base)
}

// TestIncomingStreamLimit: streams the remote opens beyond
// MaxIncomingStreams are reset at once; closing one makes room.
func TestIncomingStreamLimit(t *testing.T) {
	srv, addr := listener(t, libp2phost.Config{})
	h := newHost(t, Config{MaxIncomingStreams: 2})
	release := make(chan struct{})
	h.SetStreamHandler("/lightdas/test/hold/1", func(s p2p.Stream) {
		<-release
		s.Close()
	})
	dial(t, h, srv, addr)
	ctx := testCtx(t)
	h.mu.Lock()
	c := h.conns[srv.ID()]
	h.mu.Unlock()
	pid, _ := peer.Decode(string(h.ID()))
	waitFor(t, ctx, "identify to finish", func() bool {
		_, err := srv.Libp2p().Peerstore().Get(pid, "AgentVersion")
		c.mu.Lock()
		defer c.mu.Unlock()
		return err == nil && c.incoming == 0
	})
	var held []p2p.Stream
	for range 2 {
		s, err := srv.NewStream(ctx, h.ID(), "/lightdas/test/hold/1")
		if err != nil {
			t.Fatalf("stream within the limit: %v", err)
		}
		held = append(held, s)
	}
	if s, err := srv.NewStream(ctx, h.ID(), "/lightdas/test/hold/1"); !errors.Is(err, p2p.ErrStreamReset) {
		if s != nil {
			s.Reset()
		}
		t.Fatalf("stream beyond the limit: %v, want a reset", err)
	}
	close(release)
	for _, s := range held {
		s.Close()
	}
	waitFor(t, ctx, "the held streams to end", func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.incoming == 0
	})
	if err := roundTrip(ctx, srv, h.ID(), "/lightdas/test/none/1", nil); !errors.Is(err, p2p.ErrProtocolNotSupported) {
		t.Fatalf("after the limit: %v, want ErrProtocolNotSupported from a negotiated stream", err)
	}
}
