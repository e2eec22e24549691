// Command gensetup converts the Ethereum KZG trusted setup text file into the
// binary files embedded by package kzg (run by go generate in kzg/).
package main

import (
	"crypto/rand"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"lightdas/kzg/internal/gensetup"
)

func main() {
	in := flag.String("in", "", "trusted_setup.txt (c-kzg-4844 text format)")
	out := flag.String("out", ".", "output directory (package kzg)")
	pkg := flag.String("pkg", "kzg", "package name of the generated Go file")
	flag.Parse()
	if err := run(*in, *out, *pkg); err != nil {
		fmt.Fprintln(os.Stderr, "gensetup:", err)
		os.Exit(1)
	}
}

func run(in, out, pkg string) error {
	if in == "" {
		return fmt.Errorf("missing -in")
	}
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	verifier, prover, err := gensetup.Convert(f, rand.Reader)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	files := []struct {
		name string
		data []byte
	}{
		{"setup_verifier.bin", verifier},
		{"setup_prover.bin", prover},
		{"setup_hashes.go", gensetup.HashesGo(pkg, filepath.Base(in), verifier, prover)},
	}
	for _, file := range files {
		if err := os.WriteFile(filepath.Join(out, file.name), file.data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
