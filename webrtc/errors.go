package webrtc

import "errors"

// Address errors. Every one wraps ErrBadAddr as well, so callers can test
// for "not a usable address" once.
var (
	// ErrBadAddr: the string is not a WebRTC-direct multiaddr this package
	// can dial.
	ErrBadAddr = errors.New("webrtc: bad address")
	// ErrNotWebRTCDirect: the multiaddr is not
	// /ip4|ip6/<ip>/udp/<port>/webrtc-direct/certhash/<hash>/p2p/<id>.
	ErrNotWebRTCDirect = errors.New("webrtc: not a webrtc-direct multiaddr")
	// ErrMissingCertHash: no /certhash component.
	ErrMissingCertHash = errors.New("webrtc: missing certhash")
	// ErrUnsupportedHash: the certhash is not a multibase-encoded sha2-256
	// multihash (the only hash every implementation must support, and the
	// one go-libp2p announces).
	ErrUnsupportedHash = errors.New("webrtc: unsupported certhash")
	// ErrMissingPeerID: no /p2p/<peer id> at the end, or one that does not
	// decode. The dialer refuses to authenticate "whoever answers".
	ErrMissingPeerID = errors.New("webrtc: missing or invalid peer id")
)

// Connection errors. Dial failures also wrap p2p.ErrNoConnection.
var (
	// ErrHandshake: ICE, DTLS, SCTP or the Noise handshake failed or did
	// not finish within the handshake timeout.
	ErrHandshake = errors.New("webrtc: handshake failed")
	// ErrPeerIDMismatch: the key the remote authenticated with in Noise is
	// not the peer id of the multiaddr. It also wraps ErrHandshake.
	ErrPeerIDMismatch = errors.New("webrtc: remote peer id mismatch")
)

// Stream errors. Reads and writes that fail because of them also wrap
// p2p.ErrStreamReset: the stream is reset when they happen.
var (
	// ErrBadFrame: the remote sent bytes that are not a length-prefixed
	// protobuf Message.
	ErrBadFrame = errors.New("webrtc: malformed frame")
	// ErrFrameTooLarge: the remote sent a message or frame above the 16 KiB
	// the specification allows. It also wraps ErrBadFrame.
	ErrFrameTooLarge = errors.New("webrtc: frame too large")
	// ErrReceiveOverflow: the remote sent more unread data on a stream than
	// the receive limit. Only browsers can hit it: they cannot stop a data
	// channel from delivering messages, so the stream is reset instead of
	// buffering without bound.
	ErrReceiveOverflow = errors.New("webrtc: stream receive buffer overflow")
	// ErrWriteAfterClose: Write after CloseWrite or Close.
	ErrWriteAfterClose = errors.New("webrtc: write after close")
	// ErrStreamClosed: Read after Close.
	ErrStreamClosed = errors.New("webrtc: stream closed")
)
