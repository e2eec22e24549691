package kzg

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"testing"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
)

// TestG1BatchMul checks the lockstep GLV multiplication against gnark's
// scalar multiplication, with infinity among the points and the scalars 0,
// 1, 2, r-1, lambda and lambda+1 (GLV halves (0,1) and (1,1)) among the scalars.
func TestG1BatchMul(t *testing.T) {
	glv, err := newGLVParams()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(71, 72))
	rMinus1 := new(big.Int).Sub(fr.Modulus(), big.NewInt(1))
	special := []*big.Int{big.NewInt(0), big.NewInt(1), big.NewInt(2), rMinus1, &glv.lambda,
		new(big.Int).Add(&glv.lambda, big.NewInt(1))}
	for _, n := range []int{1, 2, 7, 64} {
		t.Run(fmt.Sprintf("n=%d", n), func(t *testing.T) {
			pts := make([]bls12381.G1Jac, n)
			want := make([]bls12381.G1Jac, n)
			scalars := make([]*glvScalar, n)
			for i := range pts {
				p := randomG1(rng, true)
				pts[i].FromAffine(&p)
				var s big.Int
				if i < len(special) {
					s.Set(special[i])
				} else {
					var e fr.Element
					e.SetUint64(rng.Uint64()).Square(&e).Square(&e)
					e.BigInt(&s)
				}
				sc := glv.recode(&s)
				scalars[i] = &sc
				want[i].ScalarMultiplication(&pts[i], &s)
			}
			m := newG1BatchMul(glv)
			m.mul(pts, scalars)
			for i := range pts {
				if !pts[i].Equal(&want[i]) {
					t.Fatalf("point %d differs", i)
				}
			}
		})
	}
}
