package erasure

import (
	"fmt"

	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr/fft"
)

// RecoverCoefficients recovers the polynomial (4096 coefficients) from >= 64
// distinct cells. indices[i] in 0..127 is the cell index of cells[i] (each
// len 64). Indices must be strictly ascending (the official vectors reject
// shuffled or duplicate indices); error otherwise.
//
// With more than 64 cells the cells over-determine the polynomial, and cells
// that are not all evaluations of one polynomial of degree < 4096 are
// rejected with ErrInconsistent. With exactly 64 cells every input is a
// codeword, so no inconsistency can be detected.
func (c *Codec) RecoverCoefficients(indices []int, cells [][]fr.Element) ([]fr.Element, error) {
	if err := checkCells(indices, cells); err != nil {
		return nil, err
	}
	s := c.getScratch()
	defer c.putScratch(s)
	if err := c.recoverInto(s, indices, cells, parallelFFT); err != nil {
		return nil, fmt.Errorf("erasure: recovering row: %w", err)
	}
	out := make([]fr.Element, ElementsPerBlob)
	copy(out, s.work)
	return out, nil
}

// RecoverRow recovers the whole extended row (8192, cell order) from >= 64
// distinct cells, with the same rules and checks as RecoverCoefficients.
func (c *Codec) RecoverRow(indices []int, cells [][]fr.Element) ([]fr.Element, error) {
	if err := checkCells(indices, cells); err != nil {
		return nil, err
	}
	s := c.getScratch()
	defer c.putScratch(s)
	if err := c.recoverInto(s, indices, cells, parallelFFT); err != nil {
		return nil, fmt.Errorf("erasure: recovering row: %w", err)
	}
	out := make([]fr.Element, ElementsPerRow)
	copy(out, s.work[:ElementsPerBlob])
	c.evalCells(out, parallelFFT)
	return out, nil
}

// checkCells validates the inputs of a row recovery.
func checkCells(indices []int, cells [][]fr.Element) error {
	if len(indices) != len(cells) {
		return fmt.Errorf("erasure: %d cell indices for %d cells: %w", len(indices), len(cells), ErrLength)
	}
	for i, idx := range indices {
		if idx < 0 || idx >= CellsPerRow {
			return fmt.Errorf("erasure: cell index %d at position %d: %w", idx, i, ErrCellIndex)
		}
		if i > 0 && idx <= indices[i-1] {
			return fmt.Errorf("erasure: cell index %d after %d at position %d: %w", idx, indices[i-1], i, ErrCellOrder)
		}
		if len(cells[i]) != ElementsPerCell {
			return fmt.Errorf("erasure: cell %d has %d elements, want %d: %w", idx, len(cells[i]), ElementsPerCell, ErrLength)
		}
	}
	if len(indices) < cellsToRecover {
		return fmt.Errorf("erasure: %d cells, need %d: %w", len(indices), cellsToRecover, ErrTooFewCells)
	}
	return nil
}

// recoverInto leaves the recovered coefficients in s.work[:4096]. Inputs
// must have passed checkCells.
//
// Let M be the missing cells and Z(X) = prod_{c in M} (X^64 - h_c^64), which
// vanishes exactly on the missing cells. With E the received row (zero where
// missing), E*Z = P*Z on all 8192 points, and deg(P*Z) < 8192, so one inverse
// FFT gives P*Z; dividing by Z on the coset 7*D (where Z has no zeros) and
// transforming back gives P. Z is a polynomial in X^64 and X^64 is constant on
// every cell, so Z is only ever evaluated at 128 points, by one FFT128.
//
// The quotient R interpolates (P*Z)/Z on 8192 points; it has degree < 4096
// iff the received cells are evaluations of one polynomial of degree < 4096.
// Non-zero high coefficients therefore mean inconsistent input (always zero
// when exactly 64 cells are given: then any input is a codeword).
func (c *Codec) recoverInto(s *scratch, indices []int, cells [][]fr.Element, m fftMode) error {
	// Missing cells and the vanishing polynomial Zs(Y) = prod (Y - w128^brp7(c)),
	// so that Z(X) = Zs(X^64).
	s.miss = s.miss[:0]
	next := 0
	for cell := range CellsPerRow {
		if next < len(indices) && indices[next] == cell {
			next++
			continue
		}
		s.miss = append(s.miss, cell)
	}
	z := s.z
	clear(z)
	z[0].SetOne()
	for deg, cell := range s.miss {
		root := &c.cellRoot[cell]
		// z <- z * (Y - root), degree deg -> deg+1
		z[deg+1] = z[deg]
		for i := deg; i > 0; i-- {
			var t fr.Element
			t.Mul(&z[i], root)
			z[i].Sub(&z[i-1], &t)
		}
		z[0].Mul(&z[0], root).Neg(&z[0])
	}
	// Zs on the recovery coset: Zs(7^64 * Y), coefficients scaled by (7^64)^i.
	zc := s.zc
	for i := range zc {
		if i <= len(s.miss) {
			zc[i].Mul(&z[i], &c.shift64Pow[i])
		} else {
			zc[i].SetZero()
		}
	}
	// DIF output is bit-reversed: index c holds the value at w128^brp7(c),
	// which is X^64 on cell c (on the domain) and on the coset block c.
	c.cells.FFT(z, fft.DIF, c.serial...)
	c.cells.FFT(zc, fft.DIF, c.serial...)
	batchInvert(zc, s.inv)

	// E*Z in cell order: Z is constant on each cell.
	work := s.work
	next = 0
	for cell := range CellsPerRow {
		dst := fr.Vector(work[cell*ElementsPerCell : (cell+1)*ElementsPerCell])
		if next < len(indices) && indices[next] == cell {
			dst.ScalarMul(cells[next], &z[cell])
			next++
			continue
		}
		clear(dst)
	}
	// Cell order is the bit-reversed order of the domain: DIT gives P*Z's coefficients.
	c.ext.FFTInverse(work, fft.DIT, c.opts(m)...)
	// Evaluate on the coset 7*D (bit-reversed out), divide by Z, back to coefficients.
	c.ext.FFT(work, fft.DIF, c.cosetOpts(m)...)
	for blk := range CellsPerRow {
		v := fr.Vector(work[blk*ElementsPerCell : (blk+1)*ElementsPerCell])
		v.ScalarMul(v, &zc[blk])
	}
	c.ext.FFTInverse(work, fft.DIT, c.cosetOpts(m)...)

	for i := ElementsPerBlob; i < ElementsPerRow; i++ {
		if !work[i].IsZero() {
			return fmt.Errorf("%d cells do not lie on a polynomial of degree < %d: %w",
				len(indices), ElementsPerBlob, ErrInconsistent)
		}
	}
	return nil
}
