//go:build !js

package lighttest

import (
	"bytes"
	"os"
	"testing"

	"lightdas/kzg"
)

// TestGenerateFixture rebuilds block.bin with the prover when
// LIGHTDAS_GEN_FIXTURES is set, and otherwise checks (natively) that the
// committed file is exactly what the prover makes.
func TestGenerateFixture(t *testing.T) {
	p, err := kzg.NewProver()
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.ExtendBlock(FixtureBlobData())
	if err != nil {
		t.Fatal(err)
	}
	data := EncodeFixture(b)
	if os.Getenv("LIGHTDAS_GEN_FIXTURES") != "" {
		if err := os.WriteFile(FixtureFile, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(data, fixtureData) {
		t.Fatalf("%s differs from the prover's output; regenerate it (see the package doc)", FixtureFile)
	}
}
