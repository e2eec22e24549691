package kzg

import (
	"errors"
	"testing"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
)

// TestSetupLoads checks the embedded files decode to points of the right
// groups that fit together, independently of the generator's own checks.
func TestSetupLoads(t *testing.T) {
	vs, err := loadVerifierSRS()
	if err != nil {
		t.Fatal(err)
	}
	ps, err := loadProverSRS()
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != FieldElementsPerBlob {
		t.Fatalf("prover setup has %d points, want %d", len(ps), FieldElementsPerBlob)
	}
	_, _, g1, g2 := bls12381.Generators()
	if !vs.g1[0].Equal(&g1) || !ps[0].Equal(&g1) {
		t.Fatal("[tau^0]_1 is not the generator")
	}
	if !vs.g2.Equal(&g2) {
		t.Fatal("[1]_2 is not the generator")
	}
	for i := range vs.g1 {
		if !vs.g1[i].Equal(&ps[i]) {
			t.Fatalf("verifier and prover [tau^%d]_1 differ", i)
		}
		if !vs.g1[i].IsInSubGroup() {
			t.Fatalf("[tau^%d]_1 not in G1", i)
		}
	}
	if !vs.g2Tau.IsInSubGroup() {
		t.Fatal("[tau^64]_2 not in G2")
	}
	// e([tau^64]_1, [1]_2) == e([1]_1, [tau^64]_2), and the same one power up.
	for _, i := range []int{FieldElementsPerCell, FieldElementsPerCell + 1, FieldElementsPerBlob - 1} {
		var neg bls12381.G1Affine
		neg.Neg(&ps[i])
		ok, err := bls12381.PairingCheck(
			[]bls12381.G1Affine{neg, ps[i-FieldElementsPerCell]},
			[]bls12381.G2Affine{vs.g2, vs.g2Tau})
		if err != nil || !ok {
			t.Fatalf("e([tau^%d]_1, 1) != e([tau^%d]_1, [tau^64]_2): %v", i, i-FieldElementsPerCell, err)
		}
	}
	// Fresh slices: a caller modifying one must not affect the next load.
	ps[1].SetInfinity()
	again, err := loadProverSRS()
	if err != nil || again[1].IsInfinity() {
		t.Fatalf("loadProverSRS shares memory between calls (err %v)", err)
	}
}

func TestSetupFileChecks(t *testing.T) {
	good := setupVerifierFile
	body := FieldElementsPerCell*g1RawSize + 2*g2RawSize + 2*linesSize
	if _, err := checkSetupFile(good, setupVerifierMagic, setupVerifierSHA256, body); err != nil {
		t.Fatalf("embedded file rejected: %v", err)
	}
	flipped := []byte(good)
	flipped[100] ^= 1
	tests := map[string]string{
		"bit flip":  string(flipped),
		"truncated": good[:len(good)-1],
		"magic":     "XXXXXXXX" + good[8:],
		"empty":     "",
	}
	for name, file := range tests {
		if _, err := checkSetupFile(file, setupVerifierMagic, setupVerifierSHA256, body); !errors.Is(err, errSetup) {
			t.Errorf("%s: got %v, want errSetup", name, err)
		}
	}
}

// TestSetupLines checks the stored Miller-loop lines against gnark's
// PrecomputeLines of the stored G2 points.
func TestSetupLines(t *testing.T) {
	vs, err := loadVerifierSRS()
	if err != nil {
		t.Fatal(err)
	}
	if vs.lines[0] != bls12381.PrecomputeLines(vs.g2Tau) {
		t.Fatal("lines of [tau^64]_2 differ from PrecomputeLines")
	}
	if vs.lines[1] != bls12381.PrecomputeLines(vs.g2) {
		t.Fatal("lines of [1]_2 differ from PrecomputeLines")
	}
}
