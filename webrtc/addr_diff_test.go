//go:build !js

package webrtc

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
	mh "github.com/multiformats/go-multihash"

	"lightdas/webrtc/internal/libp2pkey"
)

// refAddr is what go-multiaddr and go-libp2p make of a WebRTC-direct
// address: the reference ParseAddr is held to.
type refAddr struct {
	ip       netip.Addr
	port     uint16
	certHash []byte
	peer     string
	p2pValue []byte // the /p2p component's bytes
}

// refParseAddr reads s with go-multiaddr and checks the shape as
// ParseAddr did before it had its own parser.
func refParseAddr(s string) (refAddr, error) {
	m, err := ma.NewMultiaddr(s)
	if err != nil {
		return refAddr{}, err
	}
	var r refAddr
	if len(m) < 5 {
		return r, errors.New("too short")
	}
	c := m[0]
	if c.Code() != ma.P_IP4 && c.Code() != ma.P_IP6 {
		return r, errors.New("not ip")
	}
	ip, _ := netip.AddrFromSlice(c.RawValue())
	r.ip = ip.Unmap()
	if c.Code() == ma.P_IP6 && r.ip.Is4() {
		r.ip = ip
	}
	if r.ip.IsUnspecified() || r.ip.IsMulticast() {
		return r, errors.New("not unicast")
	}
	if m[1].Code() != ma.P_UDP {
		return r, errors.New("not udp")
	}
	raw := m[1].RawValue()
	r.port = uint16(raw[0])<<8 | uint16(raw[1])
	if r.port == 0 {
		return r, errors.New("port 0")
	}
	if m[2].Code() != ma.P_WEBRTC_DIRECT {
		return r, errors.New("not webrtc-direct")
	}
	i := 3
	for ; i < len(m) && m[i].Code() == ma.P_CERTHASH; i++ {
		d, err := mh.Decode(m[i].RawValue())
		if err != nil {
			return r, err
		}
		if r.certHash == nil && d.Code == mh.SHA2_256 && len(d.Digest) == 32 {
			r.certHash = m[i].RawValue()
		}
	}
	if r.certHash == nil {
		return r, errors.New("no sha2-256 certhash")
	}
	if i != len(m)-1 || m[i].Code() != ma.P_P2P {
		return r, errors.New("not ending in one /p2p")
	}
	r.p2pValue = m[i].RawValue()
	id, err := peer.IDFromBytes(r.p2pValue)
	if err != nil {
		return r, err
	}
	if _, err := id.ExtractPublicKey(); err != nil && !errors.Is(err, peer.ErrNoPublicKey) {
		return r, err
	}
	r.peer = id.String()
	return r, nil
}

// checkAgainstMultiaddr compares ParseAddr with the reference on s. The
// one difference allowed: peer ids go-libp2p takes and libp2pkey refuses
// (an identity multihash that holds no key, non-minimal varints; see
// libp2pkey's doc).
func checkAgainstMultiaddr(t *testing.T, s string) {
	t.Helper()
	got, err := ParseAddr(s)
	want, refErr := refParseAddr(s)
	switch {
	case err != nil && !errors.Is(err, ErrBadAddr):
		t.Fatalf("ParseAddr(%q): %v does not wrap ErrBadAddr", s, err)
	case err == nil && refErr != nil:
		t.Fatalf("ParseAddr(%q) accepted %v; go-multiaddr: %v", s, got, refErr)
	case err != nil && refErr == nil:
		if _, idErr := libp2pkey.IDFromBytes(want.p2pValue); errors.Is(err, ErrMissingPeerID) && idErr != nil {
			return
		}
		t.Fatalf("ParseAddr(%q): %v; go-multiaddr accepts it", s, err)
	case err == nil:
		if got.IP != want.ip || got.Port != want.port || !bytes.Equal(got.CertHash, want.certHash) || got.Peer.String() != want.peer {
			t.Fatalf("ParseAddr(%q) = %+v, go-multiaddr gives %+v", s, got, want)
		}
	}
}

// diffCorpus: valid addresses in the spellings go-multiaddr accepts, and
// every way to break them that comes to mind.
func diffCorpus() []string {
	const (
		sha1Hash   = "uERQAAAAAAAAAAAAAAAAAAAAAAAAAAA"
		b32Hash    = "bciqaaaicamcakbqhbaequcymbuha6earcijrifiwc4mbsgq3dqor4hy"
		b58Hash    = "zQmNLei78zWmzUdbeRB3CiUfAizWUrbeeZh5K1rhAQKCh51"
		hexHash    = "f1220000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
		qmPeer     = "QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N"
		cidPeer    = "bafzaajaiaejcbkoynmx2pgylzmkwbihuvq3iu44lxtwi3qqxcujvbnhk5ggiaobq"
		badCIDPeer = "bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi"
	)
	valid := []string{
		"/ip4/127.0.0.1/udp/4001/webrtc-direct/certhash/" + testHash + "/p2p/" + testPeer,
		"/ip6/::1/udp/9/webrtc-direct/certhash/" + testHash + "/p2p/" + testPeer,
		"/ip4/10.0.0.1/udp/9/webrtc-direct/certhash/" + b32Hash + "/p2p/" + testPeer,
		"/ip4/10.0.0.1/udp/9/webrtc-direct/certhash/" + b58Hash + "/p2p/" + testPeer,
		"/ip4/10.0.0.1/udp/9/webrtc-direct/certhash/" + hexHash + "/p2p/" + testPeer,
		"/ip4/10.0.0.1/udp/9/webrtc-direct/certhash/" + sha1Hash + "/certhash/" + testHash + "/p2p/" + testPeer,
		"/ip4/10.0.0.1/udp/9/webrtc-direct/certhash/" + testHash + "/certhash/" + sha1Hash + "/p2p/" + testPeer,
		"/ip4/10.0.0.1/udp/9/webrtc-direct/certhash/" + testHash + "/p2p/" + qmPeer,
		"/ip4/10.0.0.1/udp/9/webrtc-direct/certhash/" + testHash + "/p2p/" + cidPeer,
		"/ip4/10.0.0.1/udp/9/webrtc-direct/certhash/" + testHash + "/ipfs/" + testPeer,
		"/ip4/10.0.0.1/udp/9/webrtc-direct/certhash/" + testHash + "/p2p/" + testPeer + "/",
		"/ip4/10.0.0.1/udp/09/webrtc-direct/certhash/" + testHash + "/p2p/" + testPeer,
		"/ip4/::ffff:10.0.0.1/udp/9/webrtc-direct/certhash/" + testHash + "/p2p/" + testPeer,
		"/ip6/10.0.0.1/udp/9/webrtc-direct/certhash/" + testHash + "/p2p/" + testPeer,
		"/ip6/::ffff:10.0.0.1/udp/9/webrtc-direct/certhash/" + testHash + "/p2p/" + testPeer,
		"/ip6/fe80::1/udp/65535/webrtc-direct/certhash/" + testHash + "/p2p/" + testPeer,
	}
	// Component values to substitute, by position of the valid shape.
	alts := map[int][]string{
		1: {"ip6", "ip", "dns4", "IP4", "tcp", ""},
		2: {"0.0.0.0", "224.0.0.1", "::", "ff02::1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "256.1.1.1", "::1%eth0", "fe80::1%1", "::ffff:0.0.0.0", "", " 1.2.3.4", "::ffff:224.0.0.1"},
		3: {"tcp", "UDP", "udp4", ""},
		4: {"0", "00", "65536", "-1", "+9", "0x10", "1e3", "", " 9", "99999999999999999999"},
		5: {"webrtc", "webrtc-direct2", "quic-v1", "", "certhash"},
		6: {"p2p", "CERTHASH", ""},
		7: {sha1Hash, "uEiD", "!!!", "", "u", "uEiAAAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHwA", "mEiAAAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHw==", "uEYAAAQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHw", "uEoAgAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", "f12200001", "uAA"},
		8: {"ipfs", "P2P", "p2p-circuit", "certhash", ""},
		9: {qmPeer, cidPeer, badCIDPeer, "12D3Koo", "Qm", "1", "", testPeer + "x", strings.ToLower(testPeer), "z" + testPeer},
	}
	out := append([]string{}, valid...)
	out = append(out, "", "/", "//", "hello", "/ip4", "/ip4/1.2.3.4", "/ip4/1.2.3.4/udp/9/webrtc-direct",
		"/ip4/1.2.3.4/udp/9/webrtc-direct/certhash", "/ip4/1.2.3.4/udp/9/webrtc-direct/certhash/"+testHash,
		"/ip4/1.2.3.4/udp/9/webrtc-direct/certhash/"+testHash+"/p2p",
		"ip4/1.2.3.4/udp/9/webrtc-direct/certhash/"+testHash+"/p2p/"+testPeer,
		"/p2p/certhash/p2p", "/certhash/"+testHash)
	base := strings.Split(valid[0], "/")
	for pos, vs := range alts {
		for _, v := range vs {
			parts := append([]string{}, base...)
			parts[pos] = v
			out = append(out, strings.Join(parts, "/"))
		}
	}
	for i := 1; i < len(base); i++ {
		// Drop a component, repeat one, add one at the end.
		out = append(out,
			strings.Join(append(append([]string{}, base[:i]...), base[i+1:]...), "/"),
			strings.Join(append(append([]string{}, base[:i+1]...), base[i:]...), "/"))
	}
	for _, tail := range []string{"/p2p-circuit", "/p2p/" + testPeer, "/tcp/1", "/certhash/" + testHash, "/webrtc-direct", "/x"} {
		out = append(out, valid[0]+tail)
	}
	return out
}

// TestParseAddrMatchesMultiaddr: ParseAddr accepts what go-multiaddr
// (and go-libp2p's peer ids) accept in the WebRTC-direct shape, with the
// same result, and refuses the rest.
func TestParseAddrMatchesMultiaddr(t *testing.T) {
	accepted := 0
	for i, s := range diffCorpus() {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			checkAgainstMultiaddr(t, s)
			if _, err := ParseAddr(s); err == nil {
				accepted++
			}
		})
	}
	if accepted < 15 {
		t.Fatalf("only %d corpus addresses parse: the corpus lost its valid part", accepted)
	}
}

func FuzzParseAddrMatchesMultiaddr(f *testing.F) {
	for _, s := range diffCorpus() {
		f.Add(s)
	}
	f.Fuzz(checkAgainstMultiaddr)
}
