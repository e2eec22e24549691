// Package erasure is the Reed-Solomon code of lightdas over the BLS12-381
// scalar field: EIP-7594 cells in one dimension, the Danksharding-style
// column extension in the other, and recovery in both. It works on field
// elements (fr.Element); byte decoding and KZG belong to package kzg.
//
// # One row (EIP-7594, byte for byte)
//
// A blob holds 4096 evaluations of a polynomial p of degree < 4096 at the
// 4096th roots of unity in bit-reversed order. Its extended row holds p on
// the 8192 roots of unity in bit-reversed order, cut into 128 cells of 64:
// cell c is p on the coset h_c * <w64> with h_c = w8192^brp7(c), and X^64
// takes the single value h_c^64 = w128^brp7(c) on it. The roots of unity are
// the consensus spec's (generator 7), which is gnark-crypto's fr/fft
// convention; TestDomainsMatchSpec and the official vectors pin that down.
//
// The bit-reversed 8192 domain starts with the bit-reversed 4096 domain, so
// cells 0..63 are the blob itself and cells 64..127 are p on the coset
// w8192 * <w4096>: ExtendRow is one inverse FFT and one coset FFT of size
// 4096, where DIT/DIF ordering replaces every explicit bit reversal.
//
// RecoverRow uses the vanishing-polynomial method in O(n log n): with Z the
// polynomial vanishing on the missing cells, (E*Z) = (P*Z) on the whole
// domain; one inverse FFT gives P*Z, and division by Z on the coset 7*D gives
// P. Z is a polynomial in X^64 (degree <= 64 there), so it is built from
// linear factors and evaluated by one FFT of size 128. More than 64 cells
// over-determine p; cells that do not lie on one polynomial of degree < 4096
// leave non-zero high coefficients and are rejected (ErrInconsistent). With
// exactly 64 cells every input is a codeword and nothing can be detected.
//
// # Two dimensions
//
// A block has k original rows (k a power of two, 1..64) and k extension
// rows. Row r sits at y_r = w_{2k}^brp(r): originals at the k-th roots of
// unity in bit-reversed order, extension rows on the coset w_{2k} * <w_k>, so
// row r = sum_i L_i(y_r) * row_i (LagrangeWeights) and, by linearity, the
// same holds for commitments and proofs. ExtendColumns applies a size-k
// inverse FFT and coset FFT to every column position, run on whole row pieces
// with vector operations; ExtendBlock extends the 4096-element blobs by
// columns first (half the data of full rows), then every row, in parallel.
//
// A block is a 2k x 128 grid of cells. A row with >= 64 cells, or a column
// with >= k of its 2k cells, can be completed; RecoverBlock repeats that
// until the grid is complete, and Decodable runs the same peeling on the
// presence pattern alone. The end state does not depend on the order of
// steps, so RecoverBlock may order them by cost: cheap column recovery first
// (Lagrange weights computed once per presence pattern and applied to whole
// cells), then only the row recoveries the stuck columns need. The recovered
// block is checked to be a 2D codeword agreeing with every given cell.
// Undecodable patterns are reported as *UndecodableError naming the stuck
// rows and columns: at least (k+1) x 65 cells must be withheld for that.
//
// # Use
//
// A Codec holds the precomputed FFT domains and tables (a few ms to build,
// about 2 MB); it is immutable and safe for concurrent use, so one per
// process suffices. Working buffers are pooled inside the Codec. Block-level
// operations spread rows and columns over runtime.GOMAXPROCS goroutines;
// single-row calls let each FFT use the CPUs. There is no package-level
// mutable state.
package erasure
