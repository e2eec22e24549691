package kzg

import (
	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fp"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
)

// Fixed-base multi-scalar multiplication for FK20.
//
// Every base point P is stored with its window multiples 2^(8w)*P,
// w < 32, so that sum_i s_i*P_i needs no doublings: each scalar is recoded
// into 32 signed base-256 digits d_w in [-128, 127] and the MSM becomes
// sum_b b * (sum of the table points +-2^(8w)*P_i whose digit has |d| = b),
// one bucket per b in 1..128. Bucket sums are computed with affine additions
// sharing one field inversion per round (Montgomery's trick), which costs
// about 6 field multiplications per point instead of 11 for a mixed
// Jacobian addition. The 128 buckets are then combined with the usual
// running sums, in lockstep over all the MSMs of a goroutine so that those
// additions share inversions too.

const (
	msmWindowBits = 8
	msmWindows    = 32 // 32*8 = 256 bits cover every scalar < r < 2^255
	msmBuckets    = 1 << (msmWindowBits - 1)
)

// signedDigits recodes s (< r < 2^255) as sum_w d_w * 256^w with
// d_w in [-128, 127]. The top byte of s is at most 0x73, so the last carry
// is always absorbed.
func signedDigits(dst *[msmWindows]int8, s *fr.Element) {
	limbs := s.Bits() // regular (non-Montgomery) form, little-endian limbs
	carry := uint64(0)
	for w := range msmWindows {
		v := (limbs[w/8]>>(8*(w%8)))&0xff + carry
		if v >= msmBuckets {
			dst[w] = int8(int64(v) - 2*msmBuckets)
			carry = 1
		} else {
			dst[w] = int8(v)
			carry = 0
		}
	}
}

// msmScratch is one worker's working memory for bucket accumulation.
type msmScratch struct {
	pts   []bls12381.G1Affine // gathered points, grouped by bucket
	start []int32             // per bucket: first index in pts
	size  []int32             // per bucket: number of pending points
	den   []fp.Element        // per pair: x2-x1, then its inverse
	pre   []fp.Element        // batch inversion prefix products
	slow  []bool              // per pair: exceptional case (equal x or infinity)
}

func newMSMScratch(buckets, points int) *msmScratch {
	return &msmScratch{
		pts:   make([]bls12381.G1Affine, points),
		start: make([]int32, buckets),
		size:  make([]int32, buckets),
		den:   make([]fp.Element, points/2),
		pre:   make([]fp.Element, points/2),
		slow:  make([]bool, points/2),
	}
}

// gather fills the scratch with the signed table points of nMSM fixed-base
// MSMs: MSM g uses table[(first+g)*perMSM : ...] (perMSM = bases*32 points,
// base-major, window-minor) with the digits at the same indices. Bucket
// g*128+b receives the points whose digit has absolute value b+1.
func (s *msmScratch) gather(table []bls12381.G1Affine, digits []int8, first, nMSM, perMSM int) {
	nb := nMSM * msmBuckets
	size := s.size[:nb]
	clear(size)
	for g := range nMSM {
		d := digits[(first+g)*perMSM : (first+g+1)*perMSM]
		cnt := size[g*msmBuckets : (g+1)*msmBuckets]
		for _, v := range d {
			if v > 0 {
				cnt[v-1]++
			} else if v < 0 {
				cnt[-int(v)-1]++
			}
		}
	}
	var off int32
	for b := range nb {
		s.start[b] = off
		off += size[b]
		size[b] = 0 // refilled below
	}
	for g := range nMSM {
		base := (first + g) * perMSM
		d := digits[base : base+perMSM]
		tab := table[base : base+perMSM]
		st := s.start[g*msmBuckets : (g+1)*msmBuckets]
		sz := size[g*msmBuckets : (g+1)*msmBuckets]
		for i, v := range d {
			switch {
			case v > 0:
				b := v - 1
				s.pts[st[b]+sz[b]] = tab[i]
				sz[b]++
			case v < 0:
				b := -int(v) - 1
				p := &s.pts[st[b]+sz[b]]
				p.X = tab[i].X
				p.Y.Neg(&tab[i].Y)
				sz[b]++
			}
		}
	}
}

// accumulate reduces every bucket of [0, nb) to at most one affine point
// (its sum), pairing up pending points round by round: all additions of a
// round are independent, so their denominators share one inversion.
func (s *msmScratch) accumulate(nb int) {
	for {
		// Pass 1: denominators of every pair (pts[i], pts[i+1]).
		np := 0
		for b := range nb {
			st, sz := int(s.start[b]), int(s.size[b])
			for q := 0; q+1 < sz; q += 2 {
				p1, p2 := &s.pts[st+q], &s.pts[st+q+1]
				d := &s.den[np]
				d.Sub(&p2.X, &p1.X)
				s.slow[np] = d.IsZero() || p1.IsInfinity() || p2.IsInfinity()
				if s.slow[np] {
					d.SetOne()
				}
				np++
			}
		}
		if np == 0 {
			return
		}
		batchInvertFp(s.den[:np], s.pre[:np])

		// Pass 2: sums, written to the front of each bucket's run. Pair q
		// reads indices 2q and 2q+1 and writes index q; earlier writes only
		// touched indices < q, so no input is overwritten before use.
		np = 0
		for b := range nb {
			st, sz := int(s.start[b]), int(s.size[b])
			for q := 0; q+1 < sz; q += 2 {
				p1, p2 := &s.pts[st+q], &s.pts[st+q+1]
				var r bls12381.G1Affine
				if s.slow[np] {
					r.Add(p1, p2) // doubling, P + (-P), or infinity: rare
				} else {
					var lambda, t fp.Element
					lambda.Sub(&p2.Y, &p1.Y).Mul(&lambda, &s.den[np])
					r.X.Square(&lambda).Sub(&r.X, &p1.X).Sub(&r.X, &p2.X)
					t.Sub(&p1.X, &r.X)
					r.Y.Mul(&lambda, &t).Sub(&r.Y, &p1.Y)
				}
				s.pts[st+q/2] = r
				np++
			}
			if sz%2 == 1 {
				s.pts[st+sz/2] = s.pts[st+sz-1]
			}
			s.size[b] = int32((sz + 1) / 2)
		}
	}
}

// buckets copies the 128 bucket sums of MSM g of the last accumulate into
// dst (infinity for empty buckets).
func (s *msmScratch) buckets(dst []bls12381.G1Affine, g int) {
	for b := range msmBuckets {
		if i := g*msmBuckets + b; s.size[i] == 1 {
			dst[b] = s.pts[s.start[i]]
		} else {
			dst[b] = bls12381.G1Affine{}
		}
	}
}

// reduceBuckets sets dst[i] = sum_b (b+1) * buckets[i*128+b] for every MSM
// i: running sums from the top bucket down, all MSMs in lockstep so that
// each step's affine additions share one inversion.
func reduceBuckets(dst []bls12381.G1Jac, buckets []bls12381.G1Affine) {
	n := len(dst)
	running := make([]bls12381.G1Affine, n) // infinity
	total := make([]bls12381.G1Affine, n)
	add := make([]bls12381.G1Affine, n)
	sel := make([]int32, n)
	for i := range sel {
		sel[i] = int32(i)
	}
	den := make([]fp.Element, n)
	pre := make([]fp.Element, n)
	for b := msmBuckets - 1; b >= 0; b-- {
		for i := range add {
			add[i] = buckets[i*msmBuckets+b]
		}
		batchAddAffine(running, add, sel, den, pre)
		batchAddAffine(total, running, sel, den, pre)
	}
	for i := range dst {
		dst[i].FromAffine(&total[i])
	}
}

// batchInvertFp replaces every element of a (all non-zero) by its inverse
// with one field inversion; pre is scratch of the same length.
func batchInvertFp(a, pre []fp.Element) {
	var acc fp.Element
	acc.SetOne()
	for i := range a {
		pre[i] = acc
		acc.Mul(&acc, &a[i])
	}
	acc.Inverse(&acc)
	for i := len(a) - 1; i >= 0; i-- {
		var inv fp.Element
		inv.Mul(&acc, &pre[i])
		acc.Mul(&acc, &a[i])
		a[i] = inv
	}
}
