package producer

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"lightdas/kzg"
)

func TestPackRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	data := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}
	for _, tc := range []struct {
		name    string
		records [][]byte
		blobs   int
	}{
		{"nothing", nil, 0},
		{"one byte", [][]byte{{0xff}}, 1},
		{"zeros", [][]byte{make([]byte, 100)}, 1},
		{"exactly one blob", [][]byte{data(PayloadPerBlob - 4)}, 1},
		{"one byte over", [][]byte{data(PayloadPerBlob - 3)}, 2},
		{"header across blobs", [][]byte{data(PayloadPerBlob - 6), data(10)}, 2},
		{"many", [][]byte{data(1), data(31), data(32), data(62), data(200000), {0}}, 2},
		{"stream end leaves under 4 bytes", [][]byte{data(PayloadPerBlob - 6)}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			blobs, err := Pack(tc.records, 4)
			if err != nil {
				t.Fatal(err)
			}
			if len(blobs) != tc.blobs {
				t.Fatalf("%d blobs, want %d", len(blobs), tc.blobs)
			}
			for i := range blobs {
				if _, err := blobs[i].Elements(); err != nil {
					t.Fatalf("blob %d not canonical: %v", i, err)
				}
			}
			got, err := Unpack(blobs)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.EqualFunc(got, tc.records, bytes.Equal) {
				t.Fatalf("unpacked %d records, want %d", len(got), len(tc.records))
			}
		})
	}
}

func TestPackErrors(t *testing.T) {
	if _, err := Pack([][]byte{{1}, {}}, 1); !errors.Is(err, ErrEmptyRecord) {
		t.Fatalf("empty record: %v", err)
	}
	if _, err := Pack([][]byte{make([]byte, PayloadPerBlob-3)}, 1); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("too large: %v", err)
	}
	good, err := Pack([][]byte{[]byte("hello")}, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		f    func(b *kzg.Blob)
	}{
		{"high byte set", func(b *kzg.Blob) { b[32] = 1 }},
		{"length past the end", func(b *kzg.Blob) { b[1] = 0x7f }},
		{"data after the end", func(b *kzg.Blob) { b[32*100+5] = 1 }},
	} {
		blobs := slices.Clone(good)
		tc.f(&blobs[0])
		if _, err := Unpack(blobs); !errors.Is(err, ErrPacking) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func FuzzUnpack(f *testing.F) {
	// The fuzzer mutates one blob's stream area; blobs are mostly zero.
	f.Add([]byte{0, 0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o'}, uint16(0))
	f.Add([]byte{0, 0xff, 0xff, 0xff, 0xff}, uint16(3))
	f.Add([]byte{1}, uint16(4095))
	f.Fuzz(func(t *testing.T, head []byte, at uint16) {
		var b kzg.Blob
		copy(b[int(at)%kzg.FieldElementsPerBlob*32:], head)
		records, err := Unpack([]kzg.Blob{b})
		if err != nil {
			if !errors.Is(err, ErrPacking) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		// Accepted blobs are exactly what Pack makes of their records.
		again, err := Pack(records, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(records) == 0 {
			if b != (kzg.Blob{}) {
				t.Fatal("non-zero blob unpacked to nothing")
			}
			return
		}
		if len(again) != 1 || again[0] != b {
			t.Fatal("accepted blob does not re-pack to itself")
		}
	})
}

func FuzzPackRoundTrip(f *testing.F) {
	f.Add([]byte("a"), []byte("bc"), 1)
	f.Add(make([]byte, 300), []byte{0}, 2)
	f.Fuzz(func(t *testing.T, a, b []byte, blobs int) {
		blobs = 1 + (blobs&3+4)%4
		var records [][]byte
		for _, r := range [][]byte{a, b} {
			if len(r) > 0 {
				records = append(records, r)
			}
		}
		packed, err := Pack(records, blobs)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Unpack(packed)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.EqualFunc(got, records, bytes.Equal) {
			t.Fatal("round trip changed the records")
		}
	})
}
