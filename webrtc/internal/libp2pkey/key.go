package libp2pkey

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"io"
	"math"
	"strconv"

	"google.golang.org/protobuf/encoding/protowire"
)

// KeyType is the KeyType enum of the libp2p key protobuf.
type KeyType int32

// The libp2p key types.
const (
	KeyRSA       KeyType = 0
	KeyEd25519   KeyType = 1
	KeySecp256k1 KeyType = 2
	KeyECDSA     KeyType = 3
)

func (t KeyType) String() string {
	switch t {
	case KeyRSA:
		return "RSA"
	case KeyEd25519:
		return "Ed25519"
	case KeySecp256k1:
		return "Secp256k1"
	case KeyECDSA:
		return "ECDSA"
	}
	return "KeyType(" + strconv.Itoa(int(t)) + ")"
}

func (t KeyType) known() bool { return t >= KeyRSA && t <= KeyECDSA }

// Field numbers of the PublicKey and PrivateKey messages.
const (
	fieldType protowire.Number = 1
	fieldData protowire.Number = 2
)

// decodeKeyMessage reads the {Type, Data} message shared by PublicKey and
// PrivateKey. Both fields are required; an unknown enum value is refused
// (go-libp2p's proto2 code keeps it as an unknown field and then finds
// Type missing).
func decodeKeyMessage(b []byte) (KeyType, []byte, error) {
	var (
		typ                KeyType
		data               []byte
		haveType, haveData bool
	)
	for len(b) > 0 {
		num, wt, n := protowire.ConsumeTag(b)
		if n < 0 {
			return 0, nil, fmt.Errorf("%w: %v", ErrMalformedKey, protowire.ParseError(n))
		}
		b = b[n:]
		switch {
		case num == fieldType && wt == protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return 0, nil, fmt.Errorf("%w: type: %v", ErrMalformedKey, protowire.ParseError(n))
			}
			if v > math.MaxInt32 {
				return 0, nil, fmt.Errorf("%w: key type %d out of range", ErrMalformedKey, v)
			}
			typ, haveType = KeyType(v), true
			b = b[n:]
		case num == fieldData && wt == protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return 0, nil, fmt.Errorf("%w: data: %v", ErrMalformedKey, protowire.ParseError(n))
			}
			data, haveData = v, true
			b = b[n:]
		case num == fieldType || num == fieldData:
			return 0, nil, fmt.Errorf("%w: field %d has wire type %d", ErrMalformedKey, num, wt)
		default:
			n := protowire.ConsumeFieldValue(num, wt, b)
			if n < 0 {
				return 0, nil, fmt.Errorf("%w: field %d: %v", ErrMalformedKey, num, protowire.ParseError(n))
			}
			b = b[n:]
		}
	}
	switch {
	case !haveType:
		return 0, nil, fmt.Errorf("%w: no key type", ErrMalformedKey)
	case !haveData:
		return 0, nil, fmt.Errorf("%w: no key data", ErrMalformedKey)
	case !typ.known():
		return 0, nil, fmt.Errorf("%w: unknown key type %d", ErrMalformedKey, int32(typ))
	}
	return typ, data, nil
}

// appendKeyMessage encodes {Type, Data} canonically, as go-libp2p does
// (field order, Type always present).
func appendKeyMessage(b []byte, typ KeyType, data []byte) []byte {
	b = protowire.AppendTag(b, fieldType, protowire.VarintType)
	b = protowire.AppendVarint(b, uint64(typ))
	b = protowire.AppendTag(b, fieldData, protowire.BytesType)
	return protowire.AppendBytes(b, data)
}

// PublicKey is an Ed25519 libp2p public key. The zero value is no key:
// it verifies nothing and has no peer id.
type PublicKey struct {
	k ed25519.PublicKey
}

// NewEd25519PublicKey wraps a raw Ed25519 public key.
func NewEd25519PublicKey(k ed25519.PublicKey) (PublicKey, error) {
	if len(k) != ed25519.PublicKeySize {
		return PublicKey{}, fmt.Errorf("%w: Ed25519 public key of %d bytes, want %d", ErrMalformedKey, len(k), ed25519.PublicKeySize)
	}
	return PublicKey{k: bytes.Clone(k)}, nil
}

// UnmarshalPublicKey decodes a libp2p PublicKey protobuf. Errors wrap
// ErrMalformedKey, or ErrUnsupportedKey for a well-formed key of another
// type than Ed25519.
func UnmarshalPublicKey(b []byte) (PublicKey, error) {
	typ, data, err := decodeKeyMessage(b)
	if err != nil {
		return PublicKey{}, err
	}
	if typ != KeyEd25519 {
		return PublicKey{}, &UnsupportedKeyError{Type: typ}
	}
	return NewEd25519PublicKey(data)
}

// IsZero reports whether k is the zero value (no key).
func (k PublicKey) IsZero() bool { return len(k.k) == 0 }

// Type is KeyEd25519 for every usable key.
func (k PublicKey) Type() KeyType { return KeyEd25519 }

// Raw is the 32-byte Ed25519 public key (a copy).
func (k PublicKey) Raw() ed25519.PublicKey { return bytes.Clone(k.k) }

// Marshal encodes the key as a libp2p PublicKey protobuf; nil for the
// zero key.
func (k PublicKey) Marshal() []byte {
	if k.IsZero() {
		return nil
	}
	return appendKeyMessage(make([]byte, 0, 4+len(k.k)), KeyEd25519, k.k)
}

// Verify reports whether sig is k's signature of msg.
func (k PublicKey) Verify(msg, sig []byte) bool {
	if len(k.k) != ed25519.PublicKeySize {
		return false
	}
	return ed25519.Verify(k.k, msg, sig)
}

// Equal reports whether k and o are the same key.
func (k PublicKey) Equal(o PublicKey) bool { return bytes.Equal(k.k, o.k) }

// PeerID derives the key's peer id; the zero ID for the zero key.
func (k PublicKey) PeerID() ID {
	if k.IsZero() {
		return ID{}
	}
	return idFromMarshalledKey(k.Marshal())
}

// PrivateKey is an Ed25519 libp2p private key. The zero value is no key.
type PrivateKey struct {
	k ed25519.PrivateKey
}

// GenerateEd25519 creates a fresh key from r (crypto/rand when nil).
func GenerateEd25519(r io.Reader) (PrivateKey, error) {
	if r == nil {
		r = rand.Reader
	}
	_, k, err := ed25519.GenerateKey(r)
	if err != nil {
		return PrivateKey{}, fmt.Errorf("libp2pkey: generating Ed25519 key: %w", err)
	}
	return PrivateKey{k: k}, nil
}

// NewEd25519PrivateKey wraps a 64-byte Ed25519 private key (seed and
// public key) after checking that the public half belongs to the seed.
func NewEd25519PrivateKey(k ed25519.PrivateKey) (PrivateKey, error) {
	if len(k) != ed25519.PrivateKeySize {
		return PrivateKey{}, fmt.Errorf("%w: Ed25519 private key of %d bytes, want %d", ErrMalformedKey, len(k), ed25519.PrivateKeySize)
	}
	derived := ed25519.NewKeyFromSeed(k.Seed())
	if subtle.ConstantTimeCompare(derived[32:], k[32:]) != 1 {
		return PrivateKey{}, fmt.Errorf("%w: Ed25519 public half does not match the seed", ErrMalformedKey)
	}
	return PrivateKey{k: derived}, nil
}

// UnmarshalPrivateKey decodes a libp2p PrivateKey protobuf (as written by
// go-libp2p's MarshalPrivateKey). The Ed25519 data is 64 bytes, or 96 with
// the public key repeated (an old go-libp2p format).
func UnmarshalPrivateKey(b []byte) (PrivateKey, error) {
	typ, data, err := decodeKeyMessage(b)
	if err != nil {
		return PrivateKey{}, err
	}
	if typ != KeyEd25519 {
		return PrivateKey{}, &UnsupportedKeyError{Type: typ}
	}
	if len(data) == ed25519.PrivateKeySize+ed25519.PublicKeySize {
		if subtle.ConstantTimeCompare(data[32:64], data[64:]) != 1 {
			return PrivateKey{}, fmt.Errorf("%w: redundant Ed25519 public key differs", ErrMalformedKey)
		}
		data = data[:ed25519.PrivateKeySize]
	}
	return NewEd25519PrivateKey(ed25519.PrivateKey(data))
}

// IsZero reports whether k is the zero value (no key).
func (k PrivateKey) IsZero() bool { return len(k.k) == 0 }

// Marshal encodes the key as a libp2p PrivateKey protobuf (64-byte data);
// nil for the zero key.
func (k PrivateKey) Marshal() []byte {
	if k.IsZero() {
		return nil
	}
	return appendKeyMessage(make([]byte, 0, 4+len(k.k)), KeyEd25519, k.k)
}

// Public is the public half; the zero key for the zero key.
func (k PrivateKey) Public() PublicKey {
	if k.IsZero() {
		return PublicKey{}
	}
	return PublicKey{k: bytes.Clone(k.k[32:])}
}

// Sign signs msg. It panics on the zero key, like ed25519.Sign.
func (k PrivateKey) Sign(msg []byte) []byte { return ed25519.Sign(k.k, msg) }
