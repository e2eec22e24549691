//go:build !js

package store

import (
	"context"

	bolt "go.etcd.io/bbolt"

	"lightdas/das"
)

// CheckpointStore is a persistent das.CheckpointStore.
type CheckpointStore struct{ db *DB }

var _ das.CheckpointStore = (*CheckpointStore)(nil)

// LoadCheckpoint implements das.CheckpointStore.
func (s *CheckpointStore) LoadCheckpoint(ctx context.Context) (*das.Checkpoint, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var c *das.Checkpoint
	err := s.db.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketSampler).Get(keyCheckpoint)
		if v == nil {
			return nil
		}
		cp := new(das.Checkpoint)
		if err := cp.UnmarshalBinary(v); err != nil { // copies out of v
			return corrupt(string(bucketSampler), keyCheckpoint, err)
		}
		c = cp
		return nil
	})
	return c, err
}

// SaveCheckpoint implements das.CheckpointStore.
func (s *CheckpointStore) SaveCheckpoint(ctx context.Context, c *das.Checkpoint) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b, err := c.MarshalBinary()
	if err != nil {
		return err
	}
	return s.db.update(func(tx *bolt.Tx) error { return tx.Bucket(bucketSampler).Put(keyCheckpoint, b) })
}
