package erasure

import (
	"errors"
	"reflect"
	"sync"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
)

// fuzzRow is the codeword the row fuzzer draws cells from.
var fuzzRow = sync.OnceValue(func() []fr.Element {
	row, err := testCodec().ExtendRow(randBlob(newRand(500)))
	if err != nil {
		panic(err)
	}
	return row
})

// Fuzz input layout for FuzzRecoverRow.
const (
	fuzzMaskBytes = CellsPerRow / 8 // presence bitmap of the 128 cells
	fuzzFlagByte  = fuzzMaskBytes   // perturbation flags
	fuzzPosByte   = fuzzFlagByte + 1
	fuzzValue     = fuzzPosByte + 2 // up to 32 bytes: the value added to one element

	flagAlter     = 1 << 0 // add the value to one element of one cell
	flagSwap      = 1 << 1 // swap two adjacent indices
	flagDuplicate = 1 << 2 // repeat one index
	flagRange     = 1 << 3 // append index 128
	flagTruncate  = 1 << 4 // drop the last element of one cell
)

// FuzzRecoverRow: the input selects which cells are present and how they are
// perturbed. RecoverRow must never panic, must reject exactly the malformed
// inputs with their typed error, and success must mean a correct result: the
// original row when the cells are unaltered, a row through the given cells
// when exactly 64 altered cells are given (then every input is a codeword),
// and ErrInconsistent for altered cells beyond 64.
func FuzzRecoverRow(f *testing.F) {
	all := make([]byte, fuzzMaskBytes)
	for i := range all {
		all[i] = 0xff
	}
	half := append(make([]byte, fuzzMaskBytes/2), all[:fuzzMaskBytes/2]...)
	evens := make([]byte, fuzzMaskBytes)
	for i := range evens {
		evens[i] = 0x55
	}
	seed := func(mask []byte, flags byte, pos0, pos1 byte, value ...byte) []byte {
		b := append(append([]byte(nil), mask...), flags, pos0, pos1)
		return append(b, value...)
	}
	f.Add(seed(all, 0, 0, 0))
	f.Add(seed(half, 0, 0, 0))
	f.Add(seed(evens, 0, 0, 0))
	f.Add(seed(all, flagAlter, 3, 9, 1))
	f.Add(seed(half, flagAlter, 3, 9, 0xff, 0xff))
	f.Add(seed(evens, flagSwap, 5, 0))
	f.Add(seed(all, flagDuplicate, 7, 0))
	f.Add(seed(half, flagRange, 0, 0))
	f.Add(seed(all, flagTruncate, 1, 0))
	f.Add(seed(all[:7], 0, 0, 0))
	f.Add([]byte{})

	c := testCodec()
	row := fuzzRow()
	cells := cellsOf(row)
	f.Fuzz(func(t *testing.T, data []byte) {
		var mask [fuzzMaskBytes]byte
		copy(mask[:], data)
		at := func(i int) byte {
			if i < len(data) {
				return data[i]
			}
			return 0
		}
		flags, pos0, pos1 := at(fuzzFlagByte), int(at(fuzzPosByte)), int(at(fuzzPosByte+1))
		var delta fr.Element
		if len(data) > fuzzValue {
			delta.SetBytes(data[fuzzValue:min(len(data), fuzzValue+32)])
		}

		var idx []int
		for cell := range CellsPerRow {
			if mask[cell/8]>>(cell%8)&1 == 1 {
				idx = append(idx, cell)
			}
		}
		given := pick(cells, idx)
		n := len(idx)
		altered := false
		if flags&flagAlter != 0 && n > 0 && !delta.IsZero() {
			e := &given[pos0%n][pos1%ElementsPerCell]
			e.Add(e, &delta)
			altered = true
		}
		var want error
		if flags&flagTruncate != 0 && n > 0 {
			given[pos0%n] = given[pos0%n][:ElementsPerCell-1]
			want = ErrLength
		}
		if flags&flagDuplicate != 0 && n > 0 {
			i := pos0 % n
			idx = append(idx[:i+1], idx[i:]...)
			given = append(given[:i+1], given[i:]...)
			want = errors.Join(want, ErrCellOrder)
		}
		if flags&flagSwap != 0 && n > 1 {
			i := pos0 % (n - 1)
			idx[i], idx[i+1] = idx[i+1], idx[i]
			want = errors.Join(want, ErrCellOrder)
		}
		if flags&flagRange != 0 {
			idx = append(idx, CellsPerRow)
			given = append(given, cells[0])
			want = errors.Join(want, ErrCellIndex)
		}
		if want == nil && n < cellsToRecover {
			want = ErrTooFewCells
		}

		got, err := c.RecoverRow(idx, given)
		if want != nil {
			// Several defects may combine; the error must name one of them.
			if err == nil {
				t.Fatalf("malformed input accepted (want %v)", want)
			}
			if !errors.Is(want, unwrapSentinel(err)) {
				t.Fatalf("err = %v, want one of %v", err, want)
			}
			return
		}
		switch {
		case !altered:
			if err != nil {
				t.Fatalf("%d valid cells: %v", n, err)
			}
			if !equalElements(got, row) {
				t.Fatalf("%d valid cells: wrong row", n)
			}
		case n > cellsToRecover:
			if !errors.Is(err, ErrInconsistent) {
				t.Fatalf("%d cells, one altered: err = %v, want ErrInconsistent", n, err)
			}
		default:
			if err != nil {
				t.Fatalf("64 cells, altered: %v", err)
			}
			for i, cell := range idx {
				if !equalElements(got[cell*ElementsPerCell:(cell+1)*ElementsPerCell], given[i]) {
					t.Fatalf("result does not pass through given cell %d", cell)
				}
			}
		}
	})
}

// unwrapSentinel returns the package sentinel that err wraps.
func unwrapSentinel(err error) error {
	for _, s := range []error{ErrRowCount, ErrRowIndex, ErrLength, ErrCellIndex, ErrCellOrder,
		ErrTooFewCells, ErrInconsistent, ErrUndecodable} {
		if errors.Is(err, s) {
			return s
		}
	}
	return err
}

// FuzzDecodable: for k = 2 (4 x 128 cells, a 512-bit presence bitmap),
// Decodable must agree with RecoverBlock, and success must reproduce the block.
func FuzzDecodable(f *testing.F) {
	const k = 2
	const maskBytes = 2 * k * CellsPerRow / 8
	full := make([]byte, maskBytes)
	for i := range full {
		full[i] = 0xff
	}
	f.Add(full)
	f.Add(make([]byte, maskBytes))
	halfRows := append(make([]byte, maskBytes/2), full[:maskBytes/2]...)
	f.Add(halfRows)
	alt := make([]byte, maskBytes)
	for i := range alt {
		alt[i] = 0xaa
	}
	f.Add(alt)
	f.Add(full[:maskBytes/2+8])
	f.Add([]byte{0x0f, 0xf0, 0x33})

	c := testCodec()
	f.Fuzz(func(t *testing.T, data []byte) {
		b := testBlock(t, k)
		var mask [maskBytes]byte
		copy(mask[:], data)
		present := func(r, col int) bool {
			bit := r*CellsPerRow + col
			return mask[bit/8]>>(bit%8)&1 == 1
		}
		derr := Decodable(k, present)
		got, err := c.RecoverBlock(partialFrom(t, b, present))
		if (derr == nil) != (err == nil) {
			t.Fatalf("Decodable = %v but RecoverBlock = %v", derr, err)
		}
		if err != nil {
			if !reflect.DeepEqual(err, derr) {
				t.Fatalf("RecoverBlock %v != Decodable %v", err, derr)
			}
			return
		}
		if !equalBlocks(got, b) {
			t.Fatal("recovered block differs")
		}
	})
}
