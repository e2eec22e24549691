package webrtc

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
	"github.com/multiformats/go-multibase"
	mh "github.com/multiformats/go-multihash"

	"lightdas/p2p"
)

// Addr is a parsed WebRTC-direct address:
// /ip4|ip6/<IP>/udp/<Port>/webrtc-direct/certhash/<CertHash>/p2p/<Peer>.
type Addr struct {
	IP   netip.Addr
	Port uint16
	// CertHash is the sha2-256 multihash (code, length, digest) of the
	// listener's DTLS certificate, as carried in the multiaddr.
	CertHash []byte
	Peer     peer.ID
}

// PeerID is the peer id in p2p form.
func (a Addr) PeerID() p2p.PeerID { return p2p.PeerID(a.Peer.String()) }

// Fingerprint is the sha-256 digest of the listener's certificate.
func (a Addr) Fingerprint() []byte {
	d, err := mh.Decode(a.CertHash)
	if err != nil { // ParseAddr only builds valid ones
		return nil
	}
	return d.Digest
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

// ParseAddr parses a WebRTC-direct multiaddr. Errors wrap ErrBadAddr and
// one of ErrNotWebRTCDirect, ErrMissingCertHash, ErrUnsupportedHash and
// ErrMissingPeerID. With several /certhash components the first sha2-256
// one is used.
func ParseAddr(s string) (Addr, error) {
	bad := func(kind error, format string, args ...any) (Addr, error) {
		return Addr{}, fmt.Errorf("%w: %w: %q: %s", ErrBadAddr, kind, s, fmt.Sprintf(format, args...))
	}
	// Check the values the multiaddr parser would only report as
	// "invalid value" first, to say which part is wrong.
	parts := strings.Split(s, "/")
	for i := 0; i+1 < len(parts); i++ {
		switch parts[i] {
		case "certhash":
			if _, err := decodeCertHash(parts[i+1]); err != nil && !errors.Is(err, ErrUnsupportedHash) {
				return bad(ErrUnsupportedHash, "%v", err)
			}
		case "p2p":
			if _, err := peer.Decode(parts[i+1]); err != nil {
				return bad(ErrMissingPeerID, "%v", err)
			}
		}
	}
	m, err := ma.NewMultiaddr(s)
	if err != nil {
		return bad(ErrNotWebRTCDirect, "%v", err)
	}
	var a Addr
	i := 0
	next := func() (ma.Component, bool) {
		if i >= len(m) {
			return ma.Component{}, false
		}
		i++
		return m[i-1], true
	}

	c, ok := next()
	if !ok || (c.Code() != ma.P_IP4 && c.Code() != ma.P_IP6) {
		return bad(ErrNotWebRTCDirect, "does not start with /ip4 or /ip6")
	}
	ip, ok := netip.AddrFromSlice(c.RawValue())
	if !ok {
		return bad(ErrNotWebRTCDirect, "bad ip address")
	}
	a.IP = ip.Unmap()
	if c.Code() == ma.P_IP6 && a.IP.Is4() {
		// An IPv4-mapped IPv6 address: keep the ip6 spelling's meaning.
		a.IP = ip
	}
	if a.IP.IsUnspecified() || a.IP.IsMulticast() {
		return bad(ErrNotWebRTCDirect, "%s is not a unicast address", a.IP)
	}

	c, ok = next()
	if !ok || c.Code() != ma.P_UDP {
		return bad(ErrNotWebRTCDirect, "no /udp after the ip")
	}
	raw := c.RawValue()
	if len(raw) != 2 {
		return bad(ErrNotWebRTCDirect, "bad udp port")
	}
	a.Port = uint16(raw[0])<<8 | uint16(raw[1])
	if a.Port == 0 {
		return bad(ErrNotWebRTCDirect, "udp port 0")
	}

	c, ok = next()
	if !ok || c.Code() != ma.P_WEBRTC_DIRECT {
		return bad(ErrNotWebRTCDirect, "no /webrtc-direct after /udp")
	}

	sawHash := false
	for {
		c, ok = next()
		if !ok || c.Code() != ma.P_CERTHASH {
			break
		}
		sawHash = true
		if a.CertHash != nil {
			continue
		}
		if h, err := decodeCertHash(c.Value()); err == nil {
			a.CertHash = h
		} else if !errors.Is(err, ErrUnsupportedHash) {
			return bad(ErrUnsupportedHash, "%v", err)
		}
	}
	switch {
	case !sawHash:
		return bad(ErrMissingCertHash, "no /certhash after /webrtc-direct")
	case a.CertHash == nil:
		return bad(ErrUnsupportedHash, "no sha2-256 certhash")
	}

	if !ok || c.Code() != ma.P_P2P {
		if ok {
			return bad(ErrNotWebRTCDirect, "unexpected /%s", c.Protocol().Name)
		}
		return bad(ErrMissingPeerID, "no /p2p/<peer id>")
	}
	id, err := peer.IDFromBytes(c.RawValue())
	if err != nil {
		return bad(ErrMissingPeerID, "%v", err)
	}
	if _, err := id.ExtractPublicKey(); err != nil && !errors.Is(err, peer.ErrNoPublicKey) {
		return bad(ErrMissingPeerID, "%v", err)
	}
	a.Peer = id
	if c, ok := next(); ok {
		return bad(ErrNotWebRTCDirect, "unexpected /%s after /p2p", c.Protocol().Name)
	}
	return a, nil
}

// decodeCertHash decodes a multibase multihash and returns it when it is
// a sha2-256 one.
func decodeCertHash(s string) ([]byte, error) {
	_, data, err := multibase.Decode(s)
	if err != nil {
		return nil, fmt.Errorf("certhash is not multibase: %w", err)
	}
	d, err := mh.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("certhash is not a multihash: %w", err)
	}
	if d.Code != mh.SHA2_256 || len(d.Digest) != 32 {
		return nil, fmt.Errorf("%w: multihash code %#x", ErrUnsupportedHash, d.Code)
	}
	return data, nil
}
