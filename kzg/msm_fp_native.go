//go:build !wasm

package kzg

import (
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fp"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
)

// gnark-crypto's multiplications (assembly on amd64 and arm64).

func fpMul(z, x, y *fp.Element) { z.Mul(x, y) }

func fpSquare(z, x *fp.Element) { z.Square(x) }

func frMul(z, x, y *fr.Element) { z.Mul(x, y) }
