//go:build !js

package kzg

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
)

// rowBlob returns the blob of row r of an extended block: cells 0..63 of an
// extended row are its evaluations on the bit-reversed 4096-point domain,
// i.e. the row's blob.
func rowBlob(b *ExtendedBlock, r int) *Blob {
	var blob Blob
	for c := range CellsPerRow / 2 {
		copy(blob[c*BytesPerCell:], b.Cells[r][c][:])
	}
	return &blob
}

func TestExtendBlock(t *testing.T) {
	p := testProver(t)
	v, err := NewVerifier()
	if err != nil {
		t.Fatal(err)
	}
	// Fewer blobs than k where possible, so padding is exercised.
	for _, tc := range []struct{ blobs, k int }{{1, 1}, {2, 2}, {3, 4}, {5, 8}} {
		t.Run(fmt.Sprintf("k=%d", tc.k), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(tc.k), 11))
			blobs := make([]Blob, tc.blobs)
			for i := range blobs {
				blobs[i] = *testBlobFrom(rng)
			}
			b, err := p.ExtendBlock(blobs)
			if err != nil {
				t.Fatal(err)
			}
			k := tc.k
			if b.K != k || len(b.Commitments) != 2*k || len(b.Cells) != 2*k || len(b.Proofs) != 2*k {
				t.Fatalf("block K=%d with %d commitments, %d cell rows, %d proof rows; want k=%d",
					b.K, len(b.Commitments), len(b.Cells), len(b.Proofs), k)
			}

			// Every row, original, padding or extended, is exactly what the
			// 1D prover makes of the row's blob: the commitments and proofs
			// derived by linearity agree with FK20 and BlobToCommitment on
			// the column-extended polynomial, so the row convention of the
			// field extension and of the G1 extension are the same.
			for r := range 2 * k {
				blob := rowBlob(b, r)
				if r < tc.blobs && *blob != blobs[r] {
					t.Fatalf("row %d does not start with blob %d", r, r)
				}
				if r >= tc.blobs && r < k && *blob != (Blob{}) {
					t.Fatalf("padding row %d is not zero", r)
				}
				c, err := p.BlobToCommitment(blob)
				if err != nil {
					t.Fatal(err)
				}
				if c != b.Commitments[r] {
					t.Fatalf("row %d: commitment differs from BlobToCommitment of the row", r)
				}
				cells, proofs, err := p.ComputeCellsAndProofs(blob)
				if err != nil {
					t.Fatal(err)
				}
				if cells != b.Cells[r] {
					t.Fatalf("row %d: cells differ from ComputeCells of the row", r)
				}
				if proofs != b.Proofs[r] {
					t.Fatalf("row %d: proofs differ from FK20 on the row", r)
				}
			}

			derived, err := ExtendCommitments(b.Commitments[:k])
			if err != nil {
				t.Fatal(err)
			}
			for r := range 2 * k {
				if derived[r] != b.Commitments[r] {
					t.Fatalf("ExtendCommitments row %d differs from the block's", r)
				}
			}

			// All cells verify, against the k originals (2D samples) and
			// against the explicit derived commitments (1D batch).
			var samples []Sample
			var commitments []Commitment
			var indices []uint64
			var cells []Cell
			var proofs []Proof
			for r := range 2 * k {
				for c := range CellsPerRow {
					samples = append(samples, Sample{Row: r, Column: c, Cell: b.Cells[r][c], Proof: b.Proofs[r][c]})
					commitments = append(commitments, derived[r])
					indices = append(indices, uint64(c))
					cells = append(cells, b.Cells[r][c])
					proofs = append(proofs, b.Proofs[r][c])
				}
			}
			if err := v.VerifySamples(b.Commitments[:k], samples); err != nil {
				t.Fatalf("VerifySamples rejects the block: %v", err)
			}
			if err := v.VerifyCellProofBatch(commitments, indices, cells, proofs); err != nil {
				t.Fatalf("VerifyCellProofBatch rejects the block: %v", err)
			}

			// A cell fails against any other row's commitment and under any
			// other column index. Rows with the same polynomial (padding
			// rows; both rows of k = 1) are indistinguishable and skipped, as
			// are column swaps on the zero row, which is zero everywhere.
			for r := range 2 * k {
				c := rng.IntN(CellsPerRow)
				for other := range 2 * k {
					if derived[other] == derived[r] {
						continue
					}
					err := v.VerifyCellProofBatch(derived[other:other+1], []uint64{uint64(c)}, b.Cells[r][c:c+1], b.Proofs[r][c:c+1])
					if !errors.Is(err, ErrVerify) {
						t.Fatalf("cell (%d,%d) against row %d's commitment: got %v, want ErrVerify", r, c, other, err)
					}
					s := Sample{Row: other, Column: c, Cell: b.Cells[r][c], Proof: b.Proofs[r][c]}
					if err := v.VerifySamples(b.Commitments[:k], []Sample{s}); !errors.Is(err, ErrVerify) {
						t.Fatalf("cell (%d,%d) as a sample of row %d: got %v, want ErrVerify", r, c, other, err)
					}
				}
				if b.Commitments[r] == (Commitment{0xc0}) {
					continue
				}
				// Every other column for one row, a few for the others.
				others := rng.Perm(CellsPerRow)[:4]
				if r == 2*k-1 {
					others = rng.Perm(CellsPerRow)
				}
				for _, col := range others {
					if col == c {
						continue
					}
					err := v.VerifyCellProofBatch(derived[r:r+1], []uint64{uint64(col)}, b.Cells[r][c:c+1], b.Proofs[r][c:c+1])
					if !errors.Is(err, ErrVerify) {
						t.Fatalf("cell (%d,%d) under column %d: got %v, want ErrVerify", r, c, col, err)
					}
				}
			}
		})
	}
}

func TestExtendBlockRejectsBadInput(t *testing.T) {
	p := testProver(t)
	rng := rand.New(rand.NewPCG(8, 9))
	good := *testBlobFrom(rng)
	bad := good
	for i := range 32 {
		bad[100*32+i] = 0xff
	}
	for _, tc := range []struct {
		name  string
		blobs []Blob
		want  error
		index int // of the *IndexError naming the blob, or -1
	}{
		{"no blobs", nil, ErrInput, -1},
		{"65 blobs", make([]Blob, 65), ErrInput, -1},
		{"non-canonical blob 2", []Blob{good, good, bad}, ErrNonCanonical, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := p.ExtendBlock(tc.blobs)
			if b != nil || !errors.Is(err, tc.want) {
				t.Fatalf("got (%v, %v), want (nil, %v)", b, err, tc.want)
			}
			if tc.index >= 0 {
				var ie *IndexError
				if !errors.As(err, &ie) || ie.What != "blob" || ie.Index != tc.index {
					t.Fatalf("%v does not name blob %d", err, tc.index)
				}
			}
		})
	}
}
