package das

import (
	"encoding/binary"
	"fmt"

	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"

	"lightdas/headers"
	"lightdas/kzg"
)

// Multicodec codes of lightdas, from the private-use range 0x300000-0x3fffff
// of the multicodec table (documented in docs/protocol.md).
const (
	// CodecBlock ("lightdas-block") tags a CIDv1 naming a block by its
	// header: the multihash is sha2-256 of the canonical header encoding,
	// i.e. the header hash.
	CodecBlock uint64 = 0x3da000
	// CodecCell ("lightdas-cell") tags a CIDv1 naming one cell (with its
	// proof) of a block's extended grid.
	CodecCell uint64 = 0x3da001
	// MultihashCellID ("lightdas-cell-id") is the multihash code of a cell
	// CID's identifier: a 36-byte digest header hash || row u16 || column
	// u16 (big-endian). It names the cell's position, it is not a hash of
	// the cell's bytes: a cell is authenticated by its KZG proof against
	// the header's commitments, not by its name.
	MultihashCellID uint64 = 0x3da002
)

// cellIDSize is the length of a cell identifier digest.
const cellIDSize = headers.HashSize + 2 + 2

// maxRow bounds rows in identifiers and requests: 2k <= 2*MaxRows.
const maxRow = 2 * kzg.MaxRows

// CellID names one cell of the extended grid of the block with header hash
// Block: Row in [0, 2k), Col in [0, 128).
type CellID struct {
	Block    headers.Hash
	Row, Col int
}

// BlockCID returns the CID of the block whose header hashes to hash.
func BlockCID(hash headers.Hash) cid.Cid {
	m, _ := mh.Encode(hash[:], mh.SHA2_256) // never fails
	return cid.NewCidV1(CodecBlock, m)
}

// CellCID returns the CID of a cell. Rows are bounded by 2*MaxRows (the
// block's own k is not known here) and columns by 128.
func CellCID(id CellID) (cid.Cid, error) {
	if err := checkCoord(id.Row, id.Col); err != nil {
		return cid.Undef, err
	}
	var d [cellIDSize]byte
	copy(d[:], id.Block[:])
	binary.BigEndian.PutUint16(d[headers.HashSize:], uint16(id.Row))
	binary.BigEndian.PutUint16(d[headers.HashSize+2:], uint16(id.Col))
	m, _ := mh.Encode(d[:], MultihashCellID) // never fails
	return cid.NewCidV1(CodecCell, m), nil
}

func checkCoord(row, col int) error {
	if row < 0 || row >= maxRow || col < 0 || col >= kzg.CellsPerRow {
		return fmt.Errorf("%w: cell (%d, %d) outside [0, %d) x [0, %d)", ErrCoordinate, row, col, maxRow, kzg.CellsPerRow)
	}
	return nil
}

// DecodeBlockCID returns the header hash a block CID names. It accepts only
// CIDv1 with codec CodecBlock and a 32-byte sha2-256 multihash.
func DecodeBlockCID(c cid.Cid) (headers.Hash, error) {
	var h headers.Hash
	if err := checkCID(c, CodecBlock); err != nil {
		return h, err
	}
	d, err := mh.Decode(c.Hash())
	if err != nil {
		return h, malformed("block CID", ErrInvalidCID, "%v", err)
	}
	if d.Code != mh.SHA2_256 || d.Length != headers.HashSize || len(d.Digest) != headers.HashSize {
		return h, malformed("block CID", ErrInvalidCID, "multihash %#x of %d bytes, want sha2-256 of 32", d.Code, d.Length)
	}
	copy(h[:], d.Digest)
	if !BlockCID(h).Equals(c) {
		return headers.Hash{}, malformed("block CID", ErrInvalidCID, "non-canonical encoding")
	}
	return h, nil
}

// DecodeCellCID returns the cell a cell CID names. It accepts only CIDv1
// with codec CodecCell, multihash MultihashCellID and a 36-byte digest with
// row < 128 and column < 128.
func DecodeCellCID(c cid.Cid) (CellID, error) {
	var id CellID
	if err := checkCID(c, CodecCell); err != nil {
		return id, err
	}
	d, err := mh.Decode(c.Hash())
	if err != nil {
		return id, malformed("cell CID", ErrInvalidCID, "%v", err)
	}
	if d.Code != MultihashCellID || d.Length != cellIDSize || len(d.Digest) != cellIDSize {
		return id, malformed("cell CID", ErrInvalidCID, "multihash %#x of %d bytes, want %#x of %d", d.Code, d.Length, MultihashCellID, cellIDSize)
	}
	copy(id.Block[:], d.Digest)
	id.Row = int(binary.BigEndian.Uint16(d.Digest[headers.HashSize:]))
	id.Col = int(binary.BigEndian.Uint16(d.Digest[headers.HashSize+2:]))
	if err := checkCoord(id.Row, id.Col); err != nil {
		return CellID{}, malformed("cell CID", ErrInvalidCID, "%v", err)
	}
	if again, _ := CellCID(id); !again.Equals(c) {
		return CellID{}, malformed("cell CID", ErrInvalidCID, "non-canonical encoding")
	}
	return id, nil
}

func checkCID(c cid.Cid, codec uint64) error {
	if !c.Defined() {
		return malformed("CID", ErrInvalidCID, "undefined")
	}
	if c.Version() != 1 {
		return malformed("CID", ErrInvalidCID, "version %d, want 1", c.Version())
	}
	if c.Type() != codec {
		return malformed("CID", ErrInvalidCID, "codec %#x, want %#x", c.Type(), codec)
	}
	return nil
}

// maxCIDSize bounds the binary form of a lightdas CID: version, codec and
// multihash code (4-byte varints at most here), length, 36-byte digest.
const maxCIDSize = 1 + 4 + 4 + 1 + cellIDSize

// CastCID decodes the binary form of a lightdas block or cell CID strictly:
// minimal varints, no trailing bytes, one of the two codecs with its
// multihash.
func CastCID(b []byte) (cid.Cid, error) {
	if len(b) > maxCIDSize {
		return cid.Undef, malformed("CID", ErrTooLarge, "%d bytes", len(b))
	}
	c, err := cid.Cast(b)
	if err != nil {
		return cid.Undef, malformed("CID", ErrInvalidCID, "%v", err)
	}
	return c, checkKnown(c)
}

// ParseCID decodes the text form of a lightdas CID. Only the canonical
// form is accepted: multibase base32 lower case ("b" prefix), as
// cid.Cid.String writes it.
func ParseCID(s string) (cid.Cid, error) {
	if len(s) > 2*maxCIDSize {
		return cid.Undef, malformed("CID", ErrTooLarge, "%d characters", len(s))
	}
	if len(s) < 2 || s[0] != 'b' {
		return cid.Undef, malformed("CID", ErrInvalidCID, "not base32 multibase")
	}
	c, err := cid.Decode(s)
	if err != nil {
		return cid.Undef, malformed("CID", ErrInvalidCID, "%v", err)
	}
	if c.String() != s {
		return cid.Undef, malformed("CID", ErrInvalidCID, "non-canonical text form")
	}
	return c, checkKnown(c)
}

func checkKnown(c cid.Cid) error {
	if !c.Defined() || c.Version() != 1 {
		return malformed("CID", ErrInvalidCID, "not a CIDv1")
	}
	var err error
	switch c.Type() {
	case CodecBlock:
		_, err = DecodeBlockCID(c)
	case CodecCell:
		_, err = DecodeCellCID(c)
	default:
		err = malformed("CID", ErrInvalidCID, "codec %#x is not a lightdas codec", c.Type())
	}
	return err
}
