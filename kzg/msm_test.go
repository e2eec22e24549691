package kzg

import (
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
)

func TestGLVSplit(t *testing.T) {
	v, err := NewVerifier()
	if err != nil {
		t.Fatal(err)
	}
	var lam big.Int
	v.glvLambda.BigInt(&lam)
	if want := new(big.Int).SetUint64(glvLambda1); new(big.Int).Rsh(&lam, 64).Cmp(want) != 0 ||
		new(big.Int).And(&lam, new(big.Int).SetUint64(^uint64(0))).Uint64() != glvLambda0 {
		t.Fatal("glvLambda words differ from the verifier's lambda")
	}
	mu := new(big.Int).Lsh(big.NewInt(1), 256)
	mu.Div(mu, &lam)
	if want := words3(glvMu0, glvMu1, glvMu2); mu.Cmp(want) != 0 {
		t.Fatal("glvMu is not floor(2^256 / lambda)")
	}
	r := fr.Modulus()
	var cases []*big.Int
	for _, d := range []int64{-2, -1, 0, 1, 2} {
		for _, m := range []*big.Int{big.NewInt(0), &lam, new(big.Int).Lsh(&lam, 1),
			new(big.Int).Mul(&lam, &lam), new(big.Int).Mul(&lam, new(big.Int).Add(&lam, big.NewInt(1))), r} {
			c := new(big.Int).Add(m, big.NewInt(d))
			if c.Sign() >= 0 && c.Cmp(r) < 0 {
				cases = append(cases, c)
			}
		}
	}
	rng := rand.New(rand.NewPCG(21, 22))
	for range 2000 {
		var s fr.Element
		s.SetUint64(rng.Uint64())
		s.Mul(&s, &s).Mul(&s, &s).Mul(&s, &s)
		cases = append(cases, s.BigInt(new(big.Int)))
	}
	for _, c := range cases {
		var s fr.Element
		s.SetBigInt(c)
		k1, k2 := glvSplit(&s)
		b1 := words3(k1[0], k1[1], 0)
		b2 := words3(k2[0], k2[1], 0)
		if b1.Cmp(&lam) >= 0 {
			t.Fatalf("split of %v: k1 = %v >= lambda", c, b1)
		}
		sum := new(big.Int).Mul(b2, &lam)
		if sum.Add(sum, b1); sum.Cmp(c) != 0 {
			t.Fatalf("split of %v: %v + lambda*%v != s", c, b1, b2)
		}
	}
}

func words3(w0, w1, w2 uint64) *big.Int {
	b := new(big.Int).SetUint64(w2)
	b.Lsh(b, 64).Or(b, new(big.Int).SetUint64(w1))
	return b.Lsh(b, 64).Or(b, new(big.Int).SetUint64(w0))
}

func TestMSMSetScalar(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	for _, bits := range []int{64, 128} {
		for _, n := range []int{1, 3, 100, 5000} {
			m := newMSMTerms(make([]bls12381.G1Affine, n), bits)
			for i := range min(n, 50) {
				k := make([]uint64, bits/64)
				for j := range k {
					switch (i + j) % 4 {
					case 0:
						k[j] = ^uint64(0)
					case 1:
						k[j] = 0x8080808080808080
					default:
						k[j] = rng.Uint64()
					}
				}
				m.setScalar(i, k)
				got := new(big.Int)
				half := 1 << (m.c - 1)
				for w := m.windows - 1; w >= 0; w-- {
					d := int(m.digits[w*n+i])
					if d < -half || d > half {
						t.Fatalf("digit %d outside [-%d, %d]", d, half, half)
					}
					got.Lsh(got, uint(m.c)).Add(got, big.NewInt(int64(d)))
				}
				want := new(big.Int)
				for j := len(k) - 1; j >= 0; j-- {
					want.Lsh(want, 64).Or(want, new(big.Int).SetUint64(k[j]))
				}
				if got.Cmp(want) != 0 {
					t.Fatalf("bits=%d n=%d c=%d: digits give %v, want %v", bits, n, m.c, got, want)
				}
			}
		}
	}
}

// TestMultiExp compares multiExp with gnark's MultiExp on random inputs and
// on adversarial ones: repeated, opposite and infinite points and zero or
// all-ones scalars put equal and opposite points in the same buckets and
// suffix sums.
func TestMultiExp(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	var pool []bls12381.G1Affine
	for range 40 {
		pool = append(pool, randG1(rng))
	}
	var scratch msmPool // shared by all cases: recycled memory must not leak between them
	sizes := []int{0, 1, 2, 5, 33, 130}
	if heavy {
		sizes = append(sizes, 700)
	}
	for _, n := range sizes {
		for _, adversarial := range []bool{false, true} {
			pts := make([]bls12381.G1Affine, n)
			for i := range pts {
				pts[i] = pool[rng.IntN(len(pool))]
				if adversarial {
					switch rng.IntN(4) {
					case 0:
						pts[i] = pool[0]
					case 1:
						pts[i].Neg(&pool[0])
					case 2:
						pts[i] = bls12381.G1Affine{}
					}
				}
			}
			for _, bits := range []int{64, 128} {
				sc := make([]fr.Element, n)
				m := newMSMTerms(pts, bits)
				for i := range n {
					k := make([]uint64, bits/64)
					for j := range k {
						k[j] = rng.Uint64()
						if adversarial {
							switch rng.IntN(3) {
							case 0:
								k[j] = 0
							case 1:
								k[j] = ^uint64(0)
							}
						}
					}
					m.setScalar(i, k)
					b := new(big.Int)
					for j := len(k) - 1; j >= 0; j-- {
						b.Lsh(b, 64).Or(b, new(big.Int).SetUint64(k[j]))
					}
					sc[i].SetBigInt(b)
				}
				var want bls12381.G1Jac
				if n > 0 {
					if _, err := want.MultiExp(pts, sc, ecc.MultiExpConfig{}); err != nil {
						t.Fatal(err)
					}
				}
				// A second MSM in the same call (different window width)
				// checks that jobs of several MSMs do not interfere.
				m2 := newMSMTerms(pts[:n/2], 64)
				var want2 bls12381.G1Jac
				sc2 := make([]fr.Element, n/2)
				for i := range n / 2 {
					k := rng.Uint64()
					m2.setScalar(i, []uint64{k})
					sc2[i].SetUint64(k)
				}
				if n/2 > 0 {
					if _, err := want2.MultiExp(pts[:n/2], sc2, ecc.MultiExpConfig{}); err != nil {
						t.Fatal(err)
					}
				}
				for _, workers := range []int{1, 3} {
					var got [2]bls12381.G1Jac
					multiExp(got[:], []*msmTerms{m, m2}, workers, &scratch)
					if !got[0].Equal(&want) || !got[1].Equal(&want2) {
						t.Fatalf("n=%d adversarial=%v bits=%d workers=%d: wrong sum", n, adversarial, bits, workers)
					}
				}
			}
		}
	}
}
