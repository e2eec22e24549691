package kzg

import (
	"fmt"
	"math/big"
	"runtime"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
)

// Column extension over G1.
//
// Row r of a 2D block is the polynomial sum_i L_i(y_r) p_i, with
// y_r = w_2k^brp(r) (rows 0..k-1 on the k-th roots of unity in bit-reversed
// order, rows k..2k-1 on the coset w_2k * <w_k>). Commitments and cell
// proofs are linear in the polynomial, so each column of them (one
// commitment column and 128 proof columns) extends exactly like a column of
// field elements, with scalar multiplications in place of products:
// inverse DFT of size k (bit-reversed in, coefficients out), multiplication
// of coefficient i by w_2k^i / k, DFT of size k (values on the coset out,
// bit-reversed, which is the order of rows k..2k-1).

// g1ColumnCode extends G1 columns of a block with k original rows.
// Immutable.
type g1ColumnCode struct {
	k      int
	fft    *g1FFT
	scale  []big.Int // w_2k^i / k, i < k: IFFT normalisation and coset shift
	scaleS []glvScalar
}

// newG1ColumnCode returns the column code for k original rows, k a power of
// two in 1..64; f's root must be w128 = fr.Generator(128).
func newG1ColumnCode(k int, f *g1FFT) (*g1ColumnCode, error) {
	if k < 1 || k > MaxRows || k&(k-1) != 0 {
		return nil, fmt.Errorf("%d original rows, want a power of two in 1..%d: %w", k, MaxRows, ErrInput)
	}
	w2k, err := fr.Generator(uint64(2 * k))
	if err != nil {
		return nil, err // unreachable: 2k <= 128 divides the field's 2-adic order
	}
	code := &g1ColumnCode{k: k, fft: f, scale: make([]big.Int, k), scaleS: make([]glvScalar, k)}
	var s fr.Element
	s.SetUint64(uint64(k)).Inverse(&s)
	for i := range k {
		s.BigInt(&code.scale[i])
		code.scaleS[i] = f.glv.recode(&code.scale[i])
		s.Mul(&s, &w2k)
	}
	return code, nil
}

// extendColumns fills rows k..2k-1 of a 2k x n grid of G1 points from rows
// 0..k-1, column by column: inverse DFT of size k (bit-reversed rows in,
// k * coefficients out), coefficient i times w_2k^i / k, DFT of size k (the
// values at w_2k * w_k^brp(i), i.e. row k+i, out). All n columns are
// transformed together.
func (c *g1ColumnCode) extendColumns(rows [][]bls12381.G1Jac, workers int) {
	k, n := c.k, len(rows[0])
	cols := make([][]bls12381.G1Jac, n)
	backing := make([]bls12381.G1Jac, n*k)
	for j := range cols {
		cols[j] = backing[j*k : (j+1)*k]
		for r := range k {
			cols[j][r] = rows[r][j]
		}
	}
	c.fft.dit(cols, true, workers)
	var jobs []g1MulJob
	for _, col := range cols {
		for i := range col {
			if !c.scaleS[i].one {
				jobs = append(jobs, g1MulJob{p: &col[i], b: &c.scale[i], s: &c.scaleS[i]})
			}
		}
	}
	c.fft.mulAll(jobs, workers)
	c.fft.dif(cols, false, workers)
	for j, col := range cols {
		for i := range col {
			rows[k+i][j] = col[i]
		}
	}
}

// ExtendCommitments derives the 2k row commitments of a block from its k
// original ones (k a power of two in 1..64): the first k are the originals,
// row k+i is the commitment to sum_j L_j(y_(k+i)) p_j. Light clients use it
// to check cells of extended rows; the derived commitments are never taken
// from the network.
func ExtendCommitments(originals []Commitment) ([]Commitment, error) {
	k := len(originals)
	glv, err := newGLVParams()
	if err != nil {
		return nil, fmt.Errorf("kzg: extend commitments: %w", err) // unreachable: checked constants
	}
	w, err := fr.Generator(g1MaxFFT)
	if err != nil {
		return nil, err // unreachable
	}
	code, err := newG1ColumnCode(k, newG1FFT(glv, w))
	if err != nil {
		return nil, fmt.Errorf("kzg: extend commitments: %w", err)
	}
	rows := make([][]bls12381.G1Jac, 2*k)
	for i := range rows {
		rows[i] = make([]bls12381.G1Jac, 1)
	}
	for i := range originals {
		pt, err := originals[i].Point()
		if err != nil {
			return nil, fmt.Errorf("kzg: extend commitments: %w", indexErr("commitment", i, err))
		}
		rows[i][0].FromAffine(&pt)
	}
	code.extendColumns(rows, runtime.GOMAXPROCS(0))
	ext := make([]bls12381.G1Jac, k)
	for i := range ext {
		ext[i] = rows[k+i][0]
	}
	out := make([]Commitment, 2*k)
	copy(out, originals)
	for i, pt := range bls12381.BatchJacobianToAffineG1(ext) {
		out[k+i] = CommitmentFromPoint(&pt)
	}
	return out, nil
}
