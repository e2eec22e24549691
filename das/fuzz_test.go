package das

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"
)

// Every decoder of untrusted bytes: it must not panic, must fail with a
// typed error, and whatever it accepts must re-encode to the same bytes
// (one value, one encoding).

func FuzzDecodeRequest(f *testing.F) {
	good, _ := sampleRequest().Encode()
	f.Add(good)
	f.Add(good[:len(good)-1])
	f.Add([]byte{})
	f.Add(make([]byte, MaxRequestSize))
	f.Fuzz(func(t *testing.T, b []byte) {
		q, err := DecodeRequest(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		again, err := q.Encode()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("accepted %x, re-encodes to %x (%v)", b, again, err)
		}
	})
}

func FuzzDecodeResponse(f *testing.F) {
	q := sampleRequest()
	good, err := sampleResponse(f, q).Encode()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	refused, _ := (&Response{Status: ResponseRateLimited, Height: 4}).Encode()
	f.Add(refused)
	short, _ := (&Response{Entries: []Entry{{Coord: Coord{1, 2}}}}).Encode()
	f.Add(short)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeResponse(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		again, err := r.Encode()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("accepted a response that re-encodes differently (%v)", err)
		}
		// Match is total: it accepts exactly the request of the same
		// cells and rejects the test's request unless identical.
		if err := r.Match(q); err == nil && len(r.Entries) != len(q.Cells) {
			t.Fatal("matched a response with another cell count")
		}
	})
}

func FuzzCheckpoint(f *testing.F) {
	good, _ := (&Checkpoint{DoneUpTo: 10, Done: []uint64{12, 30}, Retry: []RetryEntry{{5, 2}}}).MarshalBinary()
	f.Add(good)
	empty, _ := (&Checkpoint{}).MarshalBinary()
	f.Add(empty)
	f.Add([]byte("LDASCKP"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var c Checkpoint
		if err := c.UnmarshalBinary(b); err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		again, err := c.MarshalBinary()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("accepted %x, re-encodes to %x (%v)", b, again, err)
		}
	})
}

func FuzzReadFrame(f *testing.F) {
	f.Add([]byte{0, 0, 0, 3, 1, 2, 3}, 10)
	f.Add([]byte{0, 0, 0, 0}, 10)
	f.Add([]byte{0xff, 0xff, 0xff, 0xff}, MaxResponseSize)
	f.Fuzz(func(t *testing.T, b []byte, limit int) {
		if limit < 0 || limit > MaxResponseSize {
			return
		}
		msg, err := readFrame(bytes.NewReader(b), limit)
		if len(b) >= 4 && binary.BigEndian.Uint32(b) > uint32(limit) && !errors.Is(err, ErrTooLarge) {
			t.Fatalf("frame of %d bytes announced, limit %d: %v", binary.BigEndian.Uint32(b), limit, err)
		}
		if err != nil {
			// Bad frames are typed; cut-short input is the stream's end.
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if len(msg) == 0 || len(msg) > limit || !bytes.Equal(msg, b[4:4+len(msg)]) {
			t.Fatalf("frame of %d bytes with limit %d", len(msg), limit)
		}
	})
}
