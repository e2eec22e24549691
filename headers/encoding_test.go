package headers_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"

	"lightdas/headers"
	"lightdas/headers/bls"
	"lightdas/headers/headertest"
)

func sampleHeader() *headers.Header {
	h := &headers.Header{
		ChainID:            "lightdas-1",
		Height:             0x0102030405060708,
		Time:               time.Unix(1767225600, 123456789).UTC(),
		ParentHash:         headers.Hash{1},
		ValidatorsHash:     headers.Hash{2},
		NextValidatorsHash: headers.Hash{3},
		Blobs:              3,
		Commitments:        make([]headers.Commitment, 4),
	}
	for i := 0; i < 3; i++ {
		h.Commitments[i] = headers.Commitment{0x80 | byte(i), 0xaa}
	}
	h.Commitments[3] = headers.ZeroCommitment()
	return h
}

// The encoding written out field by field as docs/protocol.md lists it.
func TestHeaderEncodingLayout(t *testing.T) {
	h := sampleHeader()
	var want []byte
	want = append(want, 1)               // version
	want = append(want, 10)              // chain id length
	want = append(want, "lightdas-1"...) // chain id
	want = binary.BigEndian.AppendUint64(want, 0x0102030405060708)
	want = binary.BigEndian.AppendUint64(want, uint64(1767225600*1e9+123456789))
	want = append(want, h.ParentHash[:]...)
	want = append(want, h.ValidatorsHash[:]...)
	want = append(want, h.NextValidatorsHash[:]...)
	want = append(want, 4, 3) // k, blobs
	for _, c := range h.Commitments {
		want = append(want, c[:]...)
	}
	got, err := h.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("encoding\n got %x\nwant %x", got, want)
	}
	if len(got) != 116+len(h.ChainID)+48*4 {
		t.Fatalf("size %d", len(got))
	}
	if h.Hash() != sha256.Sum256(want) {
		t.Fatal("hash is not SHA-256 of the encoding")
	}
	back, err := headers.DecodeHeader(got)
	if err != nil {
		t.Fatal(err)
	}
	if back.Hash() != h.Hash() || !back.Time.Equal(h.Time) {
		t.Fatal("round trip changed the header")
	}
}

func TestHeaderDecodeRejects(t *testing.T) {
	good, _ := sampleHeader().Encode()
	mod := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(good)) }
	chainLenAt, kAt := 1, 1+1+10+8+8+96
	cases := map[string]struct {
		b    []byte
		want error
	}{
		"empty":             {nil, headers.ErrMalformed},
		"trailing byte":     {append(bytes.Clone(good), 0), headers.ErrTrailingBytes},
		"truncated":         {good[:len(good)-1], headers.ErrMalformed},
		"version 2":         {mod(func(b []byte) []byte { b[0] = 2; return b }), headers.ErrUnknownVersion},
		"chain id length 0": {mod(func(b []byte) []byte { b[chainLenAt] = 0; return b }), headers.ErrMalformed},
		"chain id too long": {mod(func(b []byte) []byte { b[chainLenAt] = 65; return b }), headers.ErrMalformed},
		"chain id char":     {mod(func(b []byte) []byte { b[2] = ' '; return b }), headers.ErrInvalidChainID},
		"height 0": {mod(func(b []byte) []byte {
			copy(b[12:20], make([]byte, 8))
			return b
		}), headers.ErrInvalidHeader},
		"k = 3":           {mod(func(b []byte) []byte { b[kAt] = 3; return b }), headers.ErrInvalidDA},
		"k = 0":           {mod(func(b []byte) []byte { b[kAt] = 0; return b }), headers.ErrInvalidDA},
		"k = 128":         {mod(func(b []byte) []byte { b[kAt] = 128; return b }), headers.ErrInvalidDA},
		"blobs > k":       {mod(func(b []byte) []byte { b[kAt+1] = 5; return b }), headers.ErrInvalidDA},
		"padding nonzero": {mod(func(b []byte) []byte { b[len(b)-1] = 1; return b }), headers.ErrInvalidDA},
		"too large":       {make([]byte, headers.MaxHeaderSize+1), headers.ErrTooLarge},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := headers.DecodeHeader(c.b)
			if !errors.Is(err, headers.ErrMalformed) || !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
		})
	}
}

func TestHeaderValidate(t *testing.T) {
	for name, f := range map[string]func(*headers.Header){
		"no chain id":       func(h *headers.Header) { h.ChainID = "" },
		"long chain id":     func(h *headers.Header) { h.ChainID = strings.Repeat("a", 65) },
		"slash in chain id": func(h *headers.Header) { h.ChainID = "a/b" },
		"height 0":          func(h *headers.Header) { h.Height = 0 },
		"no rows":           func(h *headers.Header) { h.Commitments = nil; h.Blobs = 0 },
		"time out of range": func(h *headers.Header) { h.Time = time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC) },
		"negative blobs":    func(h *headers.Header) { h.Blobs = -1 },
	} {
		t.Run(name, func(t *testing.T) {
			h := sampleHeader()
			f(h)
			if _, err := h.Encode(); err == nil {
				t.Fatal("invalid header encoded")
			}
			if !h.Hash().IsZero() {
				t.Fatal("invalid header has a hash")
			}
		})
	}
	h := sampleHeader()
	h.Blobs, h.Commitments = 0, []headers.Commitment{headers.ZeroCommitment()}
	if err := h.Validate(); err != nil {
		t.Fatalf("empty block (k = 1, no blobs): %v", err)
	}
}

func TestCommitEncoding(t *testing.T) {
	c := headertest.MustChain(headertest.Config{Validators: 11}, 1)
	b := headertest.WithSigners(c.Signers(), c.Block(1), []int{0, 2, 3, 5, 7, 8, 9, 10})
	enc, err := b.Commit.Encode()
	if err != nil {
		t.Fatal(err)
	}
	// version | height | hash | u16 bits | 2 bytes | signature
	if len(enc) != 1+8+32+2+2+96 || enc[0] != 1 || binary.BigEndian.Uint16(enc[41:43]) != 11 {
		t.Fatalf("layout: %x", enc[:45])
	}
	// Bit i is bit (i mod 8) of byte i/8: signers 0,2,3,5,7 | 8,9,10.
	if enc[43] != 0b10101101 || enc[44] != 0b00000111 {
		t.Fatalf("bitfield bytes %08b %08b", enc[43], enc[44])
	}
	back, err := headers.DecodeCommit(enc)
	if err != nil {
		t.Fatal(err)
	}
	if back.Signers.Count() != 8 || !back.Signature.Equal(b.Commit.Signature) || back.HeaderHash != b.Commit.HeaderHash {
		t.Fatal("round trip")
	}
	for name, bad := range map[string][]byte{
		"trailing":   append(bytes.Clone(enc), 0),
		"truncated":  enc[:len(enc)-1],
		"version":    append([]byte{2}, enc[1:]...),
		"height 0":   append(append([]byte{1}, make([]byte, 8)...), enc[9:]...),
		"bits 1025":  append(append(bytes.Clone(enc[:41]), 0x04, 0x01), enc[43:]...),
		"bad sig":    append(bytes.Clone(enc[:len(enc)-96]), make([]byte, 96)...),
		"too large":  make([]byte, headers.MaxCommitSize+1),
		"padding on": append(append(bytes.Clone(enc[:44]), 0b1000_0111), enc[45:]...),
	} {
		if _, err := headers.DecodeCommit(bad); !errors.Is(err, headers.ErrMalformed) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	var bf headers.Bitfield = headers.NewBitfield(3)
	bf.Set(2, true)
	if !bf.Get(2) || bf.Get(3) || bf.Get(-1) || bf.Count() != 1 {
		t.Fatal("bitfield")
	}
}

func TestSignBytes(t *testing.T) {
	hash := headers.Hash{9}
	got := headers.SignBytes("abc", 7, hash)
	want := append([]byte("LIGHTDAS-V1-COMMIT"), 3, 'a', 'b', 'c', 0, 0, 0, 0, 0, 0, 0, 7)
	want = append(want, hash[:]...)
	if !bytes.Equal(got, want) {
		t.Fatalf("%x", got)
	}
}

func TestValidatorSet(t *testing.T) {
	s, err := headertest.NewSigners([]*bls.SecretKey{headertest.Key("v", 0), headertest.Key("v", 1), headertest.Key("v", 2)}, 7)
	if err != nil {
		t.Fatal(err)
	}
	set := s.Set
	if set.Size() != 3 || set.TotalPower() != 21 {
		t.Fatal("size/power")
	}
	// Canonical order and hash layout.
	var hashIn []byte
	hashIn = binary.BigEndian.AppendUint16(hashIn, 3)
	for i := 0; i < 3; i++ {
		pk := set.PublicKeyBytes(i)
		if i > 0 {
			prev := set.PublicKeyBytes(i - 1)
			if bytes.Compare(prev[:], pk[:]) >= 0 {
				t.Fatal("not sorted")
			}
		}
		hashIn = append(hashIn, pk[:]...)
		hashIn = binary.BigEndian.AppendUint64(hashIn, 7)
		if j, ok := set.IndexOf(pk); !ok || j != i || set.Power(i) != 7 {
			t.Fatal("IndexOf")
		}
	}
	if set.Hash() != sha256.Sum256(hashIn) {
		t.Fatal("set hash layout")
	}
	enc := set.Encode()
	if len(enc) != 2+3*(48+8+96) {
		t.Fatal("wire size")
	}
	back, err := headers.DecodeValidatorSet(enc)
	if err != nil || back.Hash() != set.Hash() {
		t.Fatalf("round trip: %v", err)
	}
	vals, err := set.Validators()
	if err != nil {
		t.Fatal(err)
	}
	swapped := []headers.Validator{vals[1], vals[0], vals[2]}
	if _, err := headers.DecodeValidatorSet(headers.EncodeValidators(swapped)); !errors.Is(err, headers.ErrValidatorOrder) {
		t.Fatalf("unsorted: %v", err)
	}
	// NewValidatorSet sorts for the caller.
	if re, err := headers.NewValidatorSet(swapped); err != nil || re.Hash() != set.Hash() {
		t.Fatalf("NewValidatorSet sorting: %v", err)
	}
	zero, _ := set.Validators()
	zero[1].Power = 0
	if _, err := headers.NewValidatorSet(zero); !errors.Is(err, headers.ErrInvalidValidSet) {
		t.Fatalf("zero power: %v", err)
	}
	huge, _ := set.Validators()
	huge[0].Power, huge[1].Power = headers.MaxTotalPower, 1
	if _, err := headers.NewValidatorSet(huge); !errors.Is(err, headers.ErrInvalidValidSet) {
		t.Fatalf("power overflow: %v", err)
	}
	if _, err := headers.NewValidatorSet(nil); !errors.Is(err, headers.ErrInvalidValidSet) {
		t.Fatalf("empty: %v", err)
	}
	for name, b := range map[string][]byte{
		"empty":      nil,
		"count 0":    {0, 0},
		"trailing":   append(bytes.Clone(enc), 0),
		"truncated":  enc[:len(enc)-1],
		"count+1":    append([]byte{0, 4}, enc[2:]...),
		"count 1025": append([]byte{0x04, 0x01}, enc[2:]...),
		"bad key":    append(append(bytes.Clone(enc[:2]), make([]byte, 48)...), enc[50:]...),
	} {
		if _, err := headers.DecodeValidatorSet(b); !errors.Is(err, headers.ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := headers.DecodeValidatorSet(make([]byte, headers.MaxValidatorSetSize+1)); !errors.Is(err, headers.ErrTooLarge) {
		t.Fatalf("oversize set: %v", err)
	}
}

func TestGenesisJSON(t *testing.T) {
	c := headertest.MustChain(headertest.Config{Validators: 3}, 0)
	js, err := c.Genesis.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	g, err := headers.ParseGenesis(js)
	if err != nil {
		t.Fatal(err)
	}
	if g.Hash() != c.Genesis.Hash() || g.Validators.Hash() != c.Genesis.Validators.Hash() || g.DA != c.Genesis.DA {
		t.Fatal("round trip")
	}
	s := string(js)
	gv, err := c.Genesis.Validators.Validators()
	if err != nil {
		t.Fatal(err)
	}
	pk0 := gv[0].PublicKey.Bytes()
	pop1 := gv[1].Possession.Bytes()
	pop0 := gv[0].Possession.Bytes()
	hexOf := func(b []byte) string { return strings.ToLower(strings.TrimSpace(string(mustHex(b)))) }
	cases := map[string]struct {
		js   string
		want error
	}{
		"unknown field":  {strings.Replace(s, `"chain_id"`, `"extra": 1, "chain_id"`, 1), headers.ErrInvalidGenesis},
		"trailing data":  {s + " {}", headers.ErrInvalidGenesis},
		"no da":          {strings.Replace(s, `"da"`, `"dx"`, 1), headers.ErrInvalidGenesis},
		"max_k 3":        {strings.Replace(s, `"max_k": 64`, `"max_k": 3`, 1), headers.ErrInvalidGenesis},
		"upper-case hex": {strings.Replace(s, hexOf(pk0[:]), strings.ToUpper(hexOf(pk0[:])), 1), headers.ErrInvalidGenesis},
		"bad time":       {strings.Replace(s, `2026-01-01T00:00:00Z`, `yesterday`, 1), headers.ErrInvalidGenesis},
		"bad chain id":   {strings.Replace(s, `lightdas-test`, `light das`, 1), headers.ErrInvalidChainID},
		"swapped PoP":    {strings.Replace(s, hexOf(pop0[:]), hexOf(pop1[:]), 1), headers.ErrInvalidPossession},
		"duplicate key": {
			strings.Replace(s, `"validators": [`, `"validators": [{"public_key": "`+hexOf(pk0[:])+`", "power": 1, "proof_of_possession": "`+hexOf(pop0[:])+`"},`, 1),
			headers.ErrDuplicateValidator,
		},
		"too large": {strings.Repeat(" ", headers.MaxGenesisSize+1), headers.ErrTooLarge},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := headers.ParseGenesis([]byte(tc.js))
			if !errors.Is(err, headers.ErrInvalidGenesis) || !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func mustHex(b []byte) []byte {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, x := range b {
		out = append(out, digits[x>>4], digits[x&15])
	}
	return out
}

func TestCheckpoint(t *testing.T) {
	h := headers.Hash{0xab}
	cp := headers.Checkpoint{Height: 42, Hash: h}
	back, err := headers.ParseCheckpoint(cp.String())
	if err != nil || back != cp {
		t.Fatalf("round trip: %v", err)
	}
	for _, s := range []string{"", "42", "x:" + h.String(), "42:abc", "0:" + h.String(), "42:" + headers.Hash{}.String()} {
		if _, err := headers.ParseCheckpoint(s); !errors.Is(err, headers.ErrMalformed) {
			t.Errorf("%q: %v", s, err)
		}
	}
}
