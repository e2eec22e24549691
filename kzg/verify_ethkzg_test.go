//go:build !js

package kzg

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/consensys/gnark-crypto/ecc"
	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
	goethkzg "github.com/crate-crypto/go-eth-kzg"

	"lightdas/erasure"
)

// testBlock is a 2D block built with go-eth-kzg for the original rows and by
// linearity for the extended ones: row r = sum_i L_i(y_r) row_i, cell by cell
// (field elements) and proof by proof (G1 combinations).
type testBlock struct {
	k           int
	commitments []Commitment // all 2k rows; the extended ones only for go-eth-kzg
	cells       [][CellsPerRow]Cell
	proofs      [][CellsPerRow]Proof
}

func (b *testBlock) originals() []Commitment { return b.commitments[:b.k] }

func (b *testBlock) sample(row, col int) Sample {
	return Sample{Row: row, Column: col, Cell: b.cells[row][col], Proof: b.proofs[row][col]}
}

func randomBlob(rng *rand.Rand) *goethkzg.Blob {
	var blob goethkzg.Blob
	for i := 0; i < FieldElementsPerBlob; i++ {
		var e fr.Element
		e.SetUint64(rng.Uint64())
		var x fr.Element
		x.SetUint64(rng.Uint64())
		e.Mul(&e, &x).Add(&e, &x).Square(&e) // spread over the whole field
		b := e.Bytes()
		copy(blob[i*32:], b[:])
	}
	return &blob
}

func buildTestBlock(t testing.TB, k int, seed uint64) *testBlock {
	t.Helper()
	ctx := ethCtx(t)
	rng := rand.New(rand.NewPCG(seed, 7594))
	b := &testBlock{
		k:           k,
		commitments: make([]Commitment, 2*k),
		cells:       make([][CellsPerRow]Cell, 2*k),
		proofs:      make([][CellsPerRow]Proof, 2*k),
	}
	for i := 0; i < k; i++ {
		blob := randomBlob(rng)
		c, err := ctx.BlobToKZGCommitment(blob, 0)
		if err != nil {
			t.Fatal(err)
		}
		cells, proofs, err := ctx.ComputeCellsAndKZGProofs(blob, 0)
		if err != nil {
			t.Fatal(err)
		}
		b.commitments[i] = Commitment(c)
		for j := range cells {
			b.cells[i][j] = Cell(*cells[j])
			b.proofs[i][j] = Proof(proofs[j])
		}
	}
	// Decode the originals once.
	commitPts := make([]bls12381.G1Affine, k)
	proofPts := make([][CellsPerRow]bls12381.G1Affine, k)
	cellEls := make([][CellsPerRow][]fr.Element, k)
	for i := 0; i < k; i++ {
		var err error
		if commitPts[i], err = b.commitments[i].Point(); err != nil {
			t.Fatal(err)
		}
		for j := 0; j < CellsPerRow; j++ {
			if proofPts[i][j], err = b.proofs[i][j].Point(); err != nil {
				t.Fatal(err)
			}
			if cellEls[i][j], err = b.cells[i][j].Elements(); err != nil {
				t.Fatal(err)
			}
		}
	}
	cfg := ecc.MultiExpConfig{}
	for r := k; r < 2*k; r++ {
		w, err := erasure.LagrangeWeights(k, r)
		if err != nil {
			t.Fatal(err)
		}
		var c bls12381.G1Affine
		if _, err := c.MultiExp(commitPts, w, cfg); err != nil {
			t.Fatal(err)
		}
		b.commitments[r] = CommitmentFromPoint(&c)
		for j := 0; j < CellsPerRow; j++ {
			col := make([]bls12381.G1Affine, k)
			for i := range col {
				col[i] = proofPts[i][j]
			}
			var p bls12381.G1Affine
			if _, err := p.MultiExp(col, w, cfg); err != nil {
				t.Fatal(err)
			}
			b.proofs[r][j] = ProofFromPoint(&p)
			els := make([]fr.Element, FieldElementsPerCell)
			for i := 0; i < k; i++ {
				for m := range els {
					var x fr.Element
					x.Mul(&cellEls[i][j][m], &w[i])
					els[m].Add(&els[m], &x)
				}
			}
			if b.cells[r][j], err = CellFromElements(els); err != nil {
				t.Fatal(err)
			}
		}
	}
	return b
}

// randomSamples picks n distinct cells of the block's 2k x 128 grid.
func randomSamples(b *testBlock, n int, rng *rand.Rand) []Sample {
	perm := rng.Perm(2 * b.k * CellsPerRow)[:n]
	out := make([]Sample, n)
	for i, p := range perm {
		out[i] = b.sample(p/CellsPerRow, p%CellsPerRow)
	}
	return out
}

// ethVerify runs go-eth-kzg's batch verification on samples, given the
// block's explicit commitments of all 2k rows.
func ethVerify(ctx *goethkzg.Context, b *testBlock, samples []Sample) error {
	n := len(samples)
	commitments := make([]Commitment, n)
	indices := make([]uint64, n)
	cells := make([]Cell, n)
	proofs := make([]Proof, n)
	for i := range samples {
		s := &samples[i]
		commitments[i] = b.commitments[s.Row]
		indices[i] = uint64(s.Column)
		cells[i] = s.Cell
		proofs[i] = s.Proof
	}
	return ethVerifyCells(ctx, commitments, indices, cells, proofs)
}

func TestVerifySamplesExtendedRows(t *testing.T) {
	v, err := NewVerifier()
	if err != nil {
		t.Fatal(err)
	}
	ctx := ethCtx(t)
	const k = 8
	blk := buildTestBlock(t, k, 1)
	other := buildTestBlock(t, k, 2)
	rng := rand.New(rand.NewPCG(3, 4))

	// Every extended row's explicit commitment, cells and proofs satisfy
	// go-eth-kzg: the linear-combination block is a valid 1D block per row.
	for r := k; r < 2*k; r++ {
		if err := ethVerify(ctx, blk, []Sample{blk.sample(r, rng.IntN(CellsPerRow))}); err != nil {
			t.Fatalf("go-eth-kzg rejects extended row %d: %v", r, err)
		}
	}

	samples := randomSamples(blk, 32, rng)
	if err := v.VerifySamples(blk.originals(), samples); err != nil {
		t.Fatalf("valid samples rejected: %v", err)
	}
	if err := ethVerify(ctx, blk, samples); err != nil {
		t.Fatalf("go-eth-kzg rejects the same samples: %v", err)
	}
	// Every row alone, including all extended ones.
	for r := 0; r < 2*k; r++ {
		s := []Sample{blk.sample(r, rng.IntN(CellsPerRow)), blk.sample(r, rng.IntN(CellsPerRow))}
		if err := v.VerifySamples(blk.originals(), s); err != nil {
			t.Fatalf("row %d rejected: %v", r, err)
		}
	}

	mutations := map[string]func(s []Sample) ([]Commitment, []Sample){
		"moved to another row": func(s []Sample) ([]Commitment, []Sample) {
			s[5].Row = (s[5].Row + 1) % (2 * k)
			return blk.originals(), s
		},
		"moved to an extended row's partner": func(s []Sample) ([]Commitment, []Sample) {
			s[0] = blk.sample(k+1, 9)
			s[0].Row = k + 2
			return blk.originals(), s
		},
		"moved to another column": func(s []Sample) ([]Commitment, []Sample) {
			s[7].Column = (s[7].Column + 1) % CellsPerRow
			return blk.originals(), s
		},
		"other block's commitments": func(s []Sample) ([]Commitment, []Sample) {
			return other.originals(), s
		},
		"commitments permuted": func(s []Sample) ([]Commitment, []Sample) {
			c := append([]Commitment(nil), blk.originals()...)
			c[0], c[1] = c[1], c[0]
			return c, s
		},
		"other block's cell": func(s []Sample) ([]Commitment, []Sample) {
			s[3].Cell = other.cells[s[3].Row][s[3].Column]
			return blk.originals(), s
		},
		"other block's proof": func(s []Sample) ([]Commitment, []Sample) {
			s[3].Proof = other.proofs[s[3].Row][s[3].Column]
			return blk.originals(), s
		},
		"proofs swapped": func(s []Sample) ([]Commitment, []Sample) {
			s[1].Proof, s[2].Proof = s[2].Proof, s[1].Proof
			return blk.originals(), s
		},
		"extended commitments given as originals": func(s []Sample) ([]Commitment, []Sample) {
			return blk.commitments[k:], s
		},
	}
	for name, mutate := range mutations {
		t.Run(name, func(t *testing.T) {
			c, s := mutate(append([]Sample(nil), samples...))
			if err := v.VerifySamples(c, s); !errors.Is(err, ErrVerify) {
				t.Fatalf("got %v, want ErrVerify", err)
			}
		})
	}
}

// TestVerifySamplesK1 checks that a one-row block is the spec's API: its
// row 1 (the column extension of a single row) equals row 0.
func TestVerifySamplesK1(t *testing.T) {
	v, err := NewVerifier()
	if err != nil {
		t.Fatal(err)
	}
	blk := buildTestBlock(t, 1, 11)
	if blk.commitments[1] != blk.commitments[0] || blk.cells[1][5] != blk.cells[0][5] {
		t.Fatal("k=1: extended row differs from the original")
	}
	rng := rand.New(rand.NewPCG(5, 6))
	samples := randomSamples(blk, 40, rng)
	if err := v.VerifySamples(blk.originals(), samples); err != nil {
		t.Fatalf("VerifySamples: %v", err)
	}
	var commitments []Commitment
	var indices []uint64
	var cells []Cell
	var proofs []Proof
	for _, s := range samples {
		commitments = append(commitments, blk.commitments[s.Row])
		indices = append(indices, uint64(s.Column))
		cells = append(cells, s.Cell)
		proofs = append(proofs, s.Proof)
	}
	if err := v.VerifyCellProofBatch(commitments, indices, cells, proofs); err != nil {
		t.Fatalf("VerifyCellProofBatch: %v", err)
	}
	cells[4][100] ^= 1
	samples[4].Cell[100] ^= 1
	if err := v.VerifyCellProofBatch(commitments, indices, cells, proofs); !errors.Is(err, ErrVerify) {
		t.Fatalf("VerifyCellProofBatch on a changed cell: %v", err)
	}
	if err := v.VerifySamples(blk.originals(), samples); !errors.Is(err, ErrVerify) {
		t.Fatalf("VerifySamples on a changed cell: %v", err)
	}
}

// TestVerifyCellProofBatchDifferential compares the spec API with go-eth-kzg
// on random batches over several blobs, valid and with one corruption.
func TestVerifyCellProofBatchDifferential(t *testing.T) {
	v, err := NewVerifier()
	if err != nil {
		t.Fatal(err)
	}
	ctx := ethCtx(t)
	blk := buildTestBlock(t, 4, 21)
	rng := rand.New(rand.NewPCG(7, 8))
	for iter := 0; iter < 12; iter++ {
		samples := randomSamples(blk, 1+rng.IntN(48), rng)
		if iter%2 == 1 {
			i := rng.IntN(len(samples))
			switch rng.IntN(3) {
			case 0:
				samples[i].Cell[31+32*rng.IntN(64)] ^= 1 << rng.IntN(8)
			case 1:
				samples[i].Proof = blk.proofs[rng.IntN(8)][rng.IntN(CellsPerRow)]
			case 2:
				samples[i].Column = rng.IntN(CellsPerRow)
			}
		}
		var commitments []Commitment
		var indices []uint64
		var cells []Cell
		var proofs []Proof
		for _, s := range samples {
			commitments = append(commitments, blk.commitments[s.Row])
			indices = append(indices, uint64(s.Column))
			cells = append(cells, s.Cell)
			proofs = append(proofs, s.Proof)
		}
		ours := v.VerifyCellProofBatch(commitments, indices, cells, proofs)
		ref := ethVerify(ctx, blk, samples)
		if (ours == nil) != (ref == nil) {
			t.Fatalf("iteration %d: ours %v, go-eth-kzg %v", iter, ours, ref)
		}
		if ours != nil && !errors.Is(ours, ErrVerify) {
			t.Fatalf("iteration %d: %v, want ErrVerify", iter, ours)
		}
		if ours2 := v.VerifySamples(blk.originals(), samples); (ours2 == nil) != (ref == nil) {
			t.Fatalf("iteration %d: VerifySamples %v, go-eth-kzg %v", iter, ours2, ref)
		}
	}
}

// TestGenerateBlockFixture writes testdata/block8_samples.bin (see
// readBlockFixture) when LIGHTDAS_KZG_GEN_FIXTURE=1; otherwise it checks
// that the stored fixture is what this generator produces from its seeds.
func TestGenerateBlockFixture(t *testing.T) {
	blk := buildTestBlock(t, fixtureK, fixtureSeed)
	samples := randomSamples(blk, fixtureSamples, rand.New(rand.NewPCG(fixtureSeed, 32)))
	data := encodeBlockFixture(blk.commitments, samples)
	path := filepath.Join("testdata", "block8_samples.bin")
	if os.Getenv("LIGHTDAS_KZG_GEN_FIXTURE") == "1" {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	stored, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (generate with LIGHTDAS_KZG_GEN_FIXTURE=1)", err)
	}
	if !bytes.Equal(stored, data) {
		t.Fatal("stored fixture differs from the generator's output (regenerate with LIGHTDAS_KZG_GEN_FIXTURE=1)")
	}
}

func encodeBlockFixture(commitments []Commitment, samples []Sample) []byte {
	var out []byte
	out = append(out, fixtureMagic...)
	out = binary.BigEndian.AppendUint32(out, uint32(len(commitments)/2))
	for _, c := range commitments {
		out = append(out, c[:]...)
	}
	out = binary.BigEndian.AppendUint32(out, uint32(len(samples)))
	for _, s := range samples {
		out = binary.BigEndian.AppendUint32(out, uint32(s.Row))
		out = binary.BigEndian.AppendUint32(out, uint32(s.Column))
		out = append(out, s.Cell[:]...)
		out = append(out, s.Proof[:]...)
	}
	return out
}
