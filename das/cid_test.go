package das

import (
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/ipfs/go-cid"
	"github.com/multiformats/go-multibase"
	mh "github.com/multiformats/go-multihash"

	"lightdas/headers"
)

func testHash(s string) headers.Hash { return sha256.Sum256([]byte(s)) }

func TestBlockCID(t *testing.T) {
	fx := loadFixture(t, 2)
	h := headerFor(fx, 9)
	enc, err := h.Encode()
	if err != nil {
		t.Fatal(err)
	}
	c := BlockCID(h.Hash())
	// The multihash is a real content hash: sha2-256 of the header encoding.
	want, err := cid.V1Builder{Codec: CodecBlock, MhType: mh.SHA2_256}.Sum(enc)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Equals(want) {
		t.Fatalf("block CID %s, want %s", c, want)
	}
	got, err := DecodeBlockCID(c)
	if err != nil || got != h.Hash() {
		t.Fatalf("decode: %v %v", got, err)
	}
	for _, round := range []func() (cid.Cid, error){
		func() (cid.Cid, error) { return ParseCID(c.String()) },
		func() (cid.Cid, error) { return CastCID(c.Bytes()) },
	} {
		back, err := round()
		if err != nil || !back.Equals(c) {
			t.Fatalf("round trip: %v %v", back, err)
		}
	}
}

// TestCIDVectors pins the encodings documented in docs/protocol.md.
func TestCIDVectors(t *testing.T) {
	var zero headers.Hash
	block := BlockCID(zero)
	cell, err := CellCID(CellID{Block: zero, Row: 3, Col: 127})
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

func TestCellCID(t *testing.T) {
	hash := testHash("block")
	for _, id := range []CellID{{hash, 0, 0}, {hash, 127, 127}, {hash, 5, 64}} {
		c, err := CellCID(id)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeCellCID(c)
		if err != nil || got != id {
			t.Fatalf("decode %v: %v %v", id, got, err)
		}
		parsed, err := ParseCID(c.String())
		if err != nil || !parsed.Equals(c) {
			t.Fatalf("parse %s: %v", c, err)
		}
		// A cell CID is not a block CID and vice versa.
		if _, err := DecodeBlockCID(c); !errors.Is(err, ErrInvalidCID) {
			t.Fatalf("cell CID decoded as a block: %v", err)
		}
	}
	if _, err := DecodeCellCID(BlockCID(hash)); !errors.Is(err, ErrInvalidCID) {
		t.Fatalf("block CID decoded as a cell: %v", err)
	}
	for _, id := range []CellID{{hash, -1, 0}, {hash, 128, 0}, {hash, 0, 128}, {hash, 0, -1}} {
		if _, err := CellCID(id); !errors.Is(err, ErrCoordinate) {
			t.Fatalf("CellCID(%d, %d): %v", id.Row, id.Col, err)
		}
	}
}

func TestCIDRejects(t *testing.T) {
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
			_, errB := DecodeBlockCID(tc.c)
			_, errC := DecodeCellCID(tc.c)
			if !errors.Is(errB, ErrInvalidCID) || !errors.Is(errC, ErrInvalidCID) {
				t.Fatalf("accepted: %v / %v", errB, errC)
			}
			if _, err := CastCID(tc.c.Bytes()); !errors.Is(err, ErrMalformed) {
				t.Fatalf("CastCID accepted: %v", err)
			}
			if _, err := ParseCID(tc.c.String()); !errors.Is(err, ErrMalformed) {
				t.Fatalf("ParseCID accepted: %v", err)
			}
		})
	}
	good := BlockCID(hash)
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
		if _, err := ParseCID(s); !errors.Is(err, ErrMalformed) {
			t.Fatalf("ParseCID(%s) accepted: %v", name, err)
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
		if _, err := CastCID(b); !errors.Is(err, ErrMalformed) {
			t.Fatalf("CastCID(%s) accepted: %v", name, err)
		}
	}
	if _, err := DecodeBlockCID(cid.Undef); !errors.Is(err, ErrInvalidCID) {
		t.Fatalf("undefined CID: %v", err)
	}
}
