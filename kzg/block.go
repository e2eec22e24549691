package kzg

import (
	"fmt"
	"runtime"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
)

// ExtendedBlock is a 2D-encoded block: 2K rows of 128 cells with proofs;
// rows K..2K-1 are the column extension.
type ExtendedBlock struct {
	K           int                  // original rows (power of two)
	Commitments []Commitment         // 2K; the first K go in the header, the rest are derived
	Cells       [][CellsPerRow]Cell  // 2K
	Proofs      [][CellsPerRow]Proof // 2K
}

// ExtendBlock 2D-encodes a block. The blobs are padded with zero blobs to k,
// the next power of two (1 to 64 blobs). The original rows' cells,
// commitments and proofs come from FK20; the extended rows' cells from the
// field column extension and their commitments and proofs by linearity, as
// the column extension of the originals' (no FK20 runs for extended rows or
// for padding).
func (p *Prover) ExtendBlock(blobs []Blob) (*ExtendedBlock, error) {
	n := len(blobs)
	if n < 1 || n > MaxRows {
		return nil, fmt.Errorf("kzg: extend block: %d blobs, want 1 to %d: %w", n, MaxRows, ErrInput)
	}
	k := 1
	for k < n {
		k *= 2
	}
	code, err := newG1ColumnCode(k, p.fk.fft)
	if err != nil {
		return nil, fmt.Errorf("kzg: extend block: %w", err) // unreachable: k checked
	}
	elems := make([][]fr.Element, k)
	for i := range blobs {
		if elems[i], err = blobs[i].Elements(); err != nil {
			return nil, fmt.Errorf("kzg: extend block: %w", indexErr("blob", i, err))
		}
	}
	for i := n; i < k; i++ {
		elems[i] = make([]fr.Element, FieldElementsPerBlob)
	}
	workers := runtime.GOMAXPROCS(0)

	// Cells: the erasure code's 2D extension.
	grid, err := p.codec.ExtendBlock(elems)
	if err != nil {
		return nil, fmt.Errorf("kzg: extend block: %w", err) // unreachable: shapes checked
	}

	// G1 grid: per row, 128 proofs then the commitment. Padding rows stay at
	// infinity, the commitment and proofs of the zero polynomial.
	const width = CellsPerRow + 1
	backing := make([]bls12381.G1Jac, 2*k*width)
	pts := make([][]bls12381.G1Jac, 2*k)
	for r := range pts {
		pts[r] = backing[r*width : (r+1)*width]
	}
	coeffs := make([][]fr.Element, n)
	for i := range n {
		if coeffs[i], err = p.codec.Coefficients(elems[i]); err != nil {
			return nil, fmt.Errorf("kzg: extend block: %w", err) // unreachable: 4096 elements
		}
	}
	commitments, proofs := p.fk.proveRows(coeffs, workers)
	for i := range n {
		copy(pts[i], proofs[i])
		pts[i][CellsPerRow] = commitments[i]
	}
	code.extendColumns(pts, workers)

	aff := bls12381.BatchJacobianToAffineG1(backing)
	b := &ExtendedBlock{
		K:           k,
		Commitments: make([]Commitment, 2*k),
		Cells:       make([][CellsPerRow]Cell, 2*k),
		Proofs:      make([][CellsPerRow]Proof, 2*k),
	}
	parallelRange(2*k, workers, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			row := aff[r*width : (r+1)*width]
			for c := range CellsPerRow {
				b.Proofs[r][c] = ProofFromPoint(&row[c])
			}
			b.Commitments[r] = CommitmentFromPoint(&row[CellsPerRow])
			encodeRowCells(&b.Cells[r], grid.Rows[r])
		}
	})
	return b, nil
}
