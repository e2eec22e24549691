package kzg

import (
	"testing"

	goethkzg "github.com/crate-crypto/go-eth-kzg"
)

// The verifier's benchmarks run natively and in the browser (make bench),
// each beside go-eth-kzg v1.5.0 on the same inputs.

// BenchmarkNewVerifier builds a verifier. go-eth-kzg has one constructor for
// its prover and verifier (NewContext4096Secure, which also checks its
// setup and builds the prover's tables), so its figure is the start-up cost
// a go-eth-kzg verifier pays, not a like-for-like one.
func BenchmarkNewVerifier(b *testing.B) {
	b.Run("lightdas", func(b *testing.B) {
		for b.Loop() {
			if _, err := NewVerifier(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("go-eth-kzg", func(b *testing.B) {
		for b.Loop() {
			if _, err := goethkzg.NewContext4096Secure(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkVerifySamples32 verifies 32 random distinct cells spread over the
// 16 rows of an 8-blob 2D block (testdata/block8_samples.bin):
//
//   - lightdas: VerifySamples against the 8 original commitments;
//   - spec-api: VerifyCellProofBatch with the 16 explicit row commitments;
//   - go-eth-kzg: its VerifyCellKZGProofBatch, same inputs as spec-api (its
//     context is built once, outside the timing, on first use).
func BenchmarkVerifySamples32(b *testing.B) {
	fx := readBlockFixture(b)
	v, err := NewVerifier()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("lightdas", func(b *testing.B) {
		for b.Loop() {
			if err := v.VerifySamples(fx.commitments[:fx.k], fx.samples); err != nil {
				b.Fatal(err)
			}
		}
	})
	cs, idx, cells, proofs := fx.specInputs()
	b.Run("spec-api", func(b *testing.B) {
		for b.Loop() {
			if err := v.VerifyCellProofBatch(cs, idx, cells, proofs); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("go-eth-kzg", func(b *testing.B) {
		ctx := ethCtx(b)
		for b.Loop() {
			if err := ethVerifyCells(ctx, cs, idx, cells, proofs); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// specInputs returns the fixture's samples as spec-API lists with explicit
// row commitments.
func (fx *blockFixture) specInputs() ([]Commitment, []uint64, []Cell, []Proof) {
	var cs []Commitment
	var idx []uint64
	var cells []Cell
	var proofs []Proof
	for _, s := range fx.samples {
		cs = append(cs, fx.commitments[s.Row])
		idx = append(idx, uint64(s.Column))
		cells = append(cells, s.Cell)
		proofs = append(proofs, s.Proof)
	}
	return cs, idx, cells, proofs
}
