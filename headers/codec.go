package headers

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
)

// HashSize is the size of every hash in this package (SHA-256).
const HashSize = 32

// Hash is a SHA-256 digest.
type Hash [HashSize]byte

// String is the lower-case hex encoding.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// IsZero reports whether h is all zeros.
func (h Hash) IsZero() bool { return h == Hash{} }

// MarshalText encodes h as hex (for JSON).
func (h Hash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText decodes exactly 64 hex digits.
func (h *Hash) UnmarshalText(b []byte) error {
	if len(b) != 2*HashSize {
		return fmt.Errorf("%w: hash of %d hex digits", ErrMalformed, len(b))
	}
	if _, err := hex.Decode(h[:], b); err != nil {
		return fmt.Errorf("%w: hash: %v", ErrMalformed, err)
	}
	return nil
}

// ParseHash decodes a hex hash.
func ParseHash(s string) (Hash, error) {
	var h Hash
	err := h.UnmarshalText([]byte(s))
	return h, err
}

// All encodings are big-endian and fixed-layout; this is the append side.
func appendU8(b []byte, v uint8) []byte   { return append(b, v) }
func appendU16(b []byte, v uint16) []byte { return binary.BigEndian.AppendUint16(b, v) }
func appendU32(b []byte, v uint32) []byte { return binary.BigEndian.AppendUint32(b, v) }
func appendU64(b []byte, v uint64) []byte { return binary.BigEndian.AppendUint64(b, v) }

// reader is a strict cursor over untrusted bytes: every read checks the
// remaining length, and the first failure sticks.
type reader struct {
	b    []byte
	off  int
	err  error
	what string // what is being decoded, for error messages
}

func newReader(b []byte, what string) *reader { return &reader{b: b, what: what} }

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s: %s", ErrMalformed, r.what, fmt.Sprintf(format, args...))
	}
}

func (r *reader) failErr(err error) {
	switch {
	case r.err != nil:
	case errors.Is(err, ErrMalformed):
		r.err = fmt.Errorf("%s: %w", r.what, err)
	default:
		r.err = fmt.Errorf("%w: %s: %w", ErrMalformed, r.what, err)
	}
}

func (r *reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || len(r.b)-r.off < n {
		r.fail("need %d bytes at offset %d, have %d", n, r.off, len(r.b)-r.off)
		return nil
	}
	out := r.b[r.off : r.off+n]
	r.off += n
	return out
}

func (r *reader) u8() uint8 {
	if b := r.take(1); b != nil {
		return b[0]
	}
	return 0
}

func (r *reader) u16() uint16 {
	if b := r.take(2); b != nil {
		return binary.BigEndian.Uint16(b)
	}
	return 0
}

func (r *reader) u32() uint32 {
	if b := r.take(4); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}

func (r *reader) u64() uint64 {
	if b := r.take(8); b != nil {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}

func (r *reader) hash() Hash {
	var h Hash
	copy(h[:], r.take(HashSize))
	return h
}

// finish fails unless every byte was consumed.
func (r *reader) finish() error {
	if r.err == nil && r.off != len(r.b) {
		r.err = fmt.Errorf("%w: %s: %w: %d", ErrMalformed, r.what, ErrTrailingBytes, len(r.b)-r.off)
	}
	return r.err
}
