package maddr

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"testing"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/mr-tron/base58/base58"
	ma "github.com/multiformats/go-multiaddr"
	"github.com/multiformats/go-multibase"
	mh "github.com/multiformats/go-multihash"
)

// Peer ids of both shapes: an Ed25519 (identity multihash) and a
// sha2-256 one.
func testIDs(t testing.TB) (ed, sha string) {
	t.Helper()
	_, pub, err := crypto.GenerateEd25519Key(bytes.NewReader(make([]byte, 64)))
	if err != nil {
		t.Fatal(err)
	}
	id, err := peer.IDFromPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("key"))
	m, err := mh.Encode(sum[:], mh.SHA2_256)
	if err != nil {
		t.Fatal(err)
	}
	return id.String(), base58.Encode(m)
}

// reference runs go-multiaddr, treating a panic as a rejection.
func refParse(s string) (b []byte, str string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	a, err := ma.NewMultiaddr(s)
	if err != nil {
		return nil, "", err
	}
	return a.Bytes(), a.String(), nil
}

func refDecode(b []byte) (str string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	a, err := ma.NewMultiaddrBytes(b)
	if err != nil {
		return "", err
	}
	if !bytes.Equal(a.Bytes(), b) {
		return "", errors.New("not canonical")
	}
	return a.String(), nil
}

// checkString compares Parse and Format with go-multiaddr on one string:
// whatever this package accepts, go-multiaddr accepts with the same bytes
// and string form; whatever go-multiaddr accepts, this package accepts
// too unless a protocol is outside its set; a malformed verdict is shared.
func checkString(t *testing.T, s string) (ok bool) {
	t.Helper()
	b, err := Parse(s)
	rb, rs, rerr := refParse(s)
	switch {
	case errors.Is(err, ErrUnsupportedProtocol):
		var ue *UnsupportedProtocolError
		if !errors.As(err, &ue) {
			t.Fatalf("Parse(%q): %v is not an *UnsupportedProtocolError", s, err)
		}
		return false
	case err != nil:
		if !errors.Is(err, ErrMalformed) {
			t.Fatalf("Parse(%q): untyped error %v", s, err)
		}
		if rerr == nil {
			t.Fatalf("Parse(%q) = %v, go-multiaddr accepts it as %s", s, err, rs)
		}
		return false
	case rerr != nil:
		t.Fatalf("Parse(%q) = %x, go-multiaddr rejects it: %v", s, b, rerr)
	case !bytes.Equal(b, rb):
		t.Fatalf("Parse(%q) = %x, go-multiaddr %x", s, b, rb)
	}
	str, err := Format(b)
	if err != nil || str != rs {
		t.Fatalf("Format(Parse(%q)) = %q, %v; go-multiaddr %q", s, str, err, rs)
	}
	return true
}

// checkBytes compares Format with go-multiaddr on binary input.
func checkBytes(t *testing.T, b []byte) {
	t.Helper()
	s, err := Format(b)
	rs, rerr := refDecode(b)
	switch {
	case errors.Is(err, ErrUnsupportedProtocol):
	case err != nil:
		if !errors.Is(err, ErrMalformed) {
			t.Fatalf("Format(%x): untyped error %v", b, err)
		}
		if rerr == nil {
			t.Fatalf("Format(%x) = %v, go-multiaddr accepts it as %s", b, err, rs)
		}
	case rerr != nil:
		t.Fatalf("Format(%x) = %q, go-multiaddr rejects it: %v", b, s, rerr)
	case s != rs:
		t.Fatalf("Format(%x) = %q, go-multiaddr %q", b, s, rs)
	default:
		back, err := Parse(s)
		if err != nil || !bytes.Equal(back, b) {
			t.Fatalf("Parse(Format(%x)) = %x, %v", b, back, err)
		}
	}
}

func certhash() string {
	sum := sha256.Sum256([]byte("cert"))
	m, _ := mh.Encode(sum[:], mh.SHA2_256)
	s, _ := multibase.Encode(multibase.Base58BTC, m)
	return s
}

func validStrings(t testing.TB) []string {
	ed, sha := testIDs(t)
	edPID, _ := peer.Decode(ed)
	cidID, _ := peer.ToCid(edPID).StringOfBase(multibase.Base32)
	return []string{
		"/ip4/127.0.0.1/tcp/4001/p2p/" + ed,
		"/ip4/127.0.0.1/tcp/4001/p2p/" + sha,
		"/ip4/127.0.0.1/tcp/4001/ipfs/" + ed + "/",
		"/ip4/::ffff:10.0.0.1/tcp/1",
		"/ip6/::1/udp/4001/quic-v1/p2p/" + ed,
		"/ip6/1.2.3.4/udp/1/quic",
		"/ip6/fe80::1:2:3/tcp/0",
		"/ip6/2001:db8:0:0:0:0:0:1/tcp/65535",
		"/ip4/127.0.0.1/udp/9/webrtc-direct/certhash/" + certhash() + "/p2p/" + ed,
		"/ip4/127.0.0.1/udp/9/quic-v1/webtransport/certhash/" + certhash() + "/certhash/" + certhash(),
		"/dns4/example.com/tcp/443/tls/sni/example.com/ws/p2p/" + ed,
		"/dns6/x/tcp/443/wss",
		"/dns/a.b/tcp/80/http",
		"/dnsaddr/bootstrap.example/p2p/" + cidID,
		"/ip4/1.2.3.4/tcp/1/noise",
		"/ip4/1.2.3.4/tcp/1/webrtc",
		"/ip4/1.2.3.4/tcp/0080",
		"/p2p/" + ed,
		"/memory/18446744073709551615/p2p/" + ed,
	}
}

func TestParseMatchesGoMultiaddr(t *testing.T) {
	for _, s := range validStrings(t) {
		if !checkString(t, s) {
			t.Errorf("Parse(%q) rejected a valid address", s)
		}
	}
}

func TestParseRejects(t *testing.T) {
	ed, _ := testIDs(t)
	for _, tc := range []struct {
		s           string
		unsupported bool
	}{
		{"", false}, {"/", false}, {"ip4/1.2.3.4", false},
		{"/ip4", false}, {"/ip4/1.2.3", false}, {"/ip4/::1", false}, {"/ip4/01.2.3.4", false},
		{"/ip6/fe80::1%eth0", false}, {"/ip6/x", false},
		{"/tcp/65536", false}, {"/memory/18446744073709551616", false}, {"/memory/x", false}, {"/tcp/-1", false}, {"/tcp/+1", false}, {"/tcp/", false},
		{"/dns4//tcp/1", false},
		{"/certhash/zzz", false}, {"/certhash/u", false},
		{"/p2p/QmInvalid", false}, {"/p2p/1", false}, {"/p2p/bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi", false},
		{"/p2p/" + ed[:len(ed)-1], false},
		{"/ip4/1.2.3.4/tcp/1/p2p-circuit/p2p/" + ed, true},
		{"/unix/tmp/x", true}, {"/ip6zone/x/ip6/::1", true}, {"/nope", true}, {"/https", true},
	} {
		_, err := Parse(tc.s)
		if err == nil {
			t.Errorf("Parse(%q) accepted", tc.s)
			continue
		}
		if got := errors.Is(err, ErrUnsupportedProtocol); got != tc.unsupported {
			t.Errorf("Parse(%q) = %v, unsupported %v", tc.s, err, got)
		}
		checkString(t, tc.s)
	}
}

func TestFormatRejects(t *testing.T) {
	ed, _ := testIDs(t)
	full, err := Parse("/ip4/127.0.0.1/tcp/1/p2p/" + ed)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name        string
		b           []byte
		unsupported bool
	}{
		{"empty", nil, false},
		{"truncated ip4", []byte{0x04, 1, 2, 3}, false},
		{"truncated", full[:len(full)-1], false},
		{"trailing byte", append(bytes.Clone(full), 0x04), false},
		{"non-minimal code", []byte{0x84, 0x00, 1, 2, 3, 4}, false},
		{"zero-length dns", []byte{0x36, 0x00}, false},
		{"dns with slash", []byte{0x36, 0x03, 'a', '/', 'b'}, false},
		{"peer id not a multihash", []byte{0xa5, 0x03, 0x02, 0x12, 0x20}, false},
		{"peer id sha2-256 short", []byte{0xa5, 0x03, 0x04, 0x12, 0x02, 1, 2}, false},
		{"peer id other hash", []byte{0xa5, 0x03, 0x04, 0x13, 0x02, 1, 2}, false},
		{"certhash bad", []byte{0xd2, 0x03, 0x01, 0x12}, false},
		{"unknown code", []byte{0x7f}, true},
		{"p2p-circuit", []byte{0xa2, 0x02}, true},
	} {
		_, err := Format(tc.b)
		if err == nil {
			t.Errorf("%s: Format accepted", tc.name)
			continue
		}
		if got := errors.Is(err, ErrUnsupportedProtocol); got != tc.unsupported {
			t.Errorf("%s: Format = %v, unsupported %v", tc.name, err, got)
		}
		checkBytes(t, tc.b)
	}
}

func TestPeerID(t *testing.T) {
	ed, sha := testIDs(t)
	for _, tc := range []struct {
		s, want string
		err     error
	}{
		{"/ip4/1.2.3.4/tcp/1/p2p/" + ed, ed, nil},
		{"/dns4/x/tcp/1/ipfs/" + sha, sha, nil},
		{"/p2p/" + ed, "", ErrNoPeerID},
		{"/ip4/1.2.3.4/tcp/1", "", ErrNoPeerID},
		{"/ip4/1.2.3.4/p2p/" + sha + "/p2p/" + ed, "", ErrNoPeerID},
		{"/ip4/1.2.3.4/p2p/" + ed + "/tcp/1", "", ErrNoPeerID},
	} {
		b, err := Parse(tc.s)
		if err != nil {
			t.Fatal(err)
		}
		got, err := PeerID(b)
		if !errors.Is(err, tc.err) || got != tc.want {
			t.Errorf("PeerID(%s) = %q, %v; want %q, %v", tc.s, got, err, tc.want, tc.err)
		}
	}
	if _, err := PeerID([]byte{0x7f}); !errors.Is(err, ErrUnsupportedProtocol) {
		t.Errorf("PeerID(unknown) = %v", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range validStrings(f) {
		f.Add(s)
	}
	f.Add("/ip6/::ffff:1.2.3.4/tcp/1")
	f.Add("/dns4/a/b")
	f.Fuzz(func(t *testing.T, s string) {
		checkString(t, s)
	})
}

func FuzzFormat(f *testing.F) {
	for _, s := range validStrings(f) {
		b, err := Parse(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{0x36, 0x01, 0xff})
	f.Add([]byte{0x29, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4})
	f.Fuzz(func(t *testing.T, b []byte) {
		checkBytes(t, b)
	})
}

func FuzzPeerID(f *testing.F) {
	for _, s := range validStrings(f) {
		b, _ := Parse(s)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		id, err := PeerID(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnsupportedProtocol) && !errors.Is(err, ErrNoPeerID) {
				t.Fatalf("PeerID(%x): untyped error %v", b, err)
			}
			return
		}
		a, err := ma.NewMultiaddrBytes(b)
		if err != nil {
			t.Fatalf("PeerID(%x) = %s, go-multiaddr rejects it: %v", b, id, err)
		}
		last := a[len(a)-1].Value()
		if last != id {
			t.Fatalf("PeerID(%x) = %s, go-multiaddr %s", b, id, last)
		}
	})
}
