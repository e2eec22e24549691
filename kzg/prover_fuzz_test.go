//go:build !js

package kzg

import (
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
)

type fuzzRowData struct {
	cells  [CellsPerRow]Cell
	proofs [CellsPerRow]Proof
}

// fuzzRow is one fixed extended row that fuzz inputs select and damage.
var fuzzRow = sync.OnceValues(func() (*fuzzRowData, error) {
	p, err := sharedProver()
	if err != nil {
		return nil, err
	}
	d := new(fuzzRowData)
	d.cells, d.proofs, err = p.ComputeCellsAndProofs(testBlobFrom(rand.New(rand.NewPCG(61, 62))))
	return d, err
})

// FuzzRecoverCellsAndProofs: mask selects the cells given (bit c of
// mask[c/8]), swap exchanges two indices, and xor damages one byte of one
// cell. Recovery must fail with a typed error exactly when the input is
// malformed or over-determined and inconsistent, and otherwise return the
// row (or, with exactly 64 damaged cells, a row through the given cells).
func FuzzRecoverCellsAndProofs(f *testing.F) {
	full := make([]byte, 16)
	half := make([]byte, 16)
	for i := range full {
		full[i] = 0xff
		half[i] = 0x55
	}
	f.Add(full, uint8(0), uint8(0), uint16(0), uint8(0))
	f.Add(half, uint8(0), uint8(0), uint16(0), uint8(0))
	f.Add(half, uint8(3), uint8(0), uint16(0), uint8(0))               // swapped indices
	f.Add(full, uint8(0), uint8(9), uint16(31), uint8(1))              // inconsistent cell
	f.Add(half, uint8(0), uint8(9), uint16(31), uint8(1))              // 64 cells: no redundancy
	f.Add(full, uint8(0), uint8(9), uint16(0), uint8(0xff))            // non-canonical element
	f.Add([]byte{0xff, 0xff}, uint8(0), uint8(0), uint16(0), uint8(0)) // too few
	f.Fuzz(func(t *testing.T, mask []byte, swap, cell uint8, off uint16, xor uint8) {
		p := testProver(t)
		row, err := fuzzRow()
		if err != nil {
			t.Fatal(err)
		}
		cells, proofs := row.cells, row.proofs
		var idx []uint64
		for c := range CellsPerRow {
			if c/8 < len(mask) && mask[c/8]>>(c%8)&1 == 1 {
				idx = append(idx, uint64(c))
			}
		}
		in := make([]Cell, len(idx))
		for i, c := range idx {
			in[i] = cells[c]
		}
		swapped := swap != 0 && len(idx) > 1
		if swapped {
			i := int(swap) % (len(idx) - 1)
			idx[i], idx[i+1] = idx[i+1], idx[i]
			in[i], in[i+1] = in[i+1], in[i]
		}
		damaged := xor != 0 && len(in) > 0
		if damaged {
			in[int(cell)%len(in)][int(off)%BytesPerCell] ^= xor
		}

		gotCells, gotProofs, err := p.RecoverCellsAndProofs(idx, in)
		malformed := len(idx) < CellsPerRow/2 || swapped
		switch {
		case malformed:
			if !errors.Is(err, ErrInput) {
				t.Fatalf("%d cells (swapped %v): got %v, want ErrInput", len(idx), swapped, err)
			}
		case !damaged:
			if err != nil {
				t.Fatalf("%d intact cells: %v", len(idx), err)
			}
			if gotCells != cells || gotProofs != proofs {
				t.Fatalf("%d intact cells: recovered row differs", len(idx))
			}
		case err != nil:
			if !errors.Is(err, ErrNonCanonical) && !errors.Is(err, ErrInput) {
				t.Fatalf("damaged cell: untyped error %v", err)
			}
		case len(idx) > CellsPerRow/2:
			t.Fatalf("%d cells with a damaged one accepted", len(idx))
		default: // exactly 64 cells determine a row through them
			for i, c := range idx {
				if gotCells[c] != in[i] {
					t.Fatalf("recovered row does not pass through given cell %d", c)
				}
			}
		}
	})
}
