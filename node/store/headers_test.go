//go:build !js

package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"

	"lightdas/headers"
	"lightdas/headers/headertest"
)

// storeBehaviours is the contract of headers.Store, run against MemStore
// (the reference) and HeaderStore, so both keep the same semantics.
var storeBehaviours = []struct {
	name string
	run  func(t *testing.T, s headers.Store, c *headertest.Chain)
}{
	{"empty store has nothing", func(t *testing.T, s headers.Store, c *headertest.Chain) {
		ctx := context.Background()
		if _, err := s.Head(ctx); !errors.Is(err, headers.ErrNotFound) {
			t.Fatalf("Head: %v", err)
		}
		if _, err := s.Tail(ctx); !errors.Is(err, headers.ErrNotFound) {
			t.Fatalf("Tail: %v", err)
		}
		if _, err := s.GetByHeight(ctx, 1); !errors.Is(err, headers.ErrNotFound) {
			t.Fatalf("GetByHeight: %v", err)
		}
		if _, err := s.GetByHash(ctx, c.Block(1).Hash()); !errors.Is(err, headers.ErrNotFound) {
			t.Fatalf("GetByHash: %v", err)
		}
		if err := s.Prune(ctx, 10); err != nil {
			t.Fatalf("Prune of an empty store: %v", err)
		}
		if err := s.Append(ctx); err != nil {
			t.Fatalf("Append of nothing: %v", err)
		}
	}},
	{"append from genesis then read everything", func(t *testing.T, s headers.Store, c *headertest.Chain) {
		mustAppend(t, s, c.Blocks[:3]...)
		mustAppend(t, s, c.Blocks[3:8]...)
		expectRange(t, s, c, 1, 8)
	}},
	{"first block may be a checkpoint at any height", func(t *testing.T, s headers.Store, c *headertest.Chain) {
		mustAppend(t, s, c.Blocks[4:7]...)
		expectRange(t, s, c, 5, 7)
		if _, err := s.GetByHeight(context.Background(), 4); !errors.Is(err, headers.ErrNotFound) {
			t.Fatalf("below the checkpoint: %v", err)
		}
	}},
	{"non-contiguous appends change nothing", func(t *testing.T, s headers.Store, c *headertest.Chain) {
		ctx := context.Background()
		mustAppend(t, s, c.Blocks[:2]...)
		fork := c.Fork(3)
		fork.Extend(1)
		other := headertest.MustChain(headertest.Config{Seed: "other"}, 3)
		for _, tc := range []struct {
			name   string
			blocks []*headers.LightBlock
		}{
			{"gap", []*headers.LightBlock{c.Block(4)}},
			{"repeat head", []*headers.LightBlock{c.Block(2)}},
			{"wrong parent", []*headers.LightBlock{other.Block(3)}},
			{"bad second block", []*headers.LightBlock{c.Block(3), c.Block(5)}},
			{"fork after a good block", []*headers.LightBlock{c.Block(3), fork.Block(3)}},
			{"nil block", []*headers.LightBlock{nil}},
			{"nil header", []*headers.LightBlock{{}}},
		} {
			if err := s.Append(ctx, tc.blocks...); !errors.Is(err, headers.ErrNotContiguous) {
				t.Fatalf("%s: %v, want ErrNotContiguous", tc.name, err)
			}
			expectRange(t, s, c, 1, 2)
			if _, err := s.GetByHeight(ctx, 3); !errors.Is(err, headers.ErrNotFound) {
				t.Fatalf("%s: height 3 after a failed append: %v", tc.name, err)
			}
		}
		// The fork's block 3 is a valid successor on its own.
		mustAppend(t, s, fork.Block(3))
		if _, err := s.GetByHash(ctx, c.Block(3).Hash()); !errors.Is(err, headers.ErrNotFound) {
			t.Fatalf("main chain block 3 found after appending the fork's: %v", err)
		}
	}},
	{"prune keeps the head and moves the tail", func(t *testing.T, s headers.Store, c *headertest.Chain) {
		ctx := context.Background()
		mustAppend(t, s, c.Blocks[:6]...)
		if err := s.Prune(ctx, 1); err != nil { // below the tail: nothing
			t.Fatal(err)
		}
		expectRange(t, s, c, 1, 6)
		if err := s.Prune(ctx, 4); err != nil {
			t.Fatal(err)
		}
		expectRange(t, s, c, 4, 6)
		for h := uint64(1); h < 4; h++ {
			if _, err := s.GetByHeight(ctx, h); !errors.Is(err, headers.ErrNotFound) {
				t.Fatalf("pruned height %d: %v", h, err)
			}
			if _, err := s.GetByHash(ctx, c.Block(h).Hash()); !errors.Is(err, headers.ErrNotFound) {
				t.Fatalf("pruned hash at %d: %v", h, err)
			}
		}
		if err := s.Prune(ctx, 100); err != nil {
			t.Fatal(err)
		}
		expectRange(t, s, c, 6, 6)
		mustAppend(t, s, c.Blocks[6:8]...)
		expectRange(t, s, c, 6, 8)
	}},
	{"validator set changes", func(t *testing.T, s headers.Store, c *headertest.Chain) {
		// c was built with a set change at height 4 (signing from 5).
		mustAppend(t, s, c.Blocks...)
		expectRange(t, s, c, 1, uint64(len(c.Blocks)))
		if err := s.Prune(context.Background(), 6); err != nil {
			t.Fatal(err)
		}
		expectRange(t, s, c, 6, uint64(len(c.Blocks)))
	}},
	{"concurrent readers and one appender", func(t *testing.T, s headers.Store, c *headertest.Chain) {
		ctx := context.Background()
		mustAppend(t, s, c.Block(1))
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 20 {
					head, err := s.Head(ctx)
					if err != nil {
						errs <- err
						return
					}
					got, err := s.GetByHash(ctx, head.Hash())
					if err == nil && got.Height() != head.Height() {
						err = fmt.Errorf("hash of %d gives %d", head.Height(), got.Height())
					}
					if err != nil && !errors.Is(err, headers.ErrNotFound) { // pruned meanwhile
						errs <- err
						return
					}
				}
			}()
		}
		for _, b := range c.Blocks[1:] {
			if err := s.Append(ctx, b); err != nil {
				t.Fatal(err)
			}
			if err := s.Prune(ctx, b.Height()-2); err != nil {
				t.Fatal(err)
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
	}},
}

func mustAppend(t *testing.T, s headers.Store, blocks ...*headers.LightBlock) {
	t.Helper()
	if err := s.Append(context.Background(), blocks...); err != nil {
		t.Fatalf("append: %v", err)
	}
}

// expectRange checks that s holds exactly c's blocks lo..hi, by every
// accessor, with equal content.
func expectRange(t *testing.T, s headers.Store, c *headertest.Chain, lo, hi uint64) {
	t.Helper()
	ctx := context.Background()
	head, err := s.Head(ctx)
	if err != nil || head.Height() != hi || head.Hash() != c.Block(hi).Hash() {
		t.Fatalf("head: %v, %v; want height %d", heightOrNil(head), err, hi)
	}
	tail, err := s.Tail(ctx)
	if err != nil || tail.Height() != lo || tail.Hash() != c.Block(lo).Hash() {
		t.Fatalf("tail: %v, %v; want height %d", heightOrNil(tail), err, lo)
	}
	for h := lo; h <= hi; h++ {
		want := c.Block(h)
		got, err := s.GetByHeight(ctx, h)
		if err != nil {
			t.Fatalf("height %d: %v", h, err)
		}
		sameBlock(t, got, want)
		got, err = s.GetByHash(ctx, want.Hash())
		if err != nil {
			t.Fatalf("hash at %d: %v", h, err)
		}
		sameBlock(t, got, want)
	}
	if _, err := s.GetByHeight(ctx, hi+1); !errors.Is(err, headers.ErrNotFound) {
		t.Fatalf("above the head: %v", err)
	}
}

func heightOrNil(b *headers.LightBlock) any {
	if b == nil {
		return nil
	}
	return b.Height()
}

// sameBlock compares encodings: header, commit and validator set.
func sameBlock(t *testing.T, got, want *headers.LightBlock) {
	t.Helper()
	gb, err := headers.EncodeLightBlock(got)
	if err != nil {
		t.Fatal(err)
	}
	wb, err := headers.EncodeLightBlock(want)
	if err != nil {
		t.Fatal(err)
	}
	if string(gb) != string(wb) {
		t.Fatalf("block %d differs from what was stored", want.Height())
	}
	if err := got.Validators.Verify(); err != nil {
		t.Fatalf("block %d: set: %v", want.Height(), err)
	}
}

// testChain is 10 blocks with a validator-set change announced at 4.
func testChain(t *testing.T) *headertest.Chain {
	t.Helper()
	c, err := headertest.NewChain(headertest.Config{Validators: 3})
	if err != nil {
		t.Fatal(err)
	}
	c.Extend(3)
	if _, err := c.ChangeValidators(c.FreshKeys(4)); err != nil {
		t.Fatal(err)
	}
	c.Extend(7)
	return c
}

func openTemp(t testing.TB, o Options) *DB {
	t.Helper()
	db, err := Open(filepath.Join(t.TempDir(), "node.db"), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestHeaderStoreBehaviours(t *testing.T) {
	c := testChain(t)
	impls := []struct {
		name string
		new  func(t *testing.T) headers.Store
	}{
		{"MemStore", func(*testing.T) headers.Store { return headers.NewMemStore() }},
		{"HeaderStore", func(t *testing.T) headers.Store { return openTemp(t, Options{}).Headers() }},
	}
	for _, impl := range impls {
		for _, b := range storeBehaviours {
			t.Run(impl.name+"/"+b.name, func(t *testing.T) { b.run(t, impl.new(t), c) })
		}
	}
}

func TestHeaderStoreReopen(t *testing.T) {
	c := testChain(t)
	path := filepath.Join(t.TempDir(), "node.db")
	db, err := Open(path, Options{ChainID: c.Config.ChainID})
	if err != nil {
		t.Fatal(err)
	}
	mustAppend(t, db.Headers(), c.Blocks[:6]...)
	if err := db.Headers().Prune(context.Background(), 2); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Headers().Head(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("after close: %v, want ErrClosed", err)
	}
	db, err = Open(path, Options{ChainID: c.Config.ChainID})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	expectRange(t, db.Headers(), c, 2, 6)
	mustAppend(t, db.Headers(), c.Blocks[6:]...)
	expectRange(t, db.Headers(), c, 2, uint64(len(c.Blocks)))
}

func TestHeaderStoreKeepWindow(t *testing.T) {
	c := testChain(t)
	db := openTemp(t, Options{KeepHeaders: 3})
	s := db.Headers()
	mustAppend(t, s, c.Blocks[:2]...)
	expectRange(t, s, c, 1, 2)
	for _, b := range c.Blocks[2:] {
		mustAppend(t, s, b)
		expectRange(t, s, c, max(1, b.Height()-2), b.Height())
	}
}

// Validator sets are stored once per set and deleted with the last header
// naming them.
func TestValidatorSetsReferenceCounted(t *testing.T) {
	c := testChain(t) // blocks 1..4 signed by set A, 5..10 by set B
	db := openTemp(t, Options{})
	s := db.Headers()
	mustAppend(t, s, c.Blocks...)
	a, b := c.Block(1).Header.ValidatorsHash, c.Block(10).Header.ValidatorsHash
	if a == b {
		t.Fatal("test chain has no set change")
	}
	expectSets(t, db, map[headers.Hash]uint64{a: 4, b: 6})
	if err := s.Prune(context.Background(), 4); err != nil {
		t.Fatal(err)
	}
	expectSets(t, db, map[headers.Hash]uint64{a: 1, b: 6})
	if err := s.Prune(context.Background(), 5); err != nil {
		t.Fatal(err)
	}
	expectSets(t, db, map[headers.Hash]uint64{b: 6})
}

func expectSets(t *testing.T, db *DB, want map[headers.Hash]uint64) {
	t.Helper()
	got := map[headers.Hash]uint64{}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSets).ForEach(func(k, v []byte) error {
			refs, _, err := decodeSetRecord(v)
			got[headers.Hash(k)] = refs
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("set references %v, want %v", got, want)
	}
}
