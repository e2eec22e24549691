package libp2pnoise

import (
	"errors"
	"fmt"

	"lightdas/webrtc/internal/libp2pkey"
)

var (
	// ErrTruncated: the stream ended in the middle of a handshake message
	// or before the handshake was done.
	ErrTruncated = errors.New("libp2pnoise: handshake truncated")
	// ErrBadMessage: Noise refused a handshake message: too short, an
	// invalid ephemeral key, or a failed authentication (tampering, or a
	// prologue that differs from the remote's).
	ErrBadMessage = errors.New("libp2pnoise: bad handshake message")
	// ErrBadPayload: the remote's decrypted handshake payload is not a
	// NoiseHandshakePayload, lacks the identity key or signature, carries a
	// malformed key, or exceeds the size limits.
	ErrBadPayload = errors.New("libp2pnoise: bad handshake payload")
	// ErrBadSignature: the remote's identity key did not sign its Noise
	// static key.
	ErrBadSignature = errors.New("libp2pnoise: invalid identity signature")
	// ErrPeerIDMismatch: the remote authenticated as another peer than
	// Config.RemotePeer. Errors matching it are *PeerIDMismatchError.
	ErrPeerIDMismatch = errors.New("libp2pnoise: remote peer id mismatch")
	// ErrNoIdentity: Config.Identity is the zero key.
	ErrNoIdentity = errors.New("libp2pnoise: no identity key")
)

// PeerIDMismatchError says who answered instead of the expected peer.
type PeerIDMismatchError struct {
	Expected, Actual libp2pkey.ID
}

func (e *PeerIDMismatchError) Error() string {
	return fmt.Sprintf("%v: expected %s, remote is %s", ErrPeerIDMismatch, e.Expected, e.Actual)
}

// Is makes errors.Is(err, ErrPeerIDMismatch) true.
func (e *PeerIDMismatchError) Is(target error) bool { return target == ErrPeerIDMismatch }
