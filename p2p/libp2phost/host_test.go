//go:build !js

package libp2phost

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"

	"lightdas/p2p"
	"lightdas/p2p/p2ptest"
)

// testTimeout bounds every blocking step of a test so a failure cannot
// hang the run; no assertion depends on it.
const testTimeout = 60 * time.Second

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

func newHost(t *testing.T, cfg Config) *Host {
	t.Helper()
	h, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// connect dials b from a over b's addresses that match transport (a
// substring of the multiaddr, "" for all) and waits until both hosts
// list each other.
func connect(t *testing.T, a, b *Host, transport string) {
	t.Helper()
	ctx := testCtx(t)
	seen := make(chan struct{})
	var once sync.Once
	cancel := b.Subscribe(func(ev p2p.PeerEvent) {
		if ev.Peer == a.ID() && ev.Kind == p2p.PeerConnected {
			once.Do(func() { close(seen) })
		}
	})
	defer cancel()
	ai := b.AddrInfo()
	var addrs []ma.Multiaddr
	for _, m := range ai.Addrs {
		if strings.Contains(m.String(), transport) {
			addrs = append(addrs, m)
		}
	}
	if len(addrs) == 0 {
		t.Fatalf("b has no %q address among %v", transport, ai.Addrs)
	}
	if err := a.Connect(ctx, peer.AddrInfo{ID: ai.ID, Addrs: addrs}); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	// b may have missed the event if it saw the connection before
	// subscribing; its peer list settles that.
	for _, p := range b.Peers() {
		if p == a.ID() {
			return
		}
	}
	select {
	case <-seen:
	case <-ctx.Done():
		t.Fatal("b never saw a's connection")
	}
}

func pairOver(listen string) func(t *testing.T) (p2p.Host, p2p.Host) {
	return func(t *testing.T) (p2p.Host, p2p.Host) {
		a := newHost(t, Config{ListenAddrs: []string{listen}})
		b := newHost(t, Config{ListenAddrs: []string{listen}})
		connect(t, a, b, "")
		return a, b
	}
}

func TestConformanceTCP(t *testing.T) {
	p2ptest.TestHost(t, pairOver("/ip4/127.0.0.1/tcp/0"))
}

func TestConformanceQUIC(t *testing.T) {
	p2ptest.TestHost(t, pairOver("/ip4/127.0.0.1/udp/0/quic-v1"))
}

func TestConformanceWebSocket(t *testing.T) {
	p2ptest.TestHost(t, pairOver("/ip4/127.0.0.1/tcp/0/ws"))
}

// echo serves proto on h: it reads to EOF and writes everything back.
func echo(h p2p.Host, proto p2p.ProtocolID) {
	h.SetStreamHandler(proto, func(s p2p.Stream) {
		s.SetDeadline(time.Now().Add(testTimeout))
		msg, err := io.ReadAll(s)
		if err != nil {
			s.Reset()
			return
		}
		s.Write(msg)
		s.Close()
	})
}

func roundTrip(t *testing.T, a p2p.Host, peer p2p.PeerID, proto p2p.ProtocolID, msg []byte) {
	t.Helper()
	ctx := testCtx(t)
	s, err := a.NewStream(ctx, peer, proto)
	if err != nil {
		t.Fatalf("NewStream: %v", err)
	}
	defer s.Close()
	s.SetDeadline(time.Now().Add(testTimeout))
	if _, err := s.Write(msg); err != nil {
		t.Fatalf("write: %v", err)
	}
	if err := s.CloseWrite(); err != nil {
		t.Fatalf("CloseWrite: %v", err)
	}
	got, err := io.ReadAll(s)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if !bytes.Equal(got, msg) {
		t.Fatalf("echo: got %d bytes, want the %d sent", len(got), len(msg))
	}
}

// TestWebRTCDirect dials the WebRTC-direct listener from another go-libp2p
// host, with nothing but the /webrtc-direct/certhash address, and runs an
// echo protocol over it.
func TestWebRTCDirect(t *testing.T) {
	a := newHost(t, Config{ListenAddrs: []string{}})
	b := newHost(t, Config{})
	var wrtc string
	for _, s := range b.AddrStrings() {
		if strings.Contains(s, "/webrtc-direct/") {
			wrtc = s
		}
	}
	if wrtc == "" || !strings.Contains(wrtc, "/certhash/"+b.CertHash()+"/p2p/"+string(b.ID())) {
		t.Fatalf("no WebRTC-direct address with certhash %q and /p2p among %v", b.CertHash(), b.AddrStrings())
	}
	if err := a.ConnectAddr(testCtx(t), wrtc); err != nil {
		t.Fatalf("ConnectAddr(%s): %v", wrtc, err)
	}
	conns := a.Libp2p().Network().Conns()
	if len(conns) != 1 || !strings.Contains(conns[0].RemoteMultiaddr().String(), "/webrtc-direct") {
		t.Fatalf("connections %v, want one over WebRTC-direct", conns)
	}
	const proto = "/lightdas/test/echo/1"
	echo(b, proto)
	roundTrip(t, a, b.ID(), proto, bytes.Repeat([]byte("webrtc "), 40000))
}

// TestDialOnDemand: NewStream dials a peer known only from AddPeerAddrs.
func TestDialOnDemand(t *testing.T) {
	a := newHost(t, Config{ListenAddrs: []string{}})
	b := newHost(t, Config{ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}})
	const proto = "/lightdas/test/echo/1"
	echo(b, proto)
	if err := a.AddPeerAddrs(b.AddrStrings()...); err != nil {
		t.Fatal(err)
	}
	roundTrip(t, a, b.ID(), proto, []byte("dialled on demand"))
}

func TestNewStreamErrors(t *testing.T) {
	a := newHost(t, Config{ListenAddrs: []string{}})
	ctx := testCtx(t)
	_, pub, err := crypto.GenerateEd25519Key(nil)
	if err != nil {
		t.Fatal(err)
	}
	stranger, _ := peer.IDFromPublicKey(pub)
	for _, id := range []p2p.PeerID{"not-a-peer-id", p2p.PeerID(stranger.String()), a.ID()} {
		if s, err := a.NewStream(ctx, id, "/x/1"); !errors.Is(err, p2p.ErrNoConnection) {
			if s != nil {
				s.Reset()
			}
			t.Errorf("NewStream(%q): %v, want ErrNoConnection", id, err)
		}
	}
	for _, bad := range []string{"", "/ip4/127.0.0.1/tcp/1", "/ip4/127.0.0.1/tcp/1/p2p/xyz", "garbage"} {
		if err := a.ConnectAddr(ctx, bad); !errors.Is(err, ErrBadAddr) {
			t.Errorf("ConnectAddr(%q): %v, want ErrBadAddr", bad, err)
		}
		if err := a.AddPeerAddrs(bad); !errors.Is(err, ErrBadAddr) {
			t.Errorf("AddPeerAddrs(%q): %v, want ErrBadAddr", bad, err)
		}
	}
}

// TestEventsInOrder: connect, disconnect, connect again arrive as
// Connected, Disconnected, Connected.
func TestEventsInOrder(t *testing.T) {
	a := newHost(t, Config{ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}})
	b := newHost(t, Config{ListenAddrs: []string{"/ip4/127.0.0.1/tcp/0"}})
	ctx := testCtx(t)
	events := make(chan p2p.PeerEvent, 16)
	cancel := a.Subscribe(func(ev p2p.PeerEvent) { events <- ev })
	defer cancel()
	next := func() p2p.PeerEvent {
		select {
		case ev := <-events:
			return ev
		case <-ctx.Done():
			t.Fatal("no event")
		}
		return p2p.PeerEvent{}
	}
	for range 2 {
		if err := a.Connect(ctx, b.AddrInfo()); err != nil {
			t.Fatal(err)
		}
		if ev := next(); ev != (p2p.PeerEvent{Peer: b.ID(), Kind: p2p.PeerConnected}) {
			t.Fatalf("got %v, want b connected", ev)
		}
		if err := a.Libp2p().Network().ClosePeer(b.AddrInfo().ID); err != nil {
			t.Fatal(err)
		}
		if ev := next(); ev != (p2p.PeerEvent{Peer: b.ID(), Kind: p2p.PeerDisconnected}) {
			t.Fatalf("got %v, want b disconnected", ev)
		}
	}
}

// TestNoGoroutineLeak: hosts connected over every transport, used,
// subscribed to and closed, leave no goroutine behind.
func TestNoGoroutineLeak(t *testing.T) {
	base := p2ptest.Goroutines()
	func() {
		a, err := New(Config{})
		if err != nil {
			t.Fatal(err)
		}
		b, err := New(Config{})
		if err != nil {
			t.Fatal(err)
		}
		const proto = "/lightdas/test/echo/1"
		echo(b, proto)
		for _, tr := range []string{"/tcp/", "/quic-v1", "/ws", "/webrtc-direct"} {
			ai := b.AddrInfo()
			var addrs []ma.Multiaddr
			for _, m := range ai.Addrs {
				if strings.Contains(m.String(), tr) {
					addrs = append(addrs, m)
				}
			}
			a.Libp2p().Network().ClosePeer(ai.ID)
			a.Libp2p().Peerstore().ClearAddrs(ai.ID)
			if err := a.Connect(testCtx(t), peer.AddrInfo{ID: ai.ID, Addrs: addrs}); err != nil {
				t.Fatalf("connect over %s: %v", tr, err)
			}
			roundTrip(t, a, b.ID(), proto, []byte(tr))
		}
		a.Subscribe(func(p2p.PeerEvent) {}) // left for Close to end
		if err := a.Close(); err != nil {
			t.Error(err)
		}
		if err := b.Close(); err != nil {
			t.Error(err)
		}
	}()
	p2ptest.WaitGoroutines(t, base)
}
