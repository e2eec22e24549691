//go:build !js

package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"lightdas/headers"
)

// HeaderStore is a persistent headers.Store with MemStore's semantics.
type HeaderStore struct{ db *DB }

var _ headers.Store = (*HeaderStore)(nil)

// Head implements headers.Store.
func (s *HeaderStore) Head(ctx context.Context) (*headers.LightBlock, error) {
	return s.end(ctx, true)
}

// Tail implements headers.Store.
func (s *HeaderStore) Tail(ctx context.Context) (*headers.LightBlock, error) {
	return s.end(ctx, false)
}

func (s *HeaderStore) end(ctx context.Context, last bool) (*headers.LightBlock, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var lb *headers.LightBlock
	err := s.db.view(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketHeaders).Cursor()
		k, v := c.First()
		if last {
			k, v = c.Last()
		}
		if k == nil {
			return fmt.Errorf("%w: empty store", headers.ErrNotFound)
		}
		var err error
		lb, err = s.load(tx, k, v)
		return err
	})
	return lb, err
}

// GetByHeight implements headers.Store.
func (s *HeaderStore) GetByHeight(ctx context.Context, height uint64) (*headers.LightBlock, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var lb *headers.LightBlock
	err := s.db.view(func(tx *bolt.Tx) error {
		var err error
		lb, err = s.at(tx, height)
		return err
	})
	return lb, err
}

func (s *HeaderStore) at(tx *bolt.Tx, height uint64) (*headers.LightBlock, error) {
	k := heightKey(height)
	v := tx.Bucket(bucketHeaders).Get(k)
	if v == nil {
		return nil, fmt.Errorf("%w: height %d", headers.ErrNotFound, height)
	}
	return s.load(tx, k, v)
}

// GetByHash implements headers.Store.
func (s *HeaderStore) GetByHash(ctx context.Context, hash headers.Hash) (*headers.LightBlock, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var lb *headers.LightBlock
	err := s.db.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketHashes).Get(hash[:])
		if v == nil {
			return fmt.Errorf("%w: hash %s", headers.ErrNotFound, hash)
		}
		height, err := decodeHeight(v)
		if err != nil {
			return corrupt(string(bucketHashes), hash[:], err)
		}
		if lb, err = s.at(tx, height); err != nil {
			return corruptIfMissing(bucketHashes, hash[:], err)
		}
		if lb.Hash() != hash {
			return corrupt(string(bucketHashes), hash[:], malformed("indexes height %d, whose header hashes to %s", height, lb.Hash()))
		}
		return nil
	})
	return lb, err
}

// corruptIfMissing turns the absence of a record an index points to into
// corruption.
func corruptIfMissing(bucket, key []byte, err error) error {
	if isNotFound(err) {
		return corrupt(string(bucket), key, err)
	}
	return err
}

// load decodes the record at key k with its validator set and checks it
// as a whole (headers.LightBlock.ValidateBasic) against the key.
func (s *HeaderStore) load(tx *bolt.Tx, k, v []byte) (*headers.LightBlock, error) {
	height, err := decodeHeight(k)
	if err != nil {
		return nil, corrupt(string(bucketHeaders), k, err)
	}
	h, c, err := decodeHeaderRecord(v)
	if err != nil {
		return nil, corrupt(string(bucketHeaders), k, err)
	}
	if h.Height != height {
		return nil, corrupt(string(bucketHeaders), k, malformed("header of height %d", h.Height))
	}
	vs, err := s.set(tx, h.ValidatorsHash)
	if err != nil {
		return nil, err
	}
	lb := &headers.LightBlock{Header: h, Commit: c, Validators: vs}
	if err := lb.ValidateBasic(h.ChainID); err != nil {
		return nil, corrupt(string(bucketHeaders), k, err)
	}
	return lb, nil
}

// set returns the validator set with hash h, decoded and verified once
// per process (proofs of possession included) and then cached.
func (s *HeaderStore) set(tx *bolt.Tx, h headers.Hash) (*headers.ValidatorSet, error) {
	if vs := s.db.cachedSet(h); vs != nil {
		return vs, nil
	}
	v := tx.Bucket(bucketSets).Get(h[:])
	if v == nil {
		return nil, corrupt(string(bucketSets), h[:], malformed("validator set missing"))
	}
	_, raw, err := decodeSetRecord(v)
	if err != nil {
		return nil, corrupt(string(bucketSets), h[:], err)
	}
	vs, err := headers.DecodeValidatorSet(raw)
	if err != nil {
		return nil, corrupt(string(bucketSets), h[:], err)
	}
	if vs.Hash() != h {
		return nil, corrupt(string(bucketSets), h[:], malformed("set hashes to %s", vs.Hash()))
	}
	s.db.cacheSet(vs)
	return vs, nil
}

// Append implements headers.Store: all blocks in one transaction, or
// none. With Options.KeepHeaders it also prunes in that transaction.
func (s *HeaderStore) Append(ctx context.Context, blocks ...*headers.LightBlock) error {
	if len(blocks) == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	type entry struct {
		rec  []byte
		hash headers.Hash
		set  []byte
	}
	entries := make([]entry, len(blocks))
	for i, b := range blocks {
		if b == nil || b.Header == nil || b.Commit == nil || b.Validators == nil {
			return fmt.Errorf("%w: nil or incomplete block %d", headers.ErrNotContiguous, i)
		}
		rec, err := encodeHeaderRecord(b)
		if err != nil {
			return fmt.Errorf("store: append block %d: %w", i, err)
		}
		if b.Validators.Hash() != b.Header.ValidatorsHash {
			return fmt.Errorf("store: append block %d: %w", i, headers.ErrValidatorSetHashMismatch)
		}
		entries[i] = entry{rec: rec, hash: b.Hash()}
	}
	return s.db.update(func(tx *bolt.Tx) error {
		hb := tx.Bucket(bucketHeaders)
		var prevHeight uint64
		var prevHash headers.Hash
		k, v := hb.Cursor().Last()
		nonEmpty := k != nil
		if nonEmpty {
			head, err := s.load(tx, k, v)
			if err != nil {
				return err
			}
			prevHeight, prevHash = head.Height(), head.Hash()
		}
		for i, b := range blocks {
			if i > 0 || nonEmpty {
				if b.Height() != prevHeight+1 || b.Header.ParentHash != prevHash {
					return fmt.Errorf("%w: block %d at height %d after %d", headers.ErrNotContiguous, i, b.Height(), prevHeight)
				}
			}
			prevHeight, prevHash = b.Height(), entries[i].hash
		}
		for i, b := range blocks {
			if err := hb.Put(heightKey(b.Height()), entries[i].rec); err != nil {
				return err
			}
			if err := tx.Bucket(bucketHashes).Put(entries[i].hash[:], heightKey(b.Height())); err != nil {
				return err
			}
			if err := addSetRef(tx, b.Validators); err != nil {
				return err
			}
		}
		if keep := s.db.opts.KeepHeaders; keep > 0 && prevHeight >= keep {
			return s.prune(tx, prevHeight-keep+1)
		}
		return nil
	})
}

// addSetRef counts one more header naming vs, storing vs if new.
func addSetRef(tx *bolt.Tx, vs *headers.ValidatorSet) error {
	sb := tx.Bucket(bucketSets)
	h := vs.Hash()
	v := sb.Get(h[:])
	if v == nil {
		return sb.Put(h[:], encodeSetRecord(1, vs.Encode()))
	}
	refs, raw, err := decodeSetRecord(v)
	if err != nil {
		return corrupt(string(bucketSets), h[:], err)
	}
	return sb.Put(h[:], encodeSetRecord(refs+1, bytes.Clone(raw)))
}

// dropSetRef counts one header fewer naming the set h, deleting it at zero.
func dropSetRef(tx *bolt.Tx, h headers.Hash) error {
	sb := tx.Bucket(bucketSets)
	v := sb.Get(h[:])
	if v == nil {
		return corrupt(string(bucketSets), h[:], malformed("validator set missing"))
	}
	refs, raw, err := decodeSetRecord(v)
	if err != nil {
		return corrupt(string(bucketSets), h[:], err)
	}
	if refs == 1 {
		return sb.Delete(h[:])
	}
	return sb.Put(h[:], encodeSetRecord(refs-1, bytes.Clone(raw)))
}

// Prune implements headers.Store: it deletes the blocks below height,
// never the head, in one transaction.
func (s *HeaderStore) Prune(ctx context.Context, below uint64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.update(func(tx *bolt.Tx) error { return s.prune(tx, below) })
}

func (s *HeaderStore) prune(tx *bolt.Tx, below uint64) error {
	hb := tx.Bucket(bucketHeaders)
	c := hb.Cursor()
	last, _ := c.Last()
	if last == nil {
		return nil
	}
	head, err := decodeHeight(last)
	if err != nil {
		return corrupt(string(bucketHeaders), last, err)
	}
	below = min(below, head) // keep the head
	var keys [][]byte
	for k, _ := c.First(); k != nil && binary.BigEndian.Uint64(k) < below; k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	for _, k := range keys {
		// Only the header is needed (hash and set): no set decoding.
		h, _, err := decodeHeaderRecord(hb.Get(k))
		if err != nil {
			return corrupt(string(bucketHeaders), k, err)
		}
		hash := h.Hash()
		if err := tx.Bucket(bucketHashes).Delete(hash[:]); err != nil {
			return err
		}
		if err := dropSetRef(tx, h.ValidatorsHash); err != nil {
			return err
		}
		if err := hb.Delete(k); err != nil {
			return err
		}
	}
	return nil
}
