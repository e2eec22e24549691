package kzg

import (
	"fmt"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
)

// EIP-7594 sizes.
const (
	BytesPerFieldElement = 32
	FieldElementsPerBlob = 4096
	FieldElementsPerCell = 64
	CellsPerRow          = 128 // CELLS_PER_EXT_BLOB
	BytesPerBlob         = BytesPerFieldElement * FieldElementsPerBlob
	BytesPerCell         = BytesPerFieldElement * FieldElementsPerCell
	BytesPerProof        = 48
	BytesPerCommitment   = 48
)

// Blob is a row of original data: 4096 canonical big-endian field elements,
// the evaluations of the row polynomial on the 4096th roots of unity in
// bit-reversed order (EIP-4844).
type Blob [BytesPerBlob]byte

// Cell is one of the 128 cells of an extended row: 64 canonical big-endian
// field elements, the row polynomial's evaluations on the cell's coset in the
// spec's bit-reversed order.
type Cell [BytesPerCell]byte

// Proof is a KZG multi-proof for a cell: a compressed G1 point.
type Proof [BytesPerProof]byte

// Commitment is a KZG commitment to a row polynomial: a compressed G1 point.
type Commitment [BytesPerCommitment]byte

// ParseBlob copies b into a Blob after checking its length. The elements are
// checked by Elements.
func ParseBlob(b []byte) (*Blob, error) {
	if len(b) != BytesPerBlob {
		return nil, fmt.Errorf("blob of %d bytes, want %d: %w", len(b), BytesPerBlob, ErrLength)
	}
	blob := new(Blob)
	copy(blob[:], b)
	return blob, nil
}

// ParseCell copies b into a Cell after checking its length. The elements are
// checked by Elements (and by every verifier).
func ParseCell(b []byte) (Cell, error) {
	if len(b) != BytesPerCell {
		return Cell{}, fmt.Errorf("cell of %d bytes, want %d: %w", len(b), BytesPerCell, ErrLength)
	}
	return Cell(b), nil
}

// ParseProof copies b into a Proof after checking its length. The point is
// checked by Point (and by every verifier).
func ParseProof(b []byte) (Proof, error) {
	if len(b) != BytesPerProof {
		return Proof{}, fmt.Errorf("proof of %d bytes, want %d: %w", len(b), BytesPerProof, ErrLength)
	}
	return Proof(b), nil
}

// ParseCommitment copies b into a Commitment after checking its length. The
// point is checked by Point (and by every verifier).
func ParseCommitment(b []byte) (Commitment, error) {
	if len(b) != BytesPerCommitment {
		return Commitment{}, fmt.Errorf("commitment of %d bytes, want %d: %w", len(b), BytesPerCommitment, ErrLength)
	}
	return Commitment(b), nil
}

// Elements decodes the blob's 4096 field elements, rejecting any that is not
// the canonical encoding of a value below the scalar field modulus.
func (b *Blob) Elements() ([]fr.Element, error) {
	out := make([]fr.Element, FieldElementsPerBlob)
	if err := decodeElements(out, b[:]); err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	return out, nil
}

// BlobFromElements encodes exactly 4096 field elements as a blob.
func BlobFromElements(e []fr.Element) (*Blob, error) {
	if len(e) != FieldElementsPerBlob {
		return nil, fmt.Errorf("blob from %d field elements, want %d: %w", len(e), FieldElementsPerBlob, ErrLength)
	}
	b := new(Blob)
	encodeElements(b[:], e)
	return b, nil
}

// Elements decodes the cell's 64 field elements, rejecting any that is not
// canonical.
func (c *Cell) Elements() ([]fr.Element, error) {
	out := make([]fr.Element, FieldElementsPerCell)
	if err := decodeElements(out, c[:]); err != nil {
		return nil, fmt.Errorf("cell: %w", err)
	}
	return out, nil
}

// CellFromElements encodes exactly 64 field elements as a cell.
func CellFromElements(e []fr.Element) (Cell, error) {
	var c Cell
	if len(e) != FieldElementsPerCell {
		return c, fmt.Errorf("cell from %d field elements, want %d: %w", len(e), FieldElementsPerCell, ErrLength)
	}
	encodeElements(c[:], e)
	return c, nil
}

// decodeElements fills dst from len(dst)*32 big-endian bytes of src.
func decodeElements(dst []fr.Element, src []byte) error {
	for i := range dst {
		v, err := fr.BigEndian.Element((*[fr.Bytes]byte)(src[i*fr.Bytes:]))
		if err != nil {
			return indexErr("field element", i, ErrNonCanonical)
		}
		dst[i] = v
	}
	return nil
}

func encodeElements(dst []byte, src []fr.Element) {
	for i := range src {
		fr.BigEndian.PutElement((*[fr.Bytes]byte)(dst[i*fr.Bytes:]), src[i])
	}
}

// Point decodes the proof: see decodeG1.
func (p Proof) Point() (bls12381.G1Affine, error) {
	pt, err := decodeG1((*[48]byte)(&p))
	if err != nil {
		return pt, fmt.Errorf("proof: %w", err)
	}
	return pt, nil
}

// Point decodes the commitment: see decodeG1.
func (c Commitment) Point() (bls12381.G1Affine, error) {
	pt, err := decodeG1((*[48]byte)(&c))
	if err != nil {
		return pt, fmt.Errorf("commitment: %w", err)
	}
	return pt, nil
}

// ProofFromPoint encodes p in compressed form. p must be in G1 (points built
// by this package are).
func ProofFromPoint(p *bls12381.G1Affine) Proof { return Proof(p.Bytes()) }

// CommitmentFromPoint encodes p in compressed form. p must be in G1.
func CommitmentFromPoint(p *bls12381.G1Affine) Commitment { return Commitment(p.Bytes()) }

// ZCash/IETF flag bits of the first byte of a compressed point.
const (
	flagCompressed = 0x80
	flagInfinity   = 0x40
	flagSign       = 0x20 // y is the lexicographically largest root
	flagMask       = flagCompressed | flagInfinity | flagSign
)

func allZero(b []byte) bool {
	var acc byte
	for _, v := range b {
		acc |= v
	}
	return acc == 0
}
