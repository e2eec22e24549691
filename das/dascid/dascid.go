// Package dascid names lightdas blocks and cells with CIDs (go-cid, CIDv1)
// under private-use multicodec codes (docs/protocol.md, "CIDs"): a block
// is lightdas-block (0x3da000) with the sha2-256 multihash of its header
// encoding (the header hash); a cell is lightdas-cell (0x3da001) with a
// lightdas-cell-id multihash (0x3da002) whose 36-byte digest is header
// hash || row u16 || column u16. The cell digest is a name, not a content
// hash: cells are authenticated by KZG proofs against the header, and a
// name that depends only on the position lets a client ask for a cell it
// has never seen.
//
// It is a package of its own, apart from das, so that programs that
// sample without naming things by CID (the browser client) do not link
// go-cid and go-multihash's hash registry. Decoding errors wrap
// das.ErrMalformed and das.ErrInvalidCID (or das.ErrTooLarge,
// das.ErrCoordinate), like every das decoder's.
package dascid

import (
	"encoding/binary"
	"fmt"

	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"

	"lightdas/das"
	"lightdas/headers"
	"lightdas/kzg"
)

// Multicodec codes of lightdas, from the private-use range 0x300000-0x3fffff
// of the multicodec table.
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
	// the cell's bytes.
	MultihashCellID uint64 = 0x3da002
)

// cellIDSize is the length of a cell identifier digest.
const cellIDSize = headers.HashSize + 2 + 2

// maxRow bounds rows in identifiers: 2k <= 2*MaxRows.
const maxRow = 2 * kzg.MaxRows

// CellID names one cell of the extended grid of the block with header hash
// Block: Row in [0, 2k), Col in [0, 128).
type CellID struct {
	Block    headers.Hash
	Row, Col int
}

// malformed wraps a decoding failure like das's decoders do: ErrMalformed,
// the specific sentinel, and what was being decoded.
func malformed(what string, kind error, format string, args ...any) error {
	return fmt.Errorf("%w: %w: %s: %s", das.ErrMalformed, kind, what, fmt.Sprintf(format, args...))
}

// Block returns the CID of the block whose header hashes to hash.
func Block(hash headers.Hash) cid.Cid {
	m, _ := mh.Encode(hash[:], mh.SHA2_256) // never fails
	return cid.NewCidV1(CodecBlock, m)
}

// Cell returns the CID of a cell. Rows are bounded by 2*MaxRows (the
// block's own k is not known here) and columns by 128; a coordinate
// outside fails with das.ErrCoordinate.
func Cell(id CellID) (cid.Cid, error) {
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
		return fmt.Errorf("%w: cell (%d, %d) outside [0, %d) x [0, %d)", das.ErrCoordinate, row, col, maxRow, kzg.CellsPerRow)
	}
	return nil
}

// DecodeBlock returns the header hash a block CID names. It accepts only
// CIDv1 with codec CodecBlock and a 32-byte sha2-256 multihash.
func DecodeBlock(c cid.Cid) (headers.Hash, error) {
	var h headers.Hash
	if err := checkCID(c, CodecBlock); err != nil {
		return h, err
	}
	d, err := mh.Decode(c.Hash())
	if err != nil {
		return h, malformed("block CID", das.ErrInvalidCID, "%v", err)
	}
	if d.Code != mh.SHA2_256 || d.Length != headers.HashSize || len(d.Digest) != headers.HashSize {
		return h, malformed("block CID", das.ErrInvalidCID, "multihash %#x of %d bytes, want sha2-256 of 32", d.Code, d.Length)
	}
	copy(h[:], d.Digest)
	if !Block(h).Equals(c) {
		return headers.Hash{}, malformed("block CID", das.ErrInvalidCID, "non-canonical encoding")
	}
	return h, nil
}

// DecodeCell returns the cell a cell CID names. It accepts only CIDv1
// with codec CodecCell, multihash MultihashCellID and a 36-byte digest with
// row < 2*MaxRows and column < 128.
func DecodeCell(c cid.Cid) (CellID, error) {
	var id CellID
	if err := checkCID(c, CodecCell); err != nil {
		return id, err
	}
	d, err := mh.Decode(c.Hash())
	if err != nil {
		return id, malformed("cell CID", das.ErrInvalidCID, "%v", err)
	}
	if d.Code != MultihashCellID || d.Length != cellIDSize || len(d.Digest) != cellIDSize {
		return id, malformed("cell CID", das.ErrInvalidCID, "multihash %#x of %d bytes, want %#x of %d", d.Code, d.Length, MultihashCellID, cellIDSize)
	}
	copy(id.Block[:], d.Digest)
	id.Row = int(binary.BigEndian.Uint16(d.Digest[headers.HashSize:]))
	id.Col = int(binary.BigEndian.Uint16(d.Digest[headers.HashSize+2:]))
	if err := checkCoord(id.Row, id.Col); err != nil {
		return CellID{}, malformed("cell CID", das.ErrInvalidCID, "%v", err)
	}
	if again, _ := Cell(id); !again.Equals(c) {
		return CellID{}, malformed("cell CID", das.ErrInvalidCID, "non-canonical encoding")
	}
	return id, nil
}

func checkCID(c cid.Cid, codec uint64) error {
	if !c.Defined() {
		return malformed("CID", das.ErrInvalidCID, "undefined")
	}
	if c.Version() != 1 {
		return malformed("CID", das.ErrInvalidCID, "version %d, want 1", c.Version())
	}
	if c.Type() != codec {
		return malformed("CID", das.ErrInvalidCID, "codec %#x, want %#x", c.Type(), codec)
	}
	return nil
}

// maxCIDSize bounds the binary form of a lightdas CID: version, codec and
// multihash code (4-byte varints at most here), length, 36-byte digest.
const maxCIDSize = 1 + 4 + 4 + 1 + cellIDSize

// Cast decodes the binary form of a lightdas block or cell CID strictly:
// minimal varints, no trailing bytes, one of the two codecs with its
// multihash.
func Cast(b []byte) (cid.Cid, error) {
	if len(b) > maxCIDSize {
		return cid.Undef, malformed("CID", das.ErrTooLarge, "%d bytes", len(b))
	}
	c, err := cid.Cast(b)
	if err != nil {
		return cid.Undef, malformed("CID", das.ErrInvalidCID, "%v", err)
	}
	return c, checkKnown(c)
}

// Parse decodes the text form of a lightdas CID. Only the canonical form
// is accepted: multibase base32 lower case ("b" prefix), as
// cid.Cid.String writes it.
func Parse(s string) (cid.Cid, error) {
	if len(s) > 2*maxCIDSize {
		return cid.Undef, malformed("CID", das.ErrTooLarge, "%d characters", len(s))
	}
	if len(s) < 2 || s[0] != 'b' {
		return cid.Undef, malformed("CID", das.ErrInvalidCID, "not base32 multibase")
	}
	c, err := cid.Decode(s)
	if err != nil {
		return cid.Undef, malformed("CID", das.ErrInvalidCID, "%v", err)
	}
	if c.String() != s {
		return cid.Undef, malformed("CID", das.ErrInvalidCID, "non-canonical text form")
	}
	return c, checkKnown(c)
}

func checkKnown(c cid.Cid) error {
	if !c.Defined() || c.Version() != 1 {
		return malformed("CID", das.ErrInvalidCID, "not a CIDv1")
	}
	var err error
	switch c.Type() {
	case CodecBlock:
		_, err = DecodeBlock(c)
	case CodecCell:
		_, err = DecodeCell(c)
	default:
		err = malformed("CID", das.ErrInvalidCID, "codec %#x is not a lightdas codec", c.Type())
	}
	return err
}
