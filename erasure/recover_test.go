package erasure

import (
	"errors"
	"fmt"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
)

func seq(from, to, step int) []int {
	var s []int
	for i := from; i < to; i += step {
		s = append(s, i)
	}
	return s
}

func TestRecoverRow(t *testing.T) {
	c := testCodec()
	r := newRand(10)
	blob := randBlob(r)
	coeffs, _ := c.Coefficients(blob)
	row, _ := c.ExtendRow(blob)
	cells := cellsOf(row)

	tests := []struct {
		name    string
		indices []int
	}{
		{"first half", seq(0, 64, 1)},
		{"second half", seq(64, 128, 1)},
		{"every other", seq(0, 128, 2)},
		{"odd cells", seq(1, 128, 2)},
		{"all", seq(0, 128, 1)},
		{"all but one", seq(1, 128, 1)},
	}
	for _, n := range []int{64, 64, 65, 80, 100, 127} {
		for range iters(3, 3) {
			tests = append(tests, struct {
				name    string
				indices []int
			}{"random", randSubset(r, n)})
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			given := pick(cells, tt.indices)
			got, err := c.RecoverRow(tt.indices, given)
			if err != nil {
				t.Fatalf("RecoverRow(%d cells): %v", len(tt.indices), err)
			}
			if i := firstDiff(got, row); i >= 0 {
				t.Fatalf("RecoverRow(%d cells): element %d (cell %d) wrong", len(tt.indices), i, i/ElementsPerCell)
			}
			gotCoeffs, err := c.RecoverCoefficients(tt.indices, given)
			if err != nil {
				t.Fatalf("RecoverCoefficients: %v", err)
			}
			if !equalElements(gotCoeffs, coeffs) {
				t.Fatal("RecoverCoefficients: wrong polynomial")
			}
		})
	}
}

func TestRecoverRowErrors(t *testing.T) {
	c := testCodec()
	row, _ := c.ExtendRow(randBlob(newRand(11)))
	cells := cellsOf(row)
	half := seq(0, 64, 1)
	withIdx := func(idx []int) ([]int, [][]fr.Element) { return idx, pick(cells, idx) }

	tests := []struct {
		name string
		args func() ([]int, [][]fr.Element)
		want error
	}{
		{"none", func() ([]int, [][]fr.Element) { return nil, nil }, ErrTooFewCells},
		{"63 cells", func() ([]int, [][]fr.Element) { return withIdx(seq(0, 63, 1)) }, ErrTooFewCells},
		{"63 spread cells", func() ([]int, [][]fr.Element) { return withIdx(seq(1, 127, 2)) }, ErrTooFewCells},
		{"duplicate", func() ([]int, [][]fr.Element) {
			return withIdx(append([]int{0}, seq(0, 64, 1)...))
		}, ErrCellOrder},
		{"descending", func() ([]int, [][]fr.Element) {
			idx := seq(0, 64, 1)
			idx[10], idx[11] = idx[11], idx[10]
			return withIdx(idx)
		}, ErrCellOrder},
		{"index 128", func() ([]int, [][]fr.Element) {
			idx, cs := withIdx(half)
			idx = append(append([]int(nil), idx...), 128)
			return idx, append(cs, cells[0])
		}, ErrCellIndex},
		{"index -1", func() ([]int, [][]fr.Element) {
			idx, cs := withIdx(half)
			idx = append([]int{-1}, idx...)
			return idx, append([][]fr.Element{cells[0]}, cs...)
		}, ErrCellIndex},
		{"more indices than cells", func() ([]int, [][]fr.Element) {
			idx, cs := withIdx(seq(0, 65, 1))
			return idx, cs[:64]
		}, ErrLength},
		{"more cells than indices", func() ([]int, [][]fr.Element) {
			idx, cs := withIdx(seq(0, 65, 1))
			return idx[:64], cs
		}, ErrLength},
		{"short cell", func() ([]int, [][]fr.Element) {
			idx, cs := withIdx(half)
			cs[5] = cs[5][:63]
			return idx, cs
		}, ErrLength},
		{"nil cell", func() ([]int, [][]fr.Element) {
			idx, cs := withIdx(half)
			cs[5] = nil
			return idx, cs
		}, ErrLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			idx, cs := tt.args()
			if _, err := c.RecoverRow(idx, cs); !errors.Is(err, tt.want) {
				t.Fatalf("RecoverRow err = %v, want %v", err, tt.want)
			}
			if _, err := c.RecoverCoefficients(idx, cs); !errors.Is(err, tt.want) {
				t.Fatalf("RecoverCoefficients err = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestRecoverRowInconsistent alters one element of one given cell. With more
// than 64 cells the cells over-determine the polynomial (the code restricted
// to them has minimum distance > 1), so the change is always detected. With
// exactly 64 cells every input is a codeword: recovery succeeds and returns
// the polynomial through the altered cells, which no algorithm can tell apart.
func TestRecoverRowInconsistent(t *testing.T) {
	c := testCodec()
	r := newRand(12)
	row, _ := c.ExtendRow(randBlob(r))
	cells := cellsOf(row)
	for _, n := range []int{65, 66, 96, 128} {
		for range iters(2, 2) {
			idx := randSubset(r, n)
			given := pick(cells, idx)
			given[r.IntN(n)][r.IntN(ElementsPerCell)].SetUint64(uint64(r.Uint32()))
			if _, err := c.RecoverRow(idx, given); !errors.Is(err, ErrInconsistent) {
				t.Fatalf("%d cells, one altered: err = %v, want ErrInconsistent", n, err)
			}
			if _, err := c.RecoverCoefficients(idx, given); !errors.Is(err, ErrInconsistent) {
				t.Fatalf("%d cells, one altered: RecoverCoefficients err = %v, want ErrInconsistent", n, err)
			}
		}
	}

	idx := randSubset(r, cellsToRecover)
	given := pick(cells, idx)
	var one fr.Element
	one.SetOne()
	given[3][7].Add(&given[3][7], &one)
	got, err := c.RecoverRow(idx, given)
	if err != nil {
		t.Fatalf("64 cells, one altered: %v (every 64-cell input is a codeword)", err)
	}
	if equalElements(got, row) {
		t.Fatal("64 altered cells recovered the original row")
	}
	for i, cell := range idx {
		if !equalElements(got[cell*ElementsPerCell:(cell+1)*ElementsPerCell], given[i]) {
			t.Fatalf("recovered row does not pass through given cell %d", cell)
		}
	}
}

// TestRecoverDoesNotModifyInput guards the cells passed in.
func TestRecoverDoesNotModifyInput(t *testing.T) {
	c := testCodec()
	r := newRand(13)
	row, _ := c.ExtendRow(randBlob(r))
	idx := randSubset(r, 70)
	given := pick(cellsOf(row), idx)
	orig := pick(given, seq(0, len(given), 1))
	if _, err := c.RecoverRow(idx, given); err != nil {
		t.Fatal(err)
	}
	for i := range given {
		if !equalElements(given[i], orig[i]) {
			t.Fatalf("cell %d modified", i)
		}
	}
}

// TestCodecConcurrentUse runs 1D and 2D operations on one Codec from several
// goroutines (shared scratch pool and tables); run with -race to check the
// sharing, and every result is compared with the sequential one.
func TestCodecConcurrentUse(t *testing.T) {
	c := testCodec()
	r := newRand(14)
	blob := randBlob(r)
	row, _ := c.ExtendRow(blob)
	idx := randSubset(r, 70)
	given := pick(cellsOf(row), idx)
	b := testBlock(t, 2)
	p := partialFrom(t, b, func(row, col int) bool { return (row+col)%2 == 0 })

	const workers = 4
	errs := make(chan error, workers)
	for w := range workers {
		go func() {
			errs <- func() error {
				for range iters(3, 3) {
					if w%2 == 0 {
						got, err := c.RecoverRow(idx, given)
						if err != nil || !equalElements(got, row) {
							return fmt.Errorf("RecoverRow: %v", err)
						}
						ext, err := c.ExtendRow(blob)
						if err != nil || !equalElements(ext, row) {
							return fmt.Errorf("ExtendRow: %v", err)
						}
						continue
					}
					got, err := c.RecoverBlock(p)
					if err != nil || !equalBlocks(got, b) {
						return fmt.Errorf("RecoverBlock: %v", err)
					}
				}
				return nil
			}()
		}()
	}
	for range workers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
