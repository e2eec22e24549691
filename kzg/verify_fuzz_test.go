package kzg

import (
	"encoding/binary"
	"errors"
	"testing"
)

// Fuzz input layout for FuzzVerifyCellProofBatch: byte 0 holds the number of
// cells (low 2 bits) and which list to shorten by one (bits 2-3: none,
// commitments, cell indices, proofs); then one record per cell:
// commitment (48) | cell index (8, big-endian) | cell (2048) | proof (48).
// Missing bytes read as zero.
const fuzzRecord = BytesPerCommitment + 8 + BytesPerCell + BytesPerProof

func encodeFuzzBatch(commitments []Commitment, indices []uint64, cells []Cell, proofs []Proof) []byte {
	out := []byte{byte(len(cells))}
	for i := range cells {
		out = append(out, commitments[i][:]...)
		out = binary.BigEndian.AppendUint64(out, indices[i])
		out = append(out, cells[i][:]...)
		out = append(out, proofs[i][:]...)
	}
	return out
}

func decodeFuzzBatch(data []byte) ([]Commitment, []uint64, []Cell, []Proof) {
	if len(data) == 0 {
		return nil, nil, nil, nil
	}
	n, drop := int(data[0]&3), int(data[0]>>2&3)
	data = data[1:]
	commitments := make([]Commitment, n)
	indices := make([]uint64, n)
	cells := make([]Cell, n)
	proofs := make([]Proof, n)
	for i := 0; i < n; i++ {
		var rec [fuzzRecord]byte
		if i*fuzzRecord < len(data) {
			copy(rec[:], data[i*fuzzRecord:])
		}
		commitments[i] = Commitment(rec[:48])
		indices[i] = binary.BigEndian.Uint64(rec[48:56])
		cells[i] = Cell(rec[56 : 56+BytesPerCell])
		proofs[i] = Proof(rec[56+BytesPerCell:])
	}
	if n > 0 {
		switch drop {
		case 1:
			commitments = commitments[:n-1]
		case 2:
			indices = indices[:n-1]
		case 3:
			proofs = proofs[:n-1]
		}
	}
	return commitments, indices, cells, proofs
}

func FuzzVerifyCellProofBatch(f *testing.F) {
	for _, c := range loadVectors[verifyBatchVector](f, "verify_cell_kzg_proof_batch") {
		in := c.Data.Input
		commitments, err1 := parseHexList(in.Commitments, ParseCommitment)
		cells, err2 := parseHexList(in.Cells, ParseCell)
		proofs, err3 := parseHexList(in.Proofs, ParseProof)
		n := len(cells)
		if err1 != nil || err2 != nil || err3 != nil || n > 3 ||
			len(commitments) != n || len(proofs) != n || len(in.CellIndices) != n {
			continue
		}
		f.Add(encodeFuzzBatch(commitments, in.CellIndices, cells, proofs))
	}
	f.Add([]byte{})
	f.Add([]byte{0x07})
	v, err := NewVerifier()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		commitments, indices, cells, proofs := decodeFuzzBatch(data)
		err := v.VerifyCellProofBatch(commitments, indices, cells, proofs)
		if err != nil {
			if !errors.Is(err, ErrVerify) && !isTyped(err) {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		// Accepted: every cell must verify on its own, and changing any
		// cell must break the batch.
		for i := range cells {
			if err := v.VerifyCellProofBatch(commitments[i:i+1], indices[i:i+1], cells[i:i+1], proofs[i:i+1]); err != nil {
				t.Fatalf("batch accepted but cell %d alone: %v", i, err)
			}
			changed := append([]Cell(nil), cells...)
			changed[i][BytesPerCell-1] ^= 1
			if err := v.VerifyCellProofBatch(commitments, indices, changed, proofs); err == nil {
				t.Fatalf("batch still accepted with cell %d changed", i)
			}
		}
	})
}
