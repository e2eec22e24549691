//go:build !js

// Parsing checks 8257 points (about a second natively, minutes in wasm), so
// these tests run natively only; package kzg's tests check the embedded
// output on every platform.

package gensetup

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
)

var setupText = sync.OnceValues(func() ([]byte, error) {
	dir := os.Getenv("LIGHTDAS_KZG_VECTORS")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "..", "shared", "testdata", "kzg")
	}
	return os.ReadFile(filepath.Join(dir, "trusted_setup.txt"))
})

func readSetup(t *testing.T) []byte {
	t.Helper()
	b, err := setupText()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var parsed = sync.OnceValues(func() (*Setup, error) {
	b, err := setupText()
	if err != nil {
		return nil, err
	}
	return Parse(bytes.NewReader(b))
})

func parsedSetup(t *testing.T) *Setup {
	t.Helper()
	s, err := parsed()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConvert(t *testing.T) {
	v, p, err := Convert(bytes.NewReader(readSetup(t)), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if len(v) != VerifierSize || len(p) != ProverSize {
		t.Fatalf("sizes %d, %d; want %d, %d", len(v), len(p), VerifierSize, ProverSize)
	}
	// Deterministic output whatever the check randomness.
	v2, p2, err := Convert(bytes.NewReader(readSetup(t)), rand.Reader)
	if err != nil || !bytes.Equal(v, v2) || !bytes.Equal(p, p2) {
		t.Fatal("conversion is not deterministic")
	}
}

// TestParseRejects edits one line of the file at a time.
func TestParseRejects(t *testing.T) {
	lines := strings.Split(strings.TrimSpace(string(readSetup(t))), "\n")
	_, _, g1, _ := bls12381.Generators()
	notInG1 := func() string {
		for x := uint64(1); ; x++ {
			var p bls12381.G1Affine
			p.X.SetUint64(x)
			var y2 = p.X
			y2.Square(&y2).Mul(&y2, &p.X)
			var four = p.X
			four.SetUint64(4)
			y2.Add(&y2, &four)
			if p.Y.Sqrt(&y2) != nil && !p.IsInSubGroup() {
				b := p.Bytes()
				return hexOf(b[:])
			}
		}
	}()
	inf := hexOf(append([]byte{0xc0}, make([]byte, 47)...))
	g1raw := g1.RawBytes()
	tests := []struct {
		name string
		edit func(l []string) []string
	}{
		{"G1 count", func(l []string) []string { l[0] = "4095"; return l }},
		{"G2 count", func(l []string) []string { l[1] = "64"; return l }},
		{"missing line", func(l []string) []string { return l[:len(l)-1] }},
		{"extra line", func(l []string) []string { return append(l, l[5]) }},
		{"bad hex", func(l []string) []string { l[7] = "zz" + l[7][2:]; return l }},
		{"short point", func(l []string) []string { l[9] = l[9][:94]; return l }},
		{"uncompressed point", func(l []string) []string { l[10] = hexOf(g1raw[:]); return l }},
		{"Lagrange point outside G1", func(l []string) []string { l[11] = notInG1; return l }},
		{"monomial point at infinity", func(l []string) []string { l[len(l)-3] = inf; return l }},
		{"G2 point given as G1", func(l []string) []string { l[2+4096+3] = l[20]; return l }},
		{"G2 point at infinity", func(l []string) []string {
			l[2+4096+1] = hexOf(append([]byte{0xc0}, make([]byte, 95)...))
			return l
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := tc.edit(append([]string(nil), lines...))
			if _, err := Parse(strings.NewReader(strings.Join(l, "\n"))); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

// TestCheckRejects breaks the consistency of the lists without breaking any
// single point.
func TestCheckRejects(t *testing.T) {
	good := parsedSetup(t)
	if err := good.Check(rand.Reader); err != nil {
		t.Fatalf("real setup rejected: %v", err)
	}
	_, _, g1, _ := bls12381.Generators()
	tests := []struct {
		name string
		edit func(s *Setup)
	}{
		{"monomial points swapped", func(s *Setup) { s.G1Monomial[100], s.G1Monomial[101] = s.G1Monomial[101], s.G1Monomial[100] }},
		{"last monomial point changed", func(s *Setup) { s.G1Monomial[4095] = g1 }},
		{"G2 points swapped", func(s *Setup) { s.G2Monomial[10], s.G2Monomial[11] = s.G2Monomial[11], s.G2Monomial[10] }},
		{"Lagrange points in bit-reversed order", func(s *Setup) { s.G1Lagrange[1], s.G1Lagrange[2048] = s.G1Lagrange[2048], s.G1Lagrange[1] }},
		{"Lagrange point negated", func(s *Setup) { s.G1Lagrange[7].Neg(&s.G1Lagrange[7]) }},
		{"G1 generator replaced", func(s *Setup) { s.G1Monomial[0].Double(&s.G1Monomial[0]) }},
		{"G2 generator negated", func(s *Setup) { s.G2Monomial[0].Neg(&s.G2Monomial[0]) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := *good
			tc.edit(&s)
			if err := s.Check(rand.Reader); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func hexOf(b []byte) string { return hex.EncodeToString(b) }
