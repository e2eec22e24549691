package webrtc

import (
	"bytes"
	"errors"
	"testing"
)

const (
	testPeer = "12D3KooWKYWgFD4fMzgL3f9xjmNigqckJrgY6wudVcPEqkrQYM6h"
	// sha2-256 multihash of the digest 00 01 02 ... 1f, base64url.
	testHash = "uEiAAAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHw"
)

func TestParseAddr(t *testing.T) {
	good := "/ip4/127.0.0.1/udp/4001/webrtc-direct/certhash/" + testHash + "/p2p/" + testPeer
	a, err := ParseAddr(good)
	if err != nil {
		t.Fatal(err)
	}
	if a.IP.String() != "127.0.0.1" || a.Port != 4001 || string(a.PeerID()) != testPeer {
		t.Fatalf("parsed %+v", a)
	}
	want := make([]byte, 32)
	for i := range want {
		want[i] = byte(i)
	}
	if !bytes.Equal(a.Fingerprint(), want) || a.CertHash[0] != 0x12 || a.CertHash[1] != 32 {
		t.Fatalf("certhash %x, fingerprint %x", a.CertHash, a.Fingerprint())
	}
	if a.String() != good {
		t.Fatalf("String() = %s, want %s", a, good)
	}

	ok := []struct{ name, addr, ip string }{
		{"ipv6", "/ip6/::1/udp/9/webrtc-direct/certhash/" + testHash + "/p2p/" + testPeer, "::1"},
		{"base32 certhash", "/ip4/10.0.0.1/udp/9/webrtc-direct/certhash/bciqaaaicamcakbqhbaequcymbuha6earcijrifiwc4mbsgq3dqor4hy/p2p/" + testPeer, "10.0.0.1"},
		{"unsupported hash first", "/ip4/10.0.0.1/udp/9/webrtc-direct/certhash/uERQAAAAAAAAAAAAAAAAAAAAAAAAAAA/certhash/" + testHash + "/p2p/" + testPeer, "10.0.0.1"},
	}
	for _, tc := range ok {
		t.Run(tc.name, func(t *testing.T) {
			a, err := ParseAddr(tc.addr)
			if err != nil {
				t.Fatal(err)
			}
			if a.IP.String() != tc.ip || !bytes.Equal(a.Fingerprint(), want) {
				t.Fatalf("parsed %+v", a)
			}
		})
	}

	bad := []struct {
		name, addr string
		want       error
	}{
		{"empty", "", ErrNotWebRTCDirect},
		{"garbage", "hello", ErrNotWebRTCDirect},
		{"tcp", "/ip4/127.0.0.1/tcp/4001/p2p/" + testPeer, ErrNotWebRTCDirect},
		{"quic", "/ip4/127.0.0.1/udp/4001/quic-v1/p2p/" + testPeer, ErrNotWebRTCDirect},
		{"dns", "/dns4/example.com/udp/4001/webrtc-direct/certhash/" + testHash + "/p2p/" + testPeer, ErrNotWebRTCDirect},
		{"unspecified ip", "/ip4/0.0.0.0/udp/4001/webrtc-direct/certhash/" + testHash + "/p2p/" + testPeer, ErrNotWebRTCDirect},
		{"port 0", "/ip4/127.0.0.1/udp/0/webrtc-direct/certhash/" + testHash + "/p2p/" + testPeer, ErrNotWebRTCDirect},
		{"no certhash", "/ip4/127.0.0.1/udp/4001/webrtc-direct/p2p/" + testPeer, ErrMissingCertHash},
		{"sha1 certhash", "/ip4/127.0.0.1/udp/4001/webrtc-direct/certhash/uERQAAAAAAAAAAAAAAAAAAAAAAAAAAA/p2p/" + testPeer, ErrUnsupportedHash},
		{"sha512 certhash", "/ip4/127.0.0.1/udp/4001/webrtc-direct/certhash/uE0AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/p2p/" + testPeer, ErrUnsupportedHash},
		{"certhash not multibase", "/ip4/127.0.0.1/udp/4001/webrtc-direct/certhash/!!!/p2p/" + testPeer, ErrUnsupportedHash},
		{"truncated certhash", "/ip4/127.0.0.1/udp/4001/webrtc-direct/certhash/uEiD/p2p/" + testPeer, ErrUnsupportedHash},
		{"no peer id", "/ip4/127.0.0.1/udp/4001/webrtc-direct/certhash/" + testHash, ErrMissingPeerID},
		{"bad peer id", "/ip4/127.0.0.1/udp/4001/webrtc-direct/certhash/" + testHash + "/p2p/12D3Koo", ErrMissingPeerID},
		{"trailing component", "/ip4/127.0.0.1/udp/4001/webrtc-direct/certhash/" + testHash + "/p2p/" + testPeer + "/p2p-circuit", ErrNotWebRTCDirect},
		{"relayed", "/ip4/127.0.0.1/udp/4001/webrtc-direct/certhash/" + testHash + "/p2p/" + testPeer + "/p2p-circuit/p2p/" + testPeer, ErrNotWebRTCDirect},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseAddr(tc.addr)
			if !errors.Is(err, tc.want) || !errors.Is(err, ErrBadAddr) {
				t.Fatalf("ParseAddr(%q): %v, want %v", tc.addr, err, tc.want)
			}
		})
	}
}

func FuzzParseAddr(f *testing.F) {
	f.Add("/ip4/127.0.0.1/udp/4001/webrtc-direct/certhash/" + testHash + "/p2p/" + testPeer)
	f.Add("/ip6/::1/udp/1/webrtc-direct/certhash/" + testHash + "/certhash/" + testHash + "/p2p/" + testPeer)
	f.Add("/ip4/1.2.3.4/udp/4001/webrtc-direct/certhash/uEiD/p2p/" + testPeer)
	f.Add("/ip4/1.2.3.4/udp/4001/webrtc-direct")
	f.Add("/p2p/certhash/p2p")
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAddr(s)
		if err != nil {
			if !errors.Is(err, ErrBadAddr) {
				t.Fatalf("error %v does not wrap ErrBadAddr", err)
			}
			return
		}
		if len(a.Fingerprint()) != 32 || a.Port == 0 || !a.IP.IsValid() || a.Peer.IsZero() {
			t.Fatalf("accepted an unusable address: %+v", a)
		}
		// The canonical form parses to the same address.
		b, err := ParseAddr(a.String())
		if err != nil || b.String() != a.String() {
			t.Fatalf("canonical form %q: %v", a.String(), err)
		}
	})
}
