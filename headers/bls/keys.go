// Package bls implements BLS signatures on BLS12-381 in the
// minimal-public-key-size variant of the IRTF BLS signature draft
// (draft-irtf-cfrg-bls-signature-05): public keys are compressed G1 points
// (48 bytes), signatures compressed G2 points (96 bytes), messages are hashed
// to G2 with RFC 9380 (BLS12381G2_XMD:SHA-256_SSWU_RO_), and the
// proof-of-possession scheme protects aggregation against rogue keys.
//
// The group arithmetic comes from gnark-crypto; the scheme (key generation,
// strict encodings, signing, proofs of possession, aggregation and batch
// verification) is written here.
package bls

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/big"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
)

// Encoded sizes in bytes.
const (
	SecretKeySize = fr.Bytes                          // 32, big-endian scalar
	PublicKeySize = bls12381.SizeOfG1AffineCompressed // 48, compressed G1
	SignatureSize = bls12381.SizeOfG2AffineCompressed // 96, compressed G2
)

const (
	minIKMSize  = 32                     // KeyGen input keying material
	keyGenSalt  = "BLS-SIG-KEYGEN-SALT-" // draft-irtf-cfrg-bls-signature-05 §2.3
	okmLen      = 48                     // ceil((3 * ceil(log2(r))) / 16)
	flagMask    = 0b111 << 5             // the three flag bits of a point encoding
	flagComp    = 0b100 << 5             // compressed, y the smaller root
	flagCompBig = 0b101 << 5             // compressed, y the larger root
	flagCompInf = 0b110 << 5             // compressed point at infinity
)

// Errors. Every decoding or verification failure wraps one of these, so
// callers can branch with errors.Is.
var (
	ErrSecretKey         = errors.New("bls: invalid secret key")
	ErrPublicKey         = errors.New("bls: invalid public key encoding")
	ErrSignatureEncoding = errors.New("bls: invalid signature encoding")
	ErrIdentity          = errors.New("bls: point at infinity")
	ErrSubgroup          = errors.New("bls: point not in the prime-order subgroup")
	ErrBadSignature      = errors.New("bls: signature verification failed")
	ErrBadPossession     = errors.New("bls: invalid proof of possession")
	ErrNoKeys            = errors.New("bls: no public keys")
	ErrShortIKM          = errors.New("bls: input keying material shorter than 32 bytes")
)

// SecretKey is a non-zero scalar of the BLS12-381 group order.
type SecretKey struct {
	s fr.Element
}

// KeyGen derives a secret key from at least 32 bytes of input keying
// material, as KeyGen in draft-irtf-cfrg-bls-signature-05 §2.3 (the same
// HKDF_mod_r as EIP-2333's master key). It is deterministic: tests and
// devnets derive keys from seeds; real keys use GenerateKey.
func KeyGen(ikm, keyInfo []byte) (*SecretKey, error) {
	if len(ikm) < minIKMSize {
		return nil, ErrShortIKM
	}
	salt := []byte(keyGenSalt)
	in := append(append([]byte{}, ikm...), 0) // IKM || I2OSP(0, 1)
	info := append(append([]byte{}, keyInfo...), 0, okmLen)
	order := fr.Modulus()
	for {
		h := sha256.Sum256(salt)
		salt = h[:]
		prk, err := hkdf.Extract(sha256.New, in, salt)
		if err != nil {
			return nil, fmt.Errorf("bls: keygen extract: %w", err)
		}
		okm, err := hkdf.Expand(sha256.New, prk, string(info), okmLen)
		if err != nil {
			return nil, fmt.Errorf("bls: keygen expand: %w", err)
		}
		v := new(big.Int).SetBytes(okm)
		v.Mod(v, order)
		if v.Sign() != 0 {
			var sk SecretKey
			sk.s.SetBigInt(v)
			return &sk, nil
		}
	}
}

// GenerateKey makes a fresh secret key from 32 bytes of r (crypto/rand.Reader
// for real keys).
func GenerateKey(r io.Reader) (*SecretKey, error) {
	ikm := make([]byte, minIKMSize)
	if _, err := io.ReadFull(r, ikm); err != nil {
		return nil, fmt.Errorf("bls: read randomness: %w", err)
	}
	return KeyGen(ikm, nil)
}

// SecretKeyFromBytes decodes a 32-byte big-endian scalar; it must be
// canonical (< r) and non-zero.
func SecretKeyFromBytes(b []byte) (*SecretKey, error) {
	if len(b) != SecretKeySize {
		return nil, fmt.Errorf("%w: length %d, want %d", ErrSecretKey, len(b), SecretKeySize)
	}
	var sk SecretKey
	if err := sk.s.SetBytesCanonical(b); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSecretKey, err)
	}
	if sk.s.IsZero() {
		return nil, fmt.Errorf("%w: zero", ErrSecretKey)
	}
	return &sk, nil
}

// Bytes is the canonical 32-byte big-endian encoding.
func (sk *SecretKey) Bytes() [SecretKeySize]byte { return sk.s.Bytes() }

func (sk *SecretKey) bigInt() *big.Int { return sk.s.BigInt(new(big.Int)) }

// PublicKey returns sk * G1.
func (sk *SecretKey) PublicKey() *PublicKey {
	var p bls12381.G1Affine
	p.ScalarMultiplicationBase(sk.bigInt())
	return newPublicKey(p)
}

// PublicKey is a G1 point of prime order other than the identity (the
// KeyValidate conditions of the draft), with its compressed encoding.
type PublicKey struct {
	p bls12381.G1Affine
	b [PublicKeySize]byte
}

func newPublicKey(p bls12381.G1Affine) *PublicKey {
	return &PublicKey{p: p, b: p.Bytes()}
}

// PublicKeyFromBytes decodes a compressed G1 point strictly: exactly 48
// bytes, compression flag set, canonical x coordinate, on the curve, in the
// prime-order subgroup, and not the identity.
func PublicKeyFromBytes(b []byte) (*PublicKey, error) {
	if len(b) != PublicKeySize {
		return nil, fmt.Errorf("%w: length %d, want %d", ErrPublicKey, len(b), PublicKeySize)
	}
	if err := checkFlags(b[0]); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPublicKey, err)
	}
	if b[0]&flagMask == flagCompInf {
		return nil, fmt.Errorf("%w: %w", ErrPublicKey, ErrIdentity)
	}
	var p bls12381.G1Affine
	// Decode without gnark's subgroup check so the failure gets its own type.
	dec := bls12381.NewDecoder(bytes.NewReader(b), bls12381.NoSubgroupChecks())
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPublicKey, err)
	}
	if !p.IsInSubGroup() {
		return nil, fmt.Errorf("%w: %w", ErrPublicKey, ErrSubgroup)
	}
	return &PublicKey{p: p, b: [PublicKeySize]byte(b)}, nil
}

// Bytes is the 48-byte compressed encoding.
func (pk *PublicKey) Bytes() [PublicKeySize]byte { return pk.b }

// Equal reports whether both keys are the same point.
func (pk *PublicKey) Equal(o *PublicKey) bool { return pk.b == o.b }

// Signature is a G2 point of prime order other than the identity.
type Signature struct {
	p bls12381.G2Affine
}

// SignatureFromBytes decodes a compressed G2 point strictly: exactly 96
// bytes, compression flag set, canonical coordinates, on the curve, in the
// prime-order subgroup, and not the identity (no valid signature under a
// proven key is the identity).
func SignatureFromBytes(b []byte) (*Signature, error) {
	if len(b) != SignatureSize {
		return nil, fmt.Errorf("%w: length %d, want %d", ErrSignatureEncoding, len(b), SignatureSize)
	}
	if err := checkFlags(b[0]); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSignatureEncoding, err)
	}
	if b[0]&flagMask == flagCompInf {
		return nil, fmt.Errorf("%w: %w", ErrSignatureEncoding, ErrIdentity)
	}
	var p bls12381.G2Affine
	dec := bls12381.NewDecoder(bytes.NewReader(b), bls12381.NoSubgroupChecks())
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSignatureEncoding, err)
	}
	if !p.IsInSubGroup() {
		return nil, fmt.Errorf("%w: %w", ErrSignatureEncoding, ErrSubgroup)
	}
	return &Signature{p: p}, nil
}

// Bytes is the 96-byte compressed encoding.
func (s *Signature) Bytes() [SignatureSize]byte { return s.p.Bytes() }

// Equal reports whether both signatures are the same point.
func (s *Signature) Equal(o *Signature) bool { return s.p.Equal(&o.p) }

// checkFlags accepts only the compressed encodings (finite or infinity);
// uncompressed forms are not canonical here.
func checkFlags(b0 byte) error {
	switch b0 & flagMask {
	case flagComp, flagCompBig, flagCompInf:
		return nil
	default:
		return errors.New("not a compressed point encoding")
	}
}

// AggregateSignatures adds signatures; it returns nil for an empty list.
func AggregateSignatures(sigs ...*Signature) *Signature {
	if len(sigs) == 0 {
		return nil
	}
	var acc bls12381.G2Jac
	acc.FromAffine(&sigs[0].p)
	for _, s := range sigs[1:] {
		acc.AddMixed(&s.p)
	}
	var out Signature
	out.p.FromJacobian(&acc)
	return &out
}

// Aggregator sums public keys (the aggregate key of a commit's signers).
// The zero value is an empty aggregate.
type Aggregator struct {
	acc bls12381.G1Jac
	n   int
}

// Add adds pk to the aggregate.
func (a *Aggregator) Add(pk *PublicKey) {
	if a.n == 0 {
		a.acc.FromAffine(&pk.p)
	} else {
		a.acc.AddMixed(&pk.p)
	}
	a.n++
}

// Len is the number of keys added.
func (a *Aggregator) Len() int { return a.n }

// point returns the sum of the keys added as an affine point. The sum of
// proven keys is the identity only with negligible probability; it is
// returned as is and then fails verification.
func (a *Aggregator) point() bls12381.G1Affine {
	var p bls12381.G1Affine
	p.FromJacobian(&a.acc)
	return p
}

// SumSecretKeys adds secret keys. Signing with the sum gives the aggregate
// of the individual signatures over the same message; test chains and
// devnet producers that hold every key use it to sign a commit with one
// scalar multiplication. It returns nil if the sum is zero.
func SumSecretKeys(sks ...*SecretKey) *SecretKey {
	var out SecretKey
	for _, sk := range sks {
		out.s.Add(&out.s, &sk.s)
	}
	if out.s.IsZero() {
		return nil
	}
	return &out
}
