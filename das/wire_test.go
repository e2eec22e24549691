package das

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
)

func sampleRequest() *Request {
	return &Request{Height: 42, Hash: testHash("block 42"), Cells: []Coord{{0, 5}, {0, 127}, {3, 0}, {15, 64}}}
}

func TestProtocolID(t *testing.T) {
	if got := ProtocolID("lightdas-devnet"); got != "/lightdas/lightdas-devnet/samples/1" {
		t.Fatalf("protocol id %s", got)
	}
}

func TestRequestRoundTrip(t *testing.T) {
	q := sampleRequest()
	b, err := q.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != requestHeaderSize+4*len(q.Cells) {
		t.Fatalf("%d bytes", len(b))
	}
	got, err := DecodeRequest(b)
	if err != nil {
		t.Fatal(err)
	}
	if got.Height != q.Height || got.Hash != q.Hash || len(got.Cells) != len(q.Cells) {
		t.Fatalf("round trip %+v", got)
	}
	for i := range q.Cells {
		if got.Cells[i] != q.Cells[i] {
			t.Fatalf("cell %d: %v", i, got.Cells[i])
		}
	}
	// The largest request.
	full := &Request{Height: 1}
	for i := 0; i < MaxCellsPerRequest; i++ {
		full.Cells = append(full.Cells, Coord{Row: i / 4, Col: i})
	}
	if b, err := full.Encode(); err != nil || len(b) != MaxRequestSize {
		t.Fatalf("full request: %d bytes, %v", len(b), err)
	}
}

func TestRequestEncodeRejects(t *testing.T) {
	cases := map[string][]Coord{
		"empty":      nil,
		"too many":   make([]Coord, MaxCellsPerRequest+1),
		"duplicate":  {{1, 1}, {1, 1}},
		"descending": {{1, 2}, {1, 1}},
		"row order":  {{2, 0}, {1, 5}},
		"row range":  {{128, 0}},
		"col range":  {{0, 128}},
		"negative":   {{-1, 0}},
	}
	for name, cells := range cases {
		if _, err := (&Request{Cells: cells}).Encode(); !errors.Is(err, ErrCoordinate) {
			t.Fatalf("%s: %v", name, err)
		}
	}
}

func TestDecodeRequestRejects(t *testing.T) {
	good, _ := sampleRequest().Encode()
	mut := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	cases := []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, ErrMalformed},
		{"short header", good[:10], ErrMalformed},
		{"version", mut(func(b []byte) []byte { b[0] = 2; return b }), ErrUnknownVersion},
		{"type", mut(func(b []byte) []byte { b[1] = msgResponse; return b }), ErrMalformed},
		{"zero count", mut(func(b []byte) []byte { b[requestHeaderSize-1] = 0; return b[:requestHeaderSize] }), ErrCoordinate},
		{"count 65", mut(func(b []byte) []byte { b[requestHeaderSize-1] = 65; return b }), ErrCoordinate},
		{"count above body", mut(func(b []byte) []byte { b[requestHeaderSize-1] = 5; return b }), ErrTrailingBytes},
		{"trailing byte", append(append([]byte(nil), good...), 0), ErrTrailingBytes},
		{"truncated cell", good[:len(good)-1], ErrTrailingBytes},
		{"duplicate cell", mut(func(b []byte) []byte {
			copy(b[requestHeaderSize+4:], b[requestHeaderSize:requestHeaderSize+4])
			return b
		}), ErrCoordinate},
		{"row out of range", mut(func(b []byte) []byte { b[len(b)-4] = 0x80; return b }), ErrCoordinate},
		{"col out of range", mut(func(b []byte) []byte { b[len(b)-1] = 0x80; return b }), ErrCoordinate},
		{"too large", make([]byte, MaxRequestSize+1), ErrTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeRequest(tc.b)
			if !errors.Is(err, ErrMalformed) || !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func sampleResponse(t testing.TB, q *Request) *Response {
	fx := loadFixture(t, 8)
	r := &Response{Status: ResponseOK, Height: q.Height, Hash: q.Hash}
	for i, c := range q.Cells {
		e := Entry{Coord: c}
		if i%3 != 1 {
			e.Found, e.Cell, e.Proof = true, fx.block.Cells[c.Row][c.Col], fx.block.Proofs[c.Row][c.Col]
		}
		r.Entries = append(r.Entries, e)
	}
	return r
}

func TestResponseRoundTrip(t *testing.T) {
	q := sampleRequest()
	r := sampleResponse(t, q)
	b, err := r.Encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeResponse(b)
	if err != nil {
		t.Fatal(err)
	}
	if err := got.Match(q); err != nil {
		t.Fatal(err)
	}
	for i := range r.Entries {
		if got.Entries[i] != r.Entries[i] {
			t.Fatalf("entry %d differs", i)
		}
	}
	again, _ := got.Encode()
	if !bytes.Equal(again, b) {
		t.Fatal("re-encoding differs")
	}
	// Refusals carry no entries.
	for _, st := range []ResponseStatus{ResponseUnknownBlock, ResponseBadRequest, ResponseRateLimited} {
		b, err := (&Response{Status: st, Height: q.Height, Hash: q.Hash}).Encode()
		if err != nil || len(b) != responseHeaderSize {
			t.Fatalf("%v: %d bytes, %v", st, len(b), err)
		}
		got, err := DecodeResponse(b)
		if err != nil {
			t.Fatal(err)
		}
		if err := got.Match(q); !errors.Is(err, ErrPeerStatus) {
			t.Fatalf("%v matched: %v", st, err)
		}
	}
	// The largest response: 64 found cells.
	full := &Request{Height: 1}
	for i := 0; i < MaxCellsPerRequest; i++ {
		full.Cells = append(full.Cells, Coord{Row: i / 8, Col: i})
	}
	fr := sampleResponse(t, full)
	for i := range fr.Entries {
		fr.Entries[i].Found = true
	}
	if b, err := fr.Encode(); err != nil || len(b) != MaxResponseSize || MaxResponseSize != 134508 {
		t.Fatalf("full response: %d bytes (limit %d), %v", len(b), MaxResponseSize, err)
	}
}

func TestResponseEncodeRejects(t *testing.T) {
	cases := map[string]*Response{
		"unknown status":   {Status: 9},
		"entries on error": {Status: ResponseBadRequest, Entries: []Entry{{}}},
		"too many":         {Entries: make([]Entry, MaxCellsPerRequest+1)},
		"bad coordinate":   {Entries: []Entry{{Coord: Coord{Row: 300}}}},
	}
	for name, r := range cases {
		if _, err := r.Encode(); err == nil {
			t.Fatalf("%s: encoded", name)
		}
	}
}

func TestDecodeResponseRejects(t *testing.T) {
	q := sampleRequest()
	good, err := sampleResponse(t, q).Encode()
	if err != nil {
		t.Fatal(err)
	}
	mut := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	first := responseHeaderSize // offset of the first entry (found)
	cases := []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, ErrMalformed},
		{"short", good[:20], ErrMalformed},
		{"version", mut(func(b []byte) []byte { b[0] = 0; return b }), ErrUnknownVersion},
		{"type", mut(func(b []byte) []byte { b[1] = msgRequest; return b }), ErrMalformed},
		{"status", mut(func(b []byte) []byte { b[2] = 4; return b }), ErrMalformed},
		{"entries with error status", mut(func(b []byte) []byte { b[2] = byte(ResponseUnknownBlock); return b }), ErrMalformed},
		{"count 65", mut(func(b []byte) []byte { b[responseHeaderSize-1] = 65; return b }), ErrMalformed},
		{"count above body", mut(func(b []byte) []byte { b[responseHeaderSize-1]++; return b }), ErrMalformed},
		{"count below body", mut(func(b []byte) []byte { b[responseHeaderSize-1]--; return b }), ErrTrailingBytes},
		{"found flag 2", mut(func(b []byte) []byte { b[first+4] = 2; return b }), ErrMalformed},
		{"row out of range", mut(func(b []byte) []byte { b[first] = 1; return b }), ErrCoordinate},
		{"truncated cell", good[:first+entryHeaderSize+100], ErrMalformed},
		{"trailing", append(append([]byte(nil), good...), 1), ErrTrailingBytes},
		{"too large", make([]byte, MaxResponseSize+1), ErrTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeResponse(tc.b)
			if !errors.Is(err, ErrMalformed) || !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestResponseMatch(t *testing.T) {
	q := sampleRequest()
	cases := map[string]func(r *Response){
		"other height": func(r *Response) { r.Height++ },
		"other hash":   func(r *Response) { r.Hash[0] ^= 1 },
		"extra cell":   func(r *Response) { r.Entries = append(r.Entries, Entry{Coord: Coord{20, 0}}) },
		"fewer cells":  func(r *Response) { r.Entries = r.Entries[1:] },
		"other cell":   func(r *Response) { r.Entries[2].Col++ },
		"reordered":    func(r *Response) { r.Entries[0], r.Entries[1] = r.Entries[1], r.Entries[0] },
		"no cells":     func(r *Response) { r.Entries = nil },
	}
	for name, f := range cases {
		r := sampleResponse(t, q)
		f(r)
		// Through the wire, as a client sees it.
		b, err := r.Encode()
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeResponse(b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := got.Match(q); !errors.Is(err, ErrUnexpectedCells) {
			t.Fatalf("%s: %v", name, err)
		}
	}
}

// failingReader fails the test if more than allowed bytes are read.
type failingReader struct {
	t       *testing.T
	data    []byte
	allowed int
}

func (r *failingReader) Read(p []byte) (int, error) {
	if r.allowed <= 0 {
		r.t.Fatal("read past the frame header of an oversized frame")
	}
	n := min(len(p), r.allowed, len(r.data))
	if n == 0 {
		return 0, io.EOF
	}
	copy(p, r.data[:n])
	r.data, r.allowed = r.data[n:], r.allowed-n
	return n, nil
}

func TestFrames(t *testing.T) {
	var buf bytes.Buffer
	if err := writeFrame(&buf, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	got, err := readFrame(&buf, 5)
	if err != nil || string(got) != "hello" {
		t.Fatalf("%q %v", got, err)
	}
	// Over the limit: refused after the 4-byte length, body never read.
	big := make([]byte, 4+MaxRequestSize+1)
	binary.BigEndian.PutUint32(big, MaxRequestSize+1)
	if _, err := readFrame(&failingReader{t: t, data: big, allowed: 4}, MaxRequestSize); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("oversized: %v", err)
	}
	if _, err := readFrame(bytes.NewReader([]byte{0, 0, 0, 0}), 10); !errors.Is(err, ErrMalformed) {
		t.Fatalf("empty frame: %v", err)
	}
	if _, err := readFrame(bytes.NewReader([]byte{0, 0, 0, 9, 1}), 10); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("truncated: %v", err)
	}
	if _, err := readFrame(bytes.NewReader([]byte{0, 0}), 10); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("truncated length: %v", err)
	}
}
