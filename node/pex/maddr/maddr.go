// Package maddr is a small multiaddr codec, binary <-> string, for the
// fixed set of protocols lightdas nodes advertise (IP and DNS hosts,
// TCP/UDP ports, QUIC, WebRTC, WebTransport, TLS, Noise, WebSocket, HTTP,
// /certhash and /p2p, and the in-process /memory of tests). It exists so
// that the browser client can read peer-exchange answers and bootstrap
// addresses without linking go-multiaddr, whose protocol registry drags
// in go-multihash's hash functions, go-cid and much of package net.
//
// For the protocols it knows it follows go-multiaddr v0.16 exactly (the
// tests check it against that library): the same canonical bytes, the
// same string form, the same accepted spellings (trailing slashes, /ipfs
// for /p2p, any multibase for /certhash, base58 or CIDv1 peer ids).
// Any other protocol fails with an error matching ErrUnsupportedProtocol,
// which callers treat as "skip this address", not as a corrupt one.
package maddr

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/mr-tron/base58/base58"
	"github.com/multiformats/go-multibase"
)

var (
	// ErrMalformed: the bytes or string are not a valid multiaddr.
	ErrMalformed = errors.New("maddr: malformed multiaddr")
	// ErrUnsupportedProtocol: the multiaddr uses a protocol outside this
	// package's set. Errors wrapping it are *UnsupportedProtocolError.
	ErrUnsupportedProtocol = errors.New("maddr: unsupported protocol")
	// ErrNoPeerID: the multiaddr does not end in /p2p/<id>, or has
	// another /p2p component before it.
	ErrNoPeerID = errors.New("maddr: not a full address ending in /p2p/<id>")
)

// UnsupportedProtocolError names the protocol this package cannot read:
// by code (binary form) or by name (string form).
type UnsupportedProtocolError struct {
	Code uint64
	Name string
}

func (e *UnsupportedProtocolError) Error() string {
	if e.Name != "" {
		return fmt.Sprintf("%v: /%s", ErrUnsupportedProtocol, e.Name)
	}
	return fmt.Sprintf("%v: code %#x", ErrUnsupportedProtocol, e.Code)
}

// Is makes errors.Is(err, ErrUnsupportedProtocol) true.
func (e *UnsupportedProtocolError) Is(target error) bool { return target == ErrUnsupportedProtocol }

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// Protocol codes (the multicodec table).
const (
	CodeIP4          = 0x04
	CodeTCP          = 0x06
	CodeIP6          = 0x29
	CodeDNS          = 0x35
	CodeDNS4         = 0x36
	CodeDNS6         = 0x37
	CodeDNSAddr      = 0x38
	CodeUDP          = 0x0111
	CodeWebRTCDirect = 0x0118
	CodeWebRTC       = 0x0119
	CodeP2PCircuit   = 0x0122 // known only to be refused
	CodeP2P          = 0x01a5
	CodeTLS          = 0x01c0
	CodeSNI          = 0x01c1
	CodeNoise        = 0x01c6
	CodeQUIC         = 0x01cc
	CodeQUICv1       = 0x01cd
	CodeWebTransport = 0x01d1
	CodeCertHash     = 0x01d2
	CodeWS           = 0x01dd
	CodeWSS          = 0x01de
	CodeHTTP         = 0x01e0
	CodeMemory       = 0x0309 // in-process transport (memnet, tests)
)

// valueKind is how a protocol's value is encoded.
type valueKind uint8

const (
	noValue valueKind = iota
	ip4Value
	ip6Value
	portValue
	memoryValue
	dnsValue
	certHashValue
	peerIDValue
)

type protocol struct {
	name string
	code uint64
	kind valueKind
}

// size is the fixed value size in bytes, 0 for none, -1 for
// length-prefixed.
func (p *protocol) size() int {
	switch p.kind {
	case noValue:
		return 0
	case ip4Value:
		return 4
	case ip6Value:
		return 16
	case portValue:
		return 2
	case memoryValue:
		return 8
	}
	return -1
}

var protocols = [...]protocol{
	{"ip4", CodeIP4, ip4Value},
	{"tcp", CodeTCP, portValue},
	{"ip6", CodeIP6, ip6Value},
	{"dns", CodeDNS, dnsValue},
	{"dns4", CodeDNS4, dnsValue},
	{"dns6", CodeDNS6, dnsValue},
	{"dnsaddr", CodeDNSAddr, dnsValue},
	{"udp", CodeUDP, portValue},
	{"webrtc-direct", CodeWebRTCDirect, noValue},
	{"webrtc", CodeWebRTC, noValue},
	{"p2p", CodeP2P, peerIDValue},
	{"tls", CodeTLS, noValue},
	{"sni", CodeSNI, dnsValue},
	{"noise", CodeNoise, noValue},
	{"quic", CodeQUIC, noValue},
	{"quic-v1", CodeQUICv1, noValue},
	{"webtransport", CodeWebTransport, noValue},
	{"certhash", CodeCertHash, certHashValue},
	{"ws", CodeWS, noValue},
	{"wss", CodeWSS, noValue},
	{"http", CodeHTTP, noValue},
	{"memory", CodeMemory, memoryValue},
}

func byCode(code uint64) *protocol {
	for i := range protocols {
		if protocols[i].code == code {
			return &protocols[i]
		}
	}
	return nil
}

func byName(name string) *protocol {
	if name == "ipfs" { // go-multiaddr's old name for /p2p
		name = "p2p"
	}
	for i := range protocols {
		if protocols[i].name == name {
			return &protocols[i]
		}
	}
	return nil
}

// Component is one protocol of a decoded multiaddr with its raw value.
type Component struct {
	Code  uint64
	Value []byte
}

// Decode splits a binary multiaddr into its components, validating each
// value. The slices alias b.
func Decode(b []byte) ([]Component, error) {
	if len(b) == 0 {
		return nil, malformed("empty multiaddr")
	}
	var out []Component
	for len(b) > 0 {
		code, rest, err := readUvarint(b)
		if err != nil {
			return nil, malformed("protocol code: %v", err)
		}
		p := byCode(code)
		if p == nil {
			return nil, &UnsupportedProtocolError{Code: code}
		}
		size := p.size()
		if size < 0 {
			n, r, err := readUvarint(rest)
			if err != nil {
				return nil, malformed("/%s value length: %v", p.name, err)
			}
			if n == 0 || n > uint64(len(r)) {
				return nil, malformed("/%s value of %d bytes, %d left", p.name, n, len(r))
			}
			size, rest = int(n), r
		} else if len(rest) < size {
			return nil, malformed("/%s value of %d bytes, %d left", p.name, size, len(rest))
		}
		v := rest[:size]
		if err := validate(p, v); err != nil {
			return nil, malformed("/%s: %v", p.name, err)
		}
		out = append(out, Component{Code: code, Value: v})
		b = rest[size:]
	}
	return out, nil
}

func validate(p *protocol, v []byte) error {
	switch p.kind {
	case dnsValue:
		if strings.IndexByte(string(v), '/') >= 0 {
			return fmt.Errorf("name %q contains a slash", v)
		}
	case certHashValue:
		if _, _, err := decodeMultihash(v); err != nil {
			return err
		}
	case peerIDValue:
		return validatePeerID(v)
	}
	return nil
}

// Format returns the string form of a binary multiaddr, validating it.
func Format(b []byte) (string, error) {
	cs, err := Decode(b)
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	for _, c := range cs {
		p := byCode(c.Code)
		sb.WriteByte('/')
		sb.WriteString(p.name)
		if p.kind == noValue {
			continue
		}
		sb.WriteByte('/')
		sb.WriteString(formatValue(p, c.Value))
	}
	return sb.String(), nil
}

func formatValue(p *protocol, v []byte) string {
	switch p.kind {
	case ip4Value:
		return netip.AddrFrom4([4]byte(v)).String()
	case ip6Value:
		return netip.AddrFrom16([16]byte(v)).String()
	case portValue:
		return strconv.Itoa(int(binary.BigEndian.Uint16(v)))
	case memoryValue:
		return strconv.FormatUint(binary.BigEndian.Uint64(v), 10)
	case certHashValue:
		s, _ := multibase.Encode(multibase.Base64url, v)
		return s
	case peerIDValue:
		return base58.Encode(v)
	}
	return string(v)
}

// Parse reads the string form of a multiaddr and returns its canonical
// binary form.
func Parse(s string) ([]byte, error) {
	parts := strings.Split(strings.TrimRight(s, "/"), "/")
	if parts[0] != "" {
		return nil, malformed("%q does not begin with /", s)
	}
	parts = parts[1:]
	if len(parts) == 0 {
		return nil, malformed("empty multiaddr")
	}
	var b []byte
	for len(parts) > 0 {
		p := byName(parts[0])
		if p == nil {
			return nil, &UnsupportedProtocolError{Name: parts[0]}
		}
		b = binary.AppendUvarint(b, p.code)
		parts = parts[1:]
		if p.kind == noValue {
			continue
		}
		if len(parts) == 0 {
			return nil, malformed("%q: /%s without a value", s, p.name)
		}
		v, err := parseValue(p, parts[0])
		if err != nil {
			return nil, malformed("%q: /%s value %q: %v", s, p.name, parts[0], err)
		}
		if p.size() < 0 {
			b = binary.AppendUvarint(b, uint64(len(v)))
		}
		b = append(b, v...)
		parts = parts[1:]
	}
	return b, nil
}

func parseValue(p *protocol, s string) ([]byte, error) {
	switch p.kind {
	case ip4Value, ip6Value:
		ip, err := netip.ParseAddr(s)
		switch {
		case err != nil:
			return nil, errors.New("not an IP address")
		case ip.Zone() != "":
			return nil, errors.New("IP address with a zone")
		case p.kind == ip6Value:
			a := ip.As16()
			return a[:], nil
		case !ip.Unmap().Is4():
			return nil, errors.New("not an IPv4 address")
		}
		a := ip.Unmap().As4()
		return a[:], nil
	case portValue:
		n, err := strconv.ParseUint(s, 10, 16)
		if err != nil {
			return nil, errors.New("not a port number")
		}
		return binary.BigEndian.AppendUint16(nil, uint16(n)), nil
	case memoryValue:
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return nil, errors.New("not a memory address number")
		}
		return binary.BigEndian.AppendUint64(nil, n), nil
	case dnsValue:
		if s == "" {
			return nil, errors.New("empty name")
		}
		return []byte(s), nil
	case certHashValue:
		_, data, err := multibase.Decode(s)
		if err != nil {
			return nil, fmt.Errorf("not multibase: %v", err)
		}
		if _, _, err := decodeMultihash(data); err != nil {
			return nil, err
		}
		return data, nil
	case peerIDValue:
		return parsePeerID(s)
	}
	return nil, errors.New("protocol takes no value")
}

// Multihash and CID codes a peer id uses.
const (
	mhIdentity     = 0x00
	mhSHA2_256     = 0x12
	codecLibp2pKey = 0x72
)

// validatePeerID applies go-multiaddr's /p2p rule: an identity or
// sha2-256 (32-byte) multihash.
func validatePeerID(b []byte) error {
	code, digest, err := decodeMultihash(b)
	if err != nil {
		return err
	}
	switch {
	case code == mhSHA2_256 && len(digest) != 32:
		return fmt.Errorf("sha2-256 peer id with a %d-byte digest", len(digest))
	case code != mhSHA2_256 && code != mhIdentity:
		return fmt.Errorf("peer id multihash code %#x is neither identity nor sha2-256", code)
	}
	return nil
}

// parsePeerID reads a base58 multihash ("12D3KooW...", "Qm...") or a
// multibase CIDv1 with the libp2p-key codec.
func parsePeerID(s string) ([]byte, error) {
	var mh []byte
	if strings.HasPrefix(s, "Qm") || strings.HasPrefix(s, "1") {
		b, err := base58.Decode(s)
		if err != nil {
			return nil, errors.New("bad base58 peer id")
		}
		mh = b
	} else {
		if len(s) < 2 {
			return nil, errors.New("peer id too short")
		}
		_, b, err := multibase.Decode(s)
		if err != nil {
			return nil, fmt.Errorf("peer id is neither base58 nor multibase: %v", err)
		}
		// A 34-byte sha2-256 multihash is a CIDv0, whose codec is not
		// libp2p-key.
		if len(b) == 34 && b[0] == mhSHA2_256 && b[1] == 32 {
			return nil, errors.New("peer id CID is not libp2p-key")
		}
		version, r, err := readUvarint(b)
		if err != nil || version != 1 {
			return nil, errors.New("peer id is not a CIDv1")
		}
		codec, r, err := readUvarint(r)
		if err != nil || codec != codecLibp2pKey {
			return nil, errors.New("peer id CID is not libp2p-key")
		}
		mh = r
	}
	if err := validatePeerID(mh); err != nil {
		return nil, err
	}
	return mh, nil
}

// PeerID returns the base58 peer id a full address ends with: its last
// component is /p2p/<id> and no other is /p2p. Errors wrap ErrNoPeerID,
// ErrMalformed or ErrUnsupportedProtocol (a /p2p-circuit address is the
// latter).
func PeerID(b []byte) (string, error) {
	cs, err := Decode(b)
	if err != nil {
		return "", err
	}
	if len(cs) < 2 || cs[len(cs)-1].Code != CodeP2P {
		return "", fmt.Errorf("%w: no transport part or no trailing /p2p", ErrNoPeerID)
	}
	for _, c := range cs[:len(cs)-1] {
		if c.Code == CodeP2P {
			return "", fmt.Errorf("%w: nested /p2p", ErrNoPeerID)
		}
	}
	return base58.Encode(cs[len(cs)-1].Value), nil
}

var errVarint = errors.New("bad varint")

// decodeMultihash splits a multihash into code and digest with
// go-multihash's rules: minimal varints of at most 9 bytes, a digest of
// exactly the announced length.
func decodeMultihash(b []byte) (code uint64, digest []byte, err error) {
	if len(b) < 2 {
		return 0, nil, errors.New("multihash too short")
	}
	code, b, err = readUvarint(b)
	if err != nil {
		return 0, nil, fmt.Errorf("multihash code: %w", err)
	}
	n, b, err := readUvarint(b)
	if err != nil {
		return 0, nil, fmt.Errorf("multihash length: %w", err)
	}
	if n != uint64(len(b)) {
		return 0, nil, fmt.Errorf("multihash digest length %d, %d bytes follow", n, len(b))
	}
	return code, b, nil
}

// readUvarint reads a minimally encoded unsigned varint of at most 9
// bytes (63 bits), as the multiformats specify.
func readUvarint(b []byte) (uint64, []byte, error) {
	var x uint64
	for i, c := range b {
		if i == 9 || (i == 8 && c >= 0x80) {
			return 0, nil, fmt.Errorf("%w: too long", errVarint)
		}
		if c < 0x80 {
			if c == 0 && i > 0 {
				return 0, nil, fmt.Errorf("%w: not minimal", errVarint)
			}
			return x | uint64(c)<<(7*i), b[i+1:], nil
		}
		x |= uint64(c&0x7f) << (7 * i)
	}
	return 0, nil, fmt.Errorf("%w: truncated", errVarint)
}
