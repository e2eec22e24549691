package kzg

import (
	"fmt"
	"github.com/consensys/gnark-crypto/ecc"
	"math/big"
	"math/bits"
	"math/rand/v2"
	"testing"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
)

// naiveG1DFT returns A[k] = sum_i a[i] * w^(i*k) in natural order, one
// multi-scalar multiplication per frequency.
func naiveG1DFT(t *testing.T, a []bls12381.G1Jac, w fr.Element) []bls12381.G1Jac {
	t.Helper()
	n := len(a)
	aff := bls12381.BatchJacobianToAffineG1(a)
	out := make([]bls12381.G1Jac, n)
	scalars := make([]fr.Element, n)
	var wk fr.Element // w^k
	wk.SetOne()
	for k := range n {
		scalars[0].SetOne()
		for i := 1; i < n; i++ {
			scalars[i].Mul(&scalars[i-1], &wk)
		}
		if _, err := out[k].MultiExp(aff, scalars, ecc.MultiExpConfig{}); err != nil {
			t.Fatal(err)
		}
		wk.Mul(&wk, &w)
	}
	return out
}

func brp(i, n int) int {
	if n == 1 {
		return 0
	}
	return int(bits.Reverse64(uint64(i)) >> (64 - bits.Len(uint(n-1))))
}

// TestG1FFTMatchesNaiveDFT checks both transforms, in both directions,
// against the definition; several vectors at once take the lockstep
// multiplication path, a single small one gnark's.
func TestG1FFTMatchesNaiveDFT(t *testing.T) {
	glv, err := newGLVParams()
	if err != nil {
		t.Fatal(err)
	}
	w128, err := fr.Generator(g1MaxFFT)
	if err != nil {
		t.Fatal(err)
	}
	f := newG1FFT(glv, w128)
	type shape struct{ n, vecs, workers int }
	// {8, 12, 1} has 48 multiplications in its last stage: lockstep.
	shapes := []shape{{1, 1, 1}, {2, 1, 1}, {4, 3, 2}, {8, 1, 1}, {8, 12, 1}, {16, 1, 2}}
	if proverHeavy {
		shapes = append(shapes, shape{16, 20, 1}, shape{16, 20, 2}, shape{32, 1, 2},
			shape{128, 1, 2}, shape{128, 2, 2})
	}
	rng := rand.New(rand.NewPCG(31, 32))
	for _, sh := range shapes {
		for _, inverse := range []bool{false, true} {
			t.Run(fmt.Sprintf("n=%d/vectors=%d/workers=%d/inverse=%v", sh.n, sh.vecs, sh.workers, inverse), func(t *testing.T) {
				var w fr.Element
				w.Exp(w128, big.NewInt(int64(g1MaxFFT/sh.n)))
				if inverse {
					w.Inverse(&w)
				}
				in := make([][]bls12381.G1Jac, sh.vecs)
				dif := make([][]bls12381.G1Jac, sh.vecs)
				dit := make([][]bls12381.G1Jac, sh.vecs)
				for v := range in {
					in[v] = make([]bls12381.G1Jac, sh.n)
					dit[v] = make([]bls12381.G1Jac, sh.n)
					for i := range in[v] {
						p := randomG1(rng, true)
						in[v][i].FromAffine(&p)
						dit[v][brp(i, sh.n)] = in[v][i]
					}
					dif[v] = append([]bls12381.G1Jac(nil), in[v]...)
				}
				f.dif(dif, inverse, sh.workers)
				f.dit(dit, inverse, sh.workers)
				for v := range in {
					want := naiveG1DFT(t, in[v], w)
					for k := range sh.n {
						if !dif[v][brp(k, sh.n)].Equal(&want[k]) {
							t.Fatalf("vector %d: DIF: frequency %d differs", v, k)
						}
						if !dit[v][k].Equal(&want[k]) {
							t.Fatalf("vector %d: DIT: frequency %d differs", v, k)
						}
					}
				}
			})
		}
	}
}
