package kzg

import (
	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fp"
)

// G1 arithmetic on fpMul/fpSquare (see msm_fp.go) for the verifier's
// decompression, subgroup checks and multi-exponentiations. Jacobian points
// use gnark's G1Jac layout, (X, Y, Z) for (X/Z^2, Y/Z^3), with Z = 0 at
// infinity; affine points use G1Affine, (0, 0) at infinity. Every function
// handles all exceptional cases (infinity, equal and opposite points).

// jacDouble sets p = 2p (dbl-2009-l for a = 0: 2M + 5S).
func jacDouble(p *bls12381.G1Jac) {
	var a, b, c, d, e, f, t fp.Element
	fpSquare(&a, &p.X)
	fpSquare(&b, &p.Y)
	fpSquare(&c, &b)
	d.Add(&p.X, &b)
	fpSquare(&d, &d)
	d.Sub(&d, &a).Sub(&d, &c).Double(&d)
	e.Double(&a).Add(&e, &a)
	fpSquare(&f, &e)
	fpMul(&p.Z, &p.Y, &p.Z)
	p.Z.Double(&p.Z)
	p.X.Double(&d)
	p.X.Sub(&f, &p.X)
	t.Sub(&d, &p.X)
	fpMul(&p.Y, &e, &t)
	c.Double(&c).Double(&c).Double(&c)
	p.Y.Sub(&p.Y, &c)
}

// setInfinity sets p to gnark's Jacobian point at infinity (1, 1, 0).
func setInfinity(p *bls12381.G1Jac) {
	p.X.SetOne()
	p.Y.SetOne()
	p.Z.SetZero()
}

// jacAddMixed sets p = p + q (madd-2007-bl: 7M + 4S).
func jacAddMixed(p *bls12381.G1Jac, q *bls12381.G1Affine) {
	if q.IsInfinity() {
		return
	}
	if p.Z.IsZero() {
		p.X, p.Y = q.X, q.Y
		p.Z.SetOne()
		return
	}
	var z1z1, u2, s2, h, r fp.Element
	fpSquare(&z1z1, &p.Z)
	fpMul(&u2, &q.X, &z1z1)
	fpMul(&s2, &q.Y, &p.Z)
	fpMul(&s2, &s2, &z1z1)
	h.Sub(&u2, &p.X)
	r.Sub(&s2, &p.Y).Double(&r)
	if h.IsZero() {
		if r.IsZero() {
			jacDouble(p)
		} else {
			setInfinity(p)
		}
		return
	}
	var hh, i, j, v, t fp.Element
	fpSquare(&hh, &h)
	i.Double(&hh).Double(&i)
	fpMul(&j, &h, &i)
	fpMul(&v, &p.X, &i)
	// Z3 = (Z1 + H)^2 - Z1Z1 - HH
	p.Z.Add(&p.Z, &h)
	fpSquare(&p.Z, &p.Z)
	p.Z.Sub(&p.Z, &z1z1).Sub(&p.Z, &hh)
	// X3 = r^2 - J - 2V
	fpSquare(&p.X, &r)
	t.Double(&v)
	p.X.Sub(&p.X, &j).Sub(&p.X, &t)
	// Y3 = r(V - X3) - 2 Y1 J
	fpMul(&j, &j, &p.Y)
	j.Double(&j)
	t.Sub(&v, &p.X)
	fpMul(&p.Y, &r, &t)
	p.Y.Sub(&p.Y, &j)
}

// jacAdd sets p = p + q (add-2007-bl: 11M + 5S).
func jacAdd(p, q *bls12381.G1Jac) {
	if q.Z.IsZero() {
		return
	}
	if p.Z.IsZero() {
		*p = *q
		return
	}
	var z1z1, z2z2, u1, u2, s1, s2, h, r fp.Element
	fpSquare(&z1z1, &p.Z)
	fpSquare(&z2z2, &q.Z)
	fpMul(&u1, &p.X, &z2z2)
	fpMul(&u2, &q.X, &z1z1)
	fpMul(&s1, &p.Y, &q.Z)
	fpMul(&s1, &s1, &z2z2)
	fpMul(&s2, &q.Y, &p.Z)
	fpMul(&s2, &s2, &z1z1)
	h.Sub(&u2, &u1)
	r.Sub(&s2, &s1).Double(&r)
	if h.IsZero() {
		if r.IsZero() {
			jacDouble(p)
		} else {
			setInfinity(p)
		}
		return
	}
	var i, j, v, t fp.Element
	i.Double(&h)
	fpSquare(&i, &i)
	fpMul(&j, &h, &i)
	fpMul(&v, &u1, &i)
	// Z3 = ((Z1 + Z2)^2 - Z1Z1 - Z2Z2) H
	p.Z.Add(&p.Z, &q.Z)
	fpSquare(&p.Z, &p.Z)
	p.Z.Sub(&p.Z, &z1z1).Sub(&p.Z, &z2z2)
	fpMul(&p.Z, &p.Z, &h)
	// X3 = r^2 - J - 2V
	fpSquare(&p.X, &r)
	t.Double(&v)
	p.X.Sub(&p.X, &j).Sub(&p.X, &t)
	// Y3 = r(V - X3) - 2 S1 J
	fpMul(&s1, &s1, &j)
	s1.Double(&s1)
	t.Sub(&v, &p.X)
	fpMul(&p.Y, &r, &t)
	p.Y.Sub(&p.Y, &s1)
}

// seedAbs is |z| = 0xd201000000010000, z the (negative) BLS parameter:
// bits 63, 62, 60, 57, 48 and 16.
const seedAbs uint64 = 0xd201000000010000

// mulBySeedAffine sets p = [|z|] q.
func mulBySeedAffine(p *bls12381.G1Jac, q *bls12381.G1Affine) {
	p.FromAffine(q)
	for i := 62; i >= 0; i-- {
		jacDouble(p)
		if seedAbs>>i&1 == 1 {
			jacAddMixed(p, q)
		}
	}
}

// mulBySeedJac sets p = [|z|] q.
func mulBySeedJac(p, q *bls12381.G1Jac) {
	*p = *q
	for i := 62; i >= 0; i-- {
		jacDouble(p)
		if seedAbs>>i&1 == 1 {
			jacAdd(p, q)
		}
	}
}

// inG1 reports whether p, a point of the curve other than infinity, is in
// the order-r subgroup G1, with Scott's test (ePrint 2021/1130, section 4;
// also gnark's IsInSubGroup and EIP-2537's): p is in G1 iff
// phi(p) = -z^2 p, where phi(x, y) = (beta x, y) has eigenvalue
// lambda = z^2 - 1 = -1/z^2 mod r on G1. Computed as -[z^2] phi(p) == p:
// two multiplications by |z| (63 doublings and 5 additions each).
func inG1(p *bls12381.G1Affine, beta *fp.Element) bool {
	var phi bls12381.G1Affine
	fpMul(&phi.X, &p.X, beta)
	phi.Y = p.Y
	var q1, q bls12381.G1Jac
	mulBySeedAffine(&q1, &phi)
	mulBySeedJac(&q, &q1)
	// q == -p, i.e. X = x Z^2 and Y = -y Z^3.
	if q.Z.IsZero() {
		return false
	}
	var zz, zzz, t fp.Element
	fpSquare(&zz, &q.Z)
	fpMul(&zzz, &zz, &q.Z)
	fpMul(&t, &p.X, &zz)
	if !t.Equal(&q.X) {
		return false
	}
	fpMul(&t, &p.Y, &zzz)
	t.Neg(&t)
	return t.Equal(&q.Y)
}

// Kinds of affine sums in a batch (see affineBatch).
const (
	sumAdd      = iota // x_p != x_q: lambda = (y_q - y_p) / (x_q - x_p)
	sumDouble          // p == q, y != 0: lambda = 3 x^2 / 2y
	sumInfinity        // p == -q
	sumP               // q is infinity
	sumQ               // p is infinity
)

// affineBatch adds many independent pairs of affine points with one field
// inversion for all (Montgomery's trick): about 6 multiplications a sum
// instead of 11 for a mixed Jacobian addition. Pairs are pushed first, then
// invert, then sum is called on the same pairs in the same order.
type affineBatch struct {
	kind     []uint8
	den, pre []fp.Element
	next, nd int
}

func (b *affineBatch) reset() {
	b.kind = b.kind[:0]
	b.den = b.den[:0]
}

func (b *affineBatch) push(p, q *bls12381.G1Affine) {
	var k uint8
	var d fp.Element
	switch {
	case p.IsInfinity():
		k = sumQ
	case q.IsInfinity():
		k = sumP
	case !p.X.Equal(&q.X):
		k = sumAdd
		d.Sub(&q.X, &p.X)
	case p.Y.Equal(&q.Y) && !p.Y.IsZero():
		k = sumDouble
		d.Double(&p.Y)
	default:
		k = sumInfinity
	}
	b.kind = append(b.kind, k)
	if k <= sumDouble {
		b.den = append(b.den, d)
	}
}

// pending reports whether any pair was pushed since reset.
func (b *affineBatch) pending() bool { return len(b.kind) > 0 }

func (b *affineBatch) invert() {
	if cap(b.pre) < len(b.den) {
		b.pre = make([]fp.Element, len(b.den), cap(b.den))
	}
	fpBatchInvert(b.den, b.pre[:len(b.den)])
	b.next, b.nd = 0, 0
}

// sum sets dst = p + q for the next pushed pair (dst may alias p or q).
func (b *affineBatch) sum(dst, p, q *bls12381.G1Affine) {
	k := b.kind[b.next]
	b.next++
	switch k {
	case sumQ:
		*dst = *q
		return
	case sumP:
		*dst = *p
		return
	case sumInfinity:
		*dst = bls12381.G1Affine{}
		return
	}
	var lambda, t, x3, y3 fp.Element
	if k == sumAdd {
		lambda.Sub(&q.Y, &p.Y)
	} else {
		fpSquare(&lambda, &p.X)
		t.Double(&lambda)
		lambda.Add(&lambda, &t)
	}
	fpMul(&lambda, &lambda, &b.den[b.nd])
	b.nd++
	fpSquare(&x3, &lambda)
	x3.Sub(&x3, &p.X).Sub(&x3, &q.X)
	t.Sub(&p.X, &x3)
	fpMul(&y3, &lambda, &t)
	y3.Sub(&y3, &p.Y)
	dst.X, dst.Y = x3, y3
}
