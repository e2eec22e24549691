//go:build wasm

package kzg

import (
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fp"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
)

// wasm has no 64x64->128-bit multiply: gnark's generic code emulates each
// one with four 32-bit products and carry logic, which the 32-bit-word code
// of msm_fp32.go and msm_fr32.go avoids.

func fpMul(z, x, y *fp.Element) { fp32Mul(z, x, y) }

func fpSquare(z, x *fp.Element) { fp32Square(z, x) }

func frMul(z, x, y *fr.Element) { fr32Mul(z, x, y) }
