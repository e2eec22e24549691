package libp2pkey

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"strings"

	"github.com/mr-tron/base58/base58"
	"github.com/multiformats/go-multibase"
	"google.golang.org/protobuf/encoding/protowire"
)

// Multihash and multicodec codes a peer id uses.
const (
	mhIdentity = 0x00
	mhSHA2_256 = 0x12
	// codecLibp2pKey is the CID codec of peer ids.
	codecLibp2pKey = 0x72
	cidV1          = 1
	// maxInlineKeyLength is the longest marshalled key a peer id embeds.
	maxInlineKeyLength = 42
)

// ID is a libp2p peer id: a validated identity or sha2-256 multihash. The
// zero value is no peer id. IDs are comparable with ==.
type ID struct {
	mh string
}

// idFromMarshalledKey derives the peer id of a marshalled public key.
func idFromMarshalledKey(key []byte) ID {
	if len(key) <= maxInlineKeyLength {
		b := protowire.AppendVarint(nil, mhIdentity)
		b = protowire.AppendVarint(b, uint64(len(key)))
		return ID{mh: string(append(b, key...))}
	}
	sum := sha256.Sum256(key)
	b := protowire.AppendVarint(nil, mhSHA2_256)
	b = protowire.AppendVarint(b, uint64(len(sum)))
	return ID{mh: string(append(b, sum[:]...))}
}

// ParseID parses a peer id string: base58btc multihash ("12D3KooW...",
// "Qm...", any string starting with "1" or "Qm") or a multibase CIDv1 with
// the libp2p-key codec ("bafz...", "k51..."). Errors wrap ErrBadPeerID.
func ParseID(s string) (ID, error) {
	if strings.HasPrefix(s, "1") || strings.HasPrefix(s, "Qm") {
		b, err := base58.Decode(s)
		if err != nil {
			return ID{}, fmt.Errorf("%w: %q: base58: %v", ErrBadPeerID, s, err)
		}
		id, err := IDFromBytes(b)
		if err != nil {
			return ID{}, fmt.Errorf("%w (%q)", err, s)
		}
		return id, nil
	}
	_, b, err := multibase.Decode(s)
	if err != nil {
		return ID{}, fmt.Errorf("%w: %q: neither base58btc nor multibase: %v", ErrBadPeerID, s, err)
	}
	version, n := consumeUvarint(b)
	if n < 0 || version != cidV1 {
		return ID{}, fmt.Errorf("%w: %q: not a CIDv1", ErrBadPeerID, s)
	}
	b = b[n:]
	codec, n := consumeUvarint(b)
	if n < 0 || codec != codecLibp2pKey {
		return ID{}, fmt.Errorf("%w: %q: CID codec is not libp2p-key", ErrBadPeerID, s)
	}
	id, err := IDFromBytes(b[n:])
	if err != nil {
		return ID{}, fmt.Errorf("%w (%q)", err, s)
	}
	return id, nil
}

// IDFromBytes validates the binary form of a peer id (a multihash, as in
// the /p2p/ multiaddr component). Errors wrap ErrBadPeerID.
func IDFromBytes(b []byte) (ID, error) {
	code, n := consumeUvarint(b)
	if n < 0 {
		return ID{}, fmt.Errorf("%w: multihash code", ErrBadPeerID)
	}
	rest := b[n:]
	size, n := consumeUvarint(rest)
	if n < 0 {
		return ID{}, fmt.Errorf("%w: multihash length", ErrBadPeerID)
	}
	digest := rest[n:]
	if uint64(len(digest)) != size {
		return ID{}, fmt.Errorf("%w: multihash says %d digest bytes, has %d", ErrBadPeerID, size, len(digest))
	}
	switch code {
	case mhSHA2_256:
		if size != sha256.Size {
			return ID{}, fmt.Errorf("%w: sha2-256 digest of %d bytes", ErrBadPeerID, size)
		}
	case mhIdentity:
		if size > maxInlineKeyLength {
			return ID{}, fmt.Errorf("%w: identity multihash of %d bytes (at most %d)", ErrBadPeerID, size, maxInlineKeyLength)
		}
		typ, data, err := decodeKeyMessage(digest)
		if err != nil {
			return ID{}, fmt.Errorf("%w: embedded key: %w", ErrBadPeerID, err)
		}
		if typ == KeyEd25519 && len(data) != 32 {
			return ID{}, fmt.Errorf("%w: embedded Ed25519 key of %d bytes", ErrBadPeerID, len(data))
		}
		// A peer id is derived from the canonical encoding; any other
		// encoding of the key names nobody.
		if !bytes.Equal(appendKeyMessage(nil, typ, data), digest) {
			return ID{}, fmt.Errorf("%w: embedded key is not canonically encoded", ErrBadPeerID)
		}
	default:
		return ID{}, fmt.Errorf("%w: multihash code %#x is neither identity nor sha2-256", ErrBadPeerID, code)
	}
	return ID{mh: string(b)}, nil
}

// consumeUvarint reads a minimally encoded unsigned varint, as multiformats
// require; n < 0 on error.
func consumeUvarint(b []byte) (v uint64, n int) {
	v, n = protowire.ConsumeVarint(b)
	if n < 0 || n != protowire.SizeVarint(v) {
		return 0, -1
	}
	return v, n
}

// IsZero reports whether id is the zero value (no peer id).
func (id ID) IsZero() bool { return id.mh == "" }

// String is the base58btc form ("12D3KooW..." or "Qm..."), as go-libp2p
// prints peer ids; "" for the zero ID.
func (id ID) String() string { return base58.Encode([]byte(id.mh)) }

// CIDString is the CIDv1 form in base32 ("bafz..."); "" for the zero ID.
func (id ID) CIDString() string {
	if id.IsZero() {
		return ""
	}
	b := protowire.AppendVarint(nil, cidV1)
	b = protowire.AppendVarint(b, codecLibp2pKey)
	s, _ := multibase.Encode(multibase.Base32, append(b, id.mh...))
	return s
}

// Bytes is the binary form (the multihash).
func (id ID) Bytes() []byte { return []byte(id.mh) }

// PublicKey extracts the key an identity peer id embeds. Errors:
// ErrNoPublicKey for a sha2-256 id, ErrUnsupportedKey for a key of
// another type than Ed25519.
func (id ID) PublicKey() (PublicKey, error) {
	if id.IsZero() {
		return PublicKey{}, fmt.Errorf("%w: zero peer id", ErrBadPeerID)
	}
	b := []byte(id.mh)
	if b[0] != mhIdentity { // validated: code and length are one byte each
		return PublicKey{}, ErrNoPublicKey
	}
	return UnmarshalPublicKey(b[2:])
}

// MatchesPublicKey reports whether id is k's peer id.
func (id ID) MatchesPublicKey(k PublicKey) bool {
	return !id.IsZero() && !k.IsZero() && k.PeerID() == id
}
