//go:build !js

package kzg

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"

	"lightdas/kzg/internal/gensetup"
)

// TestSetupReproducible re-runs the generator on the ceremony file and
// compares with the embedded bytes and pinned hashes. Native only: parsing
// checks 8257 points (about a second natively, far longer in wasm).
func TestSetupReproducible(t *testing.T) {
	path := filepath.Join(vectorsDir(t), "trusted_setup.txt")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	verifier, prover, err := gensetup.Convert(f, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(verifier, []byte(setupVerifierFile)) {
		t.Error("setup_verifier.bin differs from a fresh conversion: run go generate")
	}
	if !bytes.Equal(prover, []byte(setupProverFile)) {
		t.Error("setup_prover.bin differs from a fresh conversion: run go generate")
	}
	hashes := gensetup.HashesGo("kzg", filepath.Base(path), verifier, prover)
	onDisk, err := os.ReadFile("setup_hashes.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(hashes, onDisk) {
		t.Error("setup_hashes.go differs from a fresh conversion: run go generate")
	}
}
