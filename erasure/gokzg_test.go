//go:build !js

// Differential tests and side-by-side benchmarks against go-eth-kzg, the
// reference implementation of EIP-7594 in Go. Native only: its context
// (NewContext4096Secure) takes seconds to build, 15-26 s under wasm.

package erasure

import (
	"sync"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
	goethkzg "github.com/crate-crypto/go-eth-kzg"
)

// goKZG is built once per test binary.
var goKZG = sync.OnceValues(goethkzg.NewContext4096Secure)

func goContext(t testing.TB) *goethkzg.Context {
	t.Helper()
	ctx, err := goKZG()
	if err != nil {
		t.Fatalf("go-eth-kzg context: %v", err)
	}
	return ctx
}

func toGoBlob(blob []fr.Element) *goethkzg.Blob {
	var b goethkzg.Blob
	copy(b[:], encodeElements(blob))
	return &b
}

func toGoCell(cell []fr.Element) *goethkzg.Cell {
	var c goethkzg.Cell
	copy(c[:], encodeElements(cell))
	return &c
}

// checkAgainstGo compares an extended row with go-eth-kzg's cells byte for byte.
func checkAgainstGo(t *testing.T, what string, row []fr.Element, cells [goethkzg.CellsPerExtBlob]*goethkzg.Cell) {
	t.Helper()
	for j, gc := range cells {
		if *toGoCell(row[j*ElementsPerCell : (j+1)*ElementsPerCell]) != *gc {
			t.Fatalf("%s: cell %d differs from go-eth-kzg", what, j)
		}
	}
}

func TestDifferentialGoEthKZG(t *testing.T) {
	ctx := goContext(t)
	c := testCodec()
	r := newRand(600)
	for i := range 4 {
		blob := randBlob(r)
		if i == 0 {
			clear(blob[100:]) // sparse blob: many zero cells
		}
		row, err := c.ExtendRow(blob)
		if err != nil {
			t.Fatal(err)
		}
		goCells, err := ctx.ComputeCells(toGoBlob(blob), 1)
		if err != nil {
			t.Fatal(err)
		}
		checkAgainstGo(t, "ComputeCells", row, goCells)

		for _, n := range []int{64, 65, 90, 128} {
			idx := randSubset(r, n)
			given := pick(cellsOf(row), idx)
			ids := make([]uint64, n)
			goGiven := make([]*goethkzg.Cell, n)
			for j := range idx {
				ids[j] = uint64(idx[j])
				goGiven[j] = toGoCell(given[j])
			}
			got, err := c.RecoverRow(idx, given)
			if err != nil {
				t.Fatalf("RecoverRow(%d cells): %v", n, err)
			}
			goRec, err := ctx.RecoverCells(ids, goGiven, 1)
			if err != nil {
				t.Fatalf("go-eth-kzg RecoverCells(%d cells): %v", n, err)
			}
			checkAgainstGo(t, "RecoverCells", got, goRec)
		}
	}
}

// BenchmarkCompareExtendRow: blob -> 128 cells. go-eth-kzg's ComputeCells
// also decodes the blob and encodes the cells (bytes in and out).
func BenchmarkCompareExtendRow(b *testing.B) {
	c := testCodec()
	blob := randBlob(newRand(7))
	b.Run("lightdas", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.ExtendRow(blob); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("go-eth-kzg", func(b *testing.B) {
		ctx := goContext(b)
		goBlob := toGoBlob(blob)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ctx.ComputeCells(goBlob, 1); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkCompareRecoverCells: 64 random cells -> the 128 cells of the row.
func BenchmarkCompareRecoverCells(b *testing.B) {
	c := testCodec()
	r := newRand(8)
	row, _ := c.ExtendRow(randBlob(r))
	idx := randSubset(r, cellsToRecover)
	given := pick(cellsOf(row), idx)
	b.Run("lightdas", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.RecoverRow(idx, given); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("go-eth-kzg", func(b *testing.B) {
		ctx := goContext(b)
		ids := make([]uint64, len(idx))
		goGiven := make([]*goethkzg.Cell, len(idx))
		for j := range idx {
			ids[j] = uint64(idx[j])
			goGiven[j] = toGoCell(given[j])
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ctx.RecoverCells(ids, goGiven, 1); err != nil {
				b.Fatal(err)
			}
		}
	})
}
