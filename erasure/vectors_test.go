package erasure

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
)

type computeCellsVector struct {
	Input struct {
		Blob string `yaml:"blob"`
	} `yaml:"input"`
	Output *[]string `yaml:"output"`
}

// TestComputeCellsVectors checks ExtendRow (and the Coefficients ->
// CellsFromCoefficients path) byte for byte against the official
// compute_cells vectors. The invalid vectors hold non-canonical field
// elements: rejecting those is the byte decoder's job (package kzg); here we
// check that fr's canonical decoding detects them.
func TestComputeCellsVectors(t *testing.T) {
	c := testCodec()
	valid := 0
	for _, tc := range loadVectors[computeCellsVector](t, "compute_cells") {
		t.Run(tc.Name, func(t *testing.T) {
			raw := decodeHex(t, tc.Data.Input.Blob)
			blob, err := decodeElements(raw)
			if tc.Data.Output == nil {
				if len(raw) == ElementsPerBlob*fr.Bytes && err == nil {
					t.Fatalf("invalid blob decoded as canonical field elements")
				}
				return
			}
			valid++
			if err != nil {
				t.Fatalf("decoding valid blob: %v", err)
			}
			want := *tc.Data.Output
			if len(want) != CellsPerRow {
				t.Fatalf("vector has %d cells", len(want))
			}
			row, err := c.ExtendRow(blob)
			if err != nil {
				t.Fatalf("ExtendRow: %v", err)
			}
			coeffs, err := c.Coefficients(blob)
			if err != nil {
				t.Fatalf("Coefficients: %v", err)
			}
			row2, err := c.CellsFromCoefficients(coeffs)
			if err != nil {
				t.Fatalf("CellsFromCoefficients: %v", err)
			}
			for j, w := range want {
				wb := decodeHex(t, w)
				if got := encodeElements(row[j*ElementsPerCell : (j+1)*ElementsPerCell]); !bytes.Equal(got, wb) {
					t.Fatalf("ExtendRow cell %d differs from the vector", j)
				}
				if got := encodeElements(row2[j*ElementsPerCell : (j+1)*ElementsPerCell]); !bytes.Equal(got, wb) {
					t.Fatalf("CellsFromCoefficients cell %d differs from the vector", j)
				}
			}
		})
	}
	if valid == 0 {
		t.Fatal("no valid compute_cells vector")
	}
}

type recoverCellsVector struct {
	Input struct {
		CellIndices []int    `yaml:"cell_indices"`
		Cells       []string `yaml:"cells"`
	} `yaml:"input"`
	Output *[][]string `yaml:"output"` // [cells, proofs]
}

// TestRecoverCellsVectors runs the official recover_cells_and_kzg_proofs
// vectors through RecoverRow (cells only; proofs belong to kzg). Every
// invalid case must fail for its documented reason: a typed structural error
// from RecoverRow, or (invalid_cell_*) cell bytes that are non-canonical or
// of the wrong length, which the kzg decoder rejects before recovery.
func TestRecoverCellsVectors(t *testing.T) {
	c := testCodec()
	// Expected structural error per invalid case (by case name); nil means
	// the structure is fine and only the cell bytes are invalid.
	wantErr := map[string]error{
		"invalid_all_cells_are_missing":              ErrTooFewCells,
		"invalid_cell_0":                             nil, // bad cell bytes
		"invalid_cell_1":                             nil,
		"invalid_cell_2":                             nil,
		"invalid_cell_3":                             nil,
		"invalid_cell_index":                         ErrCellIndex,
		"invalid_duplicate_cell_index":               ErrCellOrder,
		"invalid_more_cell_indices_than_cells":       ErrLength,
		"invalid_more_cells_than_cell_indices":       ErrLength,
		"invalid_more_cells_than_cells_per_ext_blob": ErrCellOrder,
		"invalid_more_than_half_missing":             ErrTooFewCells,
		"invalid_shuffled_half_missing":              ErrCellOrder,
		"invalid_shuffled_no_missing":                ErrCellOrder,
	}
	valid := 0
	for _, tc := range loadVectors[recoverCellsVector](t, "recover_cells_and_kzg_proofs") {
		t.Run(tc.Name, func(t *testing.T) {
			// Decode leniently (reduce mod r) so the structural checks run
			// even on non-canonical cells; note canonicity separately.
			cells := make([][]fr.Element, len(tc.Data.Input.Cells))
			canonical := true
			for i, h := range tc.Data.Input.Cells {
				raw := decodeHex(t, h)
				cells[i] = make([]fr.Element, ElementsPerCell)
				if len(raw) != ElementsPerCell*fr.Bytes {
					canonical = false // wrong byte length: also the decoder's job
					continue
				}
				if _, err := decodeElements(raw); err != nil {
					canonical = false
				}
				for j := range cells[i] {
					cells[i][j].SetBytes(raw[j*fr.Bytes : (j+1)*fr.Bytes])
				}
			}
			row, err := c.RecoverRow(tc.Data.Input.CellIndices, cells)

			if tc.Data.Output != nil {
				valid++
				if !canonical {
					t.Fatal("valid case has non-canonical cells")
				}
				if err != nil {
					t.Fatalf("RecoverRow: %v", err)
				}
				want := (*tc.Data.Output)[0]
				if len(want) != CellsPerRow {
					t.Fatalf("vector has %d cells", len(want))
				}
				for j, w := range want {
					if got := encodeElements(row[j*ElementsPerCell : (j+1)*ElementsPerCell]); !bytes.Equal(got, decodeHex(t, w)) {
						t.Fatalf("recovered cell %d differs from the vector", j)
					}
				}
				return
			}

			expect, found := wantErr[strings.TrimPrefix(tc.Name, "recover_cells_and_kzg_proofs_case_")]
			if !found {
				t.Fatalf("unclassified invalid case %s: RecoverRow err = %v, canonical = %v", tc.Name, err, canonical)
			}
			if expect == nil {
				if canonical {
					t.Fatal("case should have invalid cell bytes")
				}
				if err != nil {
					t.Fatalf("structurally valid input rejected: %v", err)
				}
				return
			}
			if !errors.Is(err, expect) {
				t.Fatalf("RecoverRow err = %v, want %v", err, expect)
			}
		})
	}
	if valid == 0 {
		t.Fatal("no valid recover vector")
	}
}
