//go:build !js

package kzg

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"testing"
)

// The prover is slow to build (FK20 tables) and under wasm slow to run, so
// prover tests are native only; one Prover is shared by the test binary.
var sharedProver = sync.OnceValues(NewProver)

func testProver(t testing.TB) *Prover {
	t.Helper()
	p, err := sharedProver()
	if err != nil {
		t.Fatalf("NewProver: %v", err)
	}
	return p
}

// vectorErrors names the sentinel each invalid official case must produce,
// by the end of the case's directory name.
var vectorErrors = map[string]error{
	"invalid_blob_0":                             ErrNonCanonical, // every element >= r
	"invalid_blob_1":                             ErrNonCanonical, // one element >= r
	"invalid_blob_2":                             ErrLength,       // one byte too many
	"invalid_blob_3":                             ErrLength,       // one byte short
	"invalid_all_cells_are_missing":              ErrInput,
	"invalid_cell_0":                             ErrNonCanonical,
	"invalid_cell_1":                             ErrNonCanonical,
	"invalid_cell_2":                             ErrLength,
	"invalid_cell_3":                             ErrLength,
	"invalid_cell_index":                         ErrCellIndex,
	"invalid_duplicate_cell_index":               ErrInput,
	"invalid_more_cell_indices_than_cells":       ErrInput,
	"invalid_more_cells_than_cell_indices":       ErrInput,
	"invalid_more_cells_than_cells_per_ext_blob": ErrInput,
	"invalid_more_than_half_missing":             ErrInput,
	"invalid_shuffled_half_missing":              ErrInput, // indices not ascending
	"invalid_shuffled_no_missing":                ErrInput,
}

// requireVectorError fails unless err wraps the sentinel listed for the
// case, or, for a case not listed, one of the package's sentinels.
func requireVectorError(t *testing.T, name string, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("call succeeded, the vector expects a failure")
	}
	for suffix, want := range vectorErrors {
		if strings.HasSuffix(name, suffix) {
			if !errors.Is(err, want) {
				t.Fatalf("got %v, want %v", err, want)
			}
			return
		}
	}
	for _, s := range []error{ErrLength, ErrNonCanonical, ErrInvalidPoint, ErrNotInSubgroup, ErrCellIndex, ErrVerify, ErrInput} {
		if errors.Is(err, s) {
			return
		}
	}
	t.Fatalf("untyped error: %v", err)
}

// mustHex decodes a vector's hex string; the official files are well formed.
func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hexBytes(s)
	if err != nil {
		t.Fatalf("bad hex in vector: %v", err)
	}
	return b
}

// vectorBlob parses a vector's blob the way a public byte-level API would.
func vectorBlob(t *testing.T, s string) (*Blob, error) {
	t.Helper()
	return ParseBlob(mustHex(t, s))
}

func checkCellsEqual(t *testing.T, got []Cell, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d cells, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i][:], mustHex(t, want[i])) {
			t.Fatalf("cell %d differs", i)
		}
	}
}

func checkProofsEqual(t *testing.T, got []Proof, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d proofs, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i][:], mustHex(t, want[i])) {
			t.Fatalf("proof %d differs", i)
		}
	}
}

func TestVectorsBlobToCommitment(t *testing.T) {
	type vector struct {
		Input struct {
			Blob string `yaml:"blob"`
		} `yaml:"input"`
		Output *string `yaml:"output"`
	}
	p := testProver(t)
	for _, tc := range loadVectors[vector](t, "blob_to_kzg_commitment") {
		t.Run(tc.Name, func(t *testing.T) {
			blob, err := vectorBlob(t, tc.Data.Input.Blob)
			var c Commitment
			if err == nil {
				c, err = p.BlobToCommitment(blob)
			}
			if tc.Data.Output == nil {
				requireVectorError(t, tc.Name, err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(c[:], mustHex(t, *tc.Data.Output)) {
				t.Fatalf("commitment %x differs from the vector", c)
			}
		})
	}
}

func TestVectorsComputeCells(t *testing.T) {
	type vector struct {
		Input struct {
			Blob string `yaml:"blob"`
		} `yaml:"input"`
		Output *[]string `yaml:"output"`
	}
	p := testProver(t)
	for _, tc := range loadVectors[vector](t, "compute_cells") {
		t.Run(tc.Name, func(t *testing.T) {
			blob, err := vectorBlob(t, tc.Data.Input.Blob)
			var cells [CellsPerRow]Cell
			if err == nil {
				cells, err = p.ComputeCells(blob)
			}
			if tc.Data.Output == nil {
				requireVectorError(t, tc.Name, err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkCellsEqual(t, cells[:], *tc.Data.Output)
		})
	}
}

func TestVectorsComputeCellsAndProofs(t *testing.T) {
	type vector struct {
		Input struct {
			Blob string `yaml:"blob"`
		} `yaml:"input"`
		Output *[][]string `yaml:"output"` // [cells, proofs]
	}
	p := testProver(t)
	for _, tc := range loadVectors[vector](t, "compute_cells_and_kzg_proofs") {
		t.Run(tc.Name, func(t *testing.T) {
			blob, err := vectorBlob(t, tc.Data.Input.Blob)
			var cells [CellsPerRow]Cell
			var proofs [CellsPerRow]Proof
			if err == nil {
				cells, proofs, err = p.ComputeCellsAndProofs(blob)
			}
			if tc.Data.Output == nil {
				requireVectorError(t, tc.Name, err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			out := *tc.Data.Output
			if len(out) != 2 {
				t.Fatalf("vector output has %d lists, want 2", len(out))
			}
			checkCellsEqual(t, cells[:], out[0])
			checkProofsEqual(t, proofs[:], out[1])
		})
	}
}

func TestVectorsRecoverCellsAndProofs(t *testing.T) {
	type vector struct {
		Input struct {
			CellIndices []uint64 `yaml:"cell_indices"`
			Cells       []string `yaml:"cells"`
		} `yaml:"input"`
		Output *[][]string `yaml:"output"` // [cells, proofs]
	}
	p := testProver(t)
	for _, tc := range loadVectors[vector](t, "recover_cells_and_kzg_proofs") {
		t.Run(tc.Name, func(t *testing.T) {
			var err error
			cells := make([]Cell, len(tc.Data.Input.Cells))
			for i, s := range tc.Data.Input.Cells {
				if cells[i], err = ParseCell(mustHex(t, s)); err != nil {
					break
				}
			}
			var gotCells [CellsPerRow]Cell
			var gotProofs [CellsPerRow]Proof
			if err == nil {
				gotCells, gotProofs, err = p.RecoverCellsAndProofs(tc.Data.Input.CellIndices, cells)
			}
			if tc.Data.Output == nil {
				requireVectorError(t, tc.Name, err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			out := *tc.Data.Output
			if len(out) != 2 {
				t.Fatalf("vector output has %d lists, want 2", len(out))
			}
			checkCellsEqual(t, gotCells[:], out[0])
			checkProofsEqual(t, gotProofs[:], out[1])
		})
	}
}
