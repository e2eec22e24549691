// Package p2p is the small, transport-neutral network interface that the
// protocols of lightdas (header exchange, head subscription, sample
// requests) are written against. go-libp2p implements it for native nodes,
// webrtc/ for browsers, and memnet for tests.
//
// The shape follows go-libp2p's network.Stream and host.Host, cut down to
// what the protocols use, so the go-libp2p adapter is a thin wrapper.
package p2p

import (
	"context"
	"errors"
	"io"
	"time"
)

// PeerID names a peer. For go-libp2p and WebRTC it is the string form of a
// libp2p peer id; tests may use any unique string.
type PeerID string

// ProtocolID names a protocol, e.g. "/lightdas/<chain id>/samples/1".
type ProtocolID string

// Stream is a reliable, ordered, bidirectional byte stream to one peer,
// opened for one protocol.
type Stream interface {
	io.Reader
	io.Writer
	// CloseWrite half-closes the stream: the remote side reads io.EOF once
	// it has read everything written before. Reading stays possible.
	CloseWrite() error
	// Close closes both directions gracefully.
	Close() error
	// Reset aborts the stream in both directions; pending and later reads
	// and writes fail on both sides with an error wrapping ErrStreamReset.
	Reset() error
	// SetDeadline, SetReadDeadline and SetWriteDeadline bound blocking
	// reads and writes as in net.Conn; an expired deadline makes them fail
	// with an error for which errors.Is(err, os.ErrDeadlineExceeded) holds.
	SetDeadline(t time.Time) error
	SetReadDeadline(t time.Time) error
	SetWriteDeadline(t time.Time) error
	// Protocol is the protocol the stream was opened for.
	Protocol() ProtocolID
	// RemotePeer is the peer at the other end.
	RemotePeer() PeerID
}

// StreamHandler serves one incoming stream. The handler owns the stream and
// must Close or Reset it.
type StreamHandler func(Stream)

// EventKind says what happened to a peer.
type EventKind int

const (
	// PeerConnected: the first connection to the peer opened.
	PeerConnected EventKind = iota + 1
	// PeerDisconnected: the last connection to the peer closed.
	PeerDisconnected
)

func (k EventKind) String() string {
	switch k {
	case PeerConnected:
		return "connected"
	case PeerDisconnected:
		return "disconnected"
	}
	return "unknown"
}

// PeerEvent reports a change in connectivity.
type PeerEvent struct {
	Peer PeerID
	Kind EventKind
}

// Host is a node's endpoint on the network.
type Host interface {
	// ID is this node's own peer id.
	ID() PeerID
	// Peers lists the peers connected now.
	Peers() []PeerID
	// NewStream opens a stream to a connected (or dialable) peer for a
	// protocol. It fails with an error wrapping ErrProtocolNotSupported when
	// the peer does not serve the protocol, and ErrNoConnection when the
	// peer cannot be reached.
	NewStream(ctx context.Context, peer PeerID, protocol ProtocolID) (Stream, error)
	// SetStreamHandler serves incoming streams of a protocol, replacing any
	// previous handler; RemoveStreamHandler stops serving it.
	SetStreamHandler(protocol ProtocolID, handler StreamHandler)
	RemoveStreamHandler(protocol ProtocolID)
	// Subscribe delivers peer events to fn, in order, on a goroutine of the
	// host's, until the returned function is called. fn must not block for
	// long.
	Subscribe(fn func(PeerEvent)) (cancel func())
	// Close disconnects from every peer and stops serving.
	Close() error
}

// Errors every implementation reports (wrapped with context).
var (
	ErrProtocolNotSupported = errors.New("p2p: protocol not supported by peer")
	ErrNoConnection         = errors.New("p2p: no connection to peer")
	ErrStreamReset          = errors.New("p2p: stream reset")
	ErrClosed               = errors.New("p2p: host closed")
)
