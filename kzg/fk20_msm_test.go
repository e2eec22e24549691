package kzg

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"testing"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
)

func TestSignedDigits(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	var minusOne fr.Element
	minusOne.SetOne().Neg(&minusOne)
	cases := []fr.Element{{}, minusOne}
	for range 200 {
		var s fr.Element
		s.SetUint64(rng.Uint64())
		var x fr.Element
		x.SetUint64(rng.Uint64())
		s.Mul(&s, &x).Square(&s)
		cases = append(cases, s)
	}
	// Bytes 0x7f, 0x80, 0xff next to each other exercise every carry path.
	var edge fr.Element
	edge.SetBigInt(new(big.Int).SetBytes([]byte{0x12, 0xff, 0x80, 0x7f, 0xff, 0xff, 0x80, 0x00, 0x80}))
	cases = append(cases, edge)
	for _, s := range cases {
		var d [msmWindows]int8
		signedDigits(&d, &s)
		got := new(big.Int)
		for w := msmWindows - 1; w >= 0; w-- {
			got.Lsh(got, msmWindowBits)
			got.Add(got, big.NewInt(int64(d[w])))
		}
		if want := s.BigInt(new(big.Int)); got.Cmp(want) != 0 {
			t.Fatalf("digits of %s recombine to %s", want, got)
		}
	}
}

// TestFixedBaseBuckets runs the bucket accumulation on adversarial tables:
// equal points, opposite points and infinity in the same bucket exercise
// every exceptional case of the affine additions.
func TestFixedBaseBuckets(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	var pool []bls12381.G1Affine
	for range 3 {
		p := randomG1(rng, false)
		var n bls12381.G1Affine
		n.Neg(&p)
		pool = append(pool, p, n)
	}
	pool = append(pool, bls12381.G1Affine{}) // infinity
	digitSet := []int8{1, -1, 2, -2, 127, -128, 0, 5}
	for _, tc := range []struct{ nMSM, perMSM int }{{1, 1}, {1, 2}, {3, 64}, {2, 500}} {
		t.Run(fmt.Sprintf("%dx%d", tc.nMSM, tc.perMSM), func(t *testing.T) {
			total := (tc.nMSM + 1) * tc.perMSM // MSM 0 is skipped: first = 1
			table := make([]bls12381.G1Affine, total)
			digits := make([]int8, total)
			for i := range table {
				table[i] = pool[rng.IntN(len(pool))]
				digits[i] = digitSet[rng.IntN(len(digitSet))]
			}
			s := newMSMScratch(tc.nMSM*msmBuckets, tc.nMSM*tc.perMSM)
			s.gather(table, digits, 1, tc.nMSM, tc.perMSM)
			s.accumulate(tc.nMSM * msmBuckets)
			buckets := make([]bls12381.G1Affine, tc.nMSM*msmBuckets)
			for g := range tc.nMSM {
				s.buckets(buckets[g*msmBuckets:], g)
			}
			sums := make([]bls12381.G1Jac, tc.nMSM)
			reduceBuckets(sums, buckets)
			for g := range tc.nMSM {
				got := sums[g]
				var want bls12381.G1Jac
				for i := (1 + g) * tc.perMSM; i < (2+g)*tc.perMSM; i++ {
					var p bls12381.G1Jac
					p.FromAffine(&table[i])
					p.ScalarMultiplication(&p, big.NewInt(int64(digits[i])))
					want.AddAssign(&p)
				}
				if !got.Equal(&want) {
					t.Fatalf("MSM %d: bucket method differs from the naive sum", g)
				}
			}
		})
	}
}
