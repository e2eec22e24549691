//go:build !js

package producer

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"lightdas/das"
	"lightdas/headers"
	"lightdas/headers/bls"
	"lightdas/kzg"
	"lightdas/node/store"
)

var (
	proverOnce sync.Once
	prover     *kzg.Prover
	verifier   *kzg.Verifier
	proverErr  error
)

// kzgPair builds the prover (about 1-2 s, 25 MiB) once per test binary.
func kzgPair(t *testing.T) (*kzg.Prover, *kzg.Verifier) {
	t.Helper()
	proverOnce.Do(func() {
		if prover, proverErr = kzg.NewProver(); proverErr == nil {
			verifier, proverErr = kzg.NewVerifier()
		}
	})
	if proverErr != nil {
		t.Fatal(proverErr)
	}
	return prover, verifier
}

var genesisTime = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// stepClock returns genesis + 1 s, + 2 s, ... on successive calls.
func stepClock() func() time.Time {
	var mu sync.Mutex
	n := 0
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		n++
		return genesisTime.Add(time.Duration(n) * time.Second)
	}
}

func seeded(seed uint64) *rand.ChaCha8 {
	var s [32]byte
	s[0] = byte(seed)
	return rand.NewChaCha8(s)
}

// devnet writes a deterministic 4-validator devnet into a temp dir and
// loads it back.
func devnet(t *testing.T) (string, *headers.Genesis, []*bls.SecretKey) {
	t.Helper()
	dir := t.TempDir()
	g, err := NewDevnet(DevnetConfig{ChainID: "lightdas-devnet", Validators: 4, MaxK: 8, Time: genesisTime, Rand: seeded(1)}, dir)
	if err != nil {
		t.Fatal(err)
	}
	lg, keys, err := LoadDevnet(dir)
	if err != nil {
		t.Fatal(err)
	}
	if lg.Hash() != g.Hash() || len(keys) != 4 {
		t.Fatalf("loaded devnet differs: %d keys", len(keys))
	}
	if _, err := NewDevnet(DevnetConfig{ChainID: "lightdas-devnet", Time: genesisTime}, dir); !errors.Is(err, ErrExists) {
		t.Fatalf("second devnet in one dir: %v", err)
	}
	return dir, lg, keys
}

// checkBlock verifies b against trusted: the header with the light-client
// rules, and every cell of the extended block against the header's k
// commitments.
func checkBlock(t *testing.T, v *headers.Verifier, kv *kzg.Verifier, trusted headers.Trusted, b *headers.LightBlock, ext *kzg.ExtendedBlock) {
	t.Helper()
	if err := v.VerifyAdjacent(trusted, b); err != nil {
		t.Fatalf("height %d: %v", b.Height(), err)
	}
	h := b.Header
	if ext.K != h.K() {
		t.Fatalf("height %d: block k %d, header k %d", h.Height, ext.K, h.K())
	}
	cs := make([]kzg.Commitment, h.K())
	for i := range cs {
		cs[i] = kzg.Commitment(h.Commitments[i])
		if i >= h.Blobs && h.Commitments[i] != headers.ZeroCommitment() {
			t.Fatalf("height %d: padding row %d not the zero commitment", h.Height, i)
		}
	}
	var samples []kzg.Sample
	for r := range 2 * ext.K {
		for c := range kzg.CellsPerRow {
			samples = append(samples, kzg.Sample{Row: r, Column: c, Cell: ext.Cells[r][c], Proof: ext.Proofs[r][c]})
		}
	}
	if err := kv.VerifySamples(cs, samples); err != nil {
		t.Fatalf("height %d: cells: %v", h.Height, err)
	}
}

func TestProduceVerifyRestart(t *testing.T) {
	ctx := context.Background()
	p, kv := kzgPair(t)
	dir, g, keys := devnet(t)
	dbPath := filepath.Join(dir, "node.db")
	db, err := store.Open(dbPath, store.Options{ChainID: g.ChainID})
	if err != nil {
		t.Fatal(err)
	}
	var published []*Block
	cfg := Config{
		Genesis: g, Keys: keys, Prover: p,
		Headers: db.Headers(), Blocks: db.Blocks(),
		OnBlock:        func(b *Block) { published = append(published, b) },
		SyntheticBlobs: 3, // k = 4 with a padding row
		Rand:           seeded(2),
		Now:            stepClock(),
	}
	prod, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Block 2 carries submitted data spanning two blobs.
	submitted := [][]byte{[]byte("hello, lightdas"), bytes.Repeat([]byte{0xab}, PayloadPerBlob), {0}}
	var made []*Block
	for i := range 5 {
		if i == 1 {
			for _, d := range submitted {
				if err := prod.Submit(d); err != nil {
					t.Fatal(err)
				}
			}
		}
		b, err := prod.ProduceOne(ctx)
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, b)
	}
	if len(published) != 5 || prod.Pending() != 0 {
		t.Fatalf("%d blocks published, %d pending", len(published), prod.Pending())
	}
	v, err := headers.NewGenesisVerifier(g, headers.Options{Now: func() time.Time { return genesisTime.Add(time.Minute) }})
	if err != nil {
		t.Fatal(err)
	}
	trusted := g.Trusted()
	for i, b := range made {
		stored, err := db.Headers().GetByHeight(ctx, uint64(i+1))
		if err != nil {
			t.Fatal(err)
		}
		if stored.Hash() != b.Light.Hash() || published[i] != b {
			t.Fatalf("height %d: stored or published block differs", i+1)
		}
		ext, err := db.Blocks().Block(ctx, stored.Height(), stored.Hash())
		if err != nil {
			t.Fatal(err)
		}
		for r := range 2 * ext.K {
			if ext.Cells[r] != b.Extended.Cells[r] || ext.Proofs[r] != b.Extended.Proofs[r] || ext.Commitments[r] != b.Extended.Commitments[r] {
				t.Fatalf("height %d: stored row %d differs from the produced one", i+1, r)
			}
		}
		checkBlock(t, v, kv, trusted, stored, ext)
		trusted = stored.Trusted()

		blobs, err := BlobsOf(ext, stored.Header.Blobs)
		if err != nil {
			t.Fatal(err)
		}
		records, err := Unpack(blobs)
		if err != nil {
			t.Fatalf("height %d: %v", i+1, err)
		}
		if i == 1 {
			if stored.Header.Blobs != 2 || !slices.EqualFunc(records, submitted, bytes.Equal) {
				t.Fatalf("submitted data: %d blobs, %d records", stored.Header.Blobs, len(records))
			}
		} else if stored.Header.Blobs != 3 || stored.Header.K() != 4 || len(records) != 1 || len(records[0]) != 3*PayloadPerBlob-4 {
			t.Fatalf("height %d: synthetic block of %d blobs, k %d", i+1, stored.Header.Blobs, stored.Header.K())
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// A new producer on the reopened stores continues the chain.
	db, err = store.Open(dbPath, store.Options{ChainID: g.ChainID})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, keys2, err := LoadDevnet(dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Keys, cfg.Headers, cfg.Blocks, cfg.OnBlock = keys2[:3], db.Headers(), db.Blocks(), nil // 30 of 40 power
	prod, err = New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := prod.ProduceOne(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if b.Light.Height() != 6 || b.Light.Header.ParentHash != made[4].Light.Hash() {
		t.Fatalf("restart produced height %d after %s", b.Light.Height(), b.Light.Header.ParentHash)
	}
	if b.Light.Commit.Signers.Count() != 3 {
		t.Fatalf("%d signers", b.Light.Commit.Signers.Count())
	}
	checkBlock(t, v, kv, trusted, b.Light, b.Extended)
}

func TestEmptyBlocksAndDataServed(t *testing.T) {
	ctx := context.Background()
	p, kv := kzgPair(t)
	_, g, keys := devnet(t)
	hs, bs := headers.NewMemStore(), das.NewMemBlockStore()
	prod, err := New(Config{Genesis: g, Keys: keys, Prover: p, Headers: hs, Blocks: bs, SyntheticBlobs: -1, Now: func() time.Time { return genesisTime }})
	if err != nil {
		t.Fatal(err)
	}
	v, err := headers.NewGenesisVerifier(g, headers.Options{Now: func() time.Time { return genesisTime.Add(time.Minute) }})
	if err != nil {
		t.Fatal(err)
	}
	trusted := g.Trusted()
	for range 2 { // a fixed clock still gives increasing times
		b, err := prod.ProduceOne(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if b.Light.Header.K() != 1 || b.Light.Header.Blobs != 0 || b.Light.Header.Commitments[0] != headers.ZeroCommitment() {
			t.Fatalf("empty block: k %d, %d blobs", b.Light.Header.K(), b.Light.Header.Blobs)
		}
		checkBlock(t, v, kv, trusted, b.Light, b.Extended)
		trusted = b.Light.Trusted()
	}
	// The block sink serves what the header commits to.
	if err := prod.Submit([]byte("x")); err != nil {
		t.Fatal(err)
	}
	b, err := prod.ProduceOne(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cell, proof, err := bs.Sample(ctx, 3, b.Light.Hash(), 1, 77)
	if err != nil {
		t.Fatal(err)
	}
	cs := []kzg.Commitment{kzg.Commitment(b.Light.Header.Commitments[0])}
	if err := kv.VerifySamples(cs, []kzg.Sample{{Row: 1, Column: 77, Cell: cell, Proof: proof}}); err != nil {
		t.Fatal(err)
	}
}

func TestConfigAndSubmitErrors(t *testing.T) {
	p, _ := kzgPair(t)
	_, g, keys := devnet(t)
	hs := headers.NewMemStore()
	outsider, err := bls.KeyGen(make([]byte, 32), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"two thirds exactly is not enough", Config{Genesis: g, Keys: keys[:2], Prover: p, Headers: hs}},
		{"key outside the set", Config{Genesis: g, Keys: append(slices.Clone(keys), outsider), Prover: p, Headers: hs}},
		{"duplicate key", Config{Genesis: g, Keys: append(slices.Clone(keys), keys[0]), Prover: p, Headers: hs}},
		{"no prover", Config{Genesis: g, Keys: keys, Headers: hs}},
		{"synthetic above max_k", Config{Genesis: g, Keys: keys, Prover: p, Headers: hs, SyntheticBlobs: 9}},
	} {
		if _, err := New(tc.cfg); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	prod, err := New(Config{Genesis: g, Keys: keys, Prover: p, Headers: hs, MaxPending: 100})
	if err != nil {
		t.Fatal(err)
	}
	if err := prod.Submit(nil); !errors.Is(err, ErrEmptyRecord) {
		t.Errorf("empty: %v", err)
	}
	if err := prod.Submit(make([]byte, 8*PayloadPerBlob)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("too large: %v", err)
	}
	if err := prod.Submit(make([]byte, 60)); err != nil {
		t.Fatal(err)
	}
	if err := prod.Submit(make([]byte, 60)); !errors.Is(err, ErrQueueFull) {
		t.Errorf("queue full: %v", err)
	}
	// A store of another chain is refused.
	other := headers.NewMemStore()
	_, g2, keys2 := devnet(t)
	p2, err := New(Config{Genesis: g2, Keys: keys2, Prover: p, Headers: other, SyntheticBlobs: -1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p2.ProduceOne(context.Background()); err != nil {
		t.Fatal(err)
	}
	g3 := *g2
	g3.ChainID = "another-chain"
	p3, err := New(Config{Genesis: &g3, Keys: keys2, Prover: p, Headers: other})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p3.ProduceOne(context.Background()); !errors.Is(err, ErrConfig) {
		t.Errorf("foreign store: %v", err)
	}
}

func TestRunStopsWithContext(t *testing.T) {
	p, _ := kzgPair(t)
	_, g, keys := devnet(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var heights []uint64
	prod, err := New(Config{
		Genesis: g, Keys: keys, Prover: p, Headers: headers.NewMemStore(),
		Interval: time.Millisecond, SyntheticBlobs: 1, Rand: seeded(3),
		OnBlock: func(b *Block) {
			heights = append(heights, b.Light.Height())
			if len(heights) == 3 {
				cancel()
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := prod.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(heights, []uint64{1, 2, 3}) {
		t.Fatalf("heights %v", heights)
	}
}
