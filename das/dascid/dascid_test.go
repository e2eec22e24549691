package dascid

import (
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/ipfs/go-cid"
	"github.com/multiformats/go-multibase"
	mh "github.com/multiformats/go-multihash"

	"lightdas/das"
	"lightdas/headers"
	"lightdas/headers/headertest"
)

func testHash(s string) headers.Hash { return sha256.Sum256([]byte(s)) }

func TestBlock(t *testing.T) {
	h := headertest.MustChain(headertest.Config{}, 3).Block(2).Header
	enc, err := h.Encode()
	if err != nil {
		t.Fatal(err)
	}
	c := Block(h.Hash())
	// The multihash is a real content hash: sha2-256 of the header encoding.
	want, err := cid.V1Builder{Codec: CodecBlock, MhType: mh.SHA2_256}.Sum(enc)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Equals(want) {
		t.Fatalf("block CID %s, want %s", c, want)
	}
	got, err := DecodeBlock(c)
	if err != nil || got != h.Hash() {
		t.Fatalf("decode: %v %v", got, err)
	}
	for _, round := range []func() (cid.Cid, error){
		func() (cid.Cid, error) { return Parse(c.String()) },
		func() (cid.Cid, error) { return Cast(c.Bytes()) },
	} {
		back, err := round()
		if err != nil || !back.Equals(c) {
			t.Fatalf("round trip: %v %v", back, err)
		}
	}
}

// TestVectors pins the encodings documented in docs/protocol.md.
func TestVectors(t *testing.T) {
	var zero headers.Hash
	block := Block(zero)
	cell, err := Cell(CellID{Block: zero, Row: 3, Col: 127})
	if err != nil {
		t.Fatal(err)
	}
	const (
		blockHex = "01" + "80c0f601" + "1220" + "0000000000000000000000000000000000000000000000000000000000000000"
		cellHex  = "01" + "81c0f601" + "82c0f601" + "24" + "0000000000000000000000000000000000000000000000000000000000000000" + "0003" + "007f"
	)
	if got := hexOf(block.Bytes()); got != blockHex {
		t.Fatalf("block CID bytes %s, want %s", got, blockHex)
	}
	if got := hexOf(cell.Bytes()); got != cellHex {
		t.Fatalf("cell CID bytes %s, want %s", got, cellHex)
	}
	if got, want := block.String(), "bagamb5qbciqaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"; got != want {
		t.Fatalf("block CID %s, want %s", got, want)
	}
	if got, want := cell.String(), "baga4b5qbqlapmajeaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaayap4"; got != want {
		t.Fatalf("cell CID %s, want %s", got, want)
	}
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, x := range b {
		out = append(out, digits[x>>4], digits[x&15])
	}
	return string(out)
}

func TestCell(t *testing.T) {
	hash := testHash("block")
	for _, id := range []CellID{{hash, 0, 0}, {hash, 127, 127}, {hash, 5, 64}} {
		c, err := Cell(id)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeCell(c)
		if err != nil || got != id {
			t.Fatalf("decode %v: %v %v", id, got, err)
		}
		parsed, err := Parse(c.String())
		if err != nil || !parsed.Equals(c) {
			t.Fatalf("parse %s: %v", c, err)
		}
		// A cell CID is not a block CID and vice versa.
		if _, err := DecodeBlock(c); !errors.Is(err, das.ErrInvalidCID) {
			t.Fatalf("cell CID decoded as a block: %v", err)
		}
	}
	if _, err := DecodeCell(Block(hash)); !errors.Is(err, das.ErrInvalidCID) {
		t.Fatalf("block CID decoded as a cell: %v", err)
	}
	for _, id := range []CellID{{hash, -1, 0}, {hash, 128, 0}, {hash, 0, 128}, {hash, 0, -1}} {
		if _, err := Cell(id); !errors.Is(err, das.ErrCoordinate) {
			t.Fatalf("Cell(%d, %d): %v", id.Row, id.Col, err)
		}
	}
}

func TestRejects(t *testing.T) {
	hash := testHash("x")
	mhCell := func(digest []byte, code uint64) mh.Multihash {
		m, _ := mh.Encode(digest, code)
		return m
	}
	sha, _ := mh.Sum([]byte("x"), mh.SHA2_256, -1)
	bad := []struct {
		name string
		c    cid.Cid
	}{
		{"CIDv0", cid.NewCidV0(sha)},
		{"other codec", cid.NewCidV1(cid.Raw, sha)},
		{"block with sha2-512", cid.NewCidV1(CodecBlock, func() mh.Multihash { m, _ := mh.Sum([]byte("x"), mh.SHA2_512, -1); return m }())},
		{"block with identity", cid.NewCidV1(CodecBlock, mhCell(hash[:], mh.IDENTITY))},
		{"cell with sha2-256", cid.NewCidV1(CodecCell, sha)},
		{"cell id too short", cid.NewCidV1(CodecCell, mhCell(make([]byte, 35), MultihashCellID))},
		{"cell id too long", cid.NewCidV1(CodecCell, mhCell(make([]byte, 37), MultihashCellID))},
		{"cell row out of range", cid.NewCidV1(CodecCell, mhCell(append(hash[:], 0, 128, 0, 0), MultihashCellID))},
		{"cell column out of range", cid.NewCidV1(CodecCell, mhCell(append(hash[:], 0, 0, 0, 200), MultihashCellID))},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, errB := DecodeBlock(tc.c)
			_, errC := DecodeCell(tc.c)
			if !errors.Is(errB, das.ErrInvalidCID) || !errors.Is(errC, das.ErrInvalidCID) {
				t.Fatalf("accepted: %v / %v", errB, errC)
			}
			if _, err := Cast(tc.c.Bytes()); !errors.Is(err, das.ErrMalformed) {
				t.Fatalf("CastCID accepted: %v", err)
			}
			if _, err := Parse(tc.c.String()); !errors.Is(err, das.ErrMalformed) {
				t.Fatalf("ParseCID accepted: %v", err)
			}
		})
	}
	good := Block(hash)
	b58, _ := good.StringOfBase(multibase.Base58BTC)
	upper, _ := good.StringOfBase(multibase.Base32Upper)
	for name, s := range map[string]string{
		"base58":       b58,
		"base32 upper": upper,
		"empty":        "",
		"prefix only":  "b",
		"bad base32":   "b!!!!",
		"trailing":     good.String() + "a",
	} {
		if _, err := Parse(s); !errors.Is(err, das.ErrMalformed) {
			t.Fatalf("Parse(%s) accepted: %v", name, err)
		}
	}
	raw := good.Bytes()
	for name, b := range map[string][]byte{
		"trailing byte":              append(append([]byte{}, raw...), 0),
		"truncated":                  raw[:len(raw)-1],
		"empty":                      nil,
		"non-minimal varint version": append([]byte{0x81, 0x00}, raw[1:]...),
		"too long":                   make([]byte, 100),
	} {
		if _, err := Cast(b); !errors.Is(err, das.ErrMalformed) {
			t.Fatalf("Cast(%s) accepted: %v", name, err)
		}
	}
	if _, err := DecodeBlock(cid.Undef); !errors.Is(err, das.ErrInvalidCID) {
		t.Fatalf("undefined CID: %v", err)
	}
}
