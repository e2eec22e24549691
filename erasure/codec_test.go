package erasure

import (
	"errors"
	"math/big"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
)

// specRoot returns the consensus spec's primitive n-th root of unity,
// PRIMITIVE_ROOT_OF_UNITY^((r-1)/n) with PRIMITIVE_ROOT_OF_UNITY = 7,
// computed independently of gnark-crypto's generator table.
func specRoot(n int) fr.Element {
	e := new(big.Int).Sub(fr.Modulus(), big.NewInt(1))
	e.Div(e, big.NewInt(int64(n)))
	var w fr.Element
	w.SetUint64(7)
	w.Exp(w, e)
	return w
}

// TestDomainsMatchSpec checks that every domain generator the codec uses is
// the consensus spec's root of unity (the layout depends on it).
func TestDomainsMatchSpec(t *testing.T) {
	c := testCodec()
	tests := []struct {
		name string
		got  fr.Element
		n    int
	}{
		{"cells", c.cells.Generator, CellsPerRow},
		{"blob", c.blob.Generator, ElementsPerBlob},
		{"ext", c.ext.Generator, ElementsPerRow},
		{"blob coset shift", c.blob.FrMultiplicativeGen, ElementsPerRow},
	}
	for _, tt := range tests {
		if want := specRoot(tt.n); !tt.got.Equal(&want) {
			t.Errorf("%s: generator is not 7^((r-1)/%d)", tt.name, tt.n)
		}
	}
	var seven fr.Element
	seven.SetUint64(7)
	if !c.ext.FrMultiplicativeGen.Equal(&seven) {
		t.Error("recovery coset shift is not 7")
	}
	for logK := 0; logK <= maxLogK; logK++ {
		d := &c.cols[logK]
		k := 1 << logK
		w2k := specRoot(2 * k)
		for r := range 2 * k {
			var want fr.Element
			want.Exp(w2k, big.NewInt(int64(reverseBits(r, logK+1))))
			if !d.points[r].Equal(&want) {
				t.Fatalf("k=%d: row point %d differs from w_2k^brp(r)", k, r)
			}
		}
	}
}

// TestCellLayout checks the cell order against direct evaluation: cell c,
// position j holds p(w8192^brp13(64c+j)), and the blob holds p at the
// bit-reversed 4096th roots of unity.
func TestCellLayout(t *testing.T) {
	c := testCodec()
	r := newRand(1)
	blob := randBlob(r)
	coeffs, err := c.Coefficients(blob)
	if err != nil {
		t.Fatal(err)
	}
	row, err := c.ExtendRow(blob)
	if err != nil {
		t.Fatal(err)
	}
	if !equalElements(row[:ElementsPerBlob], blob) {
		t.Fatal("cells 0..63 of an extended row are not the blob")
	}
	w := specRoot(ElementsPerRow)
	checks := iters(48, 6)
	positions := []int{0, 1, 63, 64, 4095, 4096, 4097, 8191}
	for range checks {
		positions = append(positions, r.IntN(ElementsPerRow))
	}
	for _, i := range positions {
		var x fr.Element
		x.Exp(w, big.NewInt(int64(reverseBits(i, 13))))
		if want := evalPoly(coeffs, &x); !row[i].Equal(&want) {
			t.Fatalf("row[%d] (cell %d, position %d) != p(w^brp(%d))", i, i/ElementsPerCell, i%ElementsPerCell, i)
		}
	}
	// Coefficients round trip: the blob is p at brp(roots_4096).
	w4096 := specRoot(ElementsPerBlob)
	for _, i := range []int{0, 1, 2, 2047, 4095, r.IntN(ElementsPerBlob)} {
		var x fr.Element
		x.Exp(w4096, big.NewInt(int64(reverseBits(i, 12))))
		if want := evalPoly(coeffs, &x); !blob[i].Equal(&want) {
			t.Fatalf("blob[%d] != p(w4096^brp(%d))", i, i)
		}
	}
}

func TestCodecLengthErrors(t *testing.T) {
	c := testCodec()
	short := make([]fr.Element, ElementsPerBlob-1)
	long := make([]fr.Element, ElementsPerRow)
	tests := []struct {
		name string
		call func() error
	}{
		{"Coefficients short", func() error { _, err := c.Coefficients(short); return err }},
		{"Coefficients long", func() error { _, err := c.Coefficients(long); return err }},
		{"Coefficients nil", func() error { _, err := c.Coefficients(nil); return err }},
		{"CellsFromCoefficients short", func() error { _, err := c.CellsFromCoefficients(short); return err }},
		{"CellsFromCoefficients long", func() error { _, err := c.CellsFromCoefficients(long); return err }},
		{"ExtendRow short", func() error { _, err := c.ExtendRow(short); return err }},
		{"ExtendRow long", func() error { _, err := c.ExtendRow(long); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(); !errors.Is(err, ErrLength) {
				t.Fatalf("err = %v, want ErrLength", err)
			}
		})
	}
}

// TestExtendRowDoesNotModifyInput guards the aliasing contract of the 1D API.
func TestExtendRowDoesNotModifyInput(t *testing.T) {
	c := testCodec()
	blob := randBlob(newRand(2))
	orig := append([]fr.Element(nil), blob...)
	if _, err := c.ExtendRow(blob); err != nil {
		t.Fatal(err)
	}
	coeffs, err := c.Coefficients(blob)
	if err != nil {
		t.Fatal(err)
	}
	origCoeffs := append([]fr.Element(nil), coeffs...)
	if _, err := c.CellsFromCoefficients(coeffs); err != nil {
		t.Fatal(err)
	}
	if !equalElements(blob, orig) || !equalElements(coeffs, origCoeffs) {
		t.Fatal("input modified")
	}
}

func TestBatchInvert(t *testing.T) {
	r := newRand(3)
	for _, n := range []int{0, 1, 2, 7, 128} {
		a := make([]fr.Element, n)
		for i := range a {
			a[i] = randElement(r)
		}
		inv := append([]fr.Element(nil), a...)
		batchInvert(inv, make([]fr.Element, n))
		for i := range a {
			var p fr.Element
			p.Mul(&a[i], &inv[i])
			if !p.IsOne() {
				t.Fatalf("n=%d: a[%d]*inv != 1", n, i)
			}
		}
	}
}
