package das

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"lightdas/headers"
	"lightdas/kzg"
	"lightdas/p2p"
)

// Wire format of the sample protocol (docs/protocol.md, "Samples"). One
// request and one response per stream, each framed as u32 length || message.
const (
	// WireVersion is the version byte of every message.
	WireVersion = 1
	// MaxCellsPerRequest bounds the cells of one request.
	MaxCellsPerRequest = 64

	msgRequest  = 0x01
	msgResponse = 0x81

	requestHeaderSize  = 1 + 1 + 8 + headers.HashSize + 1 // version, type, height, hash, count
	responseHeaderSize = 1 + 1 + 1 + 8 + headers.HashSize + 1
	entryHeaderSize    = 2 + 2 + 1 // row, col, found flag
	foundSize          = kzg.BytesPerCell + kzg.BytesPerProof

	// MaxRequestSize and MaxResponseSize are the message size limits
	// (excluding the 4-byte frame length).
	MaxRequestSize  = requestHeaderSize + MaxCellsPerRequest*4
	MaxResponseSize = responseHeaderSize + MaxCellsPerRequest*(entryHeaderSize+foundSize)
)

// ProtocolID returns the sample protocol id of a chain:
// /lightdas/<chain id>/samples/1.
func ProtocolID(chainID string) p2p.ProtocolID {
	return p2p.ProtocolID("/lightdas/" + chainID + "/samples/1")
}

// Coord is a cell's position in a block's extended grid: Row in [0, 2k),
// Col in [0, 128).
type Coord struct {
	Row, Col int
}

// less orders coordinates row-major; requests list them strictly ascending.
func (c Coord) less(d Coord) bool {
	return c.Row < d.Row || c.Row == d.Row && c.Col < d.Col
}

// Request asks one peer for up to 64 cells of the block at Height whose
// header hashes to Hash. Cells are distinct and strictly ascending
// (row-major), which makes the encoding canonical.
type Request struct {
	Height uint64
	Hash   headers.Hash
	Cells  []Coord
}

// ResponseStatus is a response's verdict on the whole request.
type ResponseStatus uint8

const (
	// ResponseOK: the response carries one entry per requested cell.
	ResponseOK ResponseStatus = 0
	// ResponseUnknownBlock: the server has no block at that height with
	// that hash (not synced yet, pruned, or on another fork).
	ResponseUnknownBlock ResponseStatus = 1
	// ResponseBadRequest: the server could not parse or accept the request
	// (e.g. a row outside the block).
	ResponseBadRequest ResponseStatus = 2
	// ResponseRateLimited: the peer is over its rate limit; retry later or
	// elsewhere.
	ResponseRateLimited ResponseStatus = 3
	maxStatus                          = ResponseRateLimited
)

func (s ResponseStatus) String() string {
	switch s {
	case ResponseOK:
		return "ok"
	case ResponseUnknownBlock:
		return "unknown block"
	case ResponseBadRequest:
		return "bad request"
	case ResponseRateLimited:
		return "rate limited"
	}
	return fmt.Sprintf("status(%d)", uint8(s))
}

// Entry answers one requested cell: Found with the cell and its proof, or
// not found.
type Entry struct {
	Coord
	Found bool
	Cell  kzg.Cell
	Proof kzg.Proof
}

// Response answers a Request. With ResponseOK, Entries answer the requested
// cells one for one, in the request's order; otherwise there are none.
type Response struct {
	Status  ResponseStatus
	Height  uint64
	Hash    headers.Hash
	Entries []Entry
}

// maxRow bounds rows in requests (and in cell CIDs, package dascid):
// 2k <= 2*MaxRows.
const maxRow = 2 * kzg.MaxRows

func checkCoord(row, col int) error {
	if row < 0 || row >= maxRow || col < 0 || col >= kzg.CellsPerRow {
		return fmt.Errorf("%w: cell (%d, %d) outside [0, %d) x [0, %d)", ErrCoordinate, row, col, maxRow, kzg.CellsPerRow)
	}
	return nil
}

// validateCells checks a coordinate list: 1..64 entries, each in range,
// strictly ascending.
func validateCells(cells []Coord) error {
	if len(cells) == 0 || len(cells) > MaxCellsPerRequest {
		return fmt.Errorf("%w: %d cells, want 1..%d", ErrCoordinate, len(cells), MaxCellsPerRequest)
	}
	for i, c := range cells {
		if err := checkCoord(c.Row, c.Col); err != nil {
			return fmt.Errorf("cell %d: %w", i, err)
		}
		if i > 0 && !cells[i-1].less(c) {
			return fmt.Errorf("%w: cell %d (%d, %d) not after (%d, %d)", ErrCoordinate, i, c.Row, c.Col, cells[i-1].Row, cells[i-1].Col)
		}
	}
	return nil
}

// Encode returns the request's encoding (version 1):
// u8 version || u8 0x01 || u64 height || hash (32) || u8 count || count x
// (u16 row || u16 col).
func (q *Request) Encode() ([]byte, error) {
	if err := validateCells(q.Cells); err != nil {
		return nil, fmt.Errorf("das: encoding request: %w", err)
	}
	b := make([]byte, 0, requestHeaderSize+4*len(q.Cells))
	b = append(b, WireVersion, msgRequest)
	b = binary.BigEndian.AppendUint64(b, q.Height)
	b = append(b, q.Hash[:]...)
	b = append(b, byte(len(q.Cells)))
	for _, c := range q.Cells {
		b = binary.BigEndian.AppendUint16(b, uint16(c.Row))
		b = binary.BigEndian.AppendUint16(b, uint16(c.Col))
	}
	return b, nil
}

// DecodeRequest parses a request strictly: unknown version or type, a
// count outside 1..64, coordinates out of range or not strictly ascending,
// and short or trailing bytes are errors wrapping ErrMalformed.
func DecodeRequest(b []byte) (*Request, error) {
	const what = "request"
	if len(b) > MaxRequestSize {
		return nil, malformed(what, ErrTooLarge, "%d bytes", len(b))
	}
	if len(b) < requestHeaderSize {
		return nil, malformed(what, nil, "%d bytes, want at least %d", len(b), requestHeaderSize)
	}
	if b[0] != WireVersion {
		return nil, malformed(what, ErrUnknownVersion, "version %d", b[0])
	}
	if b[1] != msgRequest {
		return nil, malformed(what, nil, "message type %#x, want %#x", b[1], msgRequest)
	}
	q := &Request{Height: binary.BigEndian.Uint64(b[2:])}
	copy(q.Hash[:], b[10:])
	n := int(b[requestHeaderSize-1])
	if n == 0 || n > MaxCellsPerRequest {
		return nil, malformed(what, ErrCoordinate, "count %d, want 1..%d", n, MaxCellsPerRequest)
	}
	body := b[requestHeaderSize:]
	if len(body) != 4*n {
		return nil, malformed(what, ErrTrailingBytes, "%d bytes of coordinates for %d cells", len(body), n)
	}
	q.Cells = make([]Coord, n)
	for i := range q.Cells {
		q.Cells[i] = Coord{Row: int(binary.BigEndian.Uint16(body[4*i:])), Col: int(binary.BigEndian.Uint16(body[4*i+2:]))}
	}
	if err := validateCells(q.Cells); err != nil {
		return nil, malformed(what, ErrCoordinate, "%v", err)
	}
	return q, nil
}

// Encode returns the response's encoding (version 1):
// u8 version || u8 0x81 || u8 status || u64 height || hash (32) || u8 count
// || count x (u16 row || u16 col || u8 found || [cell (2048) || proof (48)]).
// It checks only what the format needs (status, count, coordinate range),
// not that the entries answer a request: servers that misbehave on purpose
// use it too.
func (r *Response) Encode() ([]byte, error) {
	if r.Status > maxStatus {
		return nil, fmt.Errorf("das: encoding response: %w: status %d", ErrConfig, r.Status)
	}
	if len(r.Entries) > MaxCellsPerRequest || r.Status != ResponseOK && len(r.Entries) != 0 {
		return nil, fmt.Errorf("das: encoding response: %w: %d entries with status %v", ErrConfig, len(r.Entries), r.Status)
	}
	size := responseHeaderSize
	for i := range r.Entries {
		if err := checkCoord(r.Entries[i].Row, r.Entries[i].Col); err != nil {
			return nil, fmt.Errorf("das: encoding response: entry %d: %w", i, err)
		}
		size += entryHeaderSize
		if r.Entries[i].Found {
			size += foundSize
		}
	}
	b := make([]byte, 0, size)
	b = append(b, WireVersion, msgResponse, byte(r.Status))
	b = binary.BigEndian.AppendUint64(b, r.Height)
	b = append(b, r.Hash[:]...)
	b = append(b, byte(len(r.Entries)))
	for i := range r.Entries {
		e := &r.Entries[i]
		b = binary.BigEndian.AppendUint16(b, uint16(e.Row))
		b = binary.BigEndian.AppendUint16(b, uint16(e.Col))
		if !e.Found {
			b = append(b, 0)
			continue
		}
		b = append(b, 1)
		b = append(b, e.Cell[:]...)
		b = append(b, e.Proof[:]...)
	}
	return b, nil
}

// DecodeResponse parses a response strictly on its own: version, type,
// status, count (0 unless OK, at most 64), coordinates in range, found
// flags 0 or 1, no short or trailing bytes. Whether it answers a given
// request is Match's job.
func DecodeResponse(b []byte) (*Response, error) {
	const what = "response"
	if len(b) > MaxResponseSize {
		return nil, malformed(what, ErrTooLarge, "%d bytes", len(b))
	}
	if len(b) < responseHeaderSize {
		return nil, malformed(what, nil, "%d bytes, want at least %d", len(b), responseHeaderSize)
	}
	if b[0] != WireVersion {
		return nil, malformed(what, ErrUnknownVersion, "version %d", b[0])
	}
	if b[1] != msgResponse {
		return nil, malformed(what, nil, "message type %#x, want %#x", b[1], msgResponse)
	}
	r := &Response{Status: ResponseStatus(b[2]), Height: binary.BigEndian.Uint64(b[3:])}
	if r.Status > maxStatus {
		return nil, malformed(what, nil, "unknown status %d", b[2])
	}
	copy(r.Hash[:], b[11:])
	n := int(b[responseHeaderSize-1])
	if n > MaxCellsPerRequest || r.Status != ResponseOK && n != 0 {
		return nil, malformed(what, nil, "%d entries with status %v", n, r.Status)
	}
	body := b[responseHeaderSize:]
	if n > 0 {
		r.Entries = make([]Entry, n)
	}
	for i := range r.Entries {
		if len(body) < entryHeaderSize {
			return nil, malformed(what, nil, "entry %d truncated", i)
		}
		e := &r.Entries[i]
		e.Row = int(binary.BigEndian.Uint16(body))
		e.Col = int(binary.BigEndian.Uint16(body[2:]))
		if err := checkCoord(e.Row, e.Col); err != nil {
			return nil, malformed(what, ErrCoordinate, "entry %d: %v", i, err)
		}
		switch body[4] {
		case 0:
			body = body[entryHeaderSize:]
		case 1:
			body = body[entryHeaderSize:]
			if len(body) < foundSize {
				return nil, malformed(what, nil, "entry %d: cell and proof truncated", i)
			}
			e.Found = true
			e.Cell = kzg.Cell(body[:kzg.BytesPerCell])
			e.Proof = kzg.Proof(body[kzg.BytesPerCell:foundSize])
			body = body[foundSize:]
		default:
			return nil, malformed(what, nil, "entry %d: found flag %d", i, body[4])
		}
	}
	if len(body) != 0 {
		return nil, malformed(what, ErrTrailingBytes, "%d bytes after %d entries", len(body), n)
	}
	return r, nil
}

// Match checks that r answers q: same height and hash, and with ResponseOK
// exactly one entry per requested cell in the request's order (no other,
// missing or extra cells). It returns an error wrapping ErrUnexpectedCells,
// or one wrapping ErrPeerStatus for a well-formed refusal.
func (r *Response) Match(q *Request) error {
	if r.Height != q.Height || r.Hash != q.Hash {
		return fmt.Errorf("%w: response for block %d/%s, asked %d/%s", ErrUnexpectedCells, r.Height, r.Hash, q.Height, q.Hash)
	}
	if r.Status != ResponseOK {
		return fmt.Errorf("%w: %v", ErrPeerStatus, r.Status)
	}
	if len(r.Entries) != len(q.Cells) {
		return fmt.Errorf("%w: %d entries for %d cells", ErrUnexpectedCells, len(r.Entries), len(q.Cells))
	}
	for i := range r.Entries {
		if r.Entries[i].Coord != q.Cells[i] {
			return fmt.Errorf("%w: entry %d is (%d, %d), asked (%d, %d)", ErrUnexpectedCells, i,
				r.Entries[i].Row, r.Entries[i].Col, q.Cells[i].Row, q.Cells[i].Col)
		}
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

// writeFrame writes u32 length || msg in one write.
func writeFrame(w io.Writer, msg []byte) error {
	_, err := w.Write(frame(msg))
	return err
}

// readFrame reads one frame of at most limit bytes; a longer (or empty)
// frame is refused before its body is read.
func readFrame(r io.Reader, limit int) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, fmt.Errorf("reading frame length: %w", err)
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n == 0 {
		return nil, malformed("frame", nil, "empty frame")
	}
	if uint64(n) > uint64(limit) {
		return nil, malformed("frame", ErrTooLarge, "length %d, limit %d", n, limit)
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
