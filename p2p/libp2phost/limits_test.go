//go:build !js

package libp2phost

import (
	"errors"
	"io"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p/core/protocol"
	rcmgr "github.com/libp2p/go-libp2p/p2p/host/resource-manager"

	"lightdas/p2p"
)

func TestLimitsByRole(t *testing.T) {
	tests := []struct {
		role                   Role
		sysConns, sysIn        int
		peerStreams, peerInStr int
	}{
		{FullNode, 2048, 2048, 64, 48},
		{LightClient, 128, 64, 256, 64},
	}
	for _, tc := range tests {
		t.Run(tc.role.String(), func(t *testing.T) {
			l := Limits(tc.role).ToPartialLimitConfig()
			if l.System.Conns != rcmgr.LimitVal(tc.sysConns) || l.System.ConnsInbound != rcmgr.LimitVal(tc.sysIn) {
				t.Errorf("system conns %v/%v in, want %d/%d", l.System.Conns, l.System.ConnsInbound, tc.sysConns, tc.sysIn)
			}
			if l.PeerDefault.Streams != rcmgr.LimitVal(tc.peerStreams) || l.PeerDefault.StreamsInbound != rcmgr.LimitVal(tc.peerInStr) {
				t.Errorf("peer streams %v/%v in, want %d/%d", l.PeerDefault.Streams, l.PeerDefault.StreamsInbound, tc.peerStreams, tc.peerInStr)
			}
			// identify and ping keep go-libp2p's service limits.
			if _, ok := l.Service["libp2p.identify"]; !ok {
				t.Error("no identify service limit")
			}
		})
	}
}

// TestRemoteStreamLimit: a server allowing 2 inbound streams per peer for
// a protocol refuses the third with a reset while two are open, and
// accepts again after one closes.
func TestRemoteStreamLimit(t *testing.T) {
	const proto = "/lightdas/test/limited/1"
	limits := rcmgr.PartialLimitConfig{
		ProtocolPeer: map[protocol.ID]rcmgr.ResourceLimits{
			proto: {Streams: 2, StreamsInbound: 2, StreamsOutbound: 2},
		},
	}.Build(Limits(FullNode))
	listen := []string{"/ip4/127.0.0.1/tcp/0"}
	a := newHost(t, Config{ListenAddrs: listen})
	b := newHost(t, Config{ListenAddrs: listen, Role: FullNode, Limits: &limits})
	connect(t, a, b, "")
	ctx := testCtx(t)
	// The handler says hello, then holds the stream until the opener
	// closes it.
	b.SetStreamHandler(proto, func(s p2p.Stream) {
		s.SetDeadline(time.Now().Add(testTimeout))
		s.Write([]byte("k"))
		io.Copy(io.Discard, s)
		s.Close()
	})
	// open returns a stream the server accepted, or the error that refused it.
	open := func() (p2p.Stream, error) {
		s, err := a.NewStream(ctx, b.ID(), proto)
		if err != nil {
			return nil, err
		}
		s.SetDeadline(time.Now().Add(testTimeout))
		var buf [1]byte
		if _, err := io.ReadFull(s, buf[:]); err != nil {
			s.Reset()
			return nil, err
		}
		return s, nil
	}
	var held []p2p.Stream
	for range 2 {
		s, err := open()
		if err != nil {
			t.Fatalf("stream within the limit: %v", err)
		}
		held = append(held, s)
	}
	if s, err := open(); !errors.Is(err, p2p.ErrStreamReset) {
		if s != nil {
			s.Close()
		}
		t.Fatalf("stream over the limit: %v, want ErrStreamReset", err)
	}
	held[0].Close()
	// The server releases the slot when it sees the close; until then a
	// new stream may still be refused.
	for {
		s, err := open()
		if err == nil {
			s.Close()
			break
		}
		if !errors.Is(err, p2p.ErrStreamReset) {
			t.Fatalf("stream after a slot freed: %v", err)
		}
		if ctx.Err() != nil {
			t.Fatal("the server never accepted a stream again")
		}
	}
	held[1].Close()
}

// TestLocalStreamLimit: a local outbound limit fails NewStream with
// ErrResourceLimit (and ErrNoConnection), before anything is sent.
func TestLocalStreamLimit(t *testing.T) {
	const proto = "/lightdas/test/limited/1"
	limits := rcmgr.PartialLimitConfig{
		ProtocolPeer: map[protocol.ID]rcmgr.ResourceLimits{
			proto: {Streams: 1, StreamsInbound: 1, StreamsOutbound: 1},
		},
	}.Build(Limits(LightClient))
	listen := []string{"/ip4/127.0.0.1/tcp/0"}
	a := newHost(t, Config{ListenAddrs: listen, Limits: &limits})
	b := newHost(t, Config{ListenAddrs: listen})
	connect(t, a, b, "")
	b.SetStreamHandler(proto, func(s p2p.Stream) {
		io.Copy(io.Discard, s)
		s.Close()
	})
	ctx := testCtx(t)
	s, err := a.NewStream(ctx, b.ID(), proto)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s2, err := a.NewStream(ctx, b.ID(), proto)
	if !errors.Is(err, ErrResourceLimit) || !errors.Is(err, p2p.ErrNoConnection) {
		if s2 != nil {
			s2.Close()
		}
		t.Fatalf("second stream: %v, want ErrResourceLimit and ErrNoConnection", err)
	}
}
