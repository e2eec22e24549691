package kzg

import (
	"bytes"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"testing"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fp"
)

// decodeCases returns compressed encodings exercising every rule of
// decodeG1: points of G1 and outside it (with small-order components),
// infinity in canonical and non-canonical forms, bad flags, x >= p and x
// off the curve.
func decodeCases(t testing.TB, rng *rand.Rand, n int) [][48]byte {
	pts, _ := subgroupCases(rng, n)
	var out [][48]byte
	for i := range pts {
		out = append(out, pts[i].Bytes())
		var neg bls12381.G1Affine
		neg.Neg(&pts[i])
		out = append(out, neg.Bytes())
	}
	out = append(out,
		[48]byte{0xc0}, [48]byte{0xe0}, [48]byte{0x40}, [48]byte{0xc1}, [48]byte{},
		[48]byte{0x80}, [48]byte{0xa0}, [48]byte(bytes.Repeat([]byte{0xff}, 48)),
		offCurveX(t), onCurveNotG1(t))
	inf := [48]byte{0xc0}
	inf[47] = 1
	out = append(out, inf)
	// x = p and x = p + 1 with the compression flag, x = p - 1.
	for _, d := range []int64{0, 1, -1} {
		var b [48]byte
		x := new(big.Int).Add(fp.Modulus(), big.NewInt(d))
		x.FillBytes(b[:])
		b[0] |= flagCompressed
		out = append(out, b)
	}
	// Random bytes under each flag combination.
	for range n {
		var b [48]byte
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		b[0] = b[0]&0x1f | byte(rng.IntN(8))<<5
		out = append(out, b)
	}
	return out
}

// decodeG1Reference is decodeG1 on gnark's own arithmetic (Sqrt,
// IsInSubGroup): the reference the fast decoder is compared with.
func decodeG1Reference(b *[48]byte) (bls12381.G1Affine, error) {
	var p bls12381.G1Affine
	flags := b[0] & flagMask
	if flags&flagCompressed == 0 {
		return p, fmt.Errorf("compression flag not set: %w", ErrInvalidPoint)
	}
	if flags&flagInfinity != 0 {
		if flags&flagSign != 0 || b[0]&^flagMask != 0 || !allZero(b[1:]) {
			return p, fmt.Errorf("non-canonical point at infinity: %w", ErrInvalidPoint)
		}
		return p, nil
	}
	var xb [fp.Bytes]byte
	copy(xb[:], b[:])
	xb[0] &^= flagMask
	x, err := fp.BigEndian.Element(&xb)
	if err != nil {
		return p, fmt.Errorf("x coordinate not below the field modulus: %w", ErrInvalidPoint)
	}
	var y2, y, four fp.Element
	four.SetUint64(4)
	y2.Square(&x).Mul(&y2, &x).Add(&y2, &four)
	if y.Sqrt(&y2) == nil {
		return p, fmt.Errorf("x is not the abscissa of a curve point: %w", ErrInvalidPoint)
	}
	if y.LexicographicallyLargest() != (flags&flagSign != 0) {
		y.Neg(&y)
	}
	p.X, p.Y = x, y
	if !p.IsInSubGroup() {
		return bls12381.G1Affine{}, ErrNotInSubgroup
	}
	return p, nil
}

// sameDecoding fails unless decodeG1 and decodeG1Reference agree on in: the
// same point, or the same error.
func sameDecoding(t *testing.T, in *[48]byte) {
	t.Helper()
	got, err := decodeG1(in)
	want, refErr := decodeG1Reference(in)
	switch {
	case (err == nil) != (refErr == nil):
		t.Fatalf("%x: decodeG1 error %v, reference error %v", in[:], err, refErr)
	case err != nil && err.Error() != refErr.Error():
		t.Fatalf("%x: decodeG1 error %q, reference error %q", in[:], err, refErr)
	case err != nil:
		for _, typed := range typedErrors {
			if errors.Is(err, typed) != errors.Is(refErr, typed) {
				t.Fatalf("%x: errors differ in kind: %v, %v", in[:], err, refErr)
			}
		}
	case got != want:
		t.Fatalf("%x: decodeG1 %v, reference %v", in[:], got, want)
	}
}

func TestDecodeG1MatchesReference(t *testing.T) {
	n := 6
	if heavy {
		n = 60
	}
	for _, in := range decodeCases(t, rand.New(rand.NewPCG(31, 32)), n) {
		sameDecoding(t, &in)
	}
}

func FuzzDecodePoint(f *testing.F) {
	addPointSeeds(f)
	for _, in := range decodeCases(f, rand.New(rand.NewPCG(33, 34)), 2) {
		f.Add(in[:])
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) != 48 {
			return // lengths are the byte types' concern
		}
		sameDecoding(t, (*[48]byte)(in))
	})
}

func BenchmarkDecodePoint(b *testing.B) {
	p := randG1(rand.New(rand.NewPCG(1, 1)))
	enc := p.Bytes()
	b.Run("gnark", func(b *testing.B) {
		for b.Loop() {
			decodeG1Reference(&enc)
		}
	})
	b.Run("lightdas", func(b *testing.B) {
		for b.Loop() {
			decodeG1(&enc)
		}
	})
}
