//go:build !js

package das

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"lightdas/kzg"
)

var (
	proverOnce sync.Once
	prover     *kzg.Prover
	proverErr  error
)

// testProver builds the (native-only) prover once per test binary.
func testProver(t testing.TB) *kzg.Prover {
	t.Helper()
	proverOnce.Do(func() { prover, proverErr = kzg.NewProver() })
	if proverErr != nil {
		t.Fatal(proverErr)
	}
	return prover
}

// buildFixture runs the prover on a fixture's blobs.
func buildFixture(t testing.TB, seed string, blobs int) *kzg.ExtendedBlock {
	t.Helper()
	b, err := testProver(t).ExtendBlock(fixtureBlobs(seed, blobs))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestGenerateFixtures writes testdata/ when LIGHTDAS_GEN_FIXTURES=1.
// Otherwise it checks that the committed files are exactly what the
// prover makes today, and that the blocks rebuilt from them (cells through
// the erasure code) equal the prover's blocks cell for cell.
func TestGenerateFixtures(t *testing.T) {
	gen := os.Getenv("LIGHTDAS_GEN_FIXTURES") == "1"
	for _, spec := range fixtureSpecs {
		b := buildFixture(t, spec.seed, spec.blobs)
		if b.K != spec.k {
			t.Fatalf("%s: prover made k = %d, want %d", spec.name, b.K, spec.k)
		}
		want := encodeFixture(spec.seed, spec.blobs, b)
		path := filepath.Join("testdata", spec.name)
		if gen {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%s differs from the prover's output; regenerate with LIGHTDAS_GEN_FIXTURES=1", spec.name)
		}
		fx := loadFixture(t, spec.k)
		for r := range b.Cells {
			if b.Cells[r] != fx.block.Cells[r] {
				t.Fatalf("%s: row %d cells rebuilt from the seed differ from the prover's", spec.name, r)
			}
		}
	}
}
