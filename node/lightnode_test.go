//go:build !js

package node

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"lightdas/das"
	"lightdas/headers"
	"lightdas/headers/bls"
	"lightdas/headers/headertest"
	"lightdas/light/lighttest"
	"lightdas/node/api"
	"lightdas/node/producer"
	"lightdas/node/store"
)

// TestLightJoinsPrunedChain: a fresh light node joins a devnet whose
// history (hours old) is longer than the blocks its full node keeps. It
// reaches the head and follows it, and it never asks for a cell of a
// pruned height (an intermediate head of the header catch-up, or a
// window below it), which could only end unavailable after the sampling
// deadline while the real head waits.
func TestLightJoinsPrunedChain(t *testing.T) {
	const (
		history = 150 // blocks in the past: more than two header batches
		keep    = 16  // blocks the full node keeps
		window  = 8   // the light node's catch-up window (below keep)
	)
	ctx := testCtx(t, 2*time.Minute)
	dir := t.TempDir()
	start := time.Now().Add(-2 * time.Hour).UTC().Truncate(time.Second)
	if _, err := producer.NewDevnet(producer.DevnetConfig{ChainID: "e2e-pruned", Validators: 4, MaxK: 8, Time: start}, dir); err != nil {
		t.Fatal(err)
	}
	g, keys, err := producer.LoadDevnet(dir)
	if err != nil {
		t.Fatal(err)
	}
	fullDir := dataDir(t)
	writeHistory(t, ctx, fullDir, g, keys, history, keep)

	prod := startFull(t, ctx, g, keys, fullOpts{dir: fullDir, produce: true, keep: keep, blobs: 1})
	head, err := prod.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Blocks below this were pruned before the light node started.
	lowestKept := head.Height() - keep + 1

	light := startLight(t, ctx, g, lightOpts{bootstrap: prod.Addrs(), window: window})
	var mu sync.Mutex
	asked := map[uint64]int{} // cell requests by height
	cancel := light.Subscribe(func(e api.Event) {
		if c, ok := e.(*api.CellEvent); ok {
			mu.Lock()
			asked[c.Height]++
			mu.Unlock()
		}
	})
	defer cancel()
	rec := record(light)
	// Four consecutive heights produced after the light node started,
	// all available: it reached the head and follows it.
	rec.waitFor(t, ctx, "light node following the head of a pruned chain", func() bool {
		for h := head.Height() + 1; h <= head.Height()+64; h++ {
			if rec.available(h, h+3, das.DefaultConfidence) {
				return true
			}
		}
		return false
	})
	mu.Lock()
	defer mu.Unlock()
	for h, n := range asked {
		if h < lowestKept {
			t.Errorf("asked %d times for cells of height %d, pruned below %d", n, h, lowestKept)
		}
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for h, rs := range rec.blocks {
		for _, r := range rs {
			if r.Status != api.StatusAvailable {
				t.Errorf("height %d: %s (%s)", h, r.Status, r.Error)
			}
		}
	}
	st, err := light.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.CatchUp == nil || st.CatchUp.From < lowestKept {
		t.Fatalf("catch-up window %+v reaches below the kept blocks (from %d)", st.CatchUp, lowestKept)
	}
}

// writeHistory stores count signed blocks in the past (one every 30 s
// from the genesis on, each committing to the lighttest fixture block, so
// nothing is proved) in a full node's database that keeps keep blocks.
func writeHistory(t *testing.T, ctx context.Context, dataDir string, g *headers.Genesis, keys []*bls.SecretKey, count int, keep uint64) {
	t.Helper()
	block, err := lighttest.Block()
	if err != nil {
		t.Fatal(err)
	}
	signers := &headertest.Signers{Set: g.Validators}
	for i := 0; i < g.Validators.Size(); i++ {
		for _, sk := range keys {
			if sk.PublicKey().Bytes() == g.Validators.PublicKeyBytes(i) {
				signers.Keys = append(signers.Keys, sk)
			}
		}
	}
	if len(signers.Keys) != g.Validators.Size() {
		t.Fatalf("%d keys for %d validators", len(signers.Keys), g.Validators.Size())
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(filepath.Join(dataDir, DBFile), store.Options{ChainID: g.ChainID, KeepBlocks: keep})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	parent := g.Trusted()
	for i := 1; i <= count; i++ {
		h := &headers.Header{
			ChainID:            g.ChainID,
			Height:             parent.Height + 1,
			Time:               g.Time.Add(time.Duration(i) * 30 * time.Second),
			ParentHash:         parent.Hash,
			ValidatorsHash:     g.Validators.Hash(),
			NextValidatorsHash: g.Validators.Hash(),
			Blobs:              lighttest.FixtureBlobs,
			Commitments:        make([]headers.Commitment, block.K),
		}
		for r := range h.Commitments {
			h.Commitments[r] = headers.Commitment(block.Commitments[r])
		}
		lb := signers.Block(h)
		if err := db.Blocks().Put(h.Height, lb.Hash(), block); err != nil {
			t.Fatal(err)
		}
		if err := db.Headers().Append(ctx, lb); err != nil {
			t.Fatal(err)
		}
		parent = lb.Trusted()
	}
}
