package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"testing"

	"lightdas/headers"
	"lightdas/headers/headertest"
	"lightdas/kzg"
)

// The decoders of stored values must reject or accept, never panic, and
// what they accept must re-encode to the same bytes.

func FuzzDecodeHeaderRecord(f *testing.F) {
	c := headertest.MustChain(headertest.Config{Validators: 2}, 2)
	for _, b := range c.Blocks {
		rec, err := encodeHeaderRecord(b)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(rec)
		f.Add(rec[:len(rec)-1])
		f.Add(append(bytes.Clone(rec), 0))
	}
	f.Add([]byte{})
	f.Add([]byte{1, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, c, err := decodeHeaderRecord(b)
		if err != nil {
			if h != nil || c != nil {
				t.Fatal("partial result with an error")
			}
			return
		}
		got, err := encodeHeaderRecord(&headers.LightBlock{Header: h, Commit: c})
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("accepted record does not re-encode: %v", err)
		}
	})
}

func FuzzDecodeSetRecord(f *testing.F) {
	c := headertest.MustChain(headertest.Config{Validators: 2}, 1)
	f.Add(encodeSetRecord(3, c.Genesis.Validators.Encode()))
	f.Add(encodeSetRecord(0, nil))
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, b []byte) {
		refs, set, err := decodeSetRecord(b)
		if err != nil {
			if !errors.Is(err, errMalformed) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if refs == 0 || !bytes.Equal(encodeSetRecord(refs, set), b) {
			t.Fatal("accepted record does not re-encode")
		}
	})
}

func FuzzDecodeBlockMeta(f *testing.F) {
	for _, k := range []int{1, 2, 64} {
		b := &kzg.ExtendedBlock{K: k, Commitments: make([]kzg.Commitment, 2*k)}
		f.Add(encodeBlockMeta(b))
	}
	f.Add([]byte{1, 3})
	f.Add([]byte{1, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		k, cs, err := decodeBlockMeta(b)
		if err != nil {
			if !errors.Is(err, errMalformed) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if !bytes.Equal(encodeBlockMeta(&kzg.ExtendedBlock{K: k, Commitments: cs}), b) {
			t.Fatal("accepted record does not re-encode")
		}
	})
}

// rowSeeds are row records of both versions, whole and damaged in the
// ways the tests name, all stored under goldenKey.
func rowSeeds() [][]byte {
	cells, proofs := goldenRow()
	key := goldenKey()
	v1 := encodeRowV1(cells, proofs)
	v2 := encodeRow(key, cells, proofs)
	seeds := [][]byte{{}, {1}, {2}, {3}}
	for _, rec := range [][]byte{v1, v2} {
		seeds = append(seeds, rec, rec[:100], rec[:len(rec)-1], append(bytes.Clone(rec), 0))
	}
	edit := func(rec []byte, f func([]byte) []byte) []byte { return f(bytes.Clone(rec)) }
	seeds = append(seeds,
		edit(v2, func(v []byte) []byte { v[0] = 1; return v }),
		edit(v1, func(v []byte) []byte { v[0] = 2; return v }),
		edit(v2, flip(1+5*cellEntrySize+9)),                  // cell 5
		edit(v2, flip(1+6*cellEntrySize+kzg.BytesPerCell+1)), // proof 6
		edit(v2, flip(1+7*cellEntrySize+cellProofSize)),      // checksum 7
		edit(v1, flip(1+5*kzg.BytesPerCell+9)),
		edit(v2, func(v []byte) []byte { // cell 0 >= the modulus, checksum fresh
			for i := 1; i < 33; i++ {
				v[i] = 0xff
			}
			return resealCell(key, 0)(v)
		}),
		edit(v1, func(v []byte) []byte {
			for i := 1; i < 33; i++ {
				v[i] = 0xff
			}
			return resealV1(v)
		}),
	)
	return seeds
}

// FuzzDecodeRow: a row record of either version decodes only whole and
// checked, and what decodes re-encodes to the same bytes in its version.
func FuzzDecodeRow(f *testing.F) {
	for _, s := range rowSeeds() {
		f.Add(s)
	}
	key := goldenKey()
	f.Fuzz(func(t *testing.T, b []byte) {
		cs, ps, err := decodeRow(key, b)
		if err != nil {
			if !errors.Is(err, errMalformed) && !errors.Is(err, kzg.ErrNonCanonical) {
				t.Fatalf("untyped error %v", err)
			}
			if cs != nil || ps != nil {
				t.Fatal("partial result with an error")
			}
			return
		}
		var again []byte
		switch b[0] {
		case rowVersionWhole:
			again = encodeRowV1(cs, ps)
		case rowVersionCells:
			again = encodeRow(key, cs, ps)
		default:
			t.Fatalf("accepted version %d", b[0])
		}
		if !bytes.Equal(again, b) {
			t.Fatal("accepted row does not re-encode")
		}
	})
}

// FuzzRowCell: the serving path (openRow, then one cell) answers a cell
// exactly when the bytes it serves check, read independently here: a
// version 2 cell by its own entry's checksum over key | column | cell |
// proof, a version 1 cell by the whole row's. It never serves a cell of a
// row decodeRow refuses for its framing, nor refuses one of a row
// decodeRow accepts.
func FuzzRowCell(f *testing.F) {
	for i, s := range rowSeeds() {
		f.Add(s, uint8(i*37))
	}
	key := goldenKey()
	castagnoliTab := crc32.MakeTable(crc32.Castagnoli)
	f.Fuzz(func(t *testing.T, b []byte, colByte uint8) {
		col := int(colByte) % kzg.CellsPerRow
		r, err := openRow(key, b)
		if err != nil {
			if !errors.Is(err, errMalformed) {
				t.Fatalf("untyped error %v", err)
			}
			if _, _, derr := decodeRow(key, b); derr == nil {
				t.Fatal("openRow refuses a row decodeRow accepts")
			}
			return
		}
		var cell kzg.Cell
		var proof kzg.Proof
		cell[7], proof[7] = 0xaa, 0xbb // stale contents: overwritten or zeroed
		err = r.cell(col, &cell, &proof)
		if err != nil && !errors.Is(err, errMalformed) && !errors.Is(err, kzg.ErrNonCanonical) {
			t.Fatalf("untyped error %v", err)
		}
		var wantCell, wantProof []byte
		var checks bool
		switch {
		case b[0] == rowVersionWhole && len(b) == 1+kzg.CellsPerRow*cellProofSize+4:
			wantCell = b[1+col*kzg.BytesPerCell:][:kzg.BytesPerCell]
			wantProof = b[1+kzg.CellsPerRow*kzg.BytesPerCell+col*kzg.BytesPerProof:][:kzg.BytesPerProof]
			if crc32.Checksum(b[:len(b)-4], castagnoliTab) != binary.BigEndian.Uint32(b[len(b)-4:]) {
				t.Fatal("openRow accepted a version 1 row that does not check")
			}
			checks = true
		case b[0] == rowVersionCells && len(b) == 1+kzg.CellsPerRow*(cellProofSize+4):
			e := b[1+col*(cellProofSize+4):][:cellProofSize+4]
			wantCell, wantProof = e[:kzg.BytesPerCell], e[kzg.BytesPerCell:cellProofSize]
			checks = entryCRC(key, col, wantCell, wantProof) == binary.BigEndian.Uint32(e[cellProofSize:])
		default:
			t.Fatalf("openRow accepted a %d-byte record of version %d", len(b), b[0])
		}
		var c kzg.Cell
		copy(c[:], wantCell)
		_, canonErr := c.Elements()
		switch {
		case !checks || canonErr != nil:
			if err == nil {
				t.Fatalf("cell %d served though its bytes do not check", col)
			}
			if cell != (kzg.Cell{}) || proof != (kzg.Proof{}) {
				t.Fatal("partial result with an error")
			}
		case err != nil:
			t.Fatalf("cell %d refused though its bytes check: %v", col, err)
		case !bytes.Equal(cell[:], wantCell) || !bytes.Equal(proof[:], wantProof):
			t.Fatalf("cell %d: served bytes are not the stored ones", col)
		}
		if cs, ps, derr := decodeRow(key, b); derr == nil && (err != nil || cs[col] != cell || ps[col] != proof) {
			t.Fatalf("cell %d: the serving path and decodeRow disagree (%v)", col, err)
		}
	})
}

func FuzzDecodeHeight(f *testing.F) {
	f.Add(heightKey(5))
	f.Add([]byte{1, 2})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := decodeHeight(b)
		if err == nil && !bytes.Equal(heightKey(h), b) {
			t.Fatal("accepted height does not re-encode")
		}
	})
}
