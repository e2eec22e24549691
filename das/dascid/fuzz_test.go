package dascid

import (
	"bytes"
	"errors"
	"testing"

	"lightdas/das"
)

// The CID decoders take untrusted bytes and text: they must not panic,
// must fail with a typed error, and what they accept is canonical.

func FuzzCast(f *testing.F) {
	f.Add(Block(testHash("a")).Bytes())
	c, _ := Cell(CellID{Block: testHash("b"), Row: 7, Col: 9})
	f.Add(c.Bytes())
	f.Add([]byte{0x12, 0x20})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Cast(b)
		if err != nil {
			if !errors.Is(err, das.ErrMalformed) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if !bytes.Equal(c.Bytes(), b) {
			t.Fatal("accepted a non-canonical CID")
		}
		_, errB := DecodeBlock(c)
		_, errC := DecodeCell(c)
		if (errB == nil) == (errC == nil) {
			t.Fatalf("accepted CID is a block: %v, a cell: %v", errB, errC)
		}
	})
}

func FuzzParse(f *testing.F) {
	f.Add(Block(testHash("a")).String())
	c, _ := Cell(CellID{Block: testHash("b"), Row: 127, Col: 0})
	f.Add(c.String())
	f.Add("QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG")
	f.Add("zb2rhe5P4gXftAwvA4eXQ5HJwsER2owDyS9sKaQRRVQPn93bA")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(s)
		if err != nil {
			if !errors.Is(err, das.ErrMalformed) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if c.String() != s {
			t.Fatal("accepted a non-canonical text form")
		}
	})
}
