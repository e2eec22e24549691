package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"

	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"

	"lightdas/headers"
	"lightdas/kzg"
)

// Value codecs. Decoders take bytes read back from the file and check them
// as strictly as bytes from a peer: a flipped bit on disk must not become a
// panic or a wrong answer.

const (
	recordVersion = 1 // of header, validator set and block records
	heightSize    = 8
	blockKeySize  = heightSize + headers.HashSize
	rowKeySize    = blockKeySize + 1

	rowCellsSize = kzg.CellsPerRow * kzg.BytesPerCell
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// frModulus is the scalar field modulus, 32 bytes big-endian: a field
// element is canonical when its bytes compare below it.
var frModulus = [fr.Bytes]byte(fr.Modulus().FillBytes(make([]byte, fr.Bytes)))

func heightKey(h uint64) []byte { return binary.BigEndian.AppendUint64(nil, h) }

func blockKey(height uint64, hash headers.Hash) []byte {
	return append(heightKey(height), hash[:]...)
}

func rowKey(height uint64, hash headers.Hash, row int) []byte {
	return append(blockKey(height, hash), byte(row))
}

// decodeHeight reads an 8-byte height (keys and the hash index).
func decodeHeight(b []byte) (uint64, error) {
	if len(b) != heightSize {
		return 0, malformed("height of %d bytes", len(b))
	}
	return binary.BigEndian.Uint64(b), nil
}

// encodeHeaderRecord: u8 1 | u16 n | header (n) | commit. The validator set
// is stored apart (see validator-sets).
func encodeHeaderRecord(lb *headers.LightBlock) ([]byte, error) {
	hb, err := lb.Header.Encode()
	if err != nil {
		return nil, err
	}
	cb, err := lb.Commit.Encode()
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, 3+len(hb)+len(cb))
	b = append(b, recordVersion)
	b = binary.BigEndian.AppendUint16(b, uint16(len(hb)))
	b = append(b, hb...)
	return append(b, cb...), nil
}

// decodeHeaderRecord parses a header record with the strict header and
// commit decoders and checks that the commit is for this header.
func decodeHeaderRecord(b []byte) (*headers.Header, *headers.Commit, error) {
	if len(b) < 3 || b[0] != recordVersion {
		return nil, nil, malformed("header record of %d bytes or unknown version", len(b))
	}
	n := int(binary.BigEndian.Uint16(b[1:]))
	if n > len(b)-3 {
		return nil, nil, malformed("header of %d bytes in a %d-byte record", n, len(b))
	}
	h, err := headers.DecodeHeader(b[3 : 3+n])
	if err != nil {
		return nil, nil, err
	}
	c, err := headers.DecodeCommit(b[3+n:])
	if err != nil {
		return nil, nil, err
	}
	if c.Height != h.Height || c.HeaderHash != h.Hash() {
		return nil, nil, malformed("commit for height %d hash %s under header %d %s", c.Height, c.HeaderHash, h.Height, h.Hash())
	}
	return h, c, nil
}

// encodeSetRecord: u8 1 | u64 references | set wire encoding.
func encodeSetRecord(refs uint64, set []byte) []byte {
	b := make([]byte, 0, 9+len(set))
	b = append(b, recordVersion)
	b = binary.BigEndian.AppendUint64(b, refs)
	return append(b, set...)
}

// decodeSetRecord splits a set record; the set bytes alias b. The set
// itself is decoded (and its proofs of possession checked) by
// headers.DecodeValidatorSet when first needed.
func decodeSetRecord(b []byte) (refs uint64, set []byte, err error) {
	if len(b) < 9 || b[0] != recordVersion {
		return 0, nil, malformed("validator set record of %d bytes or unknown version", len(b))
	}
	refs = binary.BigEndian.Uint64(b[1:])
	if refs == 0 {
		return 0, nil, malformed("validator set with no references")
	}
	if len(b)-9 > headers.MaxValidatorSetSize {
		return 0, nil, malformed("validator set of %d bytes", len(b)-9)
	}
	return refs, b[9:], nil
}

// encodeBlockMeta: u8 1 | u8 k | 2k x commitment.
func encodeBlockMeta(b *kzg.ExtendedBlock) []byte {
	out := make([]byte, 0, 2+len(b.Commitments)*kzg.BytesPerCommitment)
	out = append(out, recordVersion, byte(b.K))
	for i := range b.Commitments {
		out = append(out, b.Commitments[i][:]...)
	}
	return out
}

// decodeBlockMeta returns k and the 2k commitments (not decoded as points:
// the sampler checks what it receives).
func decodeBlockMeta(b []byte) (int, []kzg.Commitment, error) {
	if len(b) < 2 || b[0] != recordVersion {
		return 0, nil, malformed("block record of %d bytes or unknown version", len(b))
	}
	k := int(b[1])
	if !validK(k) {
		return 0, nil, malformed("k = %d", k)
	}
	if len(b) != 2+2*k*kzg.BytesPerCommitment {
		return 0, nil, malformed("block record of %d bytes for k = %d", len(b), k)
	}
	cs := make([]kzg.Commitment, 2*k)
	for i := range cs {
		copy(cs[i][:], b[2+i*kzg.BytesPerCommitment:])
	}
	return k, cs, nil
}

func validK(k int) bool { return k >= 1 && k <= kzg.MaxRows && k&(k-1) == 0 }

// Row records. bbolt does not checksum data pages; a CRC-32C catches a
// damaged cell before it is served (a peer would otherwise blame this
// node for a bad proof).
//
// Version 1 (read only): u8 1 | 128 x cell | 128 x proof | u32 CRC-32C of
// the preceding bytes. Serving one cell meant checksumming the whole
// 268 KB row.
//
// Version 2 (written): u8 2 | 128 x entry, an entry being cell | proof |
// u32 CRC-32C of (row key | u8 column | cell | proof). Serving a cell
// checks its own 2,100-byte entry; reading a whole row checks all 128. The
// key and column in the CRC make an entry read back from another row or
// column fail like a damaged one (the version 1 CRC caught cells moved
// within a row). The two versions differ in length, so a damaged version
// byte fails the length check of the version it turns into.
const (
	rowVersionWhole = 1
	rowVersionCells = 2

	cellProofSize = kzg.BytesPerCell + kzg.BytesPerProof
	cellEntrySize = cellProofSize + 4
	rowSizeV1     = 1 + rowCellsSize + kzg.CellsPerRow*kzg.BytesPerProof + 4
	rowSizeV2     = 1 + kzg.CellsPerRow*cellEntrySize
)

// encodeRow encodes a version 2 row record stored under key.
func encodeRow(key []byte, cells *[kzg.CellsPerRow]kzg.Cell, proofs *[kzg.CellsPerRow]kzg.Proof) []byte {
	b := make([]byte, 1, rowSizeV2)
	b[0] = rowVersionCells
	seed := crc32.Update(0, castagnoli, key)
	for col := range cells {
		start := len(b)
		b = append(b, cells[col][:]...)
		b = append(b, proofs[col][:]...)
		b = binary.BigEndian.AppendUint32(b, cellCRC(seed, col, b[start:]))
	}
	return b
}

// cellCRC is the CRC-32C of key | u8 col | body given seed, the CRC-32C
// of key. The column byte is folded in by hand (the reflected table
// update crc32 uses) so that no one-byte slice escapes per cell.
func cellCRC(seed uint32, col int, body []byte) uint32 {
	c := ^seed
	c = castagnoli[byte(c)^byte(col)] ^ c>>8
	return crc32.Update(^c, castagnoli, body)
}

// rowRecord is a row record whose version and length are checked, and,
// for version 1, its whole-row checksum. Its cells are read with cell,
// which checks a version 2 cell's own checksum. b aliases the stored
// bytes (valid inside the read transaction only).
type rowRecord struct {
	b    []byte
	seed uint32 // version 2: CRC-32C of the key
}

// errUnknownVersion: a row record of a version this build does not know
// (a file of a newer layout is refused at Open by its schema version, so
// in an accepted file this is damage).
var errUnknownVersion = fmt.Errorf("%w: unknown row record version", errMalformed)

// openRow checks a row record's framing: a known version and that
// version's exact length. A version 1 record's checksum covers the whole
// row and is checked here, once per read of the row.
func openRow(key, b []byte) (rowRecord, error) {
	if len(b) == 0 {
		return rowRecord{}, malformed("empty row record")
	}
	switch b[0] {
	case rowVersionWhole:
		if len(b) != rowSizeV1 {
			return rowRecord{}, malformed("version 1 row record of %d bytes", len(b))
		}
		if got, want := crc32.Checksum(b[:rowSizeV1-4], castagnoli), binary.BigEndian.Uint32(b[rowSizeV1-4:]); got != want {
			return rowRecord{}, malformed("row checksum %08x, stored %08x", got, want)
		}
		return rowRecord{b: b}, nil
	case rowVersionCells:
		if len(b) != rowSizeV2 {
			return rowRecord{}, malformed("version 2 row record of %d bytes", len(b))
		}
		return rowRecord{b: b, seed: crc32.Update(0, castagnoli, key)}, nil
	default:
		return rowRecord{}, fmt.Errorf("%w %d", errUnknownVersion, b[0])
	}
}

// cell checks cell col (0 <= col < 128) and its proof where they are
// stored (a version 2 entry's own checksum; the cell's field elements
// canonical) and then copies them to c and p, which are zeroed instead
// when the check fails. Writing in place spares a serving read two
// copies of each 2 KB cell.
func (r rowRecord) cell(col int, c *kzg.Cell, p *kzg.Proof) error {
	var cell, proof []byte
	if r.b[0] == rowVersionWhole {
		cell = r.b[1+col*kzg.BytesPerCell:][:kzg.BytesPerCell]
		proof = r.b[1+rowCellsSize+col*kzg.BytesPerProof:][:kzg.BytesPerProof]
	} else {
		e := r.b[1+col*cellEntrySize:][:cellEntrySize]
		if got, want := cellCRC(r.seed, col, e[:cellProofSize]), binary.BigEndian.Uint32(e[cellProofSize:]); got != want {
			*c, *p = kzg.Cell{}, kzg.Proof{}
			return malformed("cell %d checksum %08x, stored %08x", col, got, want)
		}
		cell, proof = e[:kzg.BytesPerCell], e[kzg.BytesPerCell:cellProofSize]
	}
	if err := checkCanonical(cell); err != nil {
		*c, *p = kzg.Cell{}, kzg.Proof{}
		return fmt.Errorf("cell %d: %w", col, err)
	}
	copy(c[:], cell)
	copy(p[:], proof)
	return nil
}

// checkCanonical checks a cell's field elements (BytesPerCell bytes) as
// Cell.Elements does, by comparing bytes: serving a sample must not pay
// for converting 64 elements it does not use. The first byte settles the
// comparison unless it equals the modulus's.
func checkCanonical(cell []byte) error {
	for i := range kzg.FieldElementsPerCell {
		e := cell[i*fr.Bytes : (i+1)*fr.Bytes]
		if e[0] < frModulus[0] {
			continue
		}
		if bytes.Compare(e, frModulus[:]) >= 0 {
			return fmt.Errorf("field element %d: %w", i, kzg.ErrNonCanonical)
		}
	}
	return nil
}

// decodeRow parses a whole row record stored under key, checking every
// byte of it.
func decodeRow(key, b []byte) (*[kzg.CellsPerRow]kzg.Cell, *[kzg.CellsPerRow]kzg.Proof, error) {
	r, err := openRow(key, b)
	if err != nil {
		return nil, nil, err
	}
	return r.all()
}

// all reads every cell of the row (all 128 entry checksums of a version 2
// record).
func (r rowRecord) all() (*[kzg.CellsPerRow]kzg.Cell, *[kzg.CellsPerRow]kzg.Proof, error) {
	cells := new([kzg.CellsPerRow]kzg.Cell)
	proofs := new([kzg.CellsPerRow]kzg.Proof)
	for col := range kzg.CellsPerRow {
		if err := r.cell(col, &cells[col], &proofs[col]); err != nil {
			return nil, nil, err
		}
	}
	return cells, proofs, nil
}

func crcOf(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }
