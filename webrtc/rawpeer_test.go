//go:build !js

package webrtc

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	msmux "github.com/multiformats/go-multistream"
	"github.com/pion/ice/v4"
	pion "github.com/pion/webrtc/v4"
	"google.golang.org/protobuf/encoding/protowire"

	"lightdas/p2p"
	"lightdas/webrtc/internal/libp2pkey"
)

// rawPeer connects h to a bare pion peer connection in this process (no
// go-libp2p, no Noise), so that a test decides every byte the remote
// sends on a real data channel. onChannel receives the data channels h
// opens.
func rawPeer(t *testing.T, h *Host, onChannel func(*pion.DataChannel)) p2p.PeerID {
	t.Helper()
	ctx := testCtx(t)
	id, err := libp2pkey.ParseID(testPeer)
	if err != nil {
		t.Fatal(err)
	}
	a := Addr{IP: netip.MustParseAddr("127.0.0.1"), Port: 9, Peer: id}
	pc, err := newPeerConnection(a, h.log)
	if err != nil {
		t.Fatal(err)
	}
	c := newConn(h, a, pc)
	c.watch()
	hs := newStream(c)
	c.addStream(hs)
	if err := openChannel(c, hs, true); err != nil {
		t.Fatal(err)
	}

	var se pion.SettingEngine
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetNetworkTypes([]pion.NetworkType{pion.NetworkTypeUDP4})
	se.SetIncludeLoopbackCandidate(true)
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	remote, err := pion.NewAPI(pion.WithSettingEngine(se)).NewPeerConnection(pion.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { remote.GracefulClose() })
	remote.OnDataChannel(onChannel)
	negotiated, zero := true, uint16(0)
	if _, err := remote.CreateDataChannel("", &pion.DataChannelInit{Negotiated: &negotiated, ID: &zero}); err != nil {
		t.Fatal(err)
	}

	offer, err := pc.pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	gathered := pion.GatheringCompletePromise(pc.pc)
	if err := pc.pc.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	<-gathered
	if err := remote.SetRemoteDescription(*pc.pc.LocalDescription()); err != nil {
		t.Fatal(err)
	}
	answer, err := remote.CreateAnswer(nil)
	if err != nil {
		t.Fatal(err)
	}
	gathered = pion.GatheringCompletePromise(remote)
	if err := remote.SetLocalDescription(answer); err != nil {
		t.Fatal(err)
	}
	<-gathered
	if err := pc.pc.SetRemoteDescription(*remote.LocalDescription()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the data channel to open", func() bool {
		hs.mu.Lock()
		defer hs.mu.Unlock()
		return hs.opened
	})
	hs.abandon()
	c.watchTransport()
	close(c.ready)
	h.mu.Lock()
	h.conns[c.peer] = c
	h.emitLocked(p2p.PeerEvent{Peer: c.peer, Kind: p2p.PeerConnected})
	h.mu.Unlock()
	return c.peer
}

// misbehave serves one data channel of rawPeer: it answers the
// multistream request for any protocol, then, on the first data frame,
// sends what the protocol name asks for. It reports the flags it
// receives afterwards.
func misbehave(t *testing.T, flags chan<- flag) func(*pion.DataChannel) {
	return func(dc *pion.DataChannel) {
		var mu sync.Mutex
		var fr frameReader
		proto, step := "", 0
		dc.OnMessage(func(m pion.DataChannelMessage) {
			mu.Lock()
			defer mu.Unlock()
			err := fr.feed(m.Data, func(msg message) error {
				if msg.hasFlag {
					select {
					case flags <- msg.flag:
					default:
					}
				}
				if len(msg.payload) == 0 {
					return nil
				}
				step++
				switch step {
				case 1: // "/multistream/1.0.0\n" then the protocol
					r := bytes.NewReader(msg.payload)
					if _, err := msmux.ReadNextToken[string](r); err != nil {
						return err
					}
					p, err := msmux.ReadNextToken[string](r)
					if err != nil {
						return err
					}
					proto = p
					var reply []byte
					for _, line := range []string{"/multistream/1.0.0\n", p + "\n"} {
						reply = protowire.AppendVarint(reply, uint64(len(line)))
						reply = append(reply, line...)
					}
					return dc.Send(dataFrame(reply))
				case 2:
					return misbehaviour(dc, proto)
				}
				return nil
			})
			if err != nil {
				t.Errorf("raw peer: %v", err)
			}
		})
	}
}

func misbehaviour(dc *pion.DataChannel, proto string) error {
	switch proto {
	case "/bad/protobuf": // a field with a truncated length
		return dc.Send([]byte{3, 0x12, 0xff, 0xff})
	case "/bad/wiretype": // field 2 as a varint
		return dc.Send([]byte{2, 0x10, 0x01})
	case "/bad/toolarge": // a frame announcing 20 000 bytes
		return dc.Send(protowire.AppendVarint(nil, 20000))
	case "/bad/text": // a text message holding a truncated field
		return dc.SendText("\x03\x12\x7f\x7f")
	case "/good/split": // one frame over three messages, then FIN
		f := append(dataFrame([]byte("split frame")), flagFrame(flagFIN)...)
		for _, part := range [][]byte{f[:1], f[1:4], f[4:]} {
			if err := dc.Send(part); err != nil {
				return err
			}
		}
	}
	return nil
}

// TestRemoteGarbage: frames the remote breaks reset that stream (typed
// errors, RESET_STREAM to the remote) and leave the connection working.
func TestRemoteGarbage(t *testing.T) {
	h := newHost(t, Config{})
	flags := make(chan flag, 256)
	id := rawPeer(t, h, misbehave(t, flags))
	ctx := testCtx(t)
	split := func() {
		t.Helper()
		s, err := h.NewStream(ctx, id, "/good/split")
		if err != nil {
			t.Fatal(err)
		}
		s.SetDeadline(time.Now().Add(testTimeout))
		if _, err := s.Write([]byte("go")); err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(s)
		if err != nil || string(got) != "split frame" {
			t.Fatalf("split frame: %q, %v", got, err)
		}
		s.Close()
	}
	split()
	for _, tc := range []struct {
		proto p2p.ProtocolID
		want  error
	}{
		{"/bad/protobuf", ErrBadFrame},
		{"/bad/wiretype", ErrBadFrame},
		{"/bad/toolarge", ErrFrameTooLarge},
		{"/bad/text", ErrBadFrame},
	} {
		t.Run(string(tc.proto), func(t *testing.T) {
			s, err := h.NewStream(ctx, id, tc.proto)
			if err != nil {
				t.Fatal(err)
			}
			s.SetDeadline(time.Now().Add(testTimeout))
			if _, err := s.Write([]byte("go")); err != nil {
				t.Fatal(err)
			}
			var b [8]byte
			_, err = s.Read(b[:])
			if !errors.Is(err, tc.want) || !errors.Is(err, p2p.ErrStreamReset) {
				t.Fatalf("read: %v, want %v and ErrStreamReset", err, tc.want)
			}
			if _, err := s.Write([]byte("more")); !errors.Is(err, p2p.ErrStreamReset) {
				t.Fatalf("write after the reset: %v", err)
			}
			for {
				select {
				case f := <-flags:
					if f != flagReset {
						continue
					}
				case <-ctx.Done():
					t.Fatal("the remote never got RESET_STREAM")
				}
				break
			}
		})
	}
	if got := h.Peers(); len(got) != 1 || got[0] != id {
		t.Fatalf("Peers() = %v after bad frames", got)
	}
	split()
}
