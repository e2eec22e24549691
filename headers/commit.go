package headers

import (
	"fmt"
	"math/bits"

	"lightdas/headers/bls"
)

// Commit encoding constants.
const (
	CommitVersion = 1
	// MaxCommitSize is the largest valid commit encoding.
	MaxCommitSize = 1 + 8 + HashSize + 2 + (MaxValidators+7)/8 + bls.SignatureSize

	signDomain = "LIGHTDAS-V1-COMMIT"
)

// Bitfield marks which validators of a set signed, by index in the set's
// canonical order. Bits beyond Len are always zero.
type Bitfield struct {
	n int
	b []byte
}

// NewBitfield returns n cleared bits.
func NewBitfield(n int) Bitfield {
	if n < 0 {
		n = 0
	}
	return Bitfield{n: n, b: make([]byte, (n+7)/8)}
}

// Len is the number of bits.
func (f Bitfield) Len() int { return f.n }

// Get reports bit i (false outside 0..Len-1).
func (f Bitfield) Get(i int) bool {
	if i < 0 || i >= f.n {
		return false
	}
	return f.b[i>>3]>>(i&7)&1 == 1
}

// Set sets bit i; it panics outside 0..Len-1 like a slice index would.
func (f Bitfield) Set(i int, v bool) {
	if i < 0 || i >= f.n {
		panic(fmt.Sprintf("headers: bit %d of a %d-bit field", i, f.n))
	}
	if v {
		f.b[i>>3] |= 1 << (i & 7)
	} else {
		f.b[i>>3] &^= 1 << (i & 7)
	}
}

// Count is the number of set bits.
func (f Bitfield) Count() int {
	c := 0
	for _, x := range f.b {
		c += bits.OnesCount8(x)
	}
	return c
}

// Clone returns an independent copy.
func (f Bitfield) Clone() Bitfield { return Bitfield{n: f.n, b: append([]byte(nil), f.b...)} }

// Commit is the validators' vote for one header: who signed and the
// aggregate of their signatures over SignBytes.
type Commit struct {
	Height     uint64
	HeaderHash Hash
	Signers    Bitfield
	Signature  *bls.Signature
}

// SignBytes is what validators sign for a header: a domain tag, the chain
// id, the height and the header hash. The header hash already covers chain
// id and height; repeating them keeps a signature meaningful on its own.
//
//	"LIGHTDAS-V1-COMMIT" (18 bytes) | u8 len(chainID) | chainID | u64 height | hash (32)
func SignBytes(chainID string, height uint64, hash Hash) []byte {
	b := make([]byte, 0, len(signDomain)+1+len(chainID)+8+HashSize)
	b = append(b, signDomain...)
	b = appendU8(b, uint8(len(chainID)))
	b = append(b, chainID...)
	b = appendU64(b, height)
	return append(b, hash[:]...)
}

// Encode returns the canonical commit encoding.
func (c *Commit) Encode() ([]byte, error) {
	if c.Signature == nil {
		return nil, fmt.Errorf("%w: commit without signature", ErrInvalidHeader)
	}
	if c.Signers.n > MaxValidators || len(c.Signers.b) != (c.Signers.n+7)/8 {
		return nil, fmt.Errorf("%w: signer bitfield of %d bits", ErrInvalidHeader, c.Signers.n)
	}
	return c.appendTo(make([]byte, 0, MaxCommitSize)), nil
}

func (c *Commit) appendTo(b []byte) []byte {
	b = appendU8(b, CommitVersion)
	b = appendU64(b, c.Height)
	b = append(b, c.HeaderHash[:]...)
	b = appendU16(b, uint16(c.Signers.n))
	b = append(b, c.Signers.b...)
	sig := c.Signature.Bytes()
	return append(b, sig[:]...)
}

// DecodeCommit parses a commit strictly, including the signature's subgroup
// check. A set bit in the padding of the last bitfield byte names a signer
// outside the field and fails with ErrUnknownSigner.
func DecodeCommit(b []byte) (*Commit, error) {
	if len(b) > MaxCommitSize {
		return nil, fmt.Errorf("%w: %w: commit of %d bytes", ErrMalformed, ErrTooLarge, len(b))
	}
	r := newReader(b, "commit")
	if v := r.u8(); r.err == nil && v != CommitVersion {
		return nil, fmt.Errorf("%w: %w: commit version %d", ErrMalformed, ErrUnknownVersion, v)
	}
	c := &Commit{Height: r.u64(), HeaderHash: r.hash()}
	n := int(r.u16())
	if r.err == nil && n > MaxValidators {
		r.fail("bitfield of %d bits", n)
	}
	raw := r.take((n + 7) / 8)
	sigb := r.take(bls.SignatureSize)
	if err := r.finish(); err != nil {
		return nil, err
	}
	if c.Height == 0 {
		return nil, fmt.Errorf("%w: commit for height 0", ErrMalformed)
	}
	if n%8 != 0 && raw[len(raw)-1]>>(n%8) != 0 {
		return nil, fmt.Errorf("%w: %w: padding bits set in a %d-bit field", ErrMalformed, ErrUnknownSigner, n)
	}
	c.Signers = Bitfield{n: n, b: append([]byte(nil), raw...)}
	sig, err := bls.SignatureFromBytes(sigb)
	if err != nil {
		return nil, fmt.Errorf("%w: commit signature: %w", ErrMalformed, err)
	}
	c.Signature = sig
	return c, nil
}
