package kzg

import (
	"fmt"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr/fft"
)

// FK20 (Feist-Khovratovich, "Fast amortized KZG proofs") for EIP-7594 cells.
//
// Let f = sum_i f_i X^i, deg f < n = 4096, and cells of l = 64 points. The
// proof for cell c is [q_c(tau)]_1 with q_c = (f - r_c) / (X^64 - z_c),
// z_c = h_c^64 = w128^brp7(c). Writing f = sum_t X^(64t) F_t(X) (64 blocks
// of 64 coefficients) and dividing each X^(64t) by X^64 - z gives
//
//	[q(tau)] = sum_{u=0}^{62} z^u H_u,   H_u = G_(u+1),
//	G_u = sum_{j<64} sum_{v<64} f_(64(v+u)+j) [tau^(j+64v)]   (f_i = 0 for i >= n),
//
// and G_0 = sum_i f_i [tau^i] is the commitment. So the 128 proofs are the
// evaluations of H(Z) = sum_u H_u Z^u at the 128th roots of unity: one G1
// FFT of size 128, read in bit-reversed order.
//
// For each residue j, u -> G_u^(j) is the correlation of a_v = f_(64v+j)
// with s_v = [tau^(j+64v)], both zero-padded to 128: a cyclic correlation
// of size 128 equals it on u < 64 (the padding prevents wrap-around). In the
// frequency domain it is a pointwise product, DFT(G)_k = A_k * S'_k with
// A = DFT_w(a) and S'_k = sum_v s_v w^(-vk). Summed over j:
//
//	G = IDFT( k -> sum_{j<64} A_k^(j) S'_k^(j) ).
//
// NewProver precomputes S'^(j) (one batch of 64 G1 DFTs) as fixed-base MSM
// tables; the IDFT's 1/128 is folded into the scalars. Per blob: 64 field
// FFTs of size 128, 128 fixed-base MSMs of 64 points (fk20_msm.go), one G1
// inverse FFT (giving the commitment G_0 and H) and one G1 FFT (giving the
// proofs). Several blobs share their G1 FFTs so that the scalar
// multiplications batch (fk20_glv.go). Frequencies are kept in bit-reversed
// order throughout (DIF output, DIT input), which needs no permutation.

const (
	fk20Blocks = FieldElementsPerBlob / FieldElementsPerCell // m = 64 blocks of 64 coefficients
	fk20Size   = 2 * fk20Blocks                              // circulant size = number of cells = 128
	fk20PerMSM = FieldElementsPerCell * msmWindows           // table points of one frequency's MSM
	fk20Group  = 8                                           // frequencies per bucket-accumulation batch
)

// fk20 holds the precomputed FK20 tables. Immutable after newFK20.
type fk20 struct {
	// table[(p*64+j)*32+w] = 2^(8w) * S'^(j)_brp7(p): for frequency
	// position p (bit-reversed), base j, window w. 262144 affine
	// points, 24 MiB.
	table []bls12381.G1Affine
	// dom is the 128-point domain of the field FFTs; its generator w is the
	// root of every transform here, and w^brp7(c) = h_c^64.
	dom     *fft.Domain
	inv128  fr.Element
	fft     *g1FFT // G1 transforms with root w
	fftOpts []fft.Option
}

// newFK20 builds the tables from the 4096 monomial SRS points.
func newFK20(srs []bls12381.G1Affine, glv *glvParams, workers int) (*fk20, error) {
	if len(srs) != FieldElementsPerBlob {
		return nil, fmt.Errorf("kzg: FK20 setup with %d G1 points, want %d: %w", len(srs), FieldElementsPerBlob, ErrLength)
	}
	f := &fk20{
		table:   make([]bls12381.G1Affine, fk20Size*fk20PerMSM),
		dom:     fft.NewDomain(fk20Size),
		fftOpts: []fft.Option{fft.WithNbTasks(1)},
	}
	f.inv128.SetUint64(fk20Size).Inverse(&f.inv128)
	f.fft = newG1FFT(glv, f.dom.Generator)

	// S'^(j) for the 64 residues: DFTs with root 1/w of the zero-padded
	// columns s_v = [tau^(j+64v)], all in one batch. (The IDFT's 1/128 is
	// applied to the scalars in frequencies: 4096 field multiplications per
	// blob instead of 4096 scalar multiplications here.)
	cols := make([][]bls12381.G1Jac, FieldElementsPerCell)
	backing := make([]bls12381.G1Jac, FieldElementsPerCell*fk20Size)
	for j := range cols {
		cols[j] = backing[j*fk20Size : (j+1)*fk20Size]
		for v := range fk20Blocks {
			cols[j][v].FromAffine(&srs[j+FieldElementsPerCell*v])
		}
	}
	f.fft.dif(cols, true, workers)

	// Window multiples 2^(8w) S', normalised to affine one column at a time.
	parallelRange(FieldElementsPerCell, workers, func(lo, hi int) {
		win := make([]bls12381.G1Jac, fk20Size*msmWindows)
		for j := lo; j < hi; j++ {
			for p, base := range cols[j] {
				w := win[p*msmWindows : (p+1)*msmWindows]
				w[0] = base
				for i := 1; i < msmWindows; i++ {
					w[i] = w[i-1]
					for range msmWindowBits {
						w[i].DoubleAssign()
					}
				}
			}
			aff := bls12381.BatchJacobianToAffineG1(win)
			for p := range fk20Size {
				dst := f.table[(p*FieldElementsPerCell+j)*msmWindows:]
				copy(dst[:msmWindows], aff[p*msmWindows:(p+1)*msmWindows])
			}
		}
	})
	return f, nil
}

// proveRows returns, for each polynomial given by its 4096 coefficients, its
// commitment G_0 and its 128 cell proofs in cell order (Jacobian). The G1
// transforms of all rows run together (see g1FFT).
func (f *fk20) proveRows(rows [][]fr.Element, workers int) (commitments []bls12381.G1Jac, proofs [][]bls12381.G1Jac) {
	c := make([][]bls12381.G1Jac, len(rows))
	for i, coeffs := range rows {
		c[i] = f.frequencies(coeffs, workers)
	}
	// G = IDFT(C) (natural order out); G_0 is the commitment, H_u = G_(u+1).
	f.fft.dit(c, true, workers)
	commitments = make([]bls12381.G1Jac, len(rows))
	for i, ci := range c {
		commitments[i] = ci[0]
		copy(ci, ci[1:fk20Blocks])
		for u := fk20Blocks - 1; u < fk20Size; u++ {
			ci[u] = bls12381.G1Jac{}
		}
	}
	// proof_c = H(w^brp7(c)): a DIF FFT leaves it at position c.
	f.fft.dif(c, false, workers)
	return commitments, c
}

// frequencies returns C_p = sum_j A^(j)_p * (S'^(j)_p / 128) for the 128
// frequency positions p (bit-reversed), where A^(j) is the DFT of the
// zero-padded coefficient column f_(64v+j).
func (f *fk20) frequencies(coeffs []fr.Element, workers int) []bls12381.G1Jac {
	// Scalars, recoded into signed digits at [(p*64+j)*32 ...].
	digits := make([]int8, fk20Size*fk20PerMSM)
	parallelRange(FieldElementsPerCell, workers, func(lo, hi int) {
		col := make([]fr.Element, fk20Size)
		for j := lo; j < hi; j++ {
			for v := range fk20Blocks {
				col[v].Mul(&coeffs[j+FieldElementsPerCell*v], &f.inv128)
			}
			clear(col[fk20Blocks:])
			f.dom.FFT(col, fft.DIF, f.fftOpts...)
			for p := range col {
				signedDigits((*[msmWindows]int8)(digits[(p*FieldElementsPerCell+j)*msmWindows:]), &col[p])
			}
		}
	})
	c := make([]bls12381.G1Jac, fk20Size)
	groups := fk20Size / fk20Group
	parallelRange(groups, workers, func(lo, hi int) {
		s := newMSMScratch(fk20Group*msmBuckets, fk20Group*fk20PerMSM)
		buckets := make([]bls12381.G1Affine, (hi-lo)*fk20Group*msmBuckets)
		for g := lo; g < hi; g++ {
			s.gather(f.table, digits, g*fk20Group, fk20Group, fk20PerMSM)
			s.accumulate(fk20Group * msmBuckets)
			for i := range fk20Group {
				s.buckets(buckets[((g-lo)*fk20Group+i)*msmBuckets:], i)
			}
		}
		reduceBuckets(c[lo*fk20Group:hi*fk20Group], buckets)
	})
	return c
}
