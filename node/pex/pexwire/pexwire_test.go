package pexwire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
)

func response(addrs ...[]byte) []byte {
	b := []byte{WireVersion, MsgResponse, byte(len(addrs))}
	for _, a := range addrs {
		b = binary.BigEndian.AppendUint16(b, uint16(len(a)))
		b = append(b, a...)
	}
	return b
}

func TestRequestRoundTrip(t *testing.T) {
	for _, n := range []int{1, 8, MaxAddrs} {
		b, err := Request{Max: n}.Encode()
		if err != nil {
			t.Fatal(err)
		}
		q, err := DecodeRequest(b)
		if err != nil || q.Max != n {
			t.Fatalf("DecodeRequest(%x) = %+v, %v", b, q, err)
		}
	}
	for _, n := range []int{0, -1, MaxAddrs + 1} {
		if _, err := (Request{Max: n}).Encode(); err == nil {
			t.Errorf("Encode(max %d) accepted", n)
		}
	}
}

func TestDecodeRequestRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, ErrMalformed},
		{"version", []byte{2, MsgRequest, 1}, ErrUnknownVersion},
		{"type", []byte{1, MsgResponse, 1}, ErrMalformed},
		{"zero", []byte{1, MsgRequest, 0}, ErrMalformed},
		{"too many", []byte{1, MsgRequest, MaxAddrs + 1}, ErrMalformed},
		{"trailing", []byte{1, MsgRequest, 1, 0}, ErrMalformed},
	} {
		if _, err := DecodeRequest(tc.b); !errors.Is(err, tc.want) || !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: DecodeRequest = %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestResponseRoundTrip(t *testing.T) {
	r := &Response{Addrs: [][]byte{{4, 127, 0, 0, 1}, bytes.Repeat([]byte{9}, MaxAddrSize)}}
	b, err := r.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, response(r.Addrs...)) {
		t.Fatalf("Encode = %x", b)
	}
	got, err := DecodeResponse(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Addrs) != 2 || !bytes.Equal(got.Addrs[0], r.Addrs[0]) || !bytes.Equal(got.Addrs[1], r.Addrs[1]) {
		t.Fatalf("DecodeResponse = %x", got.Addrs)
	}
	for _, bad := range []*Response{
		{Addrs: [][]byte{{}}},
		{Addrs: [][]byte{make([]byte, MaxAddrSize+1)}},
		{Addrs: make([][]byte, MaxAddrs+1)},
	} {
		if _, err := bad.Encode(); err == nil {
			t.Errorf("Encode(%d addresses) accepted", len(bad.Addrs))
		}
	}
}

func TestDecodeResponseRejects(t *testing.T) {
	a := []byte{4, 1, 2, 3, 4}
	ok := response(a)
	for _, tc := range []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, ErrMalformed},
		{"version", append([]byte{2}, ok[1:]...), ErrUnknownVersion},
		{"short", ok[:2], ErrMalformed},
		{"type", append([]byte{1, MsgRequest}, ok[2:]...), ErrMalformed},
		{"too many", []byte{1, MsgResponse, MaxAddrs + 1}, ErrTooLarge},
		{"count beyond the addresses", append([]byte{1, MsgResponse, 2}, ok[3:]...), ErrMalformed},
		{"short length", append([]byte{1, MsgResponse, 1}, 0), ErrMalformed},
		{"zero length", []byte{1, MsgResponse, 1, 0, 0}, ErrBadAddr},
		{"oversized", []byte{1, MsgResponse, 1, 2, 1}, ErrBadAddr},
		{"truncated", ok[:len(ok)-1], ErrMalformed},
		{"repeated", response(a, a), ErrBadAddr},
		{"trailing", append(bytes.Clone(ok), 0), ErrMalformed},
	} {
		if _, err := DecodeResponse(tc.b); !errors.Is(err, tc.want) || !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: DecodeResponse = %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestFrames(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteFrame(&buf, []byte("abc")); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFrame(bytes.NewReader(buf.Bytes()), 3)
	if err != nil || string(got) != "abc" {
		t.Fatalf("ReadFrame = %q, %v", got, err)
	}
	if _, err := ReadFrame(bytes.NewReader(buf.Bytes()), 2); !errors.Is(err, ErrTooLarge) {
		t.Errorf("over the limit: %v", err)
	}
	if _, err := ReadFrame(bytes.NewReader([]byte{0, 0, 0, 0}), 3); !errors.Is(err, ErrMalformed) {
		t.Errorf("empty frame: %v", err)
	}
	if _, err := ReadFrame(bytes.NewReader(buf.Bytes()[:5]), 3); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("truncated body: %v", err)
	}
	if _, err := ReadFrame(bytes.NewReader([]byte{0, 0}), 3); err == nil {
		t.Error("truncated length accepted")
	}
}

func FuzzDecodeRequest(f *testing.F) {
	f.Add([]byte{1, MsgRequest, 8})
	f.Add([]byte{1, MsgRequest, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		q, err := DecodeRequest(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		out, err := q.Encode()
		if err != nil || !bytes.Equal(out, b) {
			t.Fatalf("re-encoding %x gave %x, %v", b, out, err)
		}
	})
}

func FuzzDecodeResponse(f *testing.F) {
	f.Add(response([]byte{4, 1, 2, 3, 4}, []byte{6, 0, 80}))
	f.Add(response())
	f.Add([]byte{1, MsgResponse, 1, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeResponse(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		out, err := r.Encode()
		if err != nil || !bytes.Equal(out, b) {
			t.Fatalf("re-encoding %x gave %x, %v", b, out, err)
		}
	})
}

func FuzzReadFrame(f *testing.F) {
	f.Add([]byte{0, 0, 0, 3, 'a', 'b', 'c'})
	f.Add([]byte{0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		msg, err := ReadFrame(bytes.NewReader(b), 16)
		if err != nil {
			return
		}
		var buf bytes.Buffer
		WriteFrame(&buf, msg)
		if !bytes.HasPrefix(b, buf.Bytes()) {
			t.Fatalf("frame %x read as %x", b, msg)
		}
	})
}
