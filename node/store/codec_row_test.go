package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"testing"

	"lightdas/headers"
	"lightdas/kzg"
)

// goldenRow is a deterministic row of canonical cells (each element a
// SHA-256 with its top byte cleared) and arbitrary proof bytes.
func goldenRow() (*[kzg.CellsPerRow]kzg.Cell, *[kzg.CellsPerRow]kzg.Proof) {
	cells := new([kzg.CellsPerRow]kzg.Cell)
	proofs := new([kzg.CellsPerRow]kzg.Proof)
	for col := range kzg.CellsPerRow {
		for e := range kzg.FieldElementsPerCell {
			d := sha256.Sum256(binary.BigEndian.AppendUint16([]byte{'c', byte(col)}, uint16(e)))
			d[0] = 0
			copy(cells[col][32*e:], d[:])
		}
		d := sha256.Sum256([]byte{'p', byte(col)})
		copy(proofs[col][:], d[:])
		copy(proofs[col][32:], d[:16])
	}
	return cells, proofs
}

func goldenKey() []byte { return rowKey(7, headers.Hash(sha256.Sum256([]byte("golden"))), 3) }

// encodeRowV1 writes a version 1 row record as builds before version 2
// did (u8 1 | 128 x cell | 128 x proof | u32 CRC-32C of the preceding
// bytes). Production code no longer writes it; old data dirs hold it.
func encodeRowV1(cells *[kzg.CellsPerRow]kzg.Cell, proofs *[kzg.CellsPerRow]kzg.Proof) []byte {
	b := []byte{rowVersionWhole}
	for i := range cells {
		b = append(b, cells[i][:]...)
	}
	for i := range proofs {
		b = append(b, proofs[i][:]...)
	}
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)))
}

// flip changes one bit of byte i (modulo the length) of a value.
func flip(i int) func([]byte) []byte {
	return func(v []byte) []byte { v[i%len(v)] ^= 0x40; return v }
}

// resealV1 gives a version 1 record body a fresh checksum.
func resealV1(v []byte) []byte {
	body := v[:len(v)-4]
	return binary.BigEndian.AppendUint32(body, crc32.Checksum(body, crc32.MakeTable(crc32.Castagnoli)))
}

// entryCRC computes a version 2 entry's checksum from the layout's words:
// CRC-32C of key | u8 col | cell | proof.
func entryCRC(key []byte, col int, cell, proof []byte) uint32 {
	in := append(append(append(bytes.Clone(key), byte(col)), cell...), proof...)
	return crc32.Checksum(in, crc32.MakeTable(crc32.Castagnoli))
}

// resealCell gives cell col of a version 2 record stored under key a
// fresh checksum over what its entry now holds.
func resealCell(key []byte, col int) func([]byte) []byte {
	return func(v []byte) []byte {
		e := v[1+col*cellEntrySize : 1+(col+1)*cellEntrySize]
		binary.BigEndian.PutUint32(e[cellProofSize:], entryCRC(key, col, e[:kzg.BytesPerCell], e[kzg.BytesPerCell:cellProofSize]))
		return v
	}
}

// toV1 rewrites a version 2 record stored under key as the version 1
// record of the same row.
func toV1(t testing.TB, key []byte) func([]byte) []byte {
	return func(v []byte) []byte {
		t.Helper()
		cells, proofs, err := decodeRow(key, v)
		if err != nil {
			t.Fatalf("rewriting row %x as version 1: %v", key, err)
		}
		return encodeRowV1(cells, proofs)
	}
}

// TestRowRecordLayout pins both row record versions byte by byte: version
// 2 against the layout spelled out here, version 1 against the bytes the
// last build that wrote it produced (SHA-256 taken from that build's
// encodeRow for this row).
func TestRowRecordLayout(t *testing.T) {
	cells, proofs := goldenRow()
	key := goldenKey()

	v2 := encodeRow(key, cells, proofs)
	if len(v2) != 268_801 || v2[0] != 2 {
		t.Fatalf("version 2 record: %d bytes, version %d", len(v2), v2[0])
	}
	for col := range kzg.CellsPerRow {
		at := 1 + col*2100
		cell, proof, sum := v2[at:at+2048], v2[at+2048:at+2096], v2[at+2096:at+2100]
		if !bytes.Equal(cell, cells[col][:]) || !bytes.Equal(proof, proofs[col][:]) {
			t.Fatalf("entry %d: cell or proof misplaced", col)
		}
		if got, want := binary.BigEndian.Uint32(sum), entryCRC(key, col, cell, proof); got != want {
			t.Fatalf("entry %d: checksum %08x, want %08x", col, got, want)
		}
	}
	const v2SHA = "ac2d5167e5a9ba1bb282bbf2989ec54dfad9c8d060d0f28cf50af2232e9f3f95"
	if got := sha256.Sum256(v2); hex.EncodeToString(got[:]) != v2SHA {
		t.Errorf("version 2 record changed: sha256 %x", got)
	}

	v1 := encodeRowV1(cells, proofs)
	const v1SHA = "6dcd13e92a7a90b491859bd04cd710a378cee405a92b485fe7a50a3fcb73e4b9"
	if got := sha256.Sum256(v1); len(v1) != 268_293 || hex.EncodeToString(got[:]) != v1SHA {
		t.Fatalf("test encoder's version 1 record (%d bytes, sha256 %x) is not the old build's", len(v1), got)
	}

	for _, rec := range [][]byte{v1, v2} {
		gc, gp, err := decodeRow(key, rec)
		if err != nil {
			t.Fatalf("version %d: %v", rec[0], err)
		}
		if *gc != *cells || *gp != *proofs {
			t.Fatalf("version %d: decoded row differs", rec[0])
		}
	}
}

// TestCellCRC: folding the column byte in by hand equals CRC-32C over the
// concatenation, for every column byte value.
func TestCellCRC(t *testing.T) {
	body := []byte("cell and proof bytes")
	for _, key := range [][]byte{nil, goldenKey(), {0xff}} {
		seed := crc32.Update(0, castagnoli, key)
		for col := range 256 {
			if got, want := cellCRC(seed, col, body), entryCRC(key, col, body, nil); got != want {
				t.Fatalf("key %x col %d: %08x, want %08x", key, col, got, want)
			}
		}
	}
}

// TestOpenRowAndCell: framing errors fail the whole record; a version 2
// record's damage fails exactly the damaged cells; every failure wraps
// errMalformed (or kzg.ErrNonCanonical).
func TestOpenRowAndCell(t *testing.T) {
	cells, proofs := goldenRow()
	key := goldenKey()
	v1 := encodeRowV1(cells, proofs)
	v2 := encodeRow(key, cells, proofs)
	edit := func(rec []byte, f func([]byte) []byte) []byte { return f(bytes.Clone(rec)) }
	at := func(col, off int) int { return 1 + col*cellEntrySize + off }
	nonCanonical := func(col int) func([]byte) []byte {
		return func(v []byte) []byte {
			for i := range 32 {
				v[at(col, 32*5+i)] = 0xff // element 5
			}
			return resealCell(key, col)(v)
		}
	}
	swap := func(a, b int) func([]byte) []byte {
		return func(v []byte) []byte {
			ea := bytes.Clone(v[at(a, 0):at(a+1, 0)])
			copy(v[at(a, 0):], v[at(b, 0):at(b+1, 0)])
			copy(v[at(b, 0):], ea)
			return v
		}
	}
	for _, tc := range []struct {
		name    string
		key     []byte
		rec     []byte
		openErr error              // whole record refused
		bad     func(col int) bool // cells that must fail
		cellErr error
	}{
		{name: "version 2", key: key, rec: v2},
		{name: "version 1", key: key, rec: v1},
		{name: "version 1 under another key", key: rowKey(1, headers.Hash{}, 0), rec: v1},
		{name: "empty", key: key, rec: nil, openErr: errMalformed},
		{name: "version 0", key: key, rec: edit(v2, func(v []byte) []byte { v[0] = 0; return v }), openErr: errUnknownVersion},
		{name: "version 3", key: key, rec: edit(v2, func(v []byte) []byte { v[0] = 3; return v }), openErr: errUnknownVersion},
		{name: "version 0xff alone", key: key, rec: []byte{0xff}, openErr: errUnknownVersion},
		{name: "version 2 byte turned 1", key: key, rec: edit(v2, func(v []byte) []byte { v[0] = 1; return v }), openErr: errMalformed},
		{name: "version 1 byte turned 2", key: key, rec: edit(v1, func(v []byte) []byte { v[0] = 2; return v }), openErr: errMalformed},
		{name: "version 2 short", key: key, rec: v2[:len(v2)-1], openErr: errMalformed},
		{name: "version 2 long", key: key, rec: append(bytes.Clone(v2), 0), openErr: errMalformed},
		{name: "version 2 only its byte", key: key, rec: []byte{2}, openErr: errMalformed},
		{name: "version 1 short", key: key, rec: v1[:len(v1)-1], openErr: errMalformed},
		{name: "version 1 cell byte", key: key, rec: edit(v1, flip(1+40*2048+7)), openErr: errMalformed},
		{name: "version 1 proof byte", key: key, rec: edit(v1, flip(1+rowCellsSize+3)), openErr: errMalformed},
		{name: "version 1 checksum", key: key, rec: edit(v1, flip(len(v1)-1)), openErr: errMalformed},
		{name: "version 1 non-canonical", key: key, rec: edit(v1, func(v []byte) []byte {
			for i := range 32 {
				v[1+9*2048+i] = 0xff
			}
			return resealV1(v)
		}), bad: func(c int) bool { return c == 9 }, cellErr: kzg.ErrNonCanonical},
		{name: "cell byte", key: key, rec: edit(v2, flip(at(40, 7))), bad: func(c int) bool { return c == 40 }, cellErr: errMalformed},
		{name: "last cell byte", key: key, rec: edit(v2, flip(at(0, 2047))), bad: func(c int) bool { return c == 0 }, cellErr: errMalformed},
		{name: "proof byte", key: key, rec: edit(v2, flip(at(127, 2048+47))), bad: func(c int) bool { return c == 127 }, cellErr: errMalformed},
		{name: "entry checksum", key: key, rec: edit(v2, flip(at(64, 2099))), bad: func(c int) bool { return c == 64 }, cellErr: errMalformed},
		{name: "two cells", key: key, rec: edit(edit(v2, flip(at(3, 100))), flip(at(4, 2050))), bad: func(c int) bool { return c == 3 || c == 4 }, cellErr: errMalformed},
		{name: "entries swapped", key: key, rec: edit(v2, swap(10, 11)), bad: func(c int) bool { return c == 10 || c == 11 }, cellErr: errMalformed},
		{name: "under another row's key", key: rowKey(7, headers.Hash(sha256.Sum256([]byte("golden"))), 4), rec: v2, bad: func(int) bool { return true }, cellErr: errMalformed},
		{name: "non-canonical with a valid checksum", key: key, rec: edit(v2, nonCanonical(77)), bad: func(c int) bool { return c == 77 }, cellErr: kzg.ErrNonCanonical},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := openRow(tc.key, tc.rec)
			if tc.openErr != nil {
				if !errors.Is(err, tc.openErr) {
					t.Fatalf("openRow: %v, want %v", err, tc.openErr)
				}
				if _, _, err := decodeRow(tc.key, tc.rec); !errors.Is(err, tc.openErr) {
					t.Fatalf("decodeRow: %v, want %v", err, tc.openErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("openRow: %v", err)
			}
			for col := range kzg.CellsPerRow {
				c, p := kzg.Cell{1}, kzg.Proof{1} // stale contents: overwritten or zeroed
				err := r.cell(col, &c, &p)
				if tc.bad != nil && tc.bad(col) {
					if !errors.Is(err, tc.cellErr) || c != (kzg.Cell{}) || p != (kzg.Proof{}) {
						t.Fatalf("cell %d: %v, want %v and nothing read", col, err, tc.cellErr)
					}
					continue
				}
				if err != nil || c != cells[col] || p != proofs[col] {
					t.Fatalf("cell %d: %v, or it differs", col, err)
				}
			}
			_, _, err = decodeRow(tc.key, tc.rec)
			if (tc.bad != nil) != (err != nil) || tc.bad != nil && !errors.Is(err, tc.cellErr) {
				t.Fatalf("decodeRow: %v", err)
			}
		})
	}
}
