package libp2pnoise

import (
	"bytes"
	"errors"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

func field(num protowire.Number, v []byte) []byte {
	return protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), v)
}

func TestDecodePayload(t *testing.T) {
	k, s := []byte("key"), []byte("sig")
	ext := bytes.Join([][]byte{field(1, []byte{0x12}), field(2, []byte("/yamux/1.0.0")), field(9, []byte("x"))}, nil)
	many := bytes.Repeat(field(2, []byte("m")), maxExtensionItems+1)
	tests := []struct {
		name    string
		in      []byte
		want    payload
		wantErr bool
	}{
		{"minimal", bytes.Join([][]byte{field(1, k), field(2, s)}, nil), payload{identityKey: k, identitySig: s}, false},
		{"unknown fields skipped", bytes.Join([][]byte{field(3, []byte("data")), field(1, k), protowire.AppendVarint([]byte{0x28}, 5), field(2, s)}, nil), payload{identityKey: k, identitySig: s}, false},
		{"last key wins", bytes.Join([][]byte{field(1, []byte("old")), field(1, k), field(2, s)}, nil), payload{identityKey: k, identitySig: s}, false},
		{"extensions merge", bytes.Join([][]byte{field(1, k), field(2, s), field(4, ext), field(4, field(2, []byte("/mplex")))}, nil),
			payload{identityKey: k, identitySig: s, extensions: &Extensions{WebTransportCerthashes: [][]byte{{0x12}}, StreamMuxers: []string{"/yamux/1.0.0", "/mplex"}}}, false},
		{"empty extensions", bytes.Join([][]byte{field(1, k), field(2, s), field(4, nil)}, nil), payload{identityKey: k, identitySig: s, extensions: &Extensions{}}, false},
		{"empty", nil, payload{}, true},
		{"no key", field(2, s), payload{}, true},
		{"no signature", field(1, k), payload{}, true},
		{"empty key", bytes.Join([][]byte{field(1, nil), field(2, s)}, nil), payload{}, true},
		{"key as varint", bytes.Join([][]byte{{0x08, 0x01}, field(2, s)}, nil), payload{}, true},
		{"truncated", bytes.Join([][]byte{field(1, k), field(2, s)}, nil)[:7], payload{}, true},
		{"oversize key", bytes.Join([][]byte{field(1, make([]byte, maxIdentityKeySize+1)), field(2, s)}, nil), payload{}, true},
		{"oversize signature", bytes.Join([][]byte{field(1, k), field(2, make([]byte, maxSignatureSize+1))}, nil), payload{}, true},
		{"too many muxers", bytes.Join([][]byte{field(1, k), field(2, s), field(4, many)}, nil), payload{}, true},
		{"oversize extension item", bytes.Join([][]byte{field(1, k), field(2, s), field(4, field(1, make([]byte, maxExtensionItemSize+1)))}, nil), payload{}, true},
		{"garbage extensions", bytes.Join([][]byte{field(1, k), field(2, s), field(4, []byte{0xff})}, nil), payload{}, true},
		{"extension as varint", bytes.Join([][]byte{field(1, k), field(2, s), field(4, []byte{0x08, 0x01})}, nil), payload{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodePayload(tt.in)
			if tt.wantErr {
				if !errors.Is(err, ErrBadPayload) {
					t.Fatalf("err = %v, want ErrBadPayload", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.marshal(), tt.want.marshal()) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func FuzzDecodePayload(f *testing.F) {
	f.Add(payload{identityKey: []byte("k"), identitySig: []byte("s")}.marshal())
	f.Add(payload{identityKey: []byte("k"), identitySig: []byte("s"), extensions: &Extensions{StreamMuxers: []string{"a"}}}.marshal())
	f.Add([]byte{0x22, 0x02, 0x0a, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := decodePayload(b)
		if err != nil {
			if !errors.Is(err, ErrBadPayload) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		again, err := decodePayload(p.marshal())
		if err != nil {
			t.Fatalf("re-encoded payload does not decode: %v", err)
		}
		if !bytes.Equal(again.marshal(), p.marshal()) {
			t.Fatal("re-encoding is not stable")
		}
	})
}
