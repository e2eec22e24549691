package kzg

import (
	"testing"
)

func BenchmarkNewVerifier(b *testing.B) {
	for b.Loop() {
		if _, err := NewVerifier(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifySamples32 verifies 32 random distinct cells spread over the
// 16 rows of an 8-blob 2D block (testdata/block8_samples.bin):
//
//   - lightdas: VerifySamples against the 8 original commitments;
//   - spec-api: VerifyCellProofBatch with the 16 explicit row commitments;
//   - go-eth-kzg (native only): its VerifyCellKZGProofBatch, same inputs as spec-api.
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
	benchmarkBaselines(b, fx)
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
