package headers_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"testing"

	"lightdas/headers"
	"lightdas/headers/headertest"
)

func TestRequestEncoding(t *testing.T) {
	cases := []struct {
		q    headers.Request
		want []byte
	}{
		{headers.Request{Kind: headers.RequestHead}, []byte{1, 1}},
		{headers.Request{Kind: headers.RequestRange, From: 258, Count: 64}, []byte{1, 2, 0, 0, 0, 0, 0, 0, 1, 2, 64}},
		{headers.Request{Kind: headers.RequestByHash, Hash: headers.Hash{7}}, append([]byte{1, 3, 7}, make([]byte, 31)...)},
	}
	for _, c := range cases {
		got, err := c.q.Encode()
		if err != nil || !bytes.Equal(got, c.want) {
			t.Fatalf("%+v: %x, %v", c.q, got, err)
		}
		back, err := headers.DecodeRequest(got)
		if err != nil || back != c.q {
			t.Fatalf("round trip %+v: %+v, %v", c.q, back, err)
		}
	}
	for name, b := range map[string][]byte{
		"empty":     nil,
		"version":   {2, 1},
		"kind":      {1, 9},
		"trailing":  {1, 1, 0},
		"count 0":   {1, 2, 0, 0, 0, 0, 0, 0, 0, 1, 0},
		"count 65":  {1, 2, 0, 0, 0, 0, 0, 0, 0, 1, 65},
		"from 0":    {1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 1},
		"overflow":  {1, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2},
		"short":     {1, 3, 0},
		"too large": make([]byte, headers.MaxRequestSize+1),
	} {
		if _, err := headers.DecodeRequest(b); !errors.Is(err, headers.ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := (headers.Request{Kind: headers.RequestRange, From: 1, Count: 65}).Encode(); !errors.Is(err, headers.ErrBadRequest) {
		t.Fatalf("encode count 65: %v", err)
	}
}

// A range across a validator-set change: the set is inline for the first
// block and where it changes, referenced otherwise.
func TestResponseEncoding(t *testing.T) {
	c := headertest.MustChain(headertest.Config{Validators: 3}, 2)
	if _, err := c.ChangeValidators(c.FreshKeys(3)); err != nil {
		t.Fatal(err)
	}
	c.Extend(3)
	resp := headers.Response{Status: headers.StatusOK, Blocks: c.Blocks}
	enc, err := headers.EncodeResponse(resp)
	if err != nil {
		t.Fatal(err)
	}
	codec := headers.NewCodec()
	back, err := codec.DecodeResponse(enc)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Blocks) != 5 {
		t.Fatal("count")
	}
	for i, b := range back.Blocks {
		if b.Hash() != c.Blocks[i].Hash() || b.Validators.Hash() != b.Header.ValidatorsHash {
			t.Fatalf("block %d", i)
		}
	}
	if back.Blocks[0].Validators != back.Blocks[1].Validators {
		t.Fatal("repeated set not shared")
	}
	// Entry flags: inline (1), previous (0), previous, inline (new set), previous.
	flags := entryFlags(t, enc[4:], 5)
	if want := []byte{1, 0, 0, 1, 0}; !bytes.Equal(flags, want) {
		t.Fatalf("flags %v, want %v", flags, want)
	}
	// Decoding again hits the set cache: same pointer.
	again, err := codec.DecodeResponse(enc)
	if err != nil || again.Blocks[0].Validators != back.Blocks[0].Validators {
		t.Fatalf("cache: %v", err)
	}

	for _, st := range []headers.Status{headers.StatusNotFound, headers.StatusBadRequest, headers.StatusUnavailable} {
		b, err := headers.EncodeResponse(headers.Response{Status: st})
		if err != nil || !bytes.Equal(b, []byte{1, 0x81, byte(st), 0}) {
			t.Fatalf("status %d: %x %v", st, b, err)
		}
	}

	bad := map[string][]byte{
		"ok without blocks":    {1, 0x81, 0, 0},
		"not found + blocks":   append([]byte{1, 0x81, 1, 1}, enc[4:]...),
		"status 4":             {1, 0x81, 4, 0},
		"wrong type":           append([]byte{1, 0x90}, enc[2:]...),
		"count too high":       append([]byte{1, 0x81, 0, 6}, enc[4:]...),
		"count 65":             {1, 0x81, 0, 65},
		"trailing":             append(bytes.Clone(enc), 0),
		"truncated":            enc[:len(enc)-1],
		"first refers back":    setFlag(t, enc, 0, 0),
		"inline repeat":        nil, // built below
		"refers across change": setFlag(t, enc, 3, 0),
	}
	// An inline copy of an unchanged set is non-canonical.
	one, _ := headers.EncodeLightBlock(c.Blocks[1])
	two := append(append([]byte{1, 0x81, 0, 2}, mustEntry(t, c.Blocks[0])...), one...)
	bad["inline repeat"] = two
	for name, b := range bad {
		if _, err := headers.NewCodec().DecodeResponse(b); !errors.Is(err, headers.ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := headers.EncodeResponse(headers.Response{Status: headers.StatusOK}); err == nil {
		t.Fatal("OK without blocks encoded")
	}
}

func mustEntry(t *testing.T, b *headers.LightBlock) []byte {
	t.Helper()
	e, err := headers.EncodeLightBlock(b)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// entryFlags walks n block entries and returns their set flags.
func entryFlags(t *testing.T, b []byte, n int) []byte {
	t.Helper()
	var flags []byte
	off := 0
	for i := 0; i < n; i++ {
		off += 2 + int(binary.BigEndian.Uint16(b[off:]))
		off += 2 + int(binary.BigEndian.Uint16(b[off:]))
		flags = append(flags, b[off])
		off++
		if b[off-1] == 1 {
			off += 4 + int(binary.BigEndian.Uint32(b[off:]))
		}
	}
	if off != len(b) {
		t.Fatalf("walked %d of %d bytes", off, len(b))
	}
	return flags
}

// setFlag rewrites entry i's flag of a response; switching inline to
// previous drops the set bytes.
func setFlag(t *testing.T, enc []byte, i int, flag byte) []byte {
	t.Helper()
	b := bytes.Clone(enc)
	off := 4
	for j := 0; ; j++ {
		off += 2 + int(binary.BigEndian.Uint16(b[off:]))
		off += 2 + int(binary.BigEndian.Uint16(b[off:]))
		if j == i {
			if b[off] == 1 && flag == 0 {
				n := int(binary.BigEndian.Uint32(b[off+1:]))
				b = append(b[:off+1], b[off+5+n:]...)
			}
			b[off] = flag
			return b
		}
		off++
		if b[off-1] == 1 {
			off += 4 + int(binary.BigEndian.Uint32(b[off:]))
		}
	}
}

func TestProtocolIDs(t *testing.T) {
	if got := headers.ExchangeProtocolID("devnet-1"); got != "/lightdas/devnet-1/headers/exchange/1" {
		t.Fatal(got)
	}
	if got := headers.HeadsProtocolID("devnet-1"); got != "/lightdas/devnet-1/headers/heads/1" {
		t.Fatal(got)
	}
}

func TestHeadAnnouncementAndFrames(t *testing.T) {
	c := headertest.MustChain(headertest.Config{}, 2)
	msg, err := headers.EncodeHeadAnnouncement(c.Head())
	if err != nil {
		t.Fatal(err)
	}
	if msg[0] != 1 || msg[1] != 0x90 {
		t.Fatalf("prefix %x", msg[:2])
	}
	codec := headers.NewCodec()
	b, err := codec.DecodeHeadAnnouncement(msg)
	if err != nil || b.Hash() != c.Head().Hash() {
		t.Fatalf("round trip: %v", err)
	}
	for name, m := range map[string][]byte{
		"trailing":      append(bytes.Clone(msg), 1),
		"wrong type":    append([]byte{1, 0x81}, msg[2:]...),
		"version":       append([]byte{9}, msg[1:]...),
		"refers back":   setFlagStandalone(msg),
		"truncated set": msg[:len(msg)-10],
	} {
		if _, err := codec.DecodeHeadAnnouncement(m); !errors.Is(err, headers.ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}

	var buf bytes.Buffer
	if err := headers.WriteFrame(&buf, msg); err != nil {
		t.Fatal(err)
	}
	got, err := headers.ReadFrame(bytes.NewReader(buf.Bytes()), len(msg))
	if err != nil || !bytes.Equal(got, msg) {
		t.Fatalf("frame: %v", err)
	}
	if _, err := headers.ReadFrame(bytes.NewReader(buf.Bytes()), len(msg)-1); !errors.Is(err, headers.ErrTooLarge) {
		t.Fatalf("over limit: %v", err)
	}
	if _, err := headers.ReadFrame(bytes.NewReader(buf.Bytes()[:buf.Len()-1]), len(msg)); !errors.Is(err, headers.ErrMalformed) {
		t.Fatalf("truncated: %v", err)
	}
	if _, err := headers.ReadFrame(bytes.NewReader(nil), 10); !errors.Is(err, io.EOF) {
		t.Fatalf("empty stream: %v", err)
	}
}

func setFlagStandalone(msg []byte) []byte {
	b := bytes.Clone(msg)
	off := 2
	off += 2 + int(binary.BigEndian.Uint16(b[off:]))
	off += 2 + int(binary.BigEndian.Uint16(b[off:]))
	b[off] = 0
	return b[:off+1]
}

// The in-memory peer goes through Server and Client.
func TestClientServer(t *testing.T) {
	c := headertest.MustChain(headertest.Config{}, 70)
	p := headertest.NewPeer("p", c.Blocks, nil)
	ctx := context.Background()
	head, err := p.Head(ctx)
	if err != nil || head.Hash() != c.Head().Hash() {
		t.Fatalf("head: %v", err)
	}
	r, err := p.GetRange(ctx, 3, 64)
	if err != nil || len(r) != 64 || r[0].Height() != 3 || r[63].Hash() != c.Block(66).Hash() {
		t.Fatalf("range: %v", err)
	}
	if _, err := p.GetRange(ctx, 60, 20); !errors.Is(err, headers.ErrNotFound) {
		t.Fatalf("range past head: %v", err)
	}
	if _, err := p.GetRange(ctx, 1, 65); !errors.Is(err, headers.ErrBadRequest) {
		t.Fatalf("range of 65: %v", err)
	}
	b, err := p.GetByHash(ctx, c.Block(5).Hash())
	if err != nil || b.Height() != 5 {
		t.Fatalf("by hash: %v", err)
	}
	if _, err := p.GetByHash(ctx, headers.Hash{1}); !errors.Is(err, headers.ErrNotFound) {
		t.Fatalf("unknown hash: %v", err)
	}
	srv := headers.NewServer(headers.NewMemStore())
	if got := srv.Handle(ctx, []byte{1, 7}); !bytes.Equal(got, []byte{1, 0x81, 2, 0}) {
		t.Fatalf("bad request answer %x", got)
	}
	if got := srv.Handle(ctx, []byte{1, 1}); !bytes.Equal(got, []byte{1, 0x81, 1, 0}) {
		t.Fatalf("empty store head answer %x", got)
	}
}

// Sets in messages are proven only when used: a peer cannot make the
// client verify proofs of possession of a set no trusted header names.
func TestCodecDefersSetVerification(t *testing.T) {
	c := headertest.MustChain(headertest.Config{}, 1)
	victim, attacker := headertest.Key("rogue", 0), headertest.Key("rogue", 1)
	rogue := sortedVals(headertest.RogueValidators(victim, attacker, 10))
	h := headertest.CopyHeader(c.Block(1).Header)
	h.ValidatorsHash = setHash(rogue)
	bits := headers.NewBitfield(2)
	bits.Set(0, true)
	bits.Set(1, true)
	cm := &headers.Commit{Height: 1, HeaderHash: h.Hash(), Signers: bits, Signature: c.Block(1).Commit.Signature}
	raw := headertest.RawResponse(headertest.RawBlockEntry(h, cm, rogue))

	codec := headers.NewCodec()
	resp, err := codec.DecodeResponse(raw)
	if err != nil {
		t.Fatalf("structurally valid message: %v", err)
	}
	set := resp.Blocks[0].Validators
	if set.Hash() != h.ValidatorsHash || set.Size() != 2 {
		t.Fatal("structure")
	}
	if err := set.Verify(); !errors.Is(err, headers.ErrInvalidPossession) {
		t.Fatalf("verify: %v", err)
	}
	if _, err := set.Validators(); !errors.Is(err, headers.ErrInvalidPossession) {
		t.Fatalf("validators: %v", err)
	}
	// The failed set is cached as failed.
	again, _ := codec.DecodeResponse(raw)
	if again.Blocks[0].Validators != set {
		t.Fatal("not cached")
	}
	// A header that names the set but is not reachable from the trusted
	// state never gets to its proofs: the cheap check fails first.
	v, _ := headers.NewGenesisVerifier(c.Genesis, headers.Options{Now: c.Now})
	fresh, _ := headers.NewCodec().DecodeResponse(raw)
	err = v.VerifyAdjacent(c.Genesis.Trusted(), fresh.Blocks[0])
	expectOnly(t, err, headers.ErrValidatorSetHashMismatch)
}
