package kzg

import (
	"fmt"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fp"
)

// g1Beta is the cube root of unity of the GLV endomorphism phi(x, y) =
// (beta*x, y) of G1, which acts as multiplication by lambda = z^2 - 1.
var g1Beta = func() fp.Element {
	var e fp.Element
	if _, err := e.SetString("0x" + glvBetaHex); err != nil {
		panic(err)
	}
	return e
}()

// decodeG1 decodes a compressed G1 point the way the consensus specs'
// bytes_to_kzg_commitment / bytes_to_kzg_proof (py_ecc + KeyValidate without
// the identity rule) do. gnark's G1Affine.SetBytes is not used because it
// also accepts uncompressed encodings when given more bytes and reports
// failures as unexported or string-only errors; each failure is mapped here:
//
//   - compression flag clear, or infinity flag with the sign flag, or
//     infinity flag with any other bit set: ErrInvalidPoint
//     (the only accepted infinity is 0xc0 followed by 47 zero bytes);
//   - x >= p: ErrInvalidPoint (non-canonical coordinate);
//   - x^3 + 4 not a square: ErrInvalidPoint (no point on the curve);
//   - point on the curve outside the order-r subgroup: ErrNotInSubgroup.
//
// The square root and the subgroup check (Scott's test, ePrint 2021/1130:
// P is in G1 iff -z^2*phi(P) = P, as gnark's IsInSubGroup) run on
// fpMul/fpSquare, which under wasm are about 1.6 times faster than gnark's
// generic field code; decoding is over a third of a verification's cost.
// TestDecodeG1MatchesReference and FuzzDecodePoint compare it with a
// decoder on gnark's own arithmetic.
func decodeG1(b *[48]byte) (bls12381.G1Affine, error) {
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
	fpSquare(&y2, &x)
	fpMul(&y2, &y2, &x)
	y2.Add(&y2, &four)
	if !fpSqrt(&y, &y2) {
		return p, fmt.Errorf("x is not the abscissa of a curve point: %w", ErrInvalidPoint)
	}
	if y.LexicographicallyLargest() != (flags&flagSign != 0) {
		y.Neg(&y)
	}
	p.X, p.Y = x, y
	if !inG1(&p, &g1Beta) {
		return bls12381.G1Affine{}, ErrNotInSubgroup
	}
	return p, nil
}
