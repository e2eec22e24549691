//go:build js && wasm

package idb

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"syscall/js"

	"lightdas/headers"
)

// HeaderStore is a headers.Store in the "headers" object store: one record
// per height, {height, hash (hex), block (EncodeLightBlock bytes)}, with a
// unique index on hash. Head and tail are cached in memory (the store is
// this client's alone) and recent blocks are kept decoded.
type HeaderStore struct {
	db    *DB
	codec *headers.Codec

	mu     sync.Mutex // orders writes; guards the cache
	loaded bool
	head   *headers.LightBlock
	tail   uint64
	recent map[uint64]*headers.LightBlock
}

// recentBlocks bounds the decoded blocks kept in memory.
const recentBlocks = 128

// Headers returns the database's header store.
func (d *DB) Headers() *HeaderStore {
	return &HeaderStore{db: d, codec: headers.NewCodec(), recent: map[uint64]*headers.LightBlock{}}
}

var _ headers.Store = (*HeaderStore)(nil)

// load reads head and tail once. Callers hold mu.
func (s *HeaderStore) load(ctx context.Context) error {
	if s.loaded {
		return nil
	}
	head, err := s.edge(ctx, "prev")
	if err != nil {
		return err
	}
	if head != nil {
		tail, err := s.edge(ctx, "next")
		if err != nil {
			return err
		}
		s.head, s.tail = head, tail.Height()
		s.remember(head)
	}
	s.loaded = true
	return nil
}

// edge reads the highest ("prev") or lowest ("next") block; nil when empty.
func (s *HeaderStore) edge(ctx context.Context, dir string) (*headers.LightBlock, error) {
	cur, err := s.db.getOne(ctx, storeHeaders, "header "+dir, func(st js.Value) (js.Value, error) {
		return call(st, "openCursor", js.Null(), dir)
	})
	if err != nil {
		return nil, err
	}
	if cur.IsNull() || cur.IsUndefined() {
		return nil, nil
	}
	return s.decode(cur.Get("value"))
}

func (s *HeaderStore) decode(rec js.Value) (*headers.LightBlock, error) {
	if rec.Type() != js.TypeObject {
		return nil, fmt.Errorf("%w: header record is %s", headers.ErrMalformed, rec.Type())
	}
	raw, ok := bytesFromJS(rec.Get("block"))
	if !ok {
		return nil, fmt.Errorf("%w: header record without block bytes", headers.ErrMalformed)
	}
	lb, err := s.codec.DecodeLightBlock(raw)
	if err != nil {
		return nil, fmt.Errorf("idb: stored header: %w", err)
	}
	if h := rec.Get("height"); h.Type() != js.TypeNumber || uint64(h.Float()) != lb.Height() {
		return nil, fmt.Errorf("%w: header record key does not match its block at %d", headers.ErrMalformed, lb.Height())
	}
	return lb, nil
}

func (s *HeaderStore) remember(lb *headers.LightBlock) {
	s.recent[lb.Height()] = lb
	if len(s.recent) > recentBlocks {
		low := lb.Height()
		for h := range s.recent {
			low = min(low, h)
		}
		delete(s.recent, low)
	}
}

// Head implements headers.Store.
func (s *HeaderStore) Head(ctx context.Context) (*headers.LightBlock, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.load(ctx); err != nil {
		return nil, err
	}
	if s.head == nil {
		return nil, fmt.Errorf("%w: empty store", headers.ErrNotFound)
	}
	return s.head, nil
}

// Tail implements headers.Store.
func (s *HeaderStore) Tail(ctx context.Context) (*headers.LightBlock, error) {
	s.mu.Lock()
	if err := s.load(ctx); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	empty, tail := s.head == nil, s.tail
	s.mu.Unlock()
	if empty {
		return nil, fmt.Errorf("%w: empty store", headers.ErrNotFound)
	}
	return s.GetByHeight(ctx, tail)
}

// GetByHeight implements headers.Store.
func (s *HeaderStore) GetByHeight(ctx context.Context, height uint64) (*headers.LightBlock, error) {
	s.mu.Lock()
	if lb := s.recent[height]; lb != nil {
		s.mu.Unlock()
		return lb, nil
	}
	s.mu.Unlock()
	key, err := heightKey(height)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", headers.ErrNotFound, err)
	}
	rec, err := s.db.getOne(ctx, storeHeaders, "get header", func(st js.Value) (js.Value, error) {
		return call(st, "get", key)
	})
	if err != nil {
		return nil, err
	}
	if rec.IsUndefined() {
		return nil, fmt.Errorf("%w: height %d", headers.ErrNotFound, height)
	}
	return s.decode(rec)
}

// GetByHash implements headers.Store.
func (s *HeaderStore) GetByHash(ctx context.Context, hash headers.Hash) (*headers.LightBlock, error) {
	rec, err := s.db.getOne(ctx, storeHeaders, "get header by hash", func(st js.Value) (js.Value, error) {
		return call(st.Call("index", indexHash), "get", hash.String())
	})
	if err != nil {
		return nil, err
	}
	if rec.IsUndefined() {
		return nil, fmt.Errorf("%w: hash %s", headers.ErrNotFound, hash)
	}
	lb, err := s.decode(rec)
	if err != nil {
		return nil, err
	}
	if lb.Hash() != hash {
		return nil, fmt.Errorf("%w: record under hash %s holds %s", headers.ErrMalformed, hash, lb.Hash())
	}
	return lb, nil
}

// Append implements headers.Store: every block in one transaction.
func (s *HeaderStore) Append(ctx context.Context, blocks ...*headers.LightBlock) error {
	if len(blocks) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.load(ctx); err != nil {
		return err
	}
	var prevHeight uint64
	var prevHash headers.Hash
	if s.head != nil {
		prevHeight, prevHash = s.head.Height(), s.head.Hash()
	}
	recs := make([]js.Value, len(blocks))
	for i, b := range blocks {
		if b == nil || b.Header == nil {
			return fmt.Errorf("%w: nil block", headers.ErrNotContiguous)
		}
		if i > 0 || s.head != nil {
			if b.Height() != prevHeight+1 || b.Header.ParentHash != prevHash {
				return fmt.Errorf("%w: block %d at height %d after %d", headers.ErrNotContiguous, i, b.Height(), prevHeight)
			}
		}
		key, err := heightKey(b.Height())
		if err != nil {
			return err
		}
		raw, err := headers.EncodeLightBlock(b)
		if err != nil {
			return err
		}
		hash := b.Hash()
		recs[i] = js.ValueOf(map[string]any{"height": key, "hash": hash.String(), "block": bytesToJS(raw)})
		prevHeight, prevHash = b.Height(), hash
	}
	tx, err := s.db.tx("readwrite", storeHeaders)
	if err != nil {
		return err
	}
	st := tx.Call("objectStore", storeHeaders)
	for _, r := range recs {
		// add, not put: a height or hash already stored (another tab
		// writing the same database) aborts the whole transaction.
		if _, err := call(st, "add", r); err != nil {
			tx.Call("abort")
			return err
		}
	}
	if err := awaitTx(ctx, tx, "append headers"); err != nil {
		var ie *Error
		if errors.As(err, &ie) && ie.Name == "ConstraintError" {
			s.loaded = false // someone else wrote: reload the edges
			return fmt.Errorf("%w: %w", headers.ErrNotContiguous, err)
		}
		return err
	}
	if s.head == nil {
		s.tail = blocks[0].Height()
	}
	s.head = blocks[len(blocks)-1]
	for _, b := range blocks {
		s.remember(b)
	}
	return nil
}

// Prune implements headers.Store: deletes the blocks below height, never
// the head.
func (s *HeaderStore) Prune(ctx context.Context, below uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.load(ctx); err != nil {
		return err
	}
	if s.head == nil || below <= s.tail {
		return nil
	}
	below = min(below, s.head.Height())
	key, err := heightKey(below)
	if err != nil {
		return err
	}
	rng, err := keyRange("upperBound", key, true)
	if err != nil {
		return err
	}
	tx, err := s.db.tx("readwrite", storeHeaders)
	if err != nil {
		return err
	}
	if _, err := call(tx.Call("objectStore", storeHeaders), "delete", rng); err != nil {
		tx.Call("abort")
		return err
	}
	if err := awaitTx(ctx, tx, "prune headers"); err != nil {
		return err
	}
	s.tail = below
	for h := range s.recent {
		if h < below {
			delete(s.recent, h)
		}
	}
	return nil
}
