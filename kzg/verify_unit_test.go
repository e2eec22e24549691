package kzg

import (
	"errors"
	"math/big"
	"math/bits"
	"runtime"
	"sync"
	"testing"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fp"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"

	"lightdas/erasure"
)

// heavy scales loops down under wasm, which is 10-20x slower.
const heavy = runtime.GOARCH != "wasm"

// TestCosetInterpolation checks the per-column interpolation of check(): the
// inverse FFT of a cell's evaluations, scaled by h_c^-m / 64, evaluates back
// to the cell on its coset h_c * w64^brp6(j) = w8192^brp13(64c+j).
func TestCosetInterpolation(t *testing.T) {
	v, err := NewVerifier()
	if err != nil {
		t.Fatal(err)
	}
	w8192 := rootOfUnity(8192)
	for _, c := range []int{0, 1, 2, 64, 77, 127} {
		var y [FieldElementsPerCell]fr.Element
		for j := range y {
			y[j].SetUint64(uint64(1000*c + 7*j*j + 3))
		}
		a := y
		v.ifftBitReversed(&a)
		scale := v.inv64
		for m := range a {
			a[m].Mul(&a[m], &scale)
			scale.Mul(&scale, &v.shiftInv[c])
		}
		for j := range y {
			var x, acc, p fr.Element
			x.Exp(w8192, big.NewInt(int64(reverseBits(64*c+j, 13))))
			p.SetOne()
			for m := range a {
				var t fr.Element
				t.Mul(&a[m], &p)
				acc.Add(&acc, &t)
				p.Mul(&p, &x)
			}
			if !acc.Equal(&y[j]) {
				t.Fatalf("cell %d, element %d: interpolation does not evaluate back", c, j)
			}
		}
		// The vanishing polynomial of the coset is X^64 - h_c^64.
		var x, x64 fr.Element
		x.Exp(w8192, big.NewInt(int64(reverseBits(64*c+5, 13))))
		x64.Exp(x, big.NewInt(64))
		if !x64.Equal(&v.shiftPow[c]) {
			t.Fatalf("cell %d: h_c^64 wrong", c)
		}
	}
	var g fr.Element
	if g, err = fr.Generator(8192); err != nil || !g.Equal(&w8192) {
		t.Fatal("gnark's 8192nd root of unity is not 7^((r-1)/8192)")
	}
}

// TestRowWeightsConvention pins erasure.LagrangeWeights to the brief's row
// convention, straight from the product formula: y_r = w_2k^brp(r) and
// L_i(y) = prod_{j != i} (y - y_j) / (y_i - y_j).
func TestRowWeightsConvention(t *testing.T) {
	ks := []int{1, 2, 4, 8, 16}
	if heavy {
		ks = append(ks, 32, 64)
	}
	for _, k := range ks {
		logK := bits.Len(uint(k)) - 1
		w2k := rootOfUnity(uint64(2 * k))
		point := func(r int) fr.Element {
			var y fr.Element
			y.Exp(w2k, big.NewInt(int64(reverseBits(r, logK+1))))
			return y
		}
		for r := 0; r < 2*k; r++ {
			if k >= 32 && r%7 != 0 && r != 2*k-1 {
				continue
			}
			got, err := erasure.LagrangeWeights(k, r)
			if err != nil {
				t.Fatal(err)
			}
			y := point(r)
			for i := 0; i < k; i++ {
				xi := point(i)
				var num, den fr.Element
				num.SetOne()
				den.SetOne()
				for j := 0; j < k; j++ {
					if j == i {
						continue
					}
					xj := point(j)
					var d fr.Element
					num.Mul(&num, d.Sub(&y, &xj))
					den.Mul(&den, d.Sub(&xi, &xj))
				}
				den.Inverse(&den)
				num.Mul(&num, &den)
				if !num.Equal(&got[i]) {
					t.Fatalf("k=%d row %d: weight %d differs from the product formula", k, r, i)
				}
			}
		}
	}
}

func TestVerifySamplesInput(t *testing.T) {
	v, err := NewVerifier()
	if err != nil {
		t.Fatal(err)
	}
	fx := readBlockFixture(t)
	orig := fx.commitments[:fx.k]
	good := fx.samples[:2]
	badPoint := append([]Commitment(nil), orig...)
	badPoint[fx.k-1][0] &^= flagCompressed
	badCell := append([]Sample(nil), good...)
	badCell[1].Cell = Cell{}
	mod := frModulusBytes()
	copy(badCell[1].Cell[32*5:], mod[:])
	badProof := append([]Sample(nil), good...)
	badProof[0].Proof[0] = 0xc0
	withRow := func(row, col int) []Sample {
		s := append([]Sample(nil), good...)
		s[1].Row, s[1].Column = row, col
		return s
	}
	tests := []struct {
		name        string
		commitments []Commitment
		samples     []Sample
		want        error
		index       int // of the IndexError, -1 for none
	}{
		{"no commitments", nil, good, ErrInput, -1},
		{"k=3", orig[:3], good, ErrInput, -1},
		{"k=128", make([]Commitment, 128), nil, ErrInput, -1},
		{"row -1", orig, withRow(-1, 0), ErrCellIndex, 1},
		{"row 2k", orig, withRow(2*fx.k, 0), ErrCellIndex, 1},
		{"column -1", orig, withRow(0, -1), ErrCellIndex, 1},
		{"column 128", orig, withRow(0, CellsPerRow), ErrCellIndex, 1},
		{"bad commitment never sampled", badPoint, good, ErrInvalidPoint, fx.k - 1},
		{"bad commitment, no samples", badPoint, nil, ErrInvalidPoint, fx.k - 1},
		{"non-canonical cell", orig, badCell, ErrNonCanonical, 1},
		{"bad proof", orig, badProof, ErrInvalidPoint, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := v.VerifySamples(tc.commitments, tc.samples)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			var ie *IndexError
			if tc.index >= 0 && (!errors.As(err, &ie) || ie.Index != tc.index) {
				t.Fatalf("got %v, want an IndexError at %d", err, tc.index)
			}
		})
	}
	if err := v.VerifySamples(orig, nil); err != nil {
		t.Fatalf("no samples: %v", err)
	}
}

func TestVerifyCellProofBatchInput(t *testing.T) {
	v, err := NewVerifier()
	if err != nil {
		t.Fatal(err)
	}
	fx := readBlockFixture(t)
	s := fx.samples[0]
	c := []Commitment{fx.commitments[s.Row]}
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"mismatched lengths", v.VerifyCellProofBatch(c, []uint64{1, 2}, []Cell{s.Cell}, []Proof{s.Proof}), ErrInput},
		{"index 128", v.VerifyCellProofBatch(c, []uint64{128}, []Cell{s.Cell}, []Proof{s.Proof}), ErrCellIndex},
		{"index 2^64-1", v.VerifyCellProofBatch(c, []uint64{1<<64 - 1}, []Cell{s.Cell}, []Proof{s.Proof}), ErrCellIndex},
		{"bad commitment", v.VerifyCellProofBatch([]Commitment{{0x40}}, []uint64{1}, []Cell{s.Cell}, []Proof{s.Proof}), ErrInvalidPoint},
		{"valid", v.VerifyCellProofBatch(c, []uint64{uint64(s.Column)}, []Cell{s.Cell}, []Proof{s.Proof}), nil},
		{"wrong column", v.VerifyCellProofBatch(c, []uint64{uint64(s.Column) ^ 1}, []Cell{s.Cell}, []Proof{s.Proof}), ErrVerify},
		{"zero cells", v.VerifyCellProofBatch(nil, nil, nil, nil), nil},
	}
	for _, tc := range tests {
		if !errors.Is(tc.err, tc.want) || (tc.want == nil && tc.err != nil) {
			t.Errorf("%s: got %v, want %v", tc.name, tc.err, tc.want)
		}
	}
}

// TestVerifierConcurrent shares one Verifier between goroutines (run with
// -race natively): results must not depend on interleaving.
func TestVerifierConcurrent(t *testing.T) {
	v, err := NewVerifier()
	if err != nil {
		t.Fatal(err)
	}
	fx := readBlockFixture(t)
	orig := fx.commitments[:fx.k]
	bad := append([]Sample(nil), fx.samples...)
	bad[9].Column ^= 1
	rounds := 2
	if heavy {
		rounds = 8
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4*rounds)
	for g := 0; g < 4; g++ {
		wg.Go(func() {
			for range rounds {
				if err := v.VerifySamples(orig, fx.samples); err != nil {
					errs <- err
				}
				if err := v.VerifySamples(orig, bad); !errors.Is(err, ErrVerify) {
					errs <- errors.New("bad batch accepted")
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestGLVConstants pins the endomorphism used for sum_i a_i pi_i: beta is a
// primitive cube root of unity in Fp, lambda one in Fr, and
// phi(x, y) = (beta x, y) multiplies points of G1 by lambda.
func TestGLVConstants(t *testing.T) {
	v, err := NewVerifier()
	if err != nil {
		t.Fatal(err)
	}
	var one, b3 fp.Element
	one.SetOne()
	b3.Square(&g1Beta).Mul(&b3, &g1Beta)
	if g1Beta.Equal(&one) || !b3.Equal(&one) {
		t.Fatal("beta is not a primitive cube root of unity")
	}
	var l2 fr.Element
	l2.Square(&v.glvLambda).Add(&l2, &v.glvLambda).Add(&l2, new(fr.Element).SetOne())
	if !l2.IsZero() {
		t.Fatal("lambda^2 + lambda + 1 != 0")
	}
	var lam big.Int
	v.glvLambda.BigInt(&lam)
	for _, p := range []bls12381.G1Affine{v.g1[0], v.g1[1], v.g1[63]} {
		var want, phi bls12381.G1Affine
		want.ScalarMultiplication(&p, &lam)
		phi = p
		phi.X.Mul(&phi.X, &g1Beta)
		if !phi.Equal(&want) {
			t.Fatal("phi is not multiplication by lambda on G1")
		}
	}
}

// TestGLVLattice proves that a = lo + lambda*hi mod r is injective on 64-bit
// (lo, hi): a collision would be a non-zero vector (x, y) with |x|, |y| <
// 2^64 and x + lambda*y = 0 mod r; Lagrange-Gauss reduction of the lattice of
// such vectors shows its shortest vector is longer than 2^64.5.
func TestGLVLattice(t *testing.T) {
	v, err := NewVerifier()
	if err != nil {
		t.Fatal(err)
	}
	var lam big.Int
	v.glvLambda.BigInt(&lam)
	r := fr.Modulus()
	// Basis: (r, 0) and (-lambda mod r, 1).
	u := [2]*big.Int{new(big.Int).Set(r), big.NewInt(0)}
	w := [2]*big.Int{new(big.Int).Sub(r, &lam), big.NewInt(1)}
	norm := func(a [2]*big.Int) *big.Int {
		return new(big.Int).Add(new(big.Int).Mul(a[0], a[0]), new(big.Int).Mul(a[1], a[1]))
	}
	dot := func(a, b [2]*big.Int) *big.Int {
		return new(big.Int).Add(new(big.Int).Mul(a[0], b[0]), new(big.Int).Mul(a[1], b[1]))
	}
	if norm(u).Cmp(norm(w)) < 0 {
		u, w = w, u
	}
	for {
		// u := u - round(<u,w>/<w,w>) w, with |w| <= |u|
		num, den := dot(u, w), norm(w)
		q := new(big.Int).Div(new(big.Int).Add(new(big.Int).Lsh(num, 1), den), new(big.Int).Lsh(den, 1))
		u = [2]*big.Int{new(big.Int).Sub(u[0], new(big.Int).Mul(q, w[0])), new(big.Int).Sub(u[1], new(big.Int).Mul(q, w[1]))}
		if norm(u).Cmp(norm(w)) >= 0 {
			break
		}
		u, w = w, u
	}
	// w is now a shortest non-zero vector.
	if new(big.Int).Mod(new(big.Int).Add(w[0], new(big.Int).Mul(&lam, w[1])), r).Sign() != 0 {
		t.Fatal("reduction left the lattice")
	}
	t.Logf("shortest vector: 2^%.1f", float64(norm(w).BitLen())/2)
	if bound := new(big.Int).Lsh(big.NewInt(1), 129); norm(w).Cmp(bound) <= 0 {
		t.Fatalf("short lattice vector (%v, %v): coefficients collide", w[0], w[1])
	}
}
