package libp2pkey

import (
	"errors"
	"fmt"
)

var (
	// ErrMalformedKey: the bytes are not a libp2p key protobuf this package
	// can decode, or the key material has the wrong size.
	ErrMalformedKey = errors.New("libp2pkey: malformed key")
	// ErrUnsupportedKey: a well-formed key of a type other than Ed25519.
	// Errors wrapping it are *UnsupportedKeyError.
	ErrUnsupportedKey = errors.New("libp2pkey: unsupported key type")
	// ErrBadPeerID: the string or bytes are not a peer id.
	ErrBadPeerID = errors.New("libp2pkey: malformed peer id")
	// ErrNoPublicKey: the peer id is a sha2-256 hash of the key, which
	// cannot be recovered from it.
	ErrNoPublicKey = errors.New("libp2pkey: peer id does not embed its public key")
)

// UnsupportedKeyError reports a well-formed key of a type this package
// cannot use. It matches ErrUnsupportedKey with errors.Is.
type UnsupportedKeyError struct {
	Type KeyType
}

func (e *UnsupportedKeyError) Error() string {
	return fmt.Sprintf("%v: %v", ErrUnsupportedKey, e.Type)
}

// Is makes errors.Is(err, ErrUnsupportedKey) true.
func (e *UnsupportedKeyError) Is(target error) bool { return target == ErrUnsupportedKey }
