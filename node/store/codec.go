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
	recordVersion = 1
	heightSize    = 8
	blockKeySize  = heightSize + headers.HashSize
	rowKeySize    = blockKeySize + 1

	rowCellsSize = kzg.CellsPerRow * kzg.BytesPerCell
	rowSize      = 1 + rowCellsSize + kzg.CellsPerRow*kzg.BytesPerProof + 4
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

// encodeRow: u8 1 | 128 x cell | 128 x proof | u32 CRC-32C. bbolt does
// not checksum data pages; the CRC catches damaged rows before a cell is
// served (a peer would otherwise blame this node for a bad proof).
func encodeRow(cells *[kzg.CellsPerRow]kzg.Cell, proofs *[kzg.CellsPerRow]kzg.Proof) []byte {
	b := make([]byte, 0, rowSize)
	b = append(b, recordVersion)
	for i := range cells {
		b = append(b, cells[i][:]...)
	}
	for i := range proofs {
		b = append(b, proofs[i][:]...)
	}
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// checkRow validates a row record's framing and checksum.
func checkRow(b []byte) error {
	if len(b) != rowSize || b[0] != recordVersion {
		return malformed("row record of %d bytes or unknown version", len(b))
	}
	if got, want := crc32.Checksum(b[:rowSize-4], castagnoli), binary.BigEndian.Uint32(b[rowSize-4:]); got != want {
		return malformed("row checksum %08x, stored %08x", got, want)
	}
	return nil
}

// rowCell extracts cell col and its proof from a checked row record and
// checks that the cell's field elements are canonical.
func rowCell(b []byte, col int) (kzg.Cell, kzg.Proof, error) {
	var c kzg.Cell
	var p kzg.Proof
	copy(c[:], b[1+col*kzg.BytesPerCell:])
	copy(p[:], b[1+rowCellsSize+col*kzg.BytesPerProof:])
	if err := checkCanonical(&c); err != nil {
		return kzg.Cell{}, kzg.Proof{}, err
	}
	return c, p, nil
}

// checkCanonical checks a cell's field elements as Cell.Elements does, by
// comparing bytes: serving a sample must not pay for converting 64
// elements it does not use.
func checkCanonical(c *kzg.Cell) error {
	for i := range kzg.FieldElementsPerCell {
		if bytes.Compare(c[i*fr.Bytes:(i+1)*fr.Bytes], frModulus[:]) >= 0 {
			return fmt.Errorf("cell: field element %d: %w", i, kzg.ErrNonCanonical)
		}
	}
	return nil
}

// decodeRow parses a whole row record.
func decodeRow(b []byte) (*[kzg.CellsPerRow]kzg.Cell, *[kzg.CellsPerRow]kzg.Proof, error) {
	if err := checkRow(b); err != nil {
		return nil, nil, err
	}
	cells := new([kzg.CellsPerRow]kzg.Cell)
	proofs := new([kzg.CellsPerRow]kzg.Proof)
	for col := range kzg.CellsPerRow {
		c, p, err := rowCell(b, col)
		if err != nil {
			return nil, nil, err
		}
		cells[col], proofs[col] = c, p
	}
	return cells, proofs, nil
}

func crcOf(b []byte) uint32 { return crc32.Checksum(b, castagnoli) }
