package kzg

import (
	"math/big"
	"math/rand/v2"
	"testing"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fp"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
)

// g1Cofactor is #E(Fp) / r = 3 * 11^2 * 10177^2 * 859267^2 * 52437899^2.
func g1Cofactor() *big.Int {
	h, _ := new(big.Int).SetString("396c8c005555e1568c00aaab0000aaab", 16)
	return h
}

// randG1 returns a random point of G1.
func randG1(rng *rand.Rand) bls12381.G1Affine {
	_, _, g, _ := bls12381.Generators()
	var s fr.Element
	s.SetUint64(rng.Uint64())
	var x fr.Element
	x.SetUint64(rng.Uint64())
	s.Mul(&s, &x).Square(&s)
	var p bls12381.G1Affine
	p.ScalarMultiplication(&g, s.BigInt(new(big.Int)))
	return p
}

// randCurvePoint returns a random point of E(Fp) (almost surely not in G1).
func randCurvePoint(rng *rand.Rand) bls12381.G1Affine {
	for {
		x := randFp(rng)
		var y2, y, four fp.Element
		four.SetUint64(4)
		y2.Square(&x).Mul(&y2, &x).Add(&y2, &four)
		if y.Sqrt(&y2) != nil {
			if rng.IntN(2) == 0 {
				y.Neg(&y)
			}
			return bls12381.G1Affine{X: x, Y: y}
		}
	}
}

// mulAny returns [k]p by double-and-add with gnark's generic Jacobian
// arithmetic, valid for points outside G1 (gnark's ScalarMultiplication
// uses the GLV endomorphism, which is [lambda] on G1 only).
func mulAny(p *bls12381.G1Affine, k *big.Int) bls12381.G1Affine {
	var acc bls12381.G1Jac
	acc.X.SetOne()
	acc.Y.SetOne()
	for i := k.BitLen() - 1; i >= 0; i-- {
		acc.DoubleAssign()
		if k.Bit(i) == 1 {
			acc.AddMixed(p)
		}
	}
	var out bls12381.G1Affine
	out.FromJacobian(&acc)
	return out
}

// subgroupCases returns points with the expected G1 membership: points of
// G1, random curve points, points of small order l (l | cofactor), G1
// points plus such a point, and pure cofactor-part points [r]R.
func subgroupCases(rng *rand.Rand, n int) (pts []bls12381.G1Affine, in []bool) {
	_, _, g, _ := bls12381.Generators()
	var negG bls12381.G1Affine
	negG.Neg(&g)
	pts = append(pts, g, negG)
	in = append(in, true, true)
	for range n {
		pts = append(pts, randG1(rng), randCurvePoint(rng))
		in = append(in, true, false)
	}
	r, h := fr.Modulus(), g1Cofactor()
	// Points of order l for each prime l of the cofactor: the l-primary
	// part [r h / l^e] R of a random point, multiplied by l until [l] kills
	// it.
	for _, l := range []int64{3, 11, 10177, 859267, 52437899} {
		k := new(big.Int).Mul(r, h)
		bl := big.NewInt(l)
		for new(big.Int).Mod(k, bl).Sign() == 0 {
			k.Div(k, bl)
		}
		for {
			tp := mulAny(ptr(randCurvePoint(rng)), k)
			if tp.IsInfinity() {
				continue
			}
			for o := mulAny(&tp, bl); !o.IsInfinity(); o = mulAny(&tp, bl) {
				tp = o
			}
			var sum bls12381.G1Affine
			g1 := randG1(rng)
			sum.Add(&g1, &tp)
			pts = append(pts, tp, sum)
			in = append(in, false, false)
			break
		}
	}
	for range 2 {
		c := mulAny(ptr(randCurvePoint(rng)), r)
		pts = append(pts, c)
		in = append(in, false)
	}
	return pts, in
}

func ptr[T any](v T) *T { return &v }

func TestInG1(t *testing.T) {
	n := 8
	if heavy {
		n = 100
	}
	pts, in := subgroupCases(rand.New(rand.NewPCG(11, 12)), n)
	for i := range pts {
		p := &pts[i]
		if !p.IsOnCurve() || p.IsInfinity() {
			t.Fatalf("case %d: not a finite curve point", i)
		}
		if ref := p.IsInSubGroup(); ref != in[i] {
			t.Fatalf("case %d: gnark says %v, want %v", i, ref, in[i])
		}
		if got := inG1(p, &g1Beta); got != in[i] {
			t.Fatalf("case %d: inG1 = %v, want %v", i, got, in[i])
		}
	}
}

func TestJacobianArithmetic(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	// Points outside G1 too: the formulas do not depend on the subgroup.
	var pts []bls12381.G1Affine
	for range 6 {
		pts = append(pts, randG1(rng), randCurvePoint(rng))
	}
	var inf bls12381.G1Affine
	pts = append(pts, inf)
	jac := func(p *bls12381.G1Affine, scale uint64) bls12381.G1Jac {
		// A non-trivial Z: (X s^2, Y s^3, s).
		var j bls12381.G1Jac
		j.FromAffine(p)
		if !j.Z.IsZero() {
			var s, s2 fp.Element
			s.SetUint64(scale)
			s2.Square(&s)
			j.X.Mul(&j.X, &s2)
			j.Y.Mul(&j.Y, &s2).Mul(&j.Y, &s)
			j.Z.Mul(&j.Z, &s)
		}
		return j
	}
	same := func(a *bls12381.G1Jac, b *bls12381.G1Affine) bool {
		var aa bls12381.G1Affine
		aa.FromJacobian(a)
		return aa.Equal(b)
	}
	for i := range pts {
		for j := range pts {
			p, q := &pts[i], &pts[j]
			var negQ bls12381.G1Affine
			negQ.Neg(q)
			for _, qq := range []*bls12381.G1Affine{q, &negQ, p} {
				var want bls12381.G1Affine
				want.Add(p, qq)
				a := jac(p, 7)
				jacAddMixed(&a, qq)
				if !same(&a, &want) {
					t.Fatalf("jacAddMixed(%d, %d) wrong", i, j)
				}
				a = jac(p, 5)
				b := jac(qq, 9)
				jacAdd(&a, &b)
				if !same(&a, &want) {
					t.Fatalf("jacAdd(%d, %d) wrong", i, j)
				}
			}
		}
		var want bls12381.G1Affine
		want.Double(&pts[i])
		a := jac(&pts[i], 3)
		jacDouble(&a)
		if !same(&a, &want) {
			t.Fatalf("jacDouble(%d) wrong", i)
		}
	}
}

func TestAffineBatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	var pool []bls12381.G1Affine
	for range 4 {
		p := randG1(rng)
		var n bls12381.G1Affine
		n.Neg(&p)
		pool = append(pool, p, n)
	}
	pool = append(pool, bls12381.G1Affine{})
	var ab affineBatch
	for round := range 3 {
		var ps, qs []bls12381.G1Affine
		for i := range pool {
			for j := range pool {
				if (i+j+round)%2 == 0 {
					ps = append(ps, pool[i])
					qs = append(qs, pool[j])
				}
			}
		}
		ab.reset()
		for i := range ps {
			ab.push(&ps[i], &qs[i])
		}
		ab.invert()
		for i := range ps {
			var want bls12381.G1Affine
			want.Add(&ps[i], &qs[i])
			p := ps[i]
			ab.sum(&p, &p, &qs[i]) // aliased output
			if !p.Equal(&want) {
				t.Fatalf("round %d, pair %d: wrong sum", round, i)
			}
		}
	}
}
