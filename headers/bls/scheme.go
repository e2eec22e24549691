package bls

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/big"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
)

// Domain separation tags of lightdas. They follow the naming of the IRTF
// draft's proof-of-possession ciphersuite with a project prefix, so a
// lightdas signature is never valid in another protocol (Ethereum uses the
// unprefixed tags) and a proof of possession is never a valid message
// signature, nor the other way round.
const (
	SignatureDST  = "LIGHTDAS-V1-BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_"
	PossessionDST = "LIGHTDAS-V1-BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_"
)

// Scheme is the proof-of-possession BLS scheme for a pair of domain
// separation tags. It is immutable and safe for concurrent use.
type Scheme struct {
	sigDST, popDST []byte
	negG1          bls12381.G1Affine
}

// NewScheme returns the lightdas scheme (SignatureDST, PossessionDST).
func NewScheme() *Scheme {
	s, _ := NewSchemeWithDST(SignatureDST, PossessionDST) // constant tags are valid
	return s
}

// NewSchemeWithDST builds the scheme for other tags; the Ethereum tags
// (BLS_SIG_..._POP_ and BLS_POP_..._POP_) let tests check against the
// published vectors of that ciphersuite. Tags must be 1..255 bytes and
// differ (RFC 9380 §3.1).
func NewSchemeWithDST(sigDST, popDST string) (*Scheme, error) {
	for _, dst := range []string{sigDST, popDST} {
		if len(dst) == 0 || len(dst) > 255 {
			return nil, fmt.Errorf("bls: domain separation tag of %d bytes", len(dst))
		}
	}
	if sigDST == popDST {
		return nil, errors.New("bls: signature and possession tags must differ")
	}
	_, _, g1, _ := bls12381.Generators()
	s := &Scheme{sigDST: []byte(sigDST), popDST: []byte(popDST)}
	s.negG1.Neg(&g1)
	return s, nil
}

func (s *Scheme) hash(msg, dst []byte) bls12381.G2Affine {
	h, err := bls12381.HashToG2(msg, dst)
	if err != nil {
		// Only a DST longer than 255 bytes fails; NewSchemeWithDST refuses those.
		panic(fmt.Sprintf("bls: hash to G2: %v", err))
	}
	return h
}

// Sign returns sk * H(msg).
func (s *Scheme) Sign(sk *SecretKey, msg []byte) *Signature {
	h := s.hash(msg, s.sigDST)
	var out Signature
	out.p.ScalarMultiplication(&h, sk.bigInt())
	return &out
}

// ProvePossession signs the compressed public key under the PoP tag.
func (s *Scheme) ProvePossession(sk *SecretKey) *Signature {
	pk := sk.PublicKey().Bytes()
	h := s.hash(pk[:], s.popDST)
	var out Signature
	out.p.ScalarMultiplication(&h, sk.bigInt())
	return &out
}

// pairingEq reports e(p, q) == e(g1, sig).
func (s *Scheme) pairingEq(p bls12381.G1Affine, q, sig bls12381.G2Affine) bool {
	ok, err := bls12381.PairingCheck([]bls12381.G1Affine{p, s.negG1}, []bls12381.G2Affine{q, sig})
	return err == nil && ok
}

// Verify checks a signature by one key.
func (s *Scheme) Verify(pk *PublicKey, msg []byte, sig *Signature) error {
	if !s.pairingEq(pk.p, s.hash(msg, s.sigDST), sig.p) {
		return ErrBadSignature
	}
	return nil
}

// VerifyPossession checks pk's proof of possession.
func (s *Scheme) VerifyPossession(pk *PublicKey, pop *Signature) error {
	if !s.pairingEq(pk.p, s.hash(pk.b[:], s.popDST), pop.p) {
		return ErrBadPossession
	}
	return nil
}

// VerifyAggregate checks one signature over msg by all keys summed in agg
// (FastAggregateVerify of the draft: one pairing check however many
// signers). It is only sound when every key's possession has been proven.
func (s *Scheme) VerifyAggregate(agg *Aggregator, msg []byte, sig *Signature) error {
	if agg.Len() == 0 {
		return ErrNoKeys
	}
	if !s.pairingEq(agg.point(), s.hash(msg, s.sigDST), sig.p) {
		return ErrBadSignature
	}
	return nil
}

// PossessionError names the first key whose proof of possession failed.
type PossessionError struct {
	Index int
}

func (e *PossessionError) Error() string {
	return fmt.Sprintf("bls: invalid proof of possession for key %d", e.Index)
}

func (e *PossessionError) Unwrap() error { return ErrBadPossession }

// VerifyPossessions checks many proofs of possession with one final
// exponentiation: with random 64-bit weights r_i from rand it checks
// prod e(r_i pk_i, H(pk_i)) == e(g1, sum r_i pop_i). A forged proof passes
// with probability at most 2^-64. When the batch fails it finds the first
// bad proof and returns a *PossessionError.
func (s *Scheme) VerifyPossessions(pks []*PublicKey, pops []*Signature, rand io.Reader) error {
	if len(pks) != len(pops) {
		return fmt.Errorf("bls: %d keys but %d proofs", len(pks), len(pops))
	}
	if len(pks) == 0 {
		return nil
	}
	if len(pks) == 1 {
		if err := s.VerifyPossession(pks[0], pops[0]); err != nil {
			return &PossessionError{Index: 0}
		}
		return nil
	}
	hs := make([]bls12381.G2Affine, len(pks))
	for i, pk := range pks {
		hs[i] = s.hash(pk.b[:], s.popDST)
	}
	sigs := make([]bls12381.G2Affine, len(pops))
	for i, p := range pops {
		sigs[i] = p.p
	}
	pts := make([]bls12381.G1Affine, len(pks))
	for i, pk := range pks {
		pts[i] = pk.p
	}
	ok, err := s.batch(pts, hs, sigs, rand)
	if err != nil {
		return err
	}
	if ok {
		return nil
	}
	for i := range pts {
		if !s.pairingEq(pts[i], hs[i], sigs[i]) {
			return &PossessionError{Index: i}
		}
	}
	// Unreachable unless the randomness was adversarial.
	return ErrBadPossession
}

// batch checks prod e(r_i P_i, Q_i) == e(g1, sum r_i S_i).
func (s *Scheme) batch(points []bls12381.G1Affine, qs, sigs []bls12381.G2Affine, rand io.Reader) (bool, error) {
	n := len(qs)
	ps := make([]bls12381.G1Affine, n+1)
	qq := make([]bls12381.G2Affine, n+1)
	var sumJ bls12381.G2Jac
	var buf [8]byte
	r := new(big.Int)
	for i := 0; i < n; i++ {
		var w uint64
		for w == 0 {
			if _, err := io.ReadFull(rand, buf[:]); err != nil {
				return false, fmt.Errorf("bls: batch weights: %w", err)
			}
			w = binary.BigEndian.Uint64(buf[:])
		}
		r.SetUint64(w)
		ps[i].ScalarMultiplication(&points[i], r)
		qq[i] = qs[i]
		// One 64-bit scalar multiplication per signature instead of a
		// G2 multi-exponentiation: the batches are small, and MultiExp
		// links every window size's G2 code into the browser client.
		var t bls12381.G2Affine
		t.ScalarMultiplication(&sigs[i], r)
		sumJ.AddMixed(&t)
	}
	var sum bls12381.G2Affine
	sum.FromJacobian(&sumJ)
	ps[n] = s.negG1
	qq[n] = sum
	ok, err := bls12381.PairingCheck(ps, qq)
	if err != nil {
		return false, fmt.Errorf("bls: batch pairing: %w", err)
	}
	return ok, nil
}

// AggregateCheck is one aggregate signature to verify in a batch.
type AggregateCheck struct {
	Keys      *Aggregator
	Message   []byte
	Signature *Signature
}

// BatchError names the first failing check of a batch.
type BatchError struct {
	Index int
	Err   error
}

func (e *BatchError) Error() string { return fmt.Sprintf("bls: batch item %d: %v", e.Index, e.Err) }
func (e *BatchError) Unwrap() error { return e.Err }

// VerifyAggregates checks several aggregate signatures (over different
// messages and key sets) with one final exponentiation and random 64-bit
// weights from rand. On failure it returns a *BatchError naming the first
// invalid item.
func (s *Scheme) VerifyAggregates(checks []AggregateCheck, rand io.Reader) error {
	if len(checks) == 0 {
		return nil
	}
	for i, c := range checks {
		if c.Keys == nil || c.Keys.Len() == 0 {
			return &BatchError{Index: i, Err: ErrNoKeys}
		}
	}
	if len(checks) == 1 {
		c := checks[0]
		if err := s.VerifyAggregate(c.Keys, c.Message, c.Signature); err != nil {
			return &BatchError{Index: 0, Err: err}
		}
		return nil
	}
	pts := make([]bls12381.G1Affine, len(checks))
	hs := make([]bls12381.G2Affine, len(checks))
	sigs := make([]bls12381.G2Affine, len(checks))
	for i, c := range checks {
		pts[i] = c.Keys.point()
		hs[i] = s.hash(c.Message, s.sigDST)
		sigs[i] = c.Signature.p
	}
	ok, err := s.batch(pts, hs, sigs, rand)
	if err != nil {
		return err
	}
	if ok {
		return nil
	}
	for i := range checks {
		if !s.pairingEq(pts[i], hs[i], sigs[i]) {
			return &BatchError{Index: i, Err: ErrBadSignature}
		}
	}
	return errors.Join(ErrBadSignature, errors.New("bls: batch failed but every item verified"))
}
