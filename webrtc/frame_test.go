package webrtc

import (
	"bytes"
	"errors"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

func TestFrameRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		m    message
	}{
		{"empty", message{}},
		{"data", message{payload: []byte("hello")}},
		{"max payload", message{payload: bytes.Repeat([]byte{7}, maxPayload)}},
		{"FIN", message{flag: flagFIN, hasFlag: true}},
		{"STOP_SENDING", message{flag: flagStopSending, hasFlag: true}},
		{"RESET_STREAM with code", message{flag: flagReset, hasFlag: true, errorCode: 42}},
		{"FIN_ACK", message{flag: flagFINACK, hasFlag: true}},
		{"data and FIN", message{flag: flagFIN, hasFlag: true, payload: []byte("last")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := appendFrame(nil, tc.m)
			if len(f) > maxMessageSize {
				t.Fatalf("frame of %d bytes, above %d", len(f), maxMessageSize)
			}
			var got []message
			var r frameReader
			if err := r.feed(f, func(m message) error {
				m.payload = bytes.Clone(m.payload)
				got = append(got, m)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 {
				t.Fatalf("decoded %d frames, want 1", len(got))
			}
			g := got[0]
			if g.flag != tc.m.flag || g.hasFlag != tc.m.hasFlag || g.errorCode != tc.m.errorCode || !bytes.Equal(g.payload, tc.m.payload) {
				t.Fatalf("decoded %+v, want %+v", g, tc.m)
			}
		})
	}
}

// The largest data frame this side sends is exactly sendMessageSize.
func TestMaxPayloadFillsMessage(t *testing.T) {
	if n := len(dataFrame(make([]byte, maxPayload))); n != sendMessageSize {
		t.Fatalf("frame of a full payload is %d bytes, want %d", n, sendMessageSize)
	}
	if n := len(dataFrame(make([]byte, maxPayload+1))); n <= sendMessageSize {
		t.Fatalf("frame of %d bytes fits: maxPayload is too small", n)
	}
}

// go-libp2p writes the length prefix and the protobuf as two data channel
// messages; any split must decode the same.
func TestFrameReaderSplits(t *testing.T) {
	var stream []byte
	var want []message
	for i, m := range []message{
		{payload: []byte("/multistream/1.0.0\n")},
		{payload: bytes.Repeat([]byte{1, 2, 3}, 5000)},
		{flag: flagFIN, hasFlag: true},
		{flag: flagFINACK, hasFlag: true},
		{payload: bytes.Repeat([]byte{9}, maxFrameBody-4)},
	} {
		if m.hasFlag {
			m.errorCode = uint32(i)
		}
		stream = appendFrame(stream, m)
		want = append(want, m)
	}
	for _, chunk := range []int{1, 2, 3, 7, 1000, 16384} {
		var r frameReader
		var got []message
		for off := 0; off < len(stream); off += chunk {
			err := r.feed(stream[off:min(off+chunk, len(stream))], func(m message) error {
				m.payload = bytes.Clone(m.payload)
				got = append(got, m)
				return nil
			})
			if err != nil {
				t.Fatalf("chunk %d: %v", chunk, err)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("chunk %d: %d frames, want %d", chunk, len(got), len(want))
		}
		for i := range want {
			if got[i].flag != want[i].flag || got[i].hasFlag != want[i].hasFlag || got[i].errorCode != want[i].errorCode || !bytes.Equal(got[i].payload, want[i].payload) {
				t.Fatalf("chunk %d: frame %d differs", chunk, i)
			}
		}
		if len(r.buf) != 0 {
			t.Fatalf("chunk %d: %d bytes left over", chunk, len(r.buf))
		}
	}
}

func TestFrameReaderRejects(t *testing.T) {
	tag := func(num protowire.Number, typ protowire.Type) []byte { return protowire.AppendTag(nil, num, typ) }
	withPrefix := func(body []byte) []byte { return append(protowire.AppendVarint(nil, uint64(len(body))), body...) }
	tests := []struct {
		name  string
		input []byte
		want  error
	}{
		{"length above the limit", protowire.AppendVarint(nil, maxFrameBody+1), ErrFrameTooLarge},
		{"three-byte prefix", []byte{0x80, 0x80, 0x01}, ErrFrameTooLarge},
		{"non-minimal prefix", []byte{0x85, 0x00}, ErrBadFrame},
		{"message above 16 KiB", make([]byte, maxMessageSize+1), ErrFrameTooLarge},
		{"truncated tag", withPrefix([]byte{0x80}), ErrBadFrame},
		{"flag as bytes", withPrefix(append(tag(1, protowire.BytesType), 0)), ErrBadFrame},
		{"message as varint", withPrefix(append(tag(2, protowire.VarintType), 1)), ErrBadFrame},
		{"truncated message", withPrefix(append(tag(2, protowire.BytesType), 5, 'a')), ErrBadFrame},
		{"error code above uint32", withPrefix(protowire.AppendVarint(tag(3, protowire.VarintType), 1<<32)), ErrBadFrame},
		{"field zero", withPrefix([]byte{0x00, 0x00}), ErrBadFrame},
		{"truncated unknown field", withPrefix(append(tag(9, protowire.BytesType), 3)), ErrBadFrame},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r frameReader
			err := r.feed(tc.input, func(message) error { return nil })
			if !errors.Is(err, tc.want) || !errors.Is(err, ErrBadFrame) {
				t.Fatalf("feed: %v, want %v", err, tc.want)
			}
		})
	}
}

func TestFrameUnknownFieldsAndFlags(t *testing.T) {
	body := protowire.AppendTag(nil, 7, protowire.BytesType)
	body = protowire.AppendBytes(body, []byte("future"))
	body = protowire.AppendTag(body, 1, protowire.VarintType)
	body = protowire.AppendVarint(body, 9) // an unknown flag: no flag
	body = protowire.AppendTag(body, 2, protowire.BytesType)
	body = protowire.AppendBytes(body, []byte("data"))
	frame := append(protowire.AppendVarint(nil, uint64(len(body))), body...)
	var r frameReader
	var got message
	if err := r.feed(frame, func(m message) error { got = m; return nil }); err != nil {
		t.Fatal(err)
	}
	if got.hasFlag || string(got.payload) != "data" {
		t.Fatalf("got %+v, want the data and no flag", got)
	}
}

func FuzzFrameReader(f *testing.F) {
	f.Add(appendFrame(nil, message{payload: []byte("x"), flag: flagFIN, hasFlag: true}), uint16(1))
	f.Add(appendFrame(appendFrame(nil, message{flag: flagReset, hasFlag: true, errorCode: 3}), message{payload: make([]byte, 300)}), uint16(5))
	f.Add([]byte{0xff, 0xff, 0xff}, uint16(2))
	f.Add([]byte{0x02, 0x08}, uint16(1))
	f.Fuzz(func(t *testing.T, data []byte, chunk uint16) {
		if chunk == 0 {
			chunk = 1
		}
		var r frameReader
		var frames []message
		var err error
		for off := 0; off < len(data) && err == nil; off += int(chunk) {
			err = r.feed(data[off:min(off+int(chunk), len(data))], func(m message) error {
				m.payload = bytes.Clone(m.payload)
				frames = append(frames, m)
				return nil
			})
		}
		if err != nil {
			if !errors.Is(err, ErrBadFrame) {
				t.Fatalf("error %v does not wrap ErrBadFrame", err)
			}
			return
		}
		if len(r.buf) > maxPrefixLen+maxFrameBody {
			t.Fatalf("reader holds %d bytes", len(r.buf))
		}
		// What decoded re-encodes to frames that decode the same.
		var again []byte
		for _, m := range frames {
			if len(m.payload) > maxFrameBody {
				t.Fatalf("payload of %d bytes", len(m.payload))
			}
			again = appendFrame(again, m)
		}
		var r2 frameReader
		i := 0
		if err := r2.feed2(again, func(m message) error {
			w := frames[i]
			if m.flag != w.flag || m.hasFlag != w.hasFlag || m.errorCode != w.errorCode || !bytes.Equal(m.payload, w.payload) {
				t.Fatalf("frame %d changed in a round trip", i)
			}
			i++
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if i != len(frames) {
			t.Fatalf("round trip gave %d frames, want %d", i, len(frames))
		}
	})
}

// feed2 feeds data in pieces no larger than a data channel message.
func (r *frameReader) feed2(data []byte, fn func(message) error) error {
	for len(data) > 0 {
		n := min(len(data), maxMessageSize)
		if err := r.feed(data[:n], fn); err != nil {
			return err
		}
		data = data[n:]
	}
	return nil
}
