package kzg

import (
	"errors"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
)

// verifyBatchVector is verify_cell_kzg_proof_batch/<case>/data.yaml.
type verifyBatchVector struct {
	Input struct {
		Commitments []string `yaml:"commitments"`
		CellIndices []uint64 `yaml:"cell_indices"`
		Cells       []string `yaml:"cells"`
		Proofs      []string `yaml:"proofs"`
	} `yaml:"input"`
	Output *bool `yaml:"output"`
}

// typedErrors are the sentinels malformed input must map to.
var typedErrors = []error{ErrLength, ErrNonCanonical, ErrInvalidPoint, ErrNotInSubgroup, ErrCellIndex, ErrInput}

func isTyped(err error) bool {
	for _, s := range typedErrors {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// parseHexList decodes a list of 0x-hex strings with parse (length-checked).
func parseHexList[T any](list []string, parse func([]byte) (T, error)) ([]T, error) {
	out := make([]T, len(list))
	for i, s := range list {
		b, err := hexBytes(s)
		if err != nil {
			return nil, err
		}
		if out[i], err = parse(b); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// runVerifyBatchVector decodes a case's inputs like a caller handing raw
// bytes to this package would, and verifies them.
func runVerifyBatchVector(v *Verifier, in *verifyBatchVector) error {
	commitments, err := parseHexList(in.Input.Commitments, ParseCommitment)
	if err != nil {
		return err
	}
	cells, err := parseHexList(in.Input.Cells, ParseCell)
	if err != nil {
		return err
	}
	proofs, err := parseHexList(in.Input.Proofs, ParseProof)
	if err != nil {
		return err
	}
	return v.VerifyCellProofBatch(commitments, in.Input.CellIndices, cells, proofs)
}

func TestVerifyCellProofBatchVectors(t *testing.T) {
	v, err := NewVerifier()
	if err != nil {
		t.Fatal(err)
	}
	cases := loadVectors[verifyBatchVector](t, "verify_cell_kzg_proof_batch")
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			err := runVerifyBatchVector(v, &c.Data)
			switch {
			case c.Data.Output == nil:
				if err == nil || errors.Is(err, ErrVerify) || !isTyped(err) {
					t.Fatalf("want a typed input error, got %v", err)
				}
			case *c.Data.Output:
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
			default:
				if !errors.Is(err, ErrVerify) {
					t.Fatalf("want ErrVerify, got %v", err)
				}
			}
		})
	}
}

// TestVerifyCellProofBatchVectorsMutated makes the valid official cases
// invalid in several ways: each must then fail with ErrVerify. (It also runs
// every case twice on one Verifier, so state leaking between calls shows.)
func TestVerifyCellProofBatchVectorsMutated(t *testing.T) {
	v, err := NewVerifier()
	if err != nil {
		t.Fatal(err)
	}
	cases := loadVectors[verifyBatchVector](t, "verify_cell_kzg_proof_batch")
	nontrivial := 0
	for _, c := range cases {
		if c.Data.Output == nil || !*c.Data.Output || len(c.Data.Input.Cells) == 0 {
			continue
		}
		in := c.Data.Input
		commitments, _ := parseHexList(in.Commitments, ParseCommitment)
		cells, _ := parseHexList(in.Cells, ParseCell)
		proofs, _ := parseHexList(in.Proofs, ParseProof)
		for range 2 {
			if err := v.VerifyCellProofBatch(commitments, in.CellIndices, cells, proofs); err != nil {
				t.Fatalf("%s: %v", c.Name, err)
			}
		}
		last := len(cells) - 1
		mutations := map[string]func(cm []Commitment, idx []uint64, cl []Cell, pr []Proof){
			"cell element +1": func(_ []Commitment, _ []uint64, cl []Cell, _ []Proof) {
				e, _ := cl[last].Elements()
				e[17].Add(&e[17], new(fr.Element).SetOne())
				cl[last], _ = CellFromElements(e)
			},
			"cell index": func(_ []Commitment, idx []uint64, _ []Cell, pr []Proof) {
				// A proof at infinity means a constant polynomial, valid at
				// every index: moving it proves nothing.
				if pr[last] != (Proof{0xc0}) {
					idx[last] = (idx[last] + 1) % CellsPerRow
				}
			},
			"proof negated": func(_ []Commitment, _ []uint64, _ []Cell, pr []Proof) {
				p, _ := pr[last].Point()
				p.Neg(&p)
				pr[last] = ProofFromPoint(&p)
			},
			"commitment doubled": func(cm []Commitment, _ []uint64, _ []Cell, _ []Proof) {
				p, _ := cm[last].Point()
				p.Double(&p)
				cm[last] = CommitmentFromPoint(&p)
			},
		}
		for name, mutate := range mutations {
			cm := append([]Commitment(nil), commitments...)
			idx := append([]uint64(nil), in.CellIndices...)
			cl := append([]Cell(nil), cells...)
			pr := append([]Proof(nil), proofs...)
			mutate(cm, idx, cl, pr)
			if cm[last] == commitments[last] && pr[last] == proofs[last] && idx[last] == in.CellIndices[last] && cl[last] == cells[last] {
				continue // the mutation is a no-op here (e.g. the point at infinity)
			}
			nontrivial++
			if err := v.VerifyCellProofBatch(cm, idx, cl, pr); !errors.Is(err, ErrVerify) {
				t.Errorf("%s, %s: got %v, want ErrVerify", c.Name, name, err)
			}
		}
	}
	if nontrivial == 0 {
		t.Fatal("no mutation applied")
	}
}
