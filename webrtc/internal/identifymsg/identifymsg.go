// Package identifymsg encodes the libp2p identify message
// (/ipfs/id/1.0.0) by hand with protowire, so that the browser build of
// the WebRTC-direct dialer need not link go-libp2p's generated identify
// protobuf. The dialer only answers identify; it never parses one, so
// there is no decoder.
package identifymsg

import (
	"net/netip"

	"google.golang.org/protobuf/encoding/protowire"
)

// Identify is the identify message. Empty fields are left out.
type Identify struct {
	ProtocolVersion string   // field 5, e.g. "ipfs/0.1.0"
	AgentVersion    string   // field 6
	PublicKey       []byte   // field 1: libp2p PublicKey protobuf
	ListenAddrs     [][]byte // field 2: binary multiaddrs
	ObservedAddr    []byte   // field 4: binary multiaddr
	Protocols       []string // field 3
}

const (
	fieldPublicKey       protowire.Number = 1
	fieldListenAddrs     protowire.Number = 2
	fieldProtocols       protowire.Number = 3
	fieldObservedAddr    protowire.Number = 4
	fieldProtocolVersion protowire.Number = 5
	fieldAgentVersion    protowire.Number = 6
)

// Marshal encodes the message body, fields in number order as
// go-libp2p's generated code writes them.
func (m Identify) Marshal() []byte {
	var b []byte
	appendBytes := func(num protowire.Number, v []byte) {
		b = protowire.AppendTag(b, num, protowire.BytesType)
		b = protowire.AppendBytes(b, v)
	}
	if len(m.PublicKey) > 0 {
		appendBytes(fieldPublicKey, m.PublicKey)
	}
	for _, a := range m.ListenAddrs {
		appendBytes(fieldListenAddrs, a)
	}
	for _, p := range m.Protocols {
		appendBytes(fieldProtocols, []byte(p))
	}
	if len(m.ObservedAddr) > 0 {
		appendBytes(fieldObservedAddr, m.ObservedAddr)
	}
	if m.ProtocolVersion != "" {
		appendBytes(fieldProtocolVersion, []byte(m.ProtocolVersion))
	}
	if m.AgentVersion != "" {
		appendBytes(fieldAgentVersion, []byte(m.AgentVersion))
	}
	return b
}

// MarshalDelimited is the body prefixed with its uvarint length, as
// identify sends it on the stream.
func (m Identify) MarshalDelimited() []byte {
	body := m.Marshal()
	return append(protowire.AppendVarint(make([]byte, 0, len(body)+3), uint64(len(body))), body...)
}

// Multiaddr protocol codes.
const (
	codeIP4          = 0x04
	codeIP6          = 0x29
	codeUDP          = 0x0111
	codeWebRTCDirect = 0x0118
)

// WebRTCDirectAddr is the binary multiaddr
// /ip4|ip6/<ip>/udp/<port>/webrtc-direct. An IPv4-mapped IPv6 address
// stays ip6, as ParseAddr in package webrtc keeps it; a zone is dropped
// (multiaddrs carry it in a separate /ip6zone component).
func WebRTCDirectAddr(ip netip.Addr, port uint16) []byte {
	var b []byte
	if ip.Is4() {
		b = protowire.AppendVarint(b, codeIP4)
		a := ip.As4()
		b = append(b, a[:]...)
	} else {
		b = protowire.AppendVarint(b, codeIP6)
		a := ip.As16()
		b = append(b, a[:]...)
	}
	b = protowire.AppendVarint(b, codeUDP)
	b = append(b, byte(port>>8), byte(port))
	return protowire.AppendVarint(b, codeWebRTCDirect)
}
