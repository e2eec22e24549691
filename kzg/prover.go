package kzg

import (
	"fmt"
	"runtime"

	"github.com/consensys/gnark-crypto/ecc"
	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"

	"lightdas/erasure"
)

// Prover computes commitments and cell proofs for full nodes. Built once;
// immutable; safe for concurrent use.
//
// Proofs come from FK20 with precomputed fixed-base tables (see fk20.go):
// NewProver takes about a second and the Prover holds about 25 MiB. Every
// method uses up to GOMAXPROCS goroutines.
type Prover struct {
	srs   []bls12381.G1Affine // [tau^i]_1, i < 4096 (commitments)
	fk    *fk20
	codec *erasure.Codec
}

// NewProver loads the monomial SRS of the embedded Ethereum setup and
// precomputes the FK20 tables.
func NewProver() (*Prover, error) {
	srs, err := loadProverSRS()
	if err != nil {
		return nil, fmt.Errorf("kzg: new prover: %w", err)
	}
	glv, err := newGLVParams()
	if err != nil {
		return nil, fmt.Errorf("kzg: new prover: %w", err)
	}
	fk, err := newFK20(srs, glv, runtime.GOMAXPROCS(0))
	if err != nil {
		return nil, fmt.Errorf("kzg: new prover: %w", err)
	}
	return &Prover{srs: srs, fk: fk, codec: erasure.NewCodec()}, nil
}

// BlobToCommitment returns the KZG commitment to the blob's polynomial
// (EIP-4844 blob_to_kzg_commitment).
func (p *Prover) BlobToCommitment(blob *Blob) (Commitment, error) {
	coeffs, err := p.blobCoefficients(blob)
	if err != nil {
		return Commitment{}, fmt.Errorf("kzg: blob to commitment: %w", err)
	}
	var c bls12381.G1Affine
	if _, err := c.MultiExp(p.srs, coeffs, ecc.MultiExpConfig{NbTasks: runtime.GOMAXPROCS(0)}); err != nil {
		return Commitment{}, fmt.Errorf("kzg: blob to commitment: %w", err) // unreachable: lengths match
	}
	return CommitmentFromPoint(&c), nil
}

// ComputeCells returns the 128 cells of the blob's extended row
// (EIP-7594 compute_cells).
func (p *Prover) ComputeCells(blob *Blob) ([CellsPerRow]Cell, error) {
	var cells [CellsPerRow]Cell
	elems, err := blobElements(blob)
	if err != nil {
		return cells, fmt.Errorf("kzg: compute cells: %w", err)
	}
	row, err := p.codec.ExtendRow(elems)
	if err != nil {
		return cells, fmt.Errorf("kzg: compute cells: %w", err) // unreachable: 4096 elements
	}
	encodeRowCells(&cells, row)
	return cells, nil
}

// ComputeCellsAndProofs returns the 128 cells of the blob's extended row and
// their KZG proofs (EIP-7594 compute_cells_and_kzg_proofs).
func (p *Prover) ComputeCellsAndProofs(blob *Blob) ([CellsPerRow]Cell, [CellsPerRow]Proof, error) {
	coeffs, err := p.blobCoefficients(blob)
	if err != nil {
		return [CellsPerRow]Cell{}, [CellsPerRow]Proof{}, fmt.Errorf("kzg: compute cells and proofs: %w", err)
	}
	cells, proofs, err := p.cellsAndProofs(coeffs)
	if err != nil {
		return cells, proofs, fmt.Errorf("kzg: compute cells and proofs: %w", err)
	}
	return cells, proofs, nil
}

// RecoverCellsAndProofs recovers all 128 cells of a row and their proofs
// from at least 64 of its cells (EIP-7594 recover_cells_and_kzg_proofs).
// cellIndices must be strictly ascending and below 128; cells[i] is the cell
// at cellIndices[i]. Beyond the spec, more than 64 cells that do not lie on
// one polynomial of degree < 4096 are rejected (ErrInput) instead of being
// silently replaced by the interpolation of some of them.
func (p *Prover) RecoverCellsAndProofs(cellIndices []uint64, cells []Cell) ([CellsPerRow]Cell, [CellsPerRow]Proof, error) {
	var noCells [CellsPerRow]Cell
	var noProofs [CellsPerRow]Proof
	fail := func(err error) ([CellsPerRow]Cell, [CellsPerRow]Proof, error) {
		return noCells, noProofs, fmt.Errorf("kzg: recover cells and proofs: %w", err)
	}
	if len(cellIndices) != len(cells) {
		return fail(fmt.Errorf("%d cell indices for %d cells: %w", len(cellIndices), len(cells), ErrInput))
	}
	if len(cells) < CellsPerRow/2 || len(cells) > CellsPerRow {
		return fail(fmt.Errorf("%d cells, need %d to %d: %w", len(cells), CellsPerRow/2, CellsPerRow, ErrInput))
	}
	indices := make([]int, len(cellIndices))
	for i, c := range cellIndices {
		if c >= CellsPerRow {
			return fail(indexErr("cell index", i, fmt.Errorf("%d >= %d: %w", c, CellsPerRow, ErrCellIndex)))
		}
		if i > 0 && c <= cellIndices[i-1] {
			return fail(indexErr("cell index", i, fmt.Errorf("%d after %d, want strictly ascending: %w", c, cellIndices[i-1], ErrInput)))
		}
		indices[i] = int(c)
	}
	elems := make([][]fr.Element, len(cells))
	for i := range cells {
		e, err := cells[i].Elements()
		if err != nil {
			return fail(indexErr("cell", i, err))
		}
		elems[i] = e
	}
	coeffs, err := p.codec.RecoverCoefficients(indices, elems)
	if err != nil {
		// After the checks above only erasure.ErrInconsistent remains.
		return fail(fmt.Errorf("%w: %w", ErrInput, err))
	}
	c, pr, err := p.cellsAndProofs(coeffs)
	if err != nil {
		return fail(err)
	}
	return c, pr, nil
}

// cellsAndProofs extends and proves a row given by its 4096 coefficients.
func (p *Prover) cellsAndProofs(coeffs []fr.Element) ([CellsPerRow]Cell, [CellsPerRow]Proof, error) {
	var cells [CellsPerRow]Cell
	var proofs [CellsPerRow]Proof
	row, err := p.codec.CellsFromCoefficients(coeffs)
	if err != nil {
		return cells, proofs, err // unreachable: 4096 coefficients
	}
	encodeRowCells(&cells, row)
	_, pts := p.fk.proveRows([][]fr.Element{coeffs}, runtime.GOMAXPROCS(0))
	for i, pt := range bls12381.BatchJacobianToAffineG1(pts[0]) {
		proofs[i] = ProofFromPoint(&pt)
	}
	return cells, proofs, nil
}

// blobCoefficients decodes a blob and returns its polynomial's monomial
// coefficients.
func (p *Prover) blobCoefficients(blob *Blob) ([]fr.Element, error) {
	elems, err := blobElements(blob)
	if err != nil {
		return nil, err
	}
	coeffs, err := p.codec.Coefficients(elems)
	if err != nil {
		return nil, err // unreachable: 4096 elements
	}
	return coeffs, nil
}

func blobElements(blob *Blob) ([]fr.Element, error) {
	if blob == nil {
		return nil, fmt.Errorf("nil blob: %w", ErrInput)
	}
	return blob.Elements()
}

// encodeRowCells encodes an extended row (8192 elements in cell order).
func encodeRowCells(dst *[CellsPerRow]Cell, row []fr.Element) {
	for i := range row[:CellsPerRow*FieldElementsPerCell] {
		c, j := i/FieldElementsPerCell, i%FieldElementsPerCell
		fr.BigEndian.PutElement((*[fr.Bytes]byte)(dst[c][j*fr.Bytes:]), row[i])
	}
}
