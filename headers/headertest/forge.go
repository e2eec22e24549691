package headertest

import (
	"slices"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"

	"lightdas/headers"
	"lightdas/headers/bls"
)

// CopyHeader returns a deep copy.
func CopyHeader(h *headers.Header) *headers.Header {
	c := *h
	c.Commitments = slices.Clone(h.Commitments)
	return &c
}

// Resign returns b with its header changed by mutate and a fresh commit by
// every member of s: a block that is correctly signed but breaks whatever
// rule mutate breaks.
func Resign(s *Signers, b *headers.LightBlock, mutate func(*headers.Header)) *headers.LightBlock {
	h := CopyHeader(b.Header)
	mutate(h)
	return &headers.LightBlock{Header: h, Commit: s.Commit(h, s.All()), Validators: b.Validators}
}

// WithSigners re-signs b by the given member indexes only.
func WithSigners(s *Signers, b *headers.LightBlock, idx []int) *headers.LightBlock {
	return &headers.LightBlock{Header: b.Header, Commit: s.Commit(b.Header, idx), Validators: b.Validators}
}

// BadSignature keeps b's header and signer bits but replaces the aggregate
// signature with the same validators' signature of another height, so it
// is a well-formed, subgroup-valid signature that does not verify.
func BadSignature(s *Signers, b *headers.LightBlock) *headers.LightBlock {
	wrong := s.CommitFor(b.Header.ChainID, b.Header.Height+1, b.Hash(), s.All())
	c := *b.Commit
	c.Signature = wrong.Signature
	return &headers.LightBlock{Header: b.Header, Commit: &c, Validators: b.Validators}
}

// ExtraSignerBit keeps the signature but gives the signer bitfield one
// more bit than the set has validators, set: a signer the set does not know.
func ExtraSignerBit(b *headers.LightBlock) *headers.LightBlock {
	n := b.Commit.Signers.Len()
	bits := headers.NewBitfield(n + 1)
	for i := 0; i < n; i++ {
		bits.Set(i, b.Commit.Signers.Get(i))
	}
	bits.Set(n, true)
	c := *b.Commit
	c.Signers = bits
	return &headers.LightBlock{Header: b.Header, Commit: &c, Validators: b.Validators}
}

// RogueValidators returns a validator list in which an attacker who holds
// attacker registers pk_r = attacker.pk - victim.pk, a key whose secret
// nobody knows, carrying the only valid proof of possession the attacker
// has: its own key's, which does not verify for pk_r (bls's
// TestRogueKeyNeedsPossession also tries the attacker's signature over
// pk_r's bytes). Added to a set with victim, the attacker alone could
// forge their aggregate; the missing proof of possession is what stops it.
func RogueValidators(victim, attacker *bls.SecretKey, power uint64) []headers.Validator {
	scheme := bls.NewScheme()
	rogue := RogueKey(victim.PublicKey(), attacker)
	return []headers.Validator{
		{PublicKey: victim.PublicKey(), Power: power, Possession: scheme.ProvePossession(victim)},
		{PublicKey: rogue, Power: power, Possession: scheme.ProvePossession(attacker)},
	}
}

// RogueKey computes attacker.pk - victim (see RogueValidators).
func RogueKey(victim *bls.PublicKey, attacker *bls.SecretKey) *bls.PublicKey {
	var a, v bls12381.G1Affine
	ab, vb := attacker.PublicKey().Bytes(), victim.Bytes()
	if _, err := a.SetBytes(ab[:]); err != nil {
		panic(err)
	}
	if _, err := v.SetBytes(vb[:]); err != nil {
		panic(err)
	}
	a.Sub(&a, &v)
	rb := a.Bytes()
	pk, err := bls.PublicKeyFromBytes(rb[:])
	if err != nil {
		panic(err) // only if attacker == victim
	}
	return pk
}
