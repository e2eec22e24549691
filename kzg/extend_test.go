package kzg

import (
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"

	"lightdas/erasure"
)

// proverHeavy scales iteration counts down under wasm (10-20x slower).
const proverHeavy = runtime.GOARCH != "wasm"

// randomG1 returns [s]G for a random s from rng (s = 0 gives infinity).
func randomG1(rng *rand.Rand, zeroOK bool) bls12381.G1Affine {
	_, _, g, _ := bls12381.Generators()
	var s fr.Element
	s.SetUint64(rng.Uint64())
	var t fr.Element
	t.SetUint64(rng.Uint64())
	s.Mul(&s, &t).Square(&s)
	if zeroOK && rng.IntN(4) == 0 {
		s.SetZero()
	}
	var p bls12381.G1Affine
	p.ScalarMultiplication(&g, s.BigInt(new(big.Int)))
	return p
}

func randomCommitments(rng *rand.Rand, k int) []Commitment {
	out := make([]Commitment, k)
	for i := range out {
		p := randomG1(rng, true)
		out[i] = CommitmentFromPoint(&p)
	}
	return out
}

// TestExtendCommitmentsMatchesLagrange checks the G1 FFT extension against
// its definition: row r's commitment is sum_i L_i(y_r) C_i with the weights
// of the erasure package, the reference for the row convention.
func TestExtendCommitmentsMatchesLagrange(t *testing.T) {
	ks := []int{1, 2, 4, 8, 16, 32, 64}
	if !proverHeavy {
		ks = []int{1, 2, 4, 8}
	}
	rng := rand.New(rand.NewPCG(21, 22))
	for _, k := range ks {
		t.Run(fmt.Sprintf("k=%d", k), func(t *testing.T) {
			originals := randomCommitments(rng, k)
			before := slices.Clone(originals)
			got, err := ExtendCommitments(originals)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(originals, before) {
				t.Fatal("input modified")
			}
			if len(got) != 2*k || !slices.Equal(got[:k], originals) {
				t.Fatalf("got %d commitments, want the %d originals first then %d derived", len(got), k, k)
			}
			pts := make([]bls12381.G1Affine, k)
			for i := range pts {
				if pts[i], err = originals[i].Point(); err != nil {
					t.Fatal(err)
				}
			}
			for r := k; r < 2*k; r++ {
				w, err := erasure.LagrangeWeights(k, r)
				if err != nil {
					t.Fatal(err)
				}
				var want bls12381.G1Affine
				if _, err := want.MultiExp(pts, w, ecc.MultiExpConfig{}); err != nil {
					t.Fatal(err)
				}
				if got[r] != CommitmentFromPoint(&want) {
					t.Fatalf("row %d differs from sum_i L_i(y_r) C_i", r)
				}
			}
		})
	}
}

func TestExtendCommitmentsRejectsBadInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	good := randomCommitments(rng, 4)

	offCurve := good[1]
	offCurve[47] ^= 1 // almost surely no curve point has this x
	for {
		if _, err := offCurve.Point(); errors.Is(err, ErrInvalidPoint) {
			break
		}
		offCurve[46]++
	}
	notInSubgroup := nonSubgroupCommitment(t)

	cases := []struct {
		name  string
		in    []Commitment
		want  error
		index int // of the *IndexError naming the commitment, or -1
	}{
		{"none", nil, ErrInput, -1},
		{"three", good[:3], ErrInput, -1},
		{"128", make([]Commitment, 128), ErrInput, -1},
		{"no compression flag", []Commitment{good[0], {}}, ErrInvalidPoint, 1},
		{"off curve", []Commitment{good[0], good[1], offCurve, good[3]}, ErrInvalidPoint, 2},
		{"not in subgroup", []Commitment{notInSubgroup}, ErrNotInSubgroup, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := slices.Clone(tc.in)
			out, err := ExtendCommitments(tc.in)
			if out != nil || !errors.Is(err, tc.want) {
				t.Fatalf("got (%d commitments, %v), want %v", len(out), err, tc.want)
			}
			if tc.index >= 0 {
				var ie *IndexError
				if !errors.As(err, &ie) || ie.What != "commitment" || ie.Index != tc.index {
					t.Fatalf("%v does not name commitment %d", err, tc.index)
				}
			}
			if !slices.Equal(before, tc.in) {
				t.Fatal("input modified")
			}
		})
	}
}

// nonSubgroupCommitment encodes a curve point outside G1: the curve has a
// large cofactor, so the point of smallest valid x >= 1 is almost surely not
// in the subgroup (checked).
func nonSubgroupCommitment(t *testing.T) Commitment {
	t.Helper()
	for x := uint64(1); ; x++ {
		var c Commitment
		c[0] = 0x80
		big.NewInt(int64(x)).FillBytes(c[1:])
		_, err := c.Point()
		if errors.Is(err, ErrNotInSubgroup) {
			return c
		}
	}
}

// FuzzExtendCommitments feeds arbitrary bytes as commitments (a light client
// decodes them from headers): ExtendCommitments either fails with a typed
// error or returns the originals followed by valid derived points.
func FuzzExtendCommitments(f *testing.F) {
	rng := rand.New(rand.NewPCG(25, 26))
	for _, k := range []int{1, 2, 4} {
		var seed []byte
		for _, c := range randomCommitments(rng, k) {
			seed = append(seed, c[:]...)
		}
		f.Add(seed)
	}
	f.Add([]byte{})
	f.Add(make([]byte, 48))
	inf := Commitment{0xc0}
	f.Add(append(inf[:], inf[:]...))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data)%BytesPerCommitment != 0 || len(data) > 8*BytesPerCommitment {
			return // the API takes whole commitments; keep execs cheap
		}
		in := make([]Commitment, len(data)/BytesPerCommitment)
		for i := range in {
			in[i] = Commitment(data[i*BytesPerCommitment:])
		}
		out, err := ExtendCommitments(in)
		if err != nil {
			if !errors.Is(err, ErrInput) && !errors.Is(err, ErrInvalidPoint) && !errors.Is(err, ErrNotInSubgroup) {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		if len(out) != 2*len(in) || !slices.Equal(out[:len(in)], in) {
			t.Fatalf("bad output shape for %d inputs", len(in))
		}
		for i, c := range out {
			if _, err := c.Point(); err != nil {
				t.Fatalf("derived commitment %d does not decode: %v", i, err)
			}
		}
	})
}
