package erasure

import (
	"errors"
	"math/big"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
)

var allK = []int{1, 2, 4, 8, 16, 32, 64}

func TestRowPoint(t *testing.T) {
	for _, k := range allK {
		seen := make(map[fr.Element]int)
		for r := range 2 * k {
			y, err := RowPoint(k, r)
			if err != nil {
				t.Fatalf("RowPoint(%d, %d): %v", k, r, err)
			}
			var yk fr.Element
			yk.Exp(y, big.NewInt(int64(k)))
			// Originals on the k-th roots of unity, extension rows on the odd coset.
			if r < k && !yk.IsOne() {
				t.Fatalf("k=%d: y_%d^k != 1", k, r)
			}
			if r >= k {
				var minusOne fr.Element
				minusOne.SetOne().Neg(&minusOne)
				if !yk.Equal(&minusOne) {
					t.Fatalf("k=%d: y_%d^k != -1", k, r)
				}
			}
			if prev, ok := seen[y]; ok {
				t.Fatalf("k=%d: y_%d == y_%d", k, r, prev)
			}
			seen[y] = r
		}
		// Rows 0..k-1 are the k-th roots in bit-reversed order: y_1 = -1 when k >= 2.
		if k >= 2 {
			y1, _ := RowPoint(k, 1)
			var minusOne fr.Element
			minusOne.SetOne().Neg(&minusOne)
			if !y1.Equal(&minusOne) {
				t.Fatalf("k=%d: y_1 != -1", k)
			}
		}
	}
}

func TestRowIndexErrors(t *testing.T) {
	tests := []struct {
		k, r int
		want error
	}{
		{0, 0, ErrRowCount}, {3, 0, ErrRowCount}, {128, 0, ErrRowCount}, {-1, 0, ErrRowCount},
		{1, 2, ErrRowIndex}, {8, 16, ErrRowIndex}, {8, -1, ErrRowIndex}, {64, 128, ErrRowIndex},
	}
	for _, tt := range tests {
		if _, err := RowPoint(tt.k, tt.r); !errors.Is(err, tt.want) {
			t.Errorf("RowPoint(%d, %d) err = %v, want %v", tt.k, tt.r, err, tt.want)
		}
		if _, err := LagrangeWeights(tt.k, tt.r); !errors.Is(err, tt.want) {
			t.Errorf("LagrangeWeights(%d, %d) err = %v, want %v", tt.k, tt.r, err, tt.want)
		}
	}
}

// naiveWeights is the textbook O(k^2) Lagrange basis on y_0..y_{k-1} at y_r.
func naiveWeights(t *testing.T, k, r int) []fr.Element {
	t.Helper()
	ys := make([]fr.Element, k)
	for i := range ys {
		ys[i], _ = RowPoint(k, i)
	}
	y, _ := RowPoint(k, r)
	w := make([]fr.Element, k)
	for i := range w {
		var num, den fr.Element
		num.SetOne()
		den.SetOne()
		for j := range ys {
			if j == i {
				continue
			}
			var a, b fr.Element
			a.Sub(&y, &ys[j])
			b.Sub(&ys[i], &ys[j])
			num.Mul(&num, &a)
			den.Mul(&den, &b)
		}
		w[i].Inverse(&den).Mul(&w[i], &num)
	}
	return w
}

func TestLagrangeWeights(t *testing.T) {
	for _, k := range allK {
		for r := range 2 * k {
			if !heavy && k == 64 && r%8 != 0 {
				continue
			}
			got, err := LagrangeWeights(k, r)
			if err != nil {
				t.Fatal(err)
			}
			if want := naiveWeights(t, k, r); !equalElements(got, want) {
				t.Fatalf("k=%d r=%d: weights differ from naive Lagrange", k, r)
			}
			var sum fr.Element
			for i := range got {
				sum.Add(&sum, &got[i])
			}
			if !sum.IsOne() { // constants interpolate to themselves
				t.Fatalf("k=%d r=%d: weights sum to %s", k, r, sum.String())
			}
		}
	}
}

// TestExtendColumns compares the FFT column extension with the weighted sums
// of LagrangeWeights, for every k and for lengths that exercise partial chunks.
func TestExtendColumns(t *testing.T) {
	c := testCodec()
	r := newRand(20)
	for _, k := range allK {
		for _, n := range []int{1, colChunk - 1, colChunk, 3*colChunk + 5} {
			if !heavy && k == 64 && n > colChunk {
				continue
			}
			rows := make([][]fr.Element, k)
			for i := range rows {
				rows[i] = make([]fr.Element, n)
				for j := range rows[i] {
					rows[i][j] = randElement(r)
				}
			}
			orig := make([][]fr.Element, k)
			for i := range rows {
				orig[i] = append([]fr.Element(nil), rows[i]...)
			}
			out, err := c.ExtendColumns(rows)
			if err != nil {
				t.Fatalf("k=%d n=%d: %v", k, n, err)
			}
			if len(out) != 2*k {
				t.Fatalf("k=%d: %d rows out", k, len(out))
			}
			for i := range k {
				if !equalElements(out[i], orig[i]) || !equalElements(rows[i], orig[i]) {
					t.Fatalf("k=%d: original row %d changed", k, i)
				}
			}
			for row := k; row < 2*k; row++ {
				w, _ := LagrangeWeights(k, row)
				for j := range n {
					var want, tmp fr.Element
					for i := range k {
						tmp.Mul(&w[i], &orig[i][j])
						want.Add(&want, &tmp)
					}
					if !out[row][j].Equal(&want) {
						t.Fatalf("k=%d n=%d: row %d position %d differs from Lagrange combination", k, n, row, j)
					}
				}
			}
		}
	}
}

func TestExtendColumnsErrors(t *testing.T) {
	c := testCodec()
	mk := func(k, n int) [][]fr.Element {
		rows := make([][]fr.Element, k)
		for i := range rows {
			rows[i] = make([]fr.Element, n)
		}
		return rows
	}
	uneven := mk(4, 10)
	uneven[2] = uneven[2][:9]
	tests := []struct {
		name string
		rows [][]fr.Element
		want error
	}{
		{"no rows", nil, ErrRowCount},
		{"3 rows", mk(3, 10), ErrRowCount},
		{"128 rows", mk(128, 1), ErrRowCount},
		{"uneven", uneven, ErrLength},
	}
	for _, tt := range tests {
		if _, err := c.ExtendColumns(tt.rows); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
	// Empty rows are allowed: nothing to extend.
	out, err := c.ExtendColumns(mk(2, 0))
	if err != nil || len(out) != 4 || len(out[3]) != 0 {
		t.Errorf("empty rows: %v, %d rows", err, len(out))
	}
}
