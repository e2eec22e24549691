package headers

import (
	"crypto/sha256"
	"fmt"
	"math"
	"time"
)

// Limits and sizes of the header encoding (see docs/protocol.md).
const (
	HeaderVersion  = 1
	MaxChainIDLen  = 64
	MaxK           = 64 // at most 64 original rows (blobs) per block
	CommitmentSize = 48 // compressed G1 KZG commitment

	headerFixedSize = 1 + 1 + 8 + 8 + 3*HashSize + 1 + 1
	// MaxHeaderSize is the largest valid header encoding.
	MaxHeaderSize = headerFixedSize + MaxChainIDLen + MaxK*CommitmentSize
)

// Commitment is a 48-byte KZG row commitment. The header layer treats it as
// opaque bytes (decoding it as a G1 point is the DA layer's job), except that
// padding rows must carry the commitment to the zero polynomial.
type Commitment [CommitmentSize]byte

// ZeroCommitment is the commitment to the zero polynomial (a zero blob):
// the compressed point at infinity, 0xc0 then 47 zero bytes.
func ZeroCommitment() Commitment { return Commitment{0xc0} }

// representable reports whether t fits int64 Unix nanoseconds.
func representable(t time.Time) bool {
	return !t.Before(time.Unix(0, math.MinInt64)) && !t.After(time.Unix(0, math.MaxInt64))
}

// Header is a block header: the chain position, the validator sets and the
// data-availability fields. Its hash is SHA-256 of its canonical encoding.
type Header struct {
	ChainID            string
	Height             uint64
	Time               time.Time // encoded as int64 Unix nanoseconds
	ParentHash         Hash      // hash of header Height-1; at height 1 the genesis hash
	ValidatorsHash     Hash      // set that signs this header
	NextValidatorsHash Hash      // set that signs header Height+1
	// Blobs is the number of real blobs: rows 0..Blobs-1; rows Blobs..k-1
	// are zero padding.
	Blobs int
	// Commitments are the k row commitments of the original rows; k =
	// len(Commitments) is a power of two in 1..MaxK.
	Commitments []Commitment
}

// K is the number of original rows.
func (h *Header) K() int { return len(h.Commitments) }

// ValidateChainID checks length (1..64) and characters ([A-Za-z0-9._-]):
// chain ids appear in protocol ids and file names.
func ValidateChainID(id string) error {
	if len(id) == 0 || len(id) > MaxChainIDLen {
		return fmt.Errorf("%w: length %d not in 1..%d", ErrInvalidChainID, len(id), MaxChainIDLen)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
		if !ok {
			return fmt.Errorf("%w: byte %#x at %d", ErrInvalidChainID, c, i)
		}
	}
	return nil
}

func validateTime(t time.Time) error {
	if !representable(t) {
		return fmt.Errorf("%w: time %v not representable as int64 Unix nanoseconds", ErrInvalidHeader, t)
	}
	return nil
}

// validateDA checks k, the blob count and the padding commitments.
func validateDA(k, blobs int, cs []Commitment) error {
	if k < 1 || k > MaxK || k&(k-1) != 0 {
		return fmt.Errorf("%w: k = %d is not a power of two in 1..%d", ErrInvalidDA, k, MaxK)
	}
	if blobs < 0 || blobs > k {
		return fmt.Errorf("%w: %d blobs with k = %d", ErrInvalidDA, blobs, k)
	}
	for i := blobs; i < k; i++ {
		if cs[i] != ZeroCommitment() {
			return fmt.Errorf("%w: padding row %d has a non-zero commitment", ErrInvalidDA, i)
		}
	}
	return nil
}

// Validate checks everything that does not need a trusted state.
func (h *Header) Validate() error {
	if err := ValidateChainID(h.ChainID); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidHeader, err)
	}
	if h.Height == 0 {
		return fmt.Errorf("%w: height 0 is the genesis, not a header", ErrInvalidHeader)
	}
	if err := validateTime(h.Time); err != nil {
		return err
	}
	if err := validateDA(len(h.Commitments), h.Blobs, h.Commitments); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidHeader, err)
	}
	return nil
}

// Encode returns the canonical encoding, or an error if h is invalid.
func (h *Header) Encode() ([]byte, error) {
	if err := h.Validate(); err != nil {
		return nil, err
	}
	return h.appendTo(make([]byte, 0, h.encodedSize())), nil
}

func (h *Header) encodedSize() int {
	return headerFixedSize + len(h.ChainID) + len(h.Commitments)*CommitmentSize
}

// appendTo writes the canonical encoding; h must be valid.
func (h *Header) appendTo(b []byte) []byte {
	b = appendU8(b, HeaderVersion)
	b = appendU8(b, uint8(len(h.ChainID)))
	b = append(b, h.ChainID...)
	b = appendU64(b, h.Height)
	b = appendU64(b, uint64(h.Time.UnixNano()))
	b = append(b, h.ParentHash[:]...)
	b = append(b, h.ValidatorsHash[:]...)
	b = append(b, h.NextValidatorsHash[:]...)
	b = appendU8(b, uint8(len(h.Commitments)))
	b = appendU8(b, uint8(h.Blobs))
	for i := range h.Commitments {
		b = append(b, h.Commitments[i][:]...)
	}
	return b
}

// Hash is SHA-256 of the canonical encoding. A header that fails Validate
// has no canonical encoding; its Hash is the zero hash, which never equals
// the hash of a valid header, a parent hash or a checkpoint.
func (h *Header) Hash() Hash {
	if h.Validate() != nil {
		return Hash{}
	}
	return sha256.Sum256(h.appendTo(make([]byte, 0, h.encodedSize())))
}

// DecodeHeader parses a canonical header encoding strictly: unknown
// version, bad lengths, out-of-range fields and trailing bytes are errors.
func DecodeHeader(b []byte) (*Header, error) {
	if len(b) > MaxHeaderSize {
		return nil, fmt.Errorf("%w: %w: header of %d bytes", ErrMalformed, ErrTooLarge, len(b))
	}
	r := newReader(b, "header")
	if v := r.u8(); r.err == nil && v != HeaderVersion {
		return nil, fmt.Errorf("%w: %w: header version %d", ErrMalformed, ErrUnknownVersion, v)
	}
	n := int(r.u8())
	if r.err == nil && (n == 0 || n > MaxChainIDLen) {
		r.fail("chain id length %d", n)
	}
	h := &Header{ChainID: string(r.take(n))}
	h.Height = r.u64()
	h.Time = time.Unix(0, int64(r.u64())).UTC()
	h.ParentHash = r.hash()
	h.ValidatorsHash = r.hash()
	h.NextValidatorsHash = r.hash()
	k := int(r.u8())
	h.Blobs = int(r.u8())
	if r.err == nil && (k == 0 || k > MaxK || k&(k-1) != 0) {
		r.failErr(fmt.Errorf("%w: k = %d", ErrInvalidDA, k))
	}
	if r.err == nil {
		h.Commitments = make([]Commitment, k)
		for i := range h.Commitments {
			copy(h.Commitments[i][:], r.take(CommitmentSize))
		}
	}
	if err := r.finish(); err != nil {
		return nil, err
	}
	if err := h.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return h, nil
}
