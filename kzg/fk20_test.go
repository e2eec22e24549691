//go:build !js

package kzg

import (
	"math/big"
	"math/bits"
	"runtime"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
)

// directCellProof computes cell c's proof from its definition: the quotient
// of f by X^64 - z_c (long division; the remainder is the cell's
// interpolant), committed with a plain MSM.
func directCellProof(t *testing.T, srs []bls12381.G1Affine, coeffs []fr.Element, z fr.Element) bls12381.G1Affine {
	t.Helper()
	n := len(coeffs)
	q := make([]fr.Element, n-FieldElementsPerCell)
	// f = (X^64 - z) q + r: from the top, q_i = f_(i+64) + z q_(i+64).
	for i := len(q) - 1; i >= 0; i-- {
		q[i] = coeffs[i+FieldElementsPerCell]
		if i+FieldElementsPerCell < len(q) {
			var t fr.Element
			t.Mul(&z, &q[i+FieldElementsPerCell])
			q[i].Add(&q[i], &t)
		}
	}
	var p bls12381.G1Affine
	if _, err := p.MultiExp(srs[:len(q)], q, ecc.MultiExpConfig{}); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFK20MatchesDirectQuotients(t *testing.T) {
	srs, err := loadProverSRS()
	if err != nil {
		t.Fatal(err)
	}
	glv, err := newGLVParams()
	if err != nil {
		t.Fatal(err)
	}
	f, err := newFK20(srs, glv, runtime.GOMAXPROCS(0))
	if err != nil {
		t.Fatal(err)
	}
	coeffs := make([]fr.Element, FieldElementsPerBlob)
	for i := range coeffs {
		coeffs[i].SetRandom()
	}
	commits, proofs := f.proveRows([][]fr.Element{coeffs}, runtime.GOMAXPROCS(0))
	commitJ, proofsJ := commits[0], proofs[0]

	var want, got bls12381.G1Affine
	if _, err := want.MultiExp(srs, coeffs, ecc.MultiExpConfig{}); err != nil {
		t.Fatal(err)
	}
	got.FromJacobian(&commitJ)
	if !got.Equal(&want) {
		t.Fatalf("commitment G_0 differs from the direct MSM")
	}
	w := f.dom.Generator
	for _, c := range []int{0, 1, 2, 63, 64, 77, 127} {
		var z fr.Element
		z.Exp(w, big.NewInt(int64(bits.Reverse8(uint8(c))>>1)))
		want := directCellProof(t, srs, coeffs, z)
		got.FromJacobian(&proofsJ[c])
		if !got.Equal(&want) {
			t.Errorf("cell %d: FK20 proof differs from the direct quotient commitment", c)
		}
	}
}
