package erasure

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors. Every error returned by this package wraps exactly one of
// them (test with errors.Is), with context about which input was wrong.
var (
	// ErrRowCount: the number of original rows k is not a power of two in 1..MaxOriginalRows.
	ErrRowCount = errors.New("erasure: row count must be a power of two in 1..64")
	// ErrRowIndex: a row index is outside 0..2k-1.
	ErrRowIndex = errors.New("erasure: row index out of range")
	// ErrLength: a slice (blob, row, cell, grid) has the wrong length, or
	// parallel slices (indices and cells) differ in length.
	ErrLength = errors.New("erasure: wrong length")
	// ErrCellIndex: a cell index is outside 0..CellsPerRow-1.
	ErrCellIndex = errors.New("erasure: cell index out of range")
	// ErrCellOrder: cell indices are duplicated or not strictly ascending.
	ErrCellOrder = errors.New("erasure: cell indices not strictly ascending")
	// ErrTooFewCells: fewer than CellsPerRow/2 cells, a row cannot be recovered.
	ErrTooFewCells = errors.New("erasure: too few cells to recover")
	// ErrInconsistent: the given cells are not all evaluations of one
	// codeword (a row polynomial of degree < 4096, or a 2D block).
	ErrInconsistent = errors.New("erasure: cells are not a codeword")
	// ErrUndecodable is matched (errors.Is) by every *UndecodableError.
	ErrUndecodable = errors.New("erasure: block undecodable")
)

// UndecodableError reports a cell pattern from which iterative row/column
// recovery cannot complete the block: the rows and columns still incomplete
// when peeling stops, and how many cells are missing then. Every stuck row
// holds fewer than 64 cells and every stuck column fewer than K.
type UndecodableError struct {
	K       int
	Rows    []int // stuck rows, ascending
	Columns []int // stuck columns, ascending
	Missing int
}

func (e *UndecodableError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "erasure: block undecodable: %d rows x %d columns stuck (%d cells missing); "+
		"a row needs %d of %d cells, a column %d of %d",
		len(e.Rows), len(e.Columns), e.Missing, cellsToRecover, CellsPerRow, e.K, 2*e.K)
	fmt.Fprintf(&b, "; rows %s; columns %s", formatIndices(e.Rows), formatIndices(e.Columns))
	return b.String()
}

// Is makes errors.Is(err, ErrUndecodable) true for an *UndecodableError.
func (e *UndecodableError) Is(target error) bool { return target == ErrUndecodable }

// formatIndices prints ascending indices compactly as ranges: "0-3,7,9-10".
func formatIndices(idx []int) string {
	if len(idx) == 0 {
		return "none"
	}
	var b strings.Builder
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && idx[j+1] == idx[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		if j == i {
			fmt.Fprintf(&b, "%d", idx[i])
		} else {
			fmt.Fprintf(&b, "%d-%d", idx[i], idx[j])
		}
		i = j + 1
	}
	return b.String()
}
