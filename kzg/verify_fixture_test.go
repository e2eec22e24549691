package kzg

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"

	"lightdas/erasure"
)

// The 2D fixture: an 8-blob block built natively with go-eth-kzg and linear
// combinations (TestGenerateBlockFixture), and 32 random distinct samples of
// its 16 x 128 grid. Layout: "LDBLK2D1", k (u32 BE), the 2k row commitments
// (originals then extended), n (u32 BE), n x (row u32, column u32, cell,
// proof).
const (
	fixtureMagic   = "LDBLK2D1"
	fixtureK       = 8
	fixtureSeed    = 20240807
	fixtureSamples = 32
)

type blockFixture struct {
	k           int
	commitments []Commitment // 2k
	samples     []Sample
}

func readBlockFixture(t testing.TB) *blockFixture {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "block8_samples.bin"))
	if err != nil {
		t.Fatal(err)
	}
	fx, err := decodeBlockFixture(data)
	if err != nil {
		t.Fatal(err)
	}
	return fx
}

func decodeBlockFixture(data []byte) (*blockFixture, error) {
	bad := errors.New("malformed block fixture")
	if len(data) < len(fixtureMagic)+4 || string(data[:len(fixtureMagic)]) != fixtureMagic {
		return nil, bad
	}
	data = data[len(fixtureMagic):]
	k := int(binary.BigEndian.Uint32(data))
	data = data[4:]
	if k < 1 || k > MaxRows || len(data) < 2*k*BytesPerCommitment+4 {
		return nil, bad
	}
	fx := &blockFixture{k: k}
	for i := 0; i < 2*k; i++ {
		fx.commitments = append(fx.commitments, Commitment(data[:BytesPerCommitment]))
		data = data[BytesPerCommitment:]
	}
	n := int(binary.BigEndian.Uint32(data))
	data = data[4:]
	const rec = 8 + BytesPerCell + BytesPerProof
	if len(data) != n*rec {
		return nil, fmt.Errorf("%w: %d bytes for %d samples", bad, len(data), n)
	}
	for i := 0; i < n; i++ {
		r := data[i*rec:]
		fx.samples = append(fx.samples, Sample{
			Row:    int(binary.BigEndian.Uint32(r)),
			Column: int(binary.BigEndian.Uint32(r[4:])),
			Cell:   Cell(r[8 : 8+BytesPerCell]),
			Proof:  Proof(r[8+BytesPerCell:]),
		})
	}
	return fx, nil
}

// TestVerifySamplesFixture runs the 2D check on every platform (wasm
// included) on real extended-row data.
func TestVerifySamplesFixture(t *testing.T) {
	v, err := NewVerifier()
	if err != nil {
		t.Fatal(err)
	}
	fx := readBlockFixture(t)
	if fx.k != fixtureK || len(fx.samples) != fixtureSamples {
		t.Fatalf("fixture has k=%d and %d samples", fx.k, len(fx.samples))
	}
	originals := fx.commitments[:fx.k]
	extended := 0
	for _, s := range fx.samples {
		if s.Row >= fx.k {
			extended++
		}
	}
	if extended == 0 {
		t.Fatal("fixture has no extended-row sample")
	}
	if err := v.VerifySamples(originals, fx.samples); err != nil {
		t.Fatalf("fixture rejected: %v", err)
	}

	// The stored extended commitments are the Lagrange combinations of the
	// originals.
	pts := make([]bls12381.G1Affine, fx.k)
	for i := range pts {
		if pts[i], err = originals[i].Point(); err != nil {
			t.Fatal(err)
		}
	}
	for r := fx.k; r < 2*fx.k; r++ {
		w, err := erasure.LagrangeWeights(fx.k, r)
		if err != nil {
			t.Fatal(err)
		}
		var c bls12381.G1Affine
		if _, err := c.MultiExp(pts, w, ecc.MultiExpConfig{}); err != nil {
			t.Fatal(err)
		}
		if CommitmentFromPoint(&c) != fx.commitments[r] {
			t.Fatalf("extended commitment %d is not the combination of the originals", r)
		}
	}

	// Against the explicit row commitments, the spec API agrees.
	spec := func(samples []Sample) error {
		f := *fx
		f.samples = samples
		return v.VerifyCellProofBatch(f.specInputs())
	}
	if err := spec(fx.samples); err != nil {
		t.Fatalf("spec API rejects the fixture: %v", err)
	}

	mutate := map[string]func(s []Sample){
		"row":    func(s []Sample) { s[0].Row = (s[0].Row + 3) % (2 * fx.k) },
		"column": func(s []Sample) { s[1].Column = (s[1].Column + 1) % CellsPerRow },
		"cell":   func(s []Sample) { s[2].Cell[BytesPerCell-1] ^= 1 },
		"proof":  func(s []Sample) { s[3].Proof, s[4].Proof = s[4].Proof, s[3].Proof },
	}
	for name, m := range mutate {
		s := append([]Sample(nil), fx.samples...)
		m(s)
		if err := v.VerifySamples(originals, s); !errors.Is(err, ErrVerify) {
			t.Errorf("%s changed: VerifySamples %v, want ErrVerify", name, err)
		}
		if name != "row" { // a moved row changes the commitment too
			if err := spec(s); !errors.Is(err, ErrVerify) {
				t.Errorf("%s changed: VerifyCellProofBatch %v, want ErrVerify", name, err)
			}
		}
	}
}
