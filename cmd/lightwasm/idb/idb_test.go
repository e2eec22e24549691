//go:build js && wasm

package idb

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"syscall/js"
	"testing"
	"time"

	"lightdas/das"
	"lightdas/headers"
	"lightdas/headers/headertest"
	"lightdas/light"
)

// These tests run in Chromium (wasmbrowsertest) against its real
// IndexedDB.

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

var dbSeq atomic.Int64

// openFresh opens a database no other test uses and deletes it after.
func openFresh(t *testing.T) (*DB, string) {
	t.Helper()
	ctx := testCtx(t)
	name := fmt.Sprintf("lightdas-test-%s-%d-%d", t.Name(), time.Now().UnixNano(), dbSeq.Add(1))
	d, err := Open(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		d.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := Delete(ctx, name); err != nil {
			t.Errorf("deleting %s: %v", name, err)
		}
	})
	return d, name
}

// testChain is 12 blocks with a validator-set change announced at 4.
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
	c.Extend(9)
	return c
}

func sameBlock(t *testing.T, got, want *headers.LightBlock) {
	t.Helper()
	gb, err := headers.EncodeLightBlock(got)
	if err != nil {
		t.Fatal(err)
	}
	wb, _ := headers.EncodeLightBlock(want)
	if string(gb) != string(wb) {
		t.Fatalf("block %d differs from what was stored", want.Height())
	}
}

// TestHeaderStoreMatchesMemStore runs one sequence of operations on the
// IndexedDB store and on headers.MemStore and compares every answer.
func TestHeaderStoreMatchesMemStore(t *testing.T) {
	ctx := testCtx(t)
	c := testChain(t)
	d, _ := openFresh(t)
	stores := map[string]headers.Store{"idb": d.Headers(), "mem": headers.NewMemStore()}
	fork := c.Fork(7)
	fork.Extend(1)
	steps := []struct {
		name string
		op   func(s headers.Store) error
	}{
		{"empty head", func(s headers.Store) error { _, err := s.Head(ctx); return err }},
		{"empty tail", func(s headers.Store) error { _, err := s.Tail(ctx); return err }},
		{"append 4-6", func(s headers.Store) error { return s.Append(ctx, c.Blocks[3:6]...) }},
		{"gap", func(s headers.Store) error { return s.Append(ctx, c.Block(8)) }},
		{"wrong parent", func(s headers.Store) error { return s.Append(ctx, c.Block(7), fork.Block(7)) }},
		{"nil block", func(s headers.Store) error { return s.Append(ctx, nil) }},
		{"append 7", func(s headers.Store) error { return s.Append(ctx, c.Block(7)) }},
		{"append 8-12", func(s headers.Store) error { return s.Append(ctx, c.Blocks[7:]...) }},
		{"prune 9", func(s headers.Store) error { return s.Prune(ctx, 9) }},
		{"prune below tail", func(s headers.Store) error { return s.Prune(ctx, 3) }},
		{"prune past head", func(s headers.Store) error { return s.Prune(ctx, 100) }},
	}
	check := func(after string) {
		t.Helper()
		for h := uint64(1); h <= uint64(len(c.Blocks))+1; h++ {
			var got [2]string
			for i, name := range []string{"idb", "mem"} {
				b, err := stores[name].GetByHeight(ctx, h)
				switch {
				case err == nil:
					got[i] = b.Hash().String()
				case errors.Is(err, headers.ErrNotFound):
					got[i] = "not found"
				default:
					t.Fatalf("after %s: %s height %d: %v", after, name, h, err)
				}
				if err == nil {
					bh, err := stores[name].GetByHash(ctx, b.Hash())
					if err != nil || bh.Height() != h {
						t.Fatalf("after %s: %s by hash at %d: %v", after, name, h, err)
					}
					sameBlock(t, b, c.Block(h))
				}
			}
			if got[0] != got[1] {
				t.Fatalf("after %s: height %d: idb %s, mem %s", after, h, got[0], got[1])
			}
		}
		for _, edge := range []func(headers.Store) (*headers.LightBlock, error){
			func(s headers.Store) (*headers.LightBlock, error) { return s.Head(ctx) },
			func(s headers.Store) (*headers.LightBlock, error) { return s.Tail(ctx) },
		} {
			a, errA := edge(stores["idb"])
			b, errB := edge(stores["mem"])
			if (errA == nil) != (errB == nil) || errA == nil && a.Height() != b.Height() {
				t.Fatalf("after %s: edges differ: %v %v / %v %v", after, a, errA, b, errB)
			}
		}
	}
	for _, st := range steps {
		errIDB, errMem := st.op(stores["idb"]), st.op(stores["mem"])
		if (errIDB == nil) != (errMem == nil) {
			t.Fatalf("%s: idb %v, mem %v", st.name, errIDB, errMem)
		}
		for _, sentinel := range []error{headers.ErrNotFound, headers.ErrNotContiguous} {
			if errors.Is(errMem, sentinel) != errors.Is(errIDB, sentinel) {
				t.Fatalf("%s: idb %v, mem %v", st.name, errIDB, errMem)
			}
		}
		check(st.name)
	}
	if _, err := stores["idb"].GetByHash(ctx, headers.Hash{9}); !errors.Is(err, headers.ErrNotFound) {
		t.Fatalf("unknown hash: %v", err)
	}
}

// TestHeaderStoreReopen: what was appended and pruned is what a new
// connection (a reloaded page) finds.
func TestHeaderStoreReopen(t *testing.T) {
	ctx := testCtx(t)
	c := testChain(t)
	d, name := openFresh(t)
	if err := d.Headers().Append(ctx, c.Blocks[:8]...); err != nil {
		t.Fatal(err)
	}
	if err := d.Headers().Prune(ctx, 3); err != nil {
		t.Fatal(err)
	}
	d.Close()
	if _, err := d.Headers().Head(ctx); !errors.Is(err, ErrClosed) {
		t.Fatalf("head after close: %v", err)
	}
	d2, err := Open(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	s := d2.Headers()
	head, err := s.Head(ctx)
	if err != nil || head.Height() != 8 {
		t.Fatalf("head %v, %v", head, err)
	}
	tail, err := s.Tail(ctx)
	if err != nil || tail.Height() != 3 {
		t.Fatalf("tail %v, %v", tail, err)
	}
	if err := s.Append(ctx, c.Blocks[8:]...); err != nil {
		t.Fatal(err)
	}
	// A second store on the same connection sees the same data, pruned.
	other := d2.Headers()
	if _, err := other.Head(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Prune(ctx, 5); err != nil {
		t.Fatal(err)
	}
	for h := uint64(5); h <= 12; h++ {
		b, err := other.GetByHeight(ctx, h)
		if err != nil {
			t.Fatalf("height %d: %v", h, err)
		}
		sameBlock(t, b, c.Block(h))
	}
}

// TestHeaderStoreRefusesForeignWrites: a store whose cached head is stale
// (another connection appended) fails with ErrNotContiguous instead of
// overwriting, and recovers on the next call.
func TestHeaderStoreRefusesForeignWrites(t *testing.T) {
	ctx := testCtx(t)
	c := testChain(t)
	d, name := openFresh(t)
	a := d.Headers()
	if err := a.Append(ctx, c.Blocks[:3]...); err != nil {
		t.Fatal(err)
	}
	d2, err := Open(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	b := d2.Headers()
	if err := b.Append(ctx, c.Block(4)); err != nil {
		t.Fatal(err)
	}
	// a still thinks the head is 3.
	if err := a.Append(ctx, c.Block(4)); !errors.Is(err, headers.ErrNotContiguous) {
		t.Fatalf("stale append: %v", err)
	}
	if err := a.Append(ctx, c.Block(5)); err != nil {
		t.Fatalf("append after reload: %v", err)
	}
}

// TestCorruptRecords: bytes in the database that do not decode give
// typed errors, not panics.
func TestCorruptRecords(t *testing.T) {
	ctx := testCtx(t)
	d, _ := openFresh(t)
	put := func(store string, v any, key ...any) {
		t.Helper()
		tx, err := d.tx("readwrite", store)
		if err != nil {
			t.Fatal(err)
		}
		args := append([]any{v}, key...)
		if _, err := call(tx.Call("objectStore", store), "put", args...); err != nil {
			t.Fatal(err)
		}
		if err := awaitTx(ctx, tx, "test put"); err != nil {
			t.Fatal(err)
		}
	}
	garbage := bytesToJS([]byte("not a block"))
	put(storeHeaders, js.ValueOf(map[string]any{"height": 1, "hash": "aa", "block": garbage}))
	put(storeHeaders, js.ValueOf(map[string]any{"height": 2, "hash": "bb", "block": "a string"}))
	hs := d.Headers()
	if _, err := hs.GetByHeight(ctx, 1); !errors.Is(err, headers.ErrMalformed) {
		t.Fatalf("garbage block: %v", err)
	}
	if _, err := hs.GetByHeight(ctx, 2); !errors.Is(err, headers.ErrMalformed) {
		t.Fatalf("string block: %v", err)
	}
	if _, err := hs.Head(ctx); !errors.Is(err, headers.ErrMalformed) {
		t.Fatalf("head over garbage: %v", err)
	}
	put(storeMeta, garbage, metaCheckpoint)
	if _, err := d.Checkpoints().LoadCheckpoint(ctx); !errors.Is(err, das.ErrMalformed) {
		t.Fatalf("garbage checkpoint: %v", err)
	}
	put(storeMeta, "a string", metaCheckpoint)
	if _, err := d.Checkpoints().LoadCheckpoint(ctx); !errors.Is(err, das.ErrMalformed) {
		t.Fatalf("string checkpoint: %v", err)
	}
	put(storeResults, js.ValueOf(map[string]any{"height": 4, "result": `{"height":4,"status":"so-so"}`}))
	put(storeResults, js.ValueOf(map[string]any{"height": 5, "result": `{"height":6,"status":"available"}`}))
	put(storeResults, js.ValueOf(map[string]any{"height": 7, "result": 12}))
	for _, h := range []uint64{4, 5, 7} {
		if _, err := d.Results().Result(ctx, h); !errors.Is(err, light.ErrCorrupt) {
			t.Fatalf("corrupt result %d: %v", h, err)
		}
	}
	if _, err := d.Results().Results(ctx, 1, 10); !errors.Is(err, light.ErrCorrupt) {
		t.Fatalf("range over corrupt results: %v", err)
	}
	if _, err := d.Headers().GetByHeight(ctx, 1<<60); !errors.Is(err, headers.ErrNotFound) {
		t.Fatalf("height beyond 2^53: %v", err)
	}
}

func TestCheckpoints(t *testing.T) {
	ctx := testCtx(t)
	d, name := openFresh(t)
	cs := d.Checkpoints()
	if cp, err := cs.LoadCheckpoint(ctx); err != nil || cp != nil {
		t.Fatalf("empty: %v, %v", cp, err)
	}
	want := &das.Checkpoint{DoneUpTo: 7, Done: []uint64{9, 12}, Retry: []das.RetryEntry{{Height: 8, Attempts: 2}}}
	if err := cs.SaveCheckpoint(ctx, want); err != nil {
		t.Fatal(err)
	}
	if err := cs.SaveCheckpoint(ctx, &das.Checkpoint{DoneUpTo: 5, Done: []uint64{3}}); !errors.Is(err, das.ErrCheckpoint) {
		t.Fatalf("inconsistent checkpoint saved: %v", err)
	}
	d.Close()
	d2, err := Open(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	got, err := d2.Checkpoints().LoadCheckpoint(ctx)
	if err != nil || got.DoneUpTo != 7 || len(got.Done) != 2 || got.Done[1] != 12 || got.Retry[0] != want.Retry[0] {
		t.Fatalf("loaded %+v, %v", got, err)
	}
}

func TestResults(t *testing.T) {
	ctx := testCtx(t)
	d, _ := openFresh(t)
	rs := d.Results()
	for h := uint64(1); h <= 20; h++ {
		r := &light.BlockResult{Height: h, K: 2, Status: light.StatusAvailable, Confidence: 0.9999, Samples: 2, Verified: 2,
			Cells: []light.Cell{{Row: 3, Col: int(h), Outcome: light.OutcomeVerified}, {Row: 0, Col: 0, Outcome: light.OutcomeVerified}}}
		if err := rs.PutResult(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	// Replacing a height keeps one record.
	if err := rs.PutResult(ctx, &light.BlockResult{Height: 20, Status: light.StatusUnavailable, Error: "gone"}); err != nil {
		t.Fatal(err)
	}
	got, err := rs.Results(ctx, 5, 25)
	if err != nil || len(got) != 16 || got[0].Height != 5 || got[15].Height != 20 || got[15].Status != light.StatusUnavailable {
		t.Fatalf("range: %d results, %v", len(got), err)
	}
	if got[3].Cells[0].Col != 8 {
		t.Fatalf("cells of 8: %+v", got[3].Cells)
	}
	if err := rs.PruneResults(ctx, 10); err != nil {
		t.Fatal(err)
	}
	if _, err := rs.Result(ctx, 9); !errors.Is(err, light.ErrNotFound) {
		t.Fatalf("pruned: %v", err)
	}
	if r, err := rs.Result(ctx, 10); err != nil || r.Height != 10 {
		t.Fatalf("kept: %v, %v", r, err)
	}
	if got, err := rs.Results(ctx, 30, 20); err != nil || len(got) != 0 {
		t.Fatalf("empty range: %v, %v", got, err)
	}
}

func TestIdentityAndReset(t *testing.T) {
	ctx := testCtx(t)
	d, _ := openFresh(t)
	c := testChain(t)
	if id, err := d.Identity(ctx); err != nil || id != "" {
		t.Fatalf("fresh identity %q, %v", id, err)
	}
	if err := d.SetIdentity(ctx, "chain/abc"); err != nil {
		t.Fatal(err)
	}
	if err := d.Headers().Append(ctx, c.Blocks[:2]...); err != nil {
		t.Fatal(err)
	}
	if id, err := d.Identity(ctx); err != nil || id != "chain/abc" {
		t.Fatalf("identity %q, %v", id, err)
	}
	if err := d.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if id, _ := d.Identity(ctx); id != "" {
		t.Fatalf("identity after reset %q", id)
	}
	if _, err := d.Headers().Head(ctx); !errors.Is(err, headers.ErrNotFound) {
		t.Fatalf("head after reset: %v", err)
	}
}

// TestSyncerOnIndexedDB: the real header syncer follows a chain (with a
// validator-set change) into the IndexedDB store, and a second syncer on
// the reopened store continues from its head.
func TestSyncerOnIndexedDB(t *testing.T) {
	ctx := testCtx(t)
	c := testChain(t)
	d, name := openFresh(t)
	codec := headers.NewCodec()
	sync := func(store headers.Store, upTo int) {
		t.Helper()
		peer := headertest.NewPeer("full", c.Blocks[:upTo], codec)
		v, err := headers.NewGenesisVerifier(c.Genesis, headers.Options{Now: c.Now})
		if err != nil {
			t.Fatal(err)
		}
		s, err := headers.NewSyncer(headers.SyncerConfig{Store: store, Verifier: v, Genesis: c.Genesis, Peers: []headers.Peer{peer}})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SyncOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	sync(d.Headers(), 7)
	d.Close()
	d2, err := Open(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	defer d2.Close()
	sync(d2.Headers(), 12)
	for h := uint64(1); h <= 12; h++ {
		b, err := d2.Headers().GetByHeight(ctx, h)
		if err != nil {
			t.Fatalf("height %d: %v", h, err)
		}
		sameBlock(t, b, c.Block(h))
	}
}
