package kzg

import (
	"math/big"
	"sync"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
)

// g1MaxFFT is the largest G1 transform the prover runs: the 128-point FFTs
// of FK20 (one point per cell). The column extension of a 2D block runs
// transforms of size k <= 64 with the same twiddles, since every 2-power
// root of unity of order <= 128 is a power of w128.
const g1MaxFFT = CellsPerRow

// lockstepMin is the number of multiplications per goroutine from which a
// stage uses the lockstep affine multiplication (fk20_glv.go): below it the
// shared inversions cost more than they save.
const lockstepMin = 48

// g1FFT runs radix-2 DFTs over G1 on several vectors at once, so that the
// scalar multiplications of a stage across all vectors can share field
// inversions. Twiddles are r^e and r^-e, e < 64, for a primitive 128th root
// of unity r: a transform of size n | 128 with root r^(+-128/n) needs no
// others (the twiddle of index n/2, which would be -1, never occurs).
// Immutable; safe for concurrent use.
type g1FFT struct {
	glv  *glvParams
	big  [2][g1MaxFFT / 2]big.Int   // [0] r^e, [1] r^-e: for gnark's multiplication
	glvS [2][g1MaxFFT / 2]glvScalar // the same, recoded for the lockstep one
	pool sync.Pool                  // *g1BatchMul
}

func newG1FFT(glv *glvParams, root fr.Element) *g1FFT {
	f := &g1FFT{glv: glv}
	var rootInv fr.Element
	rootInv.Inverse(&root)
	for dir, w := range []fr.Element{root, rootInv} {
		var x fr.Element
		x.SetOne()
		for e := range g1MaxFFT / 2 {
			x.BigInt(&f.big[dir][e])
			f.glvS[dir][e] = glv.recode(&f.big[dir][e])
			x.Mul(&x, &w)
		}
	}
	f.pool.New = func() any { return newG1BatchMul(glv) }
	return f
}

// g1MulJob asks for *p = [s]p; b and s are the same scalar in both forms.
type g1MulJob struct {
	p *bls12381.G1Jac
	b *big.Int
	s *glvScalar
}

// mulAll runs the jobs on up to workers goroutines: in lockstep when every
// goroutine gets at least lockstepMin of them, else one by one with gnark's
// GLV multiplication.
func (f *g1FFT) mulAll(jobs []g1MulJob, workers int) {
	workers = max(workers, 1)
	if len(jobs) < lockstepMin*workers {
		parallelRange(len(jobs), workers, func(lo, hi int) {
			for _, j := range jobs[lo:hi] {
				j.p.ScalarMultiplication(j.p, j.b)
			}
		})
		return
	}
	parallelRange(len(jobs), workers, func(lo, hi int) {
		m := f.pool.Get().(*g1BatchMul)
		defer f.pool.Put(m)
		pts := make([]bls12381.G1Jac, hi-lo)
		sc := make([]*glvScalar, hi-lo)
		for i, j := range jobs[lo:hi] {
			pts[i], sc[i] = *j.p, j.s
		}
		m.mul(pts, sc)
		for i, j := range jobs[lo:hi] {
			*j.p = pts[i]
		}
	})
}

// job returns the job multiplying p by twiddle e (r^e, or r^-e if inverse),
// or false when e = 0.
func (f *g1FFT) job(p *bls12381.G1Jac, e int, inverse bool) (g1MulJob, bool) {
	if e == 0 {
		return g1MulJob{}, false
	}
	dir := 0
	if inverse {
		dir = 1
	}
	return g1MulJob{p: p, b: &f.big[dir][e], s: &f.glvS[dir][e]}, true
}

// dif replaces every vector a (natural order, all of the same length n, a
// power of two dividing 128) by A[k] = sum_i a[i] w^(i*k), w = r^(+-128/n),
// stored in bit-reversed order (position k holds A[brp(k)]). No 1/n.
func (f *g1FFT) dif(vecs [][]bls12381.G1Jac, inverse bool, workers int) {
	if len(vecs) == 0 {
		return
	}
	n := len(vecs[0])
	var jobs []g1MulJob
	for m := n / 2; m >= 1; m /= 2 {
		step := g1MaxFFT / 2 / m // butterfly j's twiddle is r^(j*step) = w_(2m)^j
		parallelRange(len(vecs), workers, func(lo, hi int) {
			for _, a := range vecs[lo:hi] {
				for b := range n / 2 {
					i0 := (b/m)*2*m + b%m
					i1 := i0 + m
					t := a[i0]
					a[i0].AddAssign(&a[i1])
					t.SubAssign(&a[i1])
					a[i1] = t
				}
			}
		})
		jobs = jobs[:0]
		for _, a := range vecs {
			for b := range n / 2 {
				i1 := (b/m)*2*m + b%m + m
				if j, ok := f.job(&a[i1], (b%m)*step, inverse); ok {
					jobs = append(jobs, j)
				}
			}
		}
		f.mulAll(jobs, workers)
	}
}

// dit is the decimation-in-time counterpart of dif: vectors in bit-reversed
// order in (position brp(i) holds a[i]), A[k] = sum_i a[i] w^(i*k) in
// natural order out. No 1/n.
func (f *g1FFT) dit(vecs [][]bls12381.G1Jac, inverse bool, workers int) {
	if len(vecs) == 0 {
		return
	}
	n := len(vecs[0])
	var jobs []g1MulJob
	for m := 1; m < n; m *= 2 {
		step := g1MaxFFT / 2 / m
		jobs = jobs[:0]
		for _, a := range vecs {
			for b := range n / 2 {
				i1 := (b/m)*2*m + b%m + m
				if j, ok := f.job(&a[i1], (b%m)*step, inverse); ok {
					jobs = append(jobs, j)
				}
			}
		}
		f.mulAll(jobs, workers)
		parallelRange(len(vecs), workers, func(lo, hi int) {
			for _, a := range vecs[lo:hi] {
				for b := range n / 2 {
					i0 := (b/m)*2*m + b%m
					i1 := i0 + m
					t := a[i1]
					a[i1] = a[i0]
					a[i1].SubAssign(&t)
					a[i0].AddAssign(&t)
				}
			}
		})
	}
}

// parallelRange runs fn over [0, n) split into at most workers contiguous
// chunks, one goroutine each, and waits for all of them. workers <= 1 runs
// fn(0, n) in the caller's goroutine.
func parallelRange(n, workers int, fn func(lo, hi int)) {
	if workers > n {
		workers = n
	}
	if workers <= 1 {
		if n > 0 {
			fn(0, n)
		}
		return
	}
	chunk := (n + workers - 1) / workers
	var wg sync.WaitGroup
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
}
