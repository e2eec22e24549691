package webrtc

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/multiformats/go-multibase"

	"lightdas/p2p"
	"lightdas/webrtc/internal/libp2pkey"
)

// Addr is a parsed WebRTC-direct address:
// /ip4|ip6/<IP>/udp/<Port>/webrtc-direct/certhash/<CertHash>/p2p/<Peer>.
type Addr struct {
	IP   netip.Addr
	Port uint16
	// CertHash is the sha2-256 multihash (code, length, digest) of the
	// listener's DTLS certificate, as carried in the multiaddr.
	CertHash []byte
	Peer     libp2pkey.ID
}

// The multihash code and digest length of sha2-256, the one certhash
// every WebRTC-direct implementation supports.
const (
	mhSHA256    = 0x12
	mhSHA256Len = 32
)

// PeerID is the peer id in p2p form.
func (a Addr) PeerID() p2p.PeerID { return p2p.PeerID(a.Peer.String()) }

// Fingerprint is the sha-256 digest of the listener's certificate.
func (a Addr) Fingerprint() []byte {
	if len(a.CertHash) != 2+mhSHA256Len || a.CertHash[0] != mhSHA256 || a.CertHash[1] != mhSHA256Len {
		return nil // ParseAddr only builds valid ones
	}
	return a.CertHash[2:]
}

// String is the canonical multiaddr (base64url certhash).
func (a Addr) String() string {
	proto := "ip4"
	if a.IP.Is6() {
		proto = "ip6"
	}
	hash, _ := multibase.Encode(multibase.Base64url, a.CertHash)
	return fmt.Sprintf("/%s/%s/udp/%d/webrtc-direct/certhash/%s/p2p/%s", proto, a.IP, a.Port, hash, a.Peer)
}

// ParseAddr parses a WebRTC-direct multiaddr in its string form. Errors
// wrap ErrBadAddr and one of ErrNotWebRTCDirect, ErrMissingCertHash,
// ErrUnsupportedHash and ErrMissingPeerID. With several /certhash
// components the first sha2-256 one is used; the others must still be
// multibase multihashes.
//
// It reads only this one shape, not multiaddrs in general (the browser
// build links no multiaddr library), but every spelling of it that
// go-multiaddr accepts: trailing slashes, /ipfs for /p2p, any multibase,
// IPv4-mapped IPv6, leading zeros in the port. The differential test
// (addr_diff_test.go) holds it to that.
func ParseAddr(s string) (Addr, error) {
	// Messages are built by concatenation, not formatted per call site:
	// each inlined fmt call costs code in the browser build.
	bad := func(kind error, msg string) (Addr, error) { return Addr{}, badAddr(s, kind, msg) }
	parts := strings.Split(strings.TrimRight(s, "/"), "/")
	if parts[0] != "" || len(parts) < 2 {
		return bad(ErrNotWebRTCDirect, "does not start with /ip4 or /ip6")
	}
	parts = parts[1:]
	// next returns the next component's name and value ("" and false at
	// the end); the names this parser knows all carry a value.
	next := func() (name, value string, ok bool) {
		if len(parts) == 0 {
			return "", "", false
		}
		name, parts = parts[0], parts[1:]
		if len(parts) == 0 {
			return name, "", false
		}
		value, parts = parts[0], parts[1:]
		return name, value, true
	}

	var a Addr
	name, value, ok := next()
	if name != "ip4" && name != "ip6" {
		return bad(ErrNotWebRTCDirect, "does not start with /ip4 or /ip6")
	}
	if !ok {
		return bad(ErrNotWebRTCDirect, "no address after /"+name)
	}
	ip, err := parseIP(name, value)
	if err != nil {
		return bad(ErrNotWebRTCDirect, err.Error())
	}
	if ip.IsUnspecified() || ip.IsMulticast() {
		return bad(ErrNotWebRTCDirect, ip.String()+" is not a unicast address")
	}
	a.IP = ip

	name, value, ok = next()
	if name != "udp" || !ok {
		return bad(ErrNotWebRTCDirect, "no /udp/<port> after the ip")
	}
	port, err := strconv.ParseUint(value, 10, 16)
	if err != nil {
		return bad(ErrNotWebRTCDirect, "bad udp port "+strconv.Quote(value))
	}
	if port == 0 {
		return bad(ErrNotWebRTCDirect, "udp port 0")
	}
	a.Port = uint16(port)

	if len(parts) == 0 || parts[0] != "webrtc-direct" {
		return bad(ErrNotWebRTCDirect, "no /webrtc-direct after /udp")
	}
	parts = parts[1:]

	sawHash := false
	for len(parts) > 0 && parts[0] == "certhash" {
		_, value, ok = next()
		if !ok {
			return bad(ErrUnsupportedHash, "/certhash without a value")
		}
		sawHash = true
		h, err := decodeCertHash(value)
		switch {
		case errors.Is(err, ErrUnsupportedHash): // another hash: skip it
		case err != nil:
			return bad(ErrUnsupportedHash, err.Error())
		case a.CertHash == nil:
			a.CertHash = h
		}
	}
	switch {
	case !sawHash:
		return bad(ErrMissingCertHash, "no /certhash after /webrtc-direct")
	case a.CertHash == nil:
		return bad(ErrUnsupportedHash, "no sha2-256 certhash")
	}

	name, value, ok = next()
	switch {
	case name == "":
		return bad(ErrMissingPeerID, "no /p2p/<peer id>")
	case name != "p2p" && name != "ipfs":
		return bad(ErrNotWebRTCDirect, "unexpected /"+name)
	case !ok:
		return bad(ErrMissingPeerID, "no peer id after /"+name)
	}
	id, err := libp2pkey.ParseID(value)
	if err != nil {
		return bad(ErrMissingPeerID, err.Error())
	}
	if _, err := id.PublicKey(); err != nil && !errors.Is(err, libp2pkey.ErrNoPublicKey) {
		return bad(ErrMissingPeerID, err.Error())
	}
	a.Peer = id
	if len(parts) > 0 {
		return bad(ErrNotWebRTCDirect, "unexpected /"+parts[0]+" after /p2p")
	}
	return a, nil
}

// badAddr is ParseAddr's error for the address s.
func badAddr(s string, kind error, msg string) error {
	return fmt.Errorf("%w: %w: %q: %s", ErrBadAddr, kind, s, msg)
}

// parseIP reads the value of an /ip4 or /ip6 component as go-multiaddr
// does: dotted or colon notation without a zone. An IPv4 address under
// /ip6 stays IPv4-mapped IPv6, an IPv4-mapped one under /ip4 is IPv4.
func parseIP(proto, s string) (netip.Addr, error) {
	ip, err := netip.ParseAddr(s)
	switch {
	case err != nil:
		return netip.Addr{}, fmt.Errorf("bad %s address %q", proto, s)
	case ip.Zone() != "":
		return netip.Addr{}, fmt.Errorf("%s address %q has a zone", proto, s)
	case proto == "ip6":
		return netip.AddrFrom16(ip.As16()), nil
	case !ip.Unmap().Is4():
		return netip.Addr{}, fmt.Errorf("%q is not an ip4 address", s)
	}
	return ip.Unmap(), nil
}

// decodeCertHash decodes a multibase multihash and returns it when it is
// a sha2-256 one (an error wrapping ErrUnsupportedHash for any other
// valid multihash).
func decodeCertHash(s string) ([]byte, error) {
	_, data, err := multibase.Decode(s)
	if err != nil {
		return nil, fmt.Errorf("certhash is not multibase: %w", err)
	}
	code, digest, err := decodeMultihash(data)
	if err != nil {
		return nil, fmt.Errorf("certhash is not a multihash: %w", err)
	}
	if code != mhSHA256 || len(digest) != mhSHA256Len {
		return nil, fmt.Errorf("%w: multihash code %#x, %d-byte digest", ErrUnsupportedHash, code, len(digest))
	}
	return data, nil
}

var errMultihash = errors.New("malformed multihash")

// decodeMultihash splits a multihash into its code and digest, with
// go-multihash's rules: minimal varints of at most 9 bytes, a digest of
// exactly the announced length.
func decodeMultihash(b []byte) (code uint64, digest []byte, err error) {
	code, b, err = readUvarint(b)
	if err != nil {
		return 0, nil, err
	}
	n, b, err := readUvarint(b)
	if err != nil {
		return 0, nil, err
	}
	if n != uint64(len(b)) {
		return 0, nil, fmt.Errorf("%w: digest length %d, %d bytes follow", errMultihash, n, len(b))
	}
	return code, b, nil
}

// readUvarint reads a minimally encoded unsigned varint of at most 9
// bytes (63 bits), as the multiformats specify.
func readUvarint(b []byte) (uint64, []byte, error) {
	var x uint64
	for i, c := range b {
		if i == 9 || (i == 8 && c >= 0x80) {
			return 0, nil, fmt.Errorf("%w: varint too long", errMultihash)
		}
		if c < 0x80 {
			if c == 0 && i > 0 {
				return 0, nil, fmt.Errorf("%w: varint not minimal", errMultihash)
			}
			return x | uint64(c)<<(7*i), b[i+1:], nil
		}
		x |= uint64(c&0x7f) << (7 * i)
	}
	return 0, nil, fmt.Errorf("%w: truncated varint", errMultihash)
}
