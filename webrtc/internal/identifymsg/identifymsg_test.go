//go:build !js

package identifymsg

// Differential tests against go-libp2p's generated identify protobuf and
// go-multiaddr, which this package replaces in the browser build.

import (
	"bytes"
	"fmt"
	"net/netip"
	"slices"
	"testing"

	pb "github.com/libp2p/go-libp2p/p2p/protocol/identify/pb"
	ma "github.com/multiformats/go-multiaddr"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
)

func check(t *testing.T, m Identify) {
	t.Helper()
	var got pb.Identify
	if err := proto.Unmarshal(m.Marshal(), &got); err != nil {
		t.Fatalf("go-libp2p cannot decode: %v", err)
	}
	if got.GetProtocolVersion() != m.ProtocolVersion || got.GetAgentVersion() != m.AgentVersion ||
		!bytes.Equal(got.GetPublicKey(), m.PublicKey) || !bytes.Equal(got.GetObservedAddr(), m.ObservedAddr) ||
		!slices.Equal(got.GetProtocols(), m.Protocols) ||
		!slices.EqualFunc(got.GetListenAddrs(), m.ListenAddrs, bytes.Equal) {
		t.Fatalf("decoded %v, sent %+v", &got, m)
	}
	if len(got.ProtoReflect().GetUnknown()) != 0 || got.SignedPeerRecord != nil {
		t.Fatal("unexpected fields")
	}
	// Same bytes as go-libp2p's encoder for the same message (whose empty
	// optional bytes, when non-nil, would be sent; ours are left out).
	want := &pb.Identify{ListenAddrs: m.ListenAddrs, Protocols: m.Protocols}
	if len(m.PublicKey) > 0 {
		want.PublicKey = m.PublicKey
	}
	if len(m.ObservedAddr) > 0 {
		want.ObservedAddr = m.ObservedAddr
	}
	if m.ProtocolVersion != "" {
		want.ProtocolVersion = proto.String(m.ProtocolVersion)
	}
	if m.AgentVersion != "" {
		want.AgentVersion = proto.String(m.AgentVersion)
	}
	wantBytes, err := proto.MarshalOptions{Deterministic: true}.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m.Marshal(), wantBytes) {
		t.Fatalf("bytes differ:\n ours %x\n pb   %x", m.Marshal(), wantBytes)
	}
	d := m.MarshalDelimited()
	n, k := protowire.ConsumeVarint(d)
	if k < 0 || int(n) != len(d)-k || !bytes.Equal(d[k:], wantBytes) {
		t.Fatal("bad length prefix")
	}
}

func TestIdentifyDifferential(t *testing.T) {
	obs := WebRTCDirectAddr(netip.MustParseAddr("127.0.0.1"), 4001)
	for _, m := range []Identify{
		{},
		{ProtocolVersion: "ipfs/0.1.0", AgentVersion: "lightdas-webrtc", PublicKey: []byte{8, 1, 18, 32, 1, 2}, ObservedAddr: obs,
			Protocols: []string{"/ipfs/id/1.0.0", "/ipfs/ping/1.0.0", "/lightdas/x/samples/1"}},
		{AgentVersion: "ü\x00", ListenAddrs: [][]byte{obs, obs}, Protocols: []string{""}},
		{Protocols: make([]string, 300)},
	} {
		check(t, m)
	}
}

func FuzzIdentifyDifferential(f *testing.F) {
	f.Add("ipfs/0.1.0", "agent", []byte{8, 1}, []byte{4, 127, 0, 0, 1}, "/a", "/b")
	f.Fuzz(func(t *testing.T, pv, av string, key, addr []byte, p1, p2 string) {
		check(t, Identify{ProtocolVersion: pv, AgentVersion: av, PublicKey: key, ObservedAddr: addr, ListenAddrs: [][]byte{addr}, Protocols: []string{p1, p2}})
	})
}

func TestWebRTCDirectAddr(t *testing.T) {
	for _, tc := range []struct {
		ip   string
		port uint16
		want string
	}{
		{"127.0.0.1", 4001, "/ip4/127.0.0.1/udp/4001/webrtc-direct"},
		{"::1", 1, "/ip6/::1/udp/1/webrtc-direct"},
		{"2001:db8::5", 65535, "/ip6/2001:db8::5/udp/65535/webrtc-direct"},
		{"::ffff:10.0.0.1", 9000, "/ip6/::ffff:10.0.0.1/udp/9000/webrtc-direct"},
		{"fe80::1%eth0", 80, "/ip6/fe80::1/udp/80/webrtc-direct"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			want, err := ma.NewMultiaddr(tc.want)
			if err != nil {
				t.Fatal(err)
			}
			got := WebRTCDirectAddr(netip.MustParseAddr(tc.ip), tc.port)
			if !bytes.Equal(got, want.Bytes()) {
				t.Fatalf("%x, want %x", got, want.Bytes())
			}
			// The form identify.go builds today.
			a := netip.MustParseAddr(tc.ip).WithZone("")
			proto := "ip4"
			if a.Is6() {
				proto = "ip6"
			}
			old, err := ma.NewMultiaddr(fmt.Sprintf("/%s/%s/udp/%d/webrtc-direct", proto, a, tc.port))
			if err != nil || !bytes.Equal(old.Bytes(), got) {
				t.Fatalf("differs from the current construction: %v", err)
			}
		})
	}
}
