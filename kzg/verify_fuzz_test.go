package kzg

import (
	"encoding/binary"
	"errors"
	"slices"
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

// Fuzz input layout for FuzzVerifySamples: byte 0 holds log2 k (bits 0-2;
// 7 means k = 3, an invalid block size) and the number of samples (bits
// 3-4); then k commitments (48 bytes each); then one record per sample:
// row (1 byte, signed), column (1 byte, signed), cell (2048), proof (48).
// Missing bytes read as zero.
const fuzzSampleRecord = 2 + BytesPerCell + BytesPerProof

func encodeFuzzSamples(commitments []Commitment, samples []Sample) []byte {
	logK := 0
	for 1<<logK < len(commitments) {
		logK++
	}
	out := []byte{byte(logK) | byte(len(samples))<<3}
	for _, c := range commitments {
		out = append(out, c[:]...)
	}
	for _, s := range samples {
		out = append(out, byte(int8(s.Row)), byte(int8(s.Column)))
		out = append(out, s.Cell[:]...)
		out = append(out, s.Proof[:]...)
	}
	return out
}

func decodeFuzzSamples(data []byte) ([]Commitment, []Sample) {
	if len(data) == 0 {
		return nil, nil
	}
	k, n := 1<<(data[0]&7), int(data[0]>>3&3)
	if data[0]&7 == 7 {
		k = 3
	}
	data = data[1:]
	read := func(dst []byte) {
		data = data[copy(dst, data):]
	}
	commitments := make([]Commitment, k)
	for i := range commitments {
		read(commitments[i][:])
	}
	samples := make([]Sample, n)
	for i := range samples {
		var rc [2]byte
		read(rc[:])
		samples[i].Row, samples[i].Column = int(int8(rc[0])), int(int8(rc[1]))
		read(samples[i].Cell[:])
		read(samples[i].Proof[:])
	}
	return commitments, samples
}

// FuzzVerifySamples feeds arbitrary commitments and samples (what a light
// client receives from headers and peers) to VerifySamples. Malformed input
// must fail with a typed error; on well-formed input, the verdict must be
// the spec API's on the explicitly derived row commitments
// (ExtendCommitments), so folding the extended rows into the originals
// neither accepts nor rejects anything the 1D check would not; and an
// accepted batch must be accepted sample by sample.
func FuzzVerifySamples(f *testing.F) {
	fx := readBlockFixture(f)
	orig := fx.commitments[:fx.k]
	var ext, mixed []Sample
	for _, s := range fx.samples {
		if s.Row >= fx.k && len(ext) < 2 {
			ext = append(ext, s)
		}
		if s.Row < fx.k && len(mixed) < 1 {
			mixed = append(mixed, s)
		}
	}
	mixed = append(mixed, ext...)
	f.Add(encodeFuzzSamples(orig, fx.samples[:1]))
	f.Add(encodeFuzzSamples(orig, ext))
	f.Add(encodeFuzzSamples(orig, mixed))
	moved := slices.Clone(mixed)
	moved[1].Row = (moved[1].Row + 1) % (2 * fx.k)
	f.Add(encodeFuzzSamples(orig, moved))
	negative := slices.Clone(mixed[:1])
	negative[0].Column = -1
	f.Add(encodeFuzzSamples(orig, negative))
	f.Add(encodeFuzzSamples(orig[:1], []Sample{{Cell: Cell{}, Proof: Proof{0xc0}}}))
	f.Add(encodeFuzzSamples(orig, nil))
	f.Add([]byte{0x07})
	f.Add([]byte{})
	v, err := NewVerifier()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		commitments, samples := decodeFuzzSamples(data)
		err := v.VerifySamples(commitments, samples)
		if err != nil && !errors.Is(err, ErrVerify) {
			if !isTyped(err) {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		derived, derr := ExtendCommitments(commitments)
		if derr != nil {
			t.Fatalf("VerifySamples decoded commitments that ExtendCommitments rejects: %v", derr)
		}
		cs := make([]Commitment, len(samples))
		idx := make([]uint64, len(samples))
		cells := make([]Cell, len(samples))
		proofs := make([]Proof, len(samples))
		for i, s := range samples {
			cs[i], idx[i], cells[i], proofs[i] = derived[s.Row], uint64(s.Column), s.Cell, s.Proof
		}
		spec := v.VerifyCellProofBatch(cs, idx, cells, proofs)
		if (err == nil) != (spec == nil) || (spec != nil && !errors.Is(spec, ErrVerify)) {
			t.Fatalf("VerifySamples: %v; VerifyCellProofBatch on derived commitments: %v", err, spec)
		}
		if err != nil {
			return
		}
		for i := range samples {
			if err := v.VerifySamples(commitments, samples[i:i+1]); err != nil {
				t.Fatalf("batch accepted but sample %d alone: %v", i, err)
			}
		}
	})
}
