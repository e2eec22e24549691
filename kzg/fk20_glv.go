package kzg

import (
	"errors"
	"math/big"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fp"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
)

// Batched scalar multiplication for the G1 FFTs.
//
// A radix-2 FFT stage multiplies many independent points by twiddles. gnark's
// GLV multiplication costs about 128 Jacobian doublings and 64 Jacobian
// additions per point; here all the multiplications of a stage advance in
// lockstep in affine coordinates, so each doubling or addition step of all
// points shares one field inversion (Montgomery's trick): about 7 field
// multiplications per doubling and 6 per addition instead of 9-10 and 11-16.
//
// GLV: with x0 the BLS parameter, lambda = x0^2 - 1 satisfies
// r = lambda^2 + lambda + 1, so lambda is a cube root of unity mod r and
// phi(x, y) = (beta*x, y), beta a cube root of unity mod p, acts on G1 as
// multiplication by lambda (for the right choice of beta). A scalar
// s < r splits as s = k2*lambda + k1 with k1 < lambda < 2^128 and
// k2 <= lambda + 1, so [s]P = [k1]P + [k2]phi(P) needs 128 doublings.

const (
	glvWindowBits = 4
	glvTable      = 1 << (glvWindowBits - 1) // odd and even multiples 1..8 of P
	glvWindows    = 129/glvWindowBits + 1    // 129-bit halves, plus a final carry
)

// glvScalar is a scalar recoded for the lockstep multiplication: signed
// base-16 digits in [-8, 7] of its two GLV halves, most significant window
// last.
type glvScalar struct {
	d1, d2 [glvWindows]int8
	one    bool // the scalar is 1: no multiplication at all
}

// glvParams holds beta and lambda. Immutable.
type glvParams struct {
	lambda big.Int
	beta   fp.Element
}

var errGLV = errors.New("kzg: GLV endomorphism check failed")

// newGLVParams derives beta from lambda and checks phi = [lambda] on the
// generator, so that no unchecked constant enters the arithmetic.
func newGLVParams() (*glvParams, error) {
	g := &glvParams{}
	g.lambda.SetString("228988810152649578064853576960394133503", 10) // x0^2 - 1
	var r big.Int
	r.Mul(&g.lambda, &g.lambda).Add(&r, &g.lambda).Add(&r, big.NewInt(1))
	if r.Cmp(fr.Modulus()) != 0 {
		return nil, errGLV
	}
	// A primitive cube root of unity mod p: c^((p-1)/3) for a non-cube c.
	var e big.Int
	e.Sub(fp.Modulus(), big.NewInt(1)).Div(&e, big.NewInt(3))
	for c := uint64(2); ; c++ {
		var b fp.Element
		b.SetUint64(c).Exp(b, &e)
		if !b.IsOne() {
			g.beta = b
			break
		}
	}
	_, _, gen, _ := bls12381.Generators()
	var want bls12381.G1Affine
	want.ScalarMultiplication(&gen, &g.lambda)
	for range 2 {
		var phi bls12381.G1Affine
		phi.X.Mul(&gen.X, &g.beta)
		phi.Y = gen.Y
		if phi.Equal(&want) {
			return g, nil
		}
		g.beta.Square(&g.beta) // the other cube root
	}
	return nil, errGLV
}

// recode splits s (< r) into its GLV halves and their signed digits.
func (g *glvParams) recode(s *big.Int) glvScalar {
	var out glvScalar
	out.one = s.Cmp(big.NewInt(1)) == 0
	var k1, k2 big.Int
	k2.QuoRem(s, &g.lambda, &k1)
	signedNibbles(&out.d1, &k1)
	signedNibbles(&out.d2, &k2)
	return out
}

// signedNibbles writes k (0 <= k < 2^129) as sum_w d_w 16^w, d_w in [-8, 7].
func signedNibbles(dst *[glvWindows]int8, k *big.Int) {
	carry := uint(0)
	for w := range glvWindows {
		v := carry
		for b := range glvWindowBits {
			v += k.Bit(w*glvWindowBits+b) << b
		}
		if v >= glvTable {
			dst[w] = int8(int(v) - 2*glvTable)
			carry = 1
		} else {
			dst[w] = int8(v)
			carry = 0
		}
	}
}

// g1BatchMul is the working memory of lockstep multiplications; one per
// goroutine.
type g1BatchMul struct {
	glv      *glvParams
	acc      []bls12381.G1Affine // running results
	tab      []bls12381.G1Affine // per point: 1P..8P
	add      []bls12381.G1Affine // per point: the addend of the current step
	act      []int32             // points taking part in the current step
	den, pre []fp.Element
}

func newG1BatchMul(glv *glvParams) *g1BatchMul { return &g1BatchMul{glv: glv} }

func (m *g1BatchMul) grow(n int) {
	if cap(m.acc) < n {
		m.acc = make([]bls12381.G1Affine, n)
		m.tab = make([]bls12381.G1Affine, n*glvTable)
		m.add = make([]bls12381.G1Affine, n)
		m.act = make([]int32, n)
		m.den = make([]fp.Element, n)
		m.pre = make([]fp.Element, n)
	}
	m.acc, m.tab, m.add = m.acc[:n], m.tab[:n*glvTable], m.add[:n]
}

// mul sets pts[i] = [s_i] pts[i] for all i.
func (m *g1BatchMul) mul(pts []bls12381.G1Jac, scalars []*glvScalar) {
	n := len(pts)
	m.grow(n)
	// Affine inputs, normalised with one inversion.
	toAffine(m.add, pts, m.den, m.pre)

	// Tables: T[0] = P, T[1] = 2P, T[d] = T[d-1] + P.
	act := m.act[:0]
	for i := range n {
		if !scalars[i].one {
			act = append(act, int32(i))
			m.tab[int(i)*glvTable] = m.add[i]
			m.acc[i] = m.add[i]
		}
	}
	m.act = act
	m.double()
	for _, i := range act {
		m.tab[int(i)*glvTable+1] = m.acc[i]
	}
	for d := 2; d < glvTable; d++ {
		for _, i := range act {
			m.add[i] = m.tab[int(i)*glvTable]
		}
		m.addStep(act)
		for _, i := range act {
			m.tab[int(i)*glvTable+d] = m.acc[i]
		}
	}

	for _, i := range act {
		m.acc[i] = bls12381.G1Affine{}
	}
	sel := make([]int32, 0, len(act))
	for w := glvWindows - 1; w >= 0; w-- {
		if w != glvWindows-1 {
			for range glvWindowBits {
				m.double()
			}
		}
		for half := range 2 {
			sel = sel[:0]
			for _, i := range act {
				d := scalars[i].d1[w]
				if half == 1 {
					d = scalars[i].d2[w]
				}
				if d == 0 {
					continue
				}
				t := &m.tab[int(i)*glvTable+int(abs8(d))-1]
				q := &m.add[i]
				q.X, q.Y = t.X, t.Y
				if half == 1 && !t.IsInfinity() {
					q.X.Mul(&q.X, &m.glv.beta)
				}
				if d < 0 {
					q.Y.Neg(&q.Y)
				}
				sel = append(sel, i)
			}
			m.addStep(sel)
		}
	}
	for _, i := range act {
		pts[i].FromAffine(&m.acc[i])
	}
}

func abs8(d int8) int8 {
	if d < 0 {
		return -d
	}
	return d
}

// double sets acc[i] = 2 acc[i] for the active points, sharing one inversion.
func (m *g1BatchMul) double() {
	k := 0
	for _, i := range m.act {
		a := &m.acc[i]
		if a.IsInfinity() {
			continue
		}
		m.den[k].Double(&a.Y) // y != 0: G1 has no point of order 2
		k++
	}
	if k == 0 {
		return
	}
	batchInvertFp(m.den[:k], m.pre[:k])
	k = 0
	for _, i := range m.act {
		a := &m.acc[i]
		if a.IsInfinity() {
			continue
		}
		var lambda, t, x3, y3 fp.Element
		lambda.Square(&a.X)
		t.Double(&lambda)
		lambda.Add(&lambda, &t).Mul(&lambda, &m.den[k]) // 3x^2 / 2y
		x3.Square(&lambda).Sub(&x3, &a.X).Sub(&x3, &a.X)
		t.Sub(&a.X, &x3)
		y3.Mul(&lambda, &t).Sub(&y3, &a.Y)
		a.X, a.Y = x3, y3
		k++
	}
}

// addStep sets acc[i] += add[i] for i in sel, sharing one inversion.
func (m *g1BatchMul) addStep(sel []int32) {
	batchAddAffine(m.acc, m.add, sel, m.den, m.pre)
}

// batchAddAffine sets acc[i] += add[i] for i in sel with affine additions
// sharing one field inversion; den and pre are scratch of len >= len(sel).
// Equal abscissas (doubling or opposite points) and infinity take gnark's
// general addition; for the prover's inputs they are rare.
func batchAddAffine(acc, add []bls12381.G1Affine, sel []int32, den, pre []fp.Element) {
	k := 0
	for _, i := range sel {
		a, q := &acc[i], &add[i]
		if a.IsInfinity() || q.IsInfinity() || a.X.Equal(&q.X) {
			continue
		}
		den[k].Sub(&q.X, &a.X)
		k++
	}
	if k > 0 {
		batchInvertFp(den[:k], pre[:k])
	}
	k = 0
	for _, i := range sel {
		a, q := &acc[i], &add[i]
		switch {
		case q.IsInfinity():
			continue
		case a.IsInfinity():
			*a = *q
			continue
		case a.X.Equal(&q.X):
			a.Add(a, q)
			continue
		}
		var lambda, t, x3, y3 fp.Element
		lambda.Sub(&q.Y, &a.Y).Mul(&lambda, &den[k])
		x3.Square(&lambda).Sub(&x3, &a.X).Sub(&x3, &q.X)
		t.Sub(&a.X, &x3)
		y3.Mul(&lambda, &t).Sub(&y3, &a.Y)
		a.X, a.Y = x3, y3
		k++
	}
}

// toAffine converts src to affine coordinates into dst with one inversion;
// den and pre are scratch of len(src).
func toAffine(dst []bls12381.G1Affine, src []bls12381.G1Jac, den, pre []fp.Element) {
	k := 0
	for i := range src {
		if !src[i].Z.IsZero() {
			den[k] = src[i].Z
			k++
		}
	}
	if k > 0 {
		batchInvertFp(den[:k], pre[:k])
	}
	k = 0
	for i := range src {
		if src[i].Z.IsZero() {
			dst[i] = bls12381.G1Affine{}
			continue
		}
		var zi2 fp.Element
		zi2.Square(&den[k])
		dst[i].X.Mul(&src[i].X, &zi2)
		dst[i].Y.Mul(&src[i].Y, &zi2).Mul(&dst[i].Y, &den[k])
		k++
	}
}
