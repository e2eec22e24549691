package headers_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"lightdas/headers"
	"lightdas/headers/headertest"
)

// Seeds come from a small valid chain with a validator-set change, so the
// fuzzers start from every shape of valid message.
func fuzzChain() *headertest.Chain {
	c := headertest.MustChain(headertest.Config{Validators: 3, K: 2}, 2)
	if _, err := c.ChangeValidators(c.FreshKeys(2)); err != nil {
		panic(err)
	}
	c.Extend(2)
	return c
}

func FuzzDecodeHeader(f *testing.F) {
	for _, b := range fuzzChain().Blocks {
		enc, _ := b.Header.Encode()
		f.Add(enc)
	}
	enc, _ := sampleHeader().Encode()
	f.Add(enc)
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := headers.DecodeHeader(b)
		if err != nil {
			return
		}
		// Accepted means canonical: it re-encodes to the same bytes.
		re, err := h.Encode()
		if err != nil || !bytes.Equal(re, b) {
			t.Fatalf("non-canonical header accepted: %x -> %x (%v)", b, re, err)
		}
	})
}

func FuzzDecodeCommit(f *testing.F) {
	for _, b := range fuzzChain().Blocks {
		enc, _ := b.Commit.Encode()
		f.Add(enc)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := headers.DecodeCommit(b)
		if err != nil {
			return
		}
		re, err := c.Encode()
		if err != nil || !bytes.Equal(re, b) {
			t.Fatalf("non-canonical commit accepted: %x -> %x (%v)", b, re, err)
		}
		if c.Signers.Count() > c.Signers.Len() {
			t.Fatal("bits beyond the field")
		}
	})
}

func FuzzDecodeValidatorSet(f *testing.F) {
	c := fuzzChain()
	f.Add(c.Block(1).Validators.Encode())
	f.Add(c.Head().Validators.Encode())
	f.Add([]byte{0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		vs, err := headers.DecodeValidatorSet(b)
		if err != nil {
			return
		}
		if !bytes.Equal(vs.Encode(), b) {
			t.Fatal("non-canonical set accepted")
		}
	})
}

func FuzzDecodeRequest(f *testing.F) {
	for _, q := range []headers.Request{
		{Kind: headers.RequestHead},
		{Kind: headers.RequestRange, From: 1, Count: 64},
		{Kind: headers.RequestByHash, Hash: headers.Hash{1, 2, 3}},
	} {
		enc, _ := q.Encode()
		f.Add(enc)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		q, err := headers.DecodeRequest(b)
		if err != nil {
			return
		}
		re, err := q.Encode()
		if err != nil || !bytes.Equal(re, b) {
			t.Fatalf("non-canonical request accepted: %x", b)
		}
	})
}

func FuzzDecodeResponse(f *testing.F) {
	c := fuzzChain()
	for _, r := range []headers.Response{
		{Status: headers.StatusOK, Blocks: c.Blocks},
		{Status: headers.StatusOK, Blocks: c.Blocks[:1]},
		{Status: headers.StatusNotFound},
	} {
		enc, _ := headers.EncodeResponse(r)
		f.Add(enc)
	}
	codec := headers.NewCodec()
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := codec.DecodeResponse(b)
		if err != nil {
			return
		}
		re, err := headers.EncodeResponse(r)
		if err != nil || !bytes.Equal(re, b) {
			t.Fatalf("non-canonical response accepted (%v)", err)
		}
	})
}

func FuzzDecodeLightBlock(f *testing.F) {
	for _, b := range fuzzChain().Blocks {
		enc, _ := headers.EncodeLightBlock(b)
		f.Add(enc)
	}
	codec := headers.NewCodec()
	f.Fuzz(func(t *testing.T, b []byte) {
		lb, err := codec.DecodeLightBlock(b)
		if err != nil {
			return
		}
		re, err := headers.EncodeLightBlock(lb)
		if err != nil || !bytes.Equal(re, b) {
			t.Fatalf("non-canonical block accepted (%v)", err)
		}
	})
}

func FuzzDecodeHeadAnnouncement(f *testing.F) {
	for _, b := range fuzzChain().Blocks {
		enc, _ := headers.EncodeHeadAnnouncement(b)
		f.Add(enc)
	}
	codec := headers.NewCodec()
	f.Fuzz(func(t *testing.T, b []byte) {
		lb, err := codec.DecodeHeadAnnouncement(b)
		if err != nil {
			return
		}
		re, err := headers.EncodeHeadAnnouncement(lb)
		if err != nil || !bytes.Equal(re, b) {
			t.Fatalf("non-canonical announcement accepted (%v)", err)
		}
	})
}

func FuzzReadFrame(f *testing.F) {
	f.Add([]byte{0, 0, 0, 3, 1, 2, 3}, 10)
	f.Add([]byte{0xff, 0xff, 0xff, 0xff}, 100)
	f.Add([]byte{0, 0}, 1)
	f.Fuzz(func(t *testing.T, b []byte, limit int) {
		if limit < 0 || limit > 1<<20 {
			return
		}
		msg, err := headers.ReadFrame(bytes.NewReader(b), limit)
		if err != nil {
			return
		}
		if len(msg) > limit || !bytes.Equal(msg, b[4:4+len(msg)]) {
			t.Fatal("frame beyond limit or altered")
		}
	})
}

func FuzzParseGenesis(f *testing.F) {
	js, _ := fuzzChain().Genesis.MarshalJSON()
	f.Add(js)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"chain_id":"a","genesis_time":"2026-01-01T00:00:00Z","validators":[],"da":{"max_k":1}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := headers.ParseGenesis(b)
		if err != nil {
			return
		}
		if err := g.Validate(); err != nil {
			t.Fatalf("accepted invalid genesis: %v", err)
		}
		out, err := g.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		g2, err := headers.ParseGenesis(out)
		if err != nil || g2.Hash() != g.Hash() {
			t.Fatalf("re-encoded genesis differs: %v", err)
		}
	})
}

func FuzzParseCheckpoint(f *testing.F) {
	f.Add("42:" + headers.Hash{1}.String())
	f.Add("1:00")
	f.Fuzz(func(t *testing.T, s string) {
		cp, err := headers.ParseCheckpoint(s)
		if err != nil {
			return
		}
		if cp.Validate() != nil {
			t.Fatal("accepted invalid checkpoint")
		}
		back, err := headers.ParseCheckpoint(cp.String())
		if err != nil || back != cp {
			t.Fatal("round trip")
		}
	})
}

// The JSON form of a checkpoint (configuration files) decodes through
// Hash.UnmarshalText.
func FuzzCheckpointJSON(f *testing.F) {
	js, _ := json.Marshal(headers.Checkpoint{Height: 42, Hash: headers.Hash{1}})
	f.Add(js)
	f.Add([]byte(`{"height":1,"hash":"00"}`))
	f.Add([]byte(`{"height":1,"hash":"` + string(bytes.Repeat([]byte("zz"), headers.HashSize)) + `"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var cp headers.Checkpoint
		if json.Unmarshal(b, &cp) != nil || cp.Validate() != nil {
			return
		}
		out, err := json.Marshal(cp)
		if err != nil {
			t.Fatal(err)
		}
		var back headers.Checkpoint
		if err := json.Unmarshal(out, &back); err != nil || back != cp {
			t.Fatalf("round trip: %s -> %s (%v)", b, out, err)
		}
	})
}
