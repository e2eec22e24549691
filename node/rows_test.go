package node

import (
	"bytes"
	"errors"
	"testing"

	"lightdas/headers"
	"lightdas/kzg"
)

func sampleRowResponse() *RowResponse {
	r := &RowResponse{Status: RowOK, Height: 7, Hash: headers.Hash{1, 2, 3}, Row: 5,
		Cells: new([kzg.CellsPerRow]kzg.Cell), Proofs: new([kzg.CellsPerRow]kzg.Proof)}
	for i := range r.Cells {
		r.Cells[i][31] = byte(i)
		r.Proofs[i][0] = 0xc0
		r.Proofs[i][47] = byte(i)
	}
	return r
}

func TestRowWireRoundTrip(t *testing.T) {
	q := &RowRequest{Height: 1 << 40, Hash: headers.Hash{9}, Row: MaxRow}
	b, err := q.Encode()
	if err != nil || len(b) != RowRequestSize {
		t.Fatalf("encode: %d bytes, %v", len(b), err)
	}
	got, err := DecodeRowRequest(b)
	if err != nil || *got != *q {
		t.Fatalf("decode: %+v, %v", got, err)
	}
	for _, r := range []*RowResponse{
		sampleRowResponse(),
		{Status: RowUnknownBlock, Height: 3, Row: 1},
		{Status: RowNotFound, Height: 3, Row: 127},
	} {
		b, err := r.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if r.Status == RowOK && len(b) != MaxRowResponseSize {
			t.Fatalf("found row: %d bytes, want %d", len(b), MaxRowResponseSize)
		}
		got, err := DecodeRowResponse(b)
		if err != nil {
			t.Fatal(err)
		}
		again, _ := got.Encode()
		if !bytes.Equal(again, b) {
			t.Fatalf("status %s: round trip differs", r.Status)
		}
	}
}

func TestRowWireRejects(t *testing.T) {
	q, _ := (&RowRequest{Height: 1, Row: 0}).Encode()
	ok, _ := sampleRowResponse().Encode()
	nf, _ := (&RowResponse{Status: RowNotFound, Height: 1}).Encode()
	mod := func(b []byte, f func([]byte) []byte) []byte { return f(bytes.Clone(b)) }
	requests := []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, ErrMalformed},
		{"version", mod(q, func(b []byte) []byte { b[0] = 2; return b }), ErrUnknownVersion},
		{"type", mod(q, func(b []byte) []byte { b[1] = 0x81; return b }), ErrMalformed},
		{"short", q[:len(q)-1], ErrMalformed},
		{"trailing", append(bytes.Clone(q), 0), ErrMalformed},
		{"height 0", mod(q, func(b []byte) []byte { copy(b[2:10], make([]byte, 8)); return b }), ErrMalformed},
		{"row 128", mod(q, func(b []byte) []byte { b[len(b)-1] = 128; return b }), ErrMalformed},
	}
	for _, tc := range requests {
		if _, err := DecodeRowRequest(tc.b); !errors.Is(err, tc.want) || !errors.Is(err, ErrMalformed) {
			t.Errorf("request %s: %v, want %v", tc.name, err, tc.want)
		}
	}
	responses := []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, ErrMalformed},
		{"version", mod(ok, func(b []byte) []byte { b[0] = 0; return b }), ErrUnknownVersion},
		{"type", mod(ok, func(b []byte) []byte { b[1] = 0x01; return b }), ErrMalformed},
		{"status", mod(nf, func(b []byte) []byte { b[2] = 5; return b }), ErrMalformed},
		{"ok without row", mod(nf, func(b []byte) []byte { b[2] = 0; return b }), ErrMalformed},
		{"not found with row", mod(ok, func(b []byte) []byte { b[2] = byte(RowNotFound); return b }), ErrMalformed},
		{"short row", ok[:len(ok)-1], ErrMalformed},
		{"trailing", append(bytes.Clone(nf), 0), ErrMalformed},
		{"row 200", mod(nf, func(b []byte) []byte { b[len(b)-1] = 200; return b }), ErrMalformed},
	}
	for _, tc := range responses {
		if _, err := DecodeRowResponse(tc.b); !errors.Is(err, tc.want) || !errors.Is(err, ErrMalformed) {
			t.Errorf("response %s: %v, want %v", tc.name, err, tc.want)
		}
	}
	// Encoders refuse what the decoders would.
	if _, err := (&RowRequest{Height: 0}).Encode(); !errors.Is(err, ErrConfig) {
		t.Errorf("encode height 0: %v", err)
	}
	if _, err := (&RowResponse{Status: RowOK}).Encode(); !errors.Is(err, ErrConfig) {
		t.Errorf("encode OK without row: %v", err)
	}
	// Match catches an answer for another row.
	r := sampleRowResponse()
	if err := r.Match(&RowRequest{Height: r.Height, Hash: r.Hash, Row: r.Row + 1}); !errors.Is(err, ErrRowPeer) {
		t.Errorf("match: %v", err)
	}
}

func FuzzDecodeRowRequest(f *testing.F) {
	q, _ := (&RowRequest{Height: 1, Row: 3}).Encode()
	f.Add(q)
	f.Add([]byte{})
	f.Add([]byte{1, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		q, err := DecodeRowRequest(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		again, err := q.Encode()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("accepted a non-canonical request: %x", b)
		}
	})
}

func FuzzDecodeRowResponse(f *testing.F) {
	ok, _ := sampleRowResponse().Encode()
	nf, _ := (&RowResponse{Status: RowNotFound, Height: 1}).Encode()
	f.Add(ok)
	f.Add(nf)
	f.Add([]byte{1, 0x81, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeRowResponse(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		again, err := r.Encode()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("accepted a non-canonical response")
		}
	})
}
