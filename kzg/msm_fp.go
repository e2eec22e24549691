package kzg

import (
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fp"
)

//go:generate go run ./internal/genfp -dir .

// Base-field arithmetic of the verifier's own curve code (point
// decompression, subgroup checks, multi-exponentiation).
//
// fpMul, fpSquare (and frMul in the scalar field) are gnark-crypto's on
// 64-bit targets with a wide multiply (its assembly on amd64 and arm64) and
// the 32-bit-word Montgomery code of msm_fp32.go (msm_fr32.go) on wasm,
// which has no 64x64->128-bit multiply and where that code is about 1.6
// times faster than gnark's generic one (BenchmarkFieldMul).
// Both compute the same Montgomery product, so values pass freely between
// them and the rest of gnark.

// sqrtExponent returns (p+1)/4, little-endian: p = 3 mod 4, so
// x^((p+1)/4) is a square root of x whenever x is a square.
func sqrtExponent() [6]uint64 {
	return [6]uint64{
		0xee7fbfffffffeaab, 0x07aaffffac54ffff, 0xd9cc34a83dac3d89,
		0xd91dd2e13ce144af, 0x92c6e9ed90d2eb35, 0x0680447a8e5ff9a6,
	}
}

// fpSqrt sets z to a square root of x and reports whether x is a square
// (z is then unspecified otherwise).
func fpSqrt(z, x *fp.Element) bool {
	var y fp.Element
	e := sqrtExponent()
	fpExp(&y, x, &e)
	var sq fp.Element
	fpSquare(&sq, &y)
	if !sq.Equal(x) {
		return false
	}
	*z = y
	return true
}

// fpExp sets z = x^e by left-to-right sliding windows of up to 5 bits
// (about 375 squarings and 80 multiplications for a 381-bit exponent).
func fpExp(z, x *fp.Element, e *[6]uint64) {
	const w = 5
	var odd [1 << (w - 1)]fp.Element // x^1, x^3, ..., x^31
	odd[0] = *x
	var x2 fp.Element
	fpSquare(&x2, x)
	for i := 1; i < len(odd); i++ {
		fpMul(&odd[i], &odd[i-1], &x2)
	}
	bit := func(i int) uint64 { return e[i/64] >> (i % 64) & 1 }
	top := 6*64 - 1
	for top >= 0 && bit(top) == 0 {
		top--
	}
	var acc fp.Element
	acc.SetOne()
	started := false
	for i := top; i >= 0; {
		if bit(i) == 0 {
			if started {
				fpSquare(&acc, &acc)
			}
			i--
			continue
		}
		// The longest window [i, j] with j > i-w ending on a set bit.
		j := max(i-w+1, 0)
		for bit(j) == 0 {
			j++
		}
		val := 0
		for k := i; k >= j; k-- {
			val = val<<1 | int(bit(k))
			if started {
				fpSquare(&acc, &acc)
			}
		}
		if started {
			fpMul(&acc, &acc, &odd[val>>1])
		} else {
			acc = odd[val>>1]
			started = true
		}
		i = j - 1
	}
	*z = acc
}

// fpBatchInvert replaces every element of a (all non-zero) by its inverse,
// with one field inversion; pre is scratch of the same length.
func fpBatchInvert(a, pre []fp.Element) {
	if len(a) == 0 {
		return
	}
	var acc fp.Element
	acc.SetOne()
	for i := range a {
		pre[i] = acc
		fpMul(&acc, &acc, &a[i])
	}
	acc.Inverse(&acc)
	for i := len(a) - 1; i >= 0; i-- {
		var inv fp.Element
		fpMul(&inv, &acc, &pre[i])
		fpMul(&acc, &acc, &a[i])
		a[i] = inv
	}
}
