package kzg

import (
	"math/bits"
	"slices"
	"sync"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
)

// Variable-base multi-scalar multiplication for the verifier.
//
// Pippenger's bucket method with signed base-2^c digits, sized for the
// verifier's inputs (a few hundred points) and for single-threaded wasm:
//
//   - scalars are short: the proofs' coefficients are 64-bit GLV halves
//     (setChallenge) and every full scalar is split with the GLV
//     endomorphism (glvSplit) into two 128-bit halves, so only the windows
//     of 65 or 129 bits are processed;
//   - buckets are summed with affine additions in rounds, every addition of
//     a round sharing one field inversion (affineBatch): about 6
//     multiplications a point instead of 11 for a mixed Jacobian addition;
//   - each window's weighted bucket sum sum_b b*B_b is the sum of the suffix
//     sums R_b = sum_{b' >= b} B_b': the suffix sums are built in lockstep
//     over all windows and MSMs (one inversion a step), then summed in
//     rounds like the buckets;
//   - the windows are combined with Jacobian doublings (few of them).
//
// Windows are spread over goroutines natively; wasm runs them all in
// lockstep on one, so that they share inversions.

// msmTerms is one multi-scalar multiplication sum_i k_i P_i, with the k_i
// recoded into signed digits d in [-2^(c-1), 2^(c-1)], k = sum_w d_w 2^(cw),
// so that bucket b in 1..2^(c-1) collects the points whose digit is +-b.
type msmTerms struct {
	points  []bls12381.G1Affine
	c       int
	windows int
	digits  []int16 // digit w of k_i at w*len(points) + i
}

// newMSMTerms prepares an MSM over points with scalars below 2^scalarBits,
// choosing the window width for that size.
func newMSMTerms(points []bls12381.G1Affine, scalarBits int) *msmTerms {
	n := len(points)
	c := pippengerWindow(n, scalarBits)
	w := (scalarBits + 1 + c - 1) / c // +1: the last carry of the signed recoding
	return &msmTerms{points: points, c: c, windows: w, digits: make([]int16, w*n)}
}

// pippengerWindow minimises the estimated number of affine additions: per
// window, about points - buckets to fill the buckets and 2*buckets for the
// weighted sum, plus about 20 for the inversion of each of the sequential
// suffix-sum steps (one per bucket, shared by all windows). c <= 15 keeps
// every digit, up to 2^(c-1), in an int16.
func pippengerWindow(n, scalarBits int) int {
	best, bestCost := 2, -1
	for c := 2; c <= 15; c++ {
		nb := 1 << (c - 1)
		w := (scalarBits + c) / c
		cost := w*(n+nb) + 20*nb
		if bestCost < 0 || cost < bestCost {
			best, bestCost = c, cost
		}
	}
	return best
}

// setScalar recodes k (little-endian words, below 2^scalarBits) as the
// scalar of point i.
func (m *msmTerms) setScalar(i int, k []uint64) {
	n := len(m.points)
	c := uint(m.c)
	mask := uint64(1)<<c - 1
	half := uint64(1) << (c - 1)
	carry := uint64(0)
	for w := range m.windows {
		pos := uint(w) * c
		var v uint64
		if limb := int(pos / 64); limb < len(k) {
			off := pos % 64
			v = k[limb] >> off
			if off+c > 64 && limb+1 < len(k) {
				v |= k[limb+1] << (64 - off)
			}
			v &= mask
		}
		v += carry
		if v >= half && w < m.windows-1 { // the top digit may be 2^(c-1)
			m.digits[w*n+i] = int16(int64(v) - int64(1)<<c)
			carry = 1
		} else {
			m.digits[w*n+i] = int16(v)
			carry = 0
		}
	}
}

// glvLambda is lambda = z^2 - 1 (the verifier's glvLambda) as two words,
// and glvMu = floor(2^256 / lambda) as three.
const (
	glvLambda0 = 0x00000000ffffffff
	glvLambda1 = 0xac45a4010001a402
	glvMu0     = 0x63f6e522f6cfee30
	glvMu1     = 0x7c6becf1e01faadd
	glvMu2     = 0x1
)

// glvSplit writes s (< r, regular form) as k1 + lambda*k2 with
// 0 <= k1 < lambda < 2^128 and 0 <= k2 <= (r-1)/lambda < 2^128, so that
// [s]P = [k1]P + [k2]phi(P) for P in G1. k2 = floor(s/lambda) is first
// estimated as floor(s*mu/2^256), which is k2 or k2 - 1 (Barrett).
func glvSplit(s *fr.Element) (k1, k2 [2]uint64) {
	x := s.Bits()
	// t = x * mu, words 4 and 5 (word 6 is 0 since x*mu/2^256 < 2^128).
	var t [7]uint64
	mu := [3]uint64{glvMu0, glvMu1, glvMu2}
	for i := range 4 {
		var carry uint64
		for j := range 3 {
			hi, lo := bits.Mul64(x[i], mu[j])
			var c uint64
			lo, c = bits.Add64(lo, t[i+j], 0)
			hi += c
			lo, c = bits.Add64(lo, carry, 0)
			hi += c
			t[i+j] = lo
			carry = hi
		}
		t[i+3] = carry
	}
	q := [2]uint64{t[4], t[5]}
	// r = x - q*lambda, in three words (r < 2*lambda < 2^129).
	var ql [3]uint64
	h0, l0 := bits.Mul64(q[0], glvLambda0)
	h1, l1 := bits.Mul64(q[0], glvLambda1)
	h2, l2 := bits.Mul64(q[1], glvLambda0)
	_, l3 := bits.Mul64(q[1], glvLambda1)
	ql[0] = l0
	var c1, c2 uint64
	ql[1], c1 = bits.Add64(h0, l1, 0)
	ql[1], c2 = bits.Add64(ql[1], l2, 0)
	ql[2] = h1 + h2 + l3 + c1 + c2
	var r [3]uint64
	var b uint64
	r[0], b = bits.Sub64(x[0], ql[0], 0)
	r[1], b = bits.Sub64(x[1], ql[1], b)
	r[2], _ = bits.Sub64(x[2], ql[2], b)
	// One correction at most: if r >= lambda, r -= lambda and q++.
	if r[2] != 0 || r[1] > glvLambda1 || r[1] == glvLambda1 && r[0] >= glvLambda0 {
		r[0], b = bits.Sub64(r[0], glvLambda0, 0)
		r[1], _ = bits.Sub64(r[1], glvLambda1, b)
		q[0], b = bits.Add64(q[0], 1, 0)
		q[1] += b
	}
	return [2]uint64{r[0], r[1]}, q
}

// msmPool recycles workers' memory between multi-exponentiations (about a
// megabyte for a verification of 32 samples), sparing the garbage
// collector, which runs on the only thread under wasm. The zero value is
// ready; it is safe for concurrent use.
type msmPool struct{ p sync.Pool }

func (p *msmPool) get() *msmWorker {
	if w, ok := p.p.Get().(*msmWorker); ok {
		return w
	}
	return new(msmWorker)
}

func (p *msmPool) put(w *msmWorker) { p.p.Put(w) }

// multiExp sets out[g] to the value of terms[g] for every g, on up to
// workers goroutines, with working memory from pool.
func multiExp(out []bls12381.G1Jac, terms []*msmTerms, workers int, pool *msmPool) {
	type job struct{ g, w, cost int }
	var jobs []job
	sums := make([][]bls12381.G1Affine, len(terms))
	for g, t := range terms {
		sums[g] = make([]bls12381.G1Affine, t.windows)
		for w := range t.windows {
			jobs = append(jobs, job{g, w, len(t.points) + 1<<(t.c-1)})
		}
	}
	// Greedy balance: most expensive jobs first, each to the least loaded
	// worker.
	slices.SortStableFunc(jobs, func(a, b job) int { return b.cost - a.cost })
	workers = max(1, min(workers, len(jobs)))
	assigned := make([][]msmJob, workers)
	load := make([]int, workers)
	for _, j := range jobs {
		k := 0
		for i := range load {
			if load[i] < load[k] {
				k = i
			}
		}
		load[k] += j.cost
		t := terms[j.g]
		n := len(t.points)
		assigned[k] = append(assigned[k], msmJob{
			points: t.points,
			digits: t.digits[j.w*n : (j.w+1)*n],
			nb:     1 << (t.c - 1),
			out:    &sums[j.g][j.w],
		})
	}
	run := func(js []msmJob) {
		w := pool.get()
		w.run(js)
		pool.put(w)
	}
	if workers == 1 {
		run(assigned[0])
	} else {
		var wg sync.WaitGroup
		for _, js := range assigned {
			wg.Go(func() { run(js) })
		}
		wg.Wait()
	}
	for g, t := range terms {
		acc := &out[g]
		setInfinity(acc)
		for w := t.windows - 1; w >= 0; w-- {
			if !acc.Z.IsZero() {
				for range t.c {
					jacDouble(acc)
				}
			}
			jacAddMixed(acc, &sums[g][w])
		}
	}
}

// msmJob is one window of one MSM: sum_i d_i P_i for digits |d_i| <= nb.
type msmJob struct {
	points []bls12381.G1Affine
	digits []int16
	nb     int
	out    *bls12381.G1Affine
}

// msmWorker holds one goroutine's working memory.
type msmWorker struct {
	pts         []bls12381.G1Affine // bucket contents, then suffix sums
	start, size []int32             // per run (bucket or job) in pts
	bucket      []bls12381.G1Affine // per bucket: its sum (infinity if empty)
	ab          affineBatch
}

// msmChunkPoints bounds the points gathered at once (about 3 MB).
const msmChunkPoints = 1 << 15

func (s *msmWorker) run(jobs []msmJob) {
	for len(jobs) > 0 {
		k, total := 0, 0
		for k < len(jobs) && (k == 0 || total+len(jobs[k].digits) <= msmChunkPoints) {
			total += len(jobs[k].digits)
			k++
		}
		s.runChunk(jobs[:k])
		jobs = jobs[k:]
	}
}

func (s *msmWorker) runChunk(jobs []msmJob) {
	// Buckets of job j: off[j] .. off[j]+nb-1 for |digit| = 1..nb.
	nBuckets := 0
	off := make([]int, len(jobs))
	for j := range jobs {
		off[j] = nBuckets
		nBuckets += jobs[j].nb
	}
	s.start = grow(s.start, nBuckets)
	s.size = grow(s.size, nBuckets)
	clear(s.size)
	for j, jb := range jobs {
		cnt := s.size[off[j] : off[j]+jb.nb]
		for _, d := range jb.digits {
			if d > 0 {
				cnt[d-1]++
			} else if d < 0 {
				cnt[-int(d)-1]++
			}
		}
	}
	var n int32
	for b := range nBuckets {
		s.start[b] = n
		n += s.size[b]
		s.size[b] = 0
	}
	s.pts = grow(s.pts, int(n))
	for j, jb := range jobs {
		st := s.start[off[j] : off[j]+jb.nb]
		sz := s.size[off[j] : off[j]+jb.nb]
		for i, d := range jb.digits {
			switch {
			case d > 0:
				b := d - 1
				s.pts[st[b]+sz[b]] = jb.points[i]
				sz[b]++
			case d < 0:
				b := -int(d) - 1
				p := &s.pts[st[b]+sz[b]]
				p.X = jb.points[i].X
				p.Y.Neg(&jb.points[i].Y)
				sz[b]++
			}
		}
	}
	s.accumulate(nBuckets)
	s.bucket = grow(s.bucket, nBuckets)
	for b := range nBuckets {
		if s.size[b] == 1 {
			s.bucket[b] = s.pts[s.start[b]]
		} else {
			s.bucket[b] = bls12381.G1Affine{}
		}
	}

	// Suffix sums R_b = B_b + R_{b+1}, top bucket first, all jobs in
	// lockstep; R overwrites bucket (R_nb = B_nb).
	maxNb := 0
	for _, jb := range jobs {
		maxNb = max(maxNb, jb.nb)
	}
	for step := 1; step < maxNb; step++ {
		s.ab.reset()
		for j, jb := range jobs {
			if b := off[j] + jb.nb - 1 - step; step < jb.nb {
				s.ab.push(&s.bucket[b+1], &s.bucket[b])
			}
		}
		s.ab.invert()
		for j, jb := range jobs {
			if b := off[j] + jb.nb - 1 - step; step < jb.nb {
				s.ab.sum(&s.bucket[b], &s.bucket[b+1], &s.bucket[b])
			}
		}
	}
	// sum_b b*B_b = sum_b R_b: one run per job of its non-infinity R_b.
	s.pts = grow(s.pts, nBuckets)
	k := 0
	for j, jb := range jobs {
		s.start[j] = int32(k)
		for _, r := range s.bucket[off[j] : off[j]+jb.nb] {
			if !r.IsInfinity() {
				s.pts[k] = r
				k++
			}
		}
		s.size[j] = int32(k) - s.start[j]
	}
	s.accumulate(len(jobs))
	for j, jb := range jobs {
		if s.size[j] == 1 {
			*jb.out = s.pts[s.start[j]]
		} else {
			*jb.out = bls12381.G1Affine{}
		}
	}
}

// accumulate reduces each of the first nRuns runs of pts (start, size) to
// at most one point, its sum: in rounds, each adding adjacent pairs of
// every run with one shared inversion.
func (s *msmWorker) accumulate(nRuns int) {
	for {
		s.ab.reset()
		for r := range nRuns {
			st, sz := int(s.start[r]), int(s.size[r])
			for q := 0; q+1 < sz; q += 2 {
				s.ab.push(&s.pts[st+q], &s.pts[st+q+1])
			}
		}
		if !s.ab.pending() {
			return
		}
		s.ab.invert()
		// Pair q writes index q/2 of its run, below every unread index.
		for r := range nRuns {
			st, sz := int(s.start[r]), int(s.size[r])
			for q := 0; q+1 < sz; q += 2 {
				s.ab.sum(&s.pts[st+q/2], &s.pts[st+q], &s.pts[st+q+1])
			}
			if sz%2 == 1 {
				s.pts[st+sz/2] = s.pts[st+sz-1]
			}
			s.size[r] = int32((sz + 1) / 2)
		}
	}
}

// grow returns s resized to n, reallocated only when too small.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}
