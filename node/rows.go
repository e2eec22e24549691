package node

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"lightdas/headers"
	"lightdas/kzg"
	"lightdas/p2p"
)

// The rows protocol (/lightdas/<chain id>/rows/1) lets a full node fetch a
// whole extended row of a block at once: 128 cells and their proofs, which
// would take two 64-cell sample requests. One request and one response per
// stream, each framed as u32 length || message (docs/protocol.md, "Rows").
const (
	// RowsWireVersion is the version byte of every rows message.
	RowsWireVersion = 1
	// MaxRow bounds a row index: blocks have at most 2 x 64 rows.
	MaxRow = 2*kzg.MaxRows - 1

	rowMsgRequest  = 0x01
	rowMsgResponse = 0x81

	// RowRequestSize is the exact size of a request:
	// version | type | u64 height | hash | u8 row.
	RowRequestSize = 2 + 8 + headers.HashSize + 1
	rowRespHeader  = 3 + 8 + headers.HashSize + 1
	rowBodySize    = kzg.CellsPerRow * (kzg.BytesPerCell + kzg.BytesPerProof)
	// MaxRowResponseSize is the size of a found row's response (the
	// largest message).
	MaxRowResponseSize = rowRespHeader + rowBodySize
)

// RowsProtocolID is the rows protocol of a chain.
func RowsProtocolID(chainID string) p2p.ProtocolID {
	return p2p.ProtocolID("/lightdas/" + chainID + "/rows/1")
}

// RowStatus is a row response's verdict.
type RowStatus uint8

// Row response statuses. Only RowOK carries the row.
const (
	RowOK RowStatus = 0
	// RowUnknownBlock: no block at that height with that header hash.
	RowUnknownBlock RowStatus = 1
	// RowBadRequest: the request did not parse or names a row outside
	// the block.
	RowBadRequest RowStatus = 2
	// RowRateLimited: over the peer's rate limit; ask later or elsewhere.
	RowRateLimited RowStatus = 3
	// RowNotFound: the server has the block but not all of that row.
	RowNotFound RowStatus = 4
)

func (s RowStatus) String() string {
	switch s {
	case RowOK:
		return "ok"
	case RowUnknownBlock:
		return "unknown block"
	case RowBadRequest:
		return "bad request"
	case RowRateLimited:
		return "rate limited"
	case RowNotFound:
		return "row not found"
	}
	return fmt.Sprintf("status(%d)", uint8(s))
}

// RowRequest asks for one extended row of the block at Height whose header
// hashes to Hash.
type RowRequest struct {
	Height uint64
	Hash   headers.Hash
	Row    int
}

// Encode writes the request (version 1):
//
//	u8 version | u8 0x01 | u64 height | hash (32) | u8 row
func (q *RowRequest) Encode() ([]byte, error) {
	if q.Height == 0 || q.Row < 0 || q.Row > MaxRow {
		return nil, fmt.Errorf("%w: row request height %d row %d", ErrConfig, q.Height, q.Row)
	}
	b := make([]byte, 0, RowRequestSize)
	b = append(b, RowsWireVersion, rowMsgRequest)
	b = binary.BigEndian.AppendUint64(b, q.Height)
	b = append(b, q.Hash[:]...)
	return append(b, byte(q.Row)), nil
}

// DecodeRowRequest parses a request strictly: exact length, known version
// and type, height >= 1, row <= MaxRow.
func DecodeRowRequest(b []byte) (*RowRequest, error) {
	if len(b) < 2 {
		return nil, malformed(nil, "row request of %d bytes", len(b))
	}
	if b[0] != RowsWireVersion {
		return nil, malformed(ErrUnknownVersion, "row request version %d", b[0])
	}
	if b[1] != rowMsgRequest {
		return nil, malformed(nil, "row request type %#x", b[1])
	}
	if len(b) != RowRequestSize {
		return nil, malformed(nil, "row request of %d bytes, want %d", len(b), RowRequestSize)
	}
	q := &RowRequest{Height: binary.BigEndian.Uint64(b[2:10]), Row: int(b[RowRequestSize-1])}
	copy(q.Hash[:], b[10:10+headers.HashSize])
	if q.Height == 0 {
		return nil, malformed(nil, "row request for height 0")
	}
	if q.Row > MaxRow {
		return nil, malformed(nil, "row %d above %d", q.Row, MaxRow)
	}
	return q, nil
}

// RowResponse answers a RowRequest; with RowOK it carries the row's 128
// cells and proofs.
type RowResponse struct {
	Status RowStatus
	Height uint64
	Hash   headers.Hash
	Row    int
	Cells  *[kzg.CellsPerRow]kzg.Cell
	Proofs *[kzg.CellsPerRow]kzg.Proof
}

// Encode writes the response (version 1):
//
//	u8 version | u8 0x81 | u8 status | u64 height | hash (32) | u8 row |
//	[status 0: 128 x cell (2048) | 128 x proof (48)]
func (r *RowResponse) Encode() ([]byte, error) {
	if r.Status > RowNotFound || r.Row < 0 || r.Row > MaxRow {
		return nil, fmt.Errorf("%w: row response status %d row %d", ErrConfig, r.Status, r.Row)
	}
	if (r.Status == RowOK) != (r.Cells != nil && r.Proofs != nil) {
		return nil, fmt.Errorf("%w: row response status %s with cells %t", ErrConfig, r.Status, r.Cells != nil)
	}
	n := rowRespHeader
	if r.Status == RowOK {
		n += rowBodySize
	}
	b := make([]byte, 0, n)
	b = append(b, RowsWireVersion, rowMsgResponse, byte(r.Status))
	b = binary.BigEndian.AppendUint64(b, r.Height)
	b = append(b, r.Hash[:]...)
	b = append(b, byte(r.Row))
	if r.Status == RowOK {
		for i := range r.Cells {
			b = append(b, r.Cells[i][:]...)
		}
		for i := range r.Proofs {
			b = append(b, r.Proofs[i][:]...)
		}
	}
	return b, nil
}

// DecodeRowResponse parses a response strictly: known version, type and
// status, the row only with RowOK, exact length. The cells' field elements
// and the proofs' points are checked by verification, not here.
func DecodeRowResponse(b []byte) (*RowResponse, error) {
	if len(b) < 2 {
		return nil, malformed(nil, "row response of %d bytes", len(b))
	}
	if b[0] != RowsWireVersion {
		return nil, malformed(ErrUnknownVersion, "row response version %d", b[0])
	}
	if b[1] != rowMsgResponse {
		return nil, malformed(nil, "row response type %#x", b[1])
	}
	if len(b) < rowRespHeader {
		return nil, malformed(nil, "row response of %d bytes", len(b))
	}
	r := &RowResponse{Status: RowStatus(b[2]), Height: binary.BigEndian.Uint64(b[3:11])}
	copy(r.Hash[:], b[11:11+headers.HashSize])
	r.Row = int(b[rowRespHeader-1])
	if r.Status > RowNotFound {
		return nil, malformed(nil, "row response status %d", b[2])
	}
	if r.Row > MaxRow {
		return nil, malformed(nil, "row %d above %d", r.Row, MaxRow)
	}
	want := rowRespHeader
	if r.Status == RowOK {
		want += rowBodySize
	}
	if len(b) != want {
		return nil, malformed(nil, "row response (%s) of %d bytes, want %d", r.Status, len(b), want)
	}
	if r.Status != RowOK {
		return r, nil
	}
	r.Cells = new([kzg.CellsPerRow]kzg.Cell)
	r.Proofs = new([kzg.CellsPerRow]kzg.Proof)
	body := b[rowRespHeader:]
	for i := range r.Cells {
		copy(r.Cells[i][:], body[i*kzg.BytesPerCell:])
	}
	body = body[kzg.CellsPerRow*kzg.BytesPerCell:]
	for i := range r.Proofs {
		copy(r.Proofs[i][:], body[i*kzg.BytesPerProof:])
	}
	return r, nil
}

// Match checks that r answers q (same height, hash and row).
func (r *RowResponse) Match(q *RowRequest) error {
	if r.Height != q.Height || r.Hash != q.Hash || r.Row != q.Row {
		return fmt.Errorf("%w: answer for height %d row %d, asked height %d row %d", ErrRowPeer, r.Height, r.Row, q.Height, q.Row)
	}
	return nil
}

// frame returns u32 length || msg.
func frame(msg []byte) []byte {
	buf := make([]byte, 4+len(msg))
	binary.BigEndian.PutUint32(buf, uint32(len(msg)))
	copy(buf[4:], msg)
	return buf
}

// readFrame reads one frame of 1..limit bytes; a longer or empty frame is
// refused before its body is read.
func readFrame(r io.Reader, limit int) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, fmt.Errorf("reading frame length: %w", err)
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n == 0 {
		return nil, malformed(nil, "empty frame")
	}
	if uint64(n) > uint64(limit) {
		return nil, malformed(ErrTooLarge, "frame of %d bytes, limit %d", n, limit)
	}
	msg := make([]byte, n)
	if _, err := io.ReadFull(r, msg); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("reading frame body: %w", err)
	}
	return msg, nil
}
