//go:build !js

package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"lightdas/das"
	"lightdas/headers"
	"lightdas/kzg"
)

// BlockStore is a persistent das.BlockStore of whole extended blocks, one
// value per row.
type BlockStore struct{ db *DB }

var _ das.BatchBlockStore = (*BlockStore)(nil)

// Put stores an extended block under its height and header hash, replacing
// a block stored under the same pair, in one transaction. With
// Options.KeepBlocks it also prunes older blocks in that transaction.
func (s *BlockStore) Put(height uint64, hash headers.Hash, b *kzg.ExtendedBlock) error {
	if b == nil || !validK(b.K) || len(b.Cells) != 2*b.K || len(b.Proofs) != 2*b.K || len(b.Commitments) != 2*b.K {
		return fmt.Errorf("%w: not a whole extended block", das.ErrConfig)
	}
	meta := encodeBlockMeta(b)
	rows := make([][]byte, 2*b.K)
	for r := range rows {
		rows[r] = encodeRow(rowKey(height, hash, r), &b.Cells[r], &b.Proofs[r])
	}
	return s.db.update(func(tx *bolt.Tx) error {
		if err := upgradeSchema(tx); err != nil {
			return err
		}
		if err := deleteBlock(tx, blockKey(height, hash)); err != nil {
			return err
		}
		if err := tx.Bucket(bucketBlocks).Put(blockKey(height, hash), meta); err != nil {
			return err
		}
		rb := tx.Bucket(bucketRows)
		for r, v := range rows {
			if err := rb.Put(rowKey(height, hash, r), v); err != nil {
				return err
			}
		}
		if keep := s.db.opts.KeepBlocks; keep > 0 && height >= keep {
			return pruneBlocks(tx, height-keep+1)
		}
		return nil
	})
}

// deleteBlock removes a block's record and every row stored under its key
// (rows are found by prefix, so a damaged record cannot strand them).
func deleteBlock(tx *bolt.Tx, key []byte) error {
	if err := tx.Bucket(bucketBlocks).Delete(key); err != nil {
		return err
	}
	c := tx.Bucket(bucketRows).Cursor()
	var rows [][]byte
	for k, _ := c.Seek(key); k != nil && bytes.HasPrefix(k, key); k, _ = c.Next() {
		rows = append(rows, bytes.Clone(k))
	}
	for _, k := range rows {
		if err := tx.Bucket(bucketRows).Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// Prune deletes the blocks below height in one transaction.
func (s *BlockStore) Prune(below uint64) error {
	return s.db.update(func(tx *bolt.Tx) error { return pruneBlocks(tx, below) })
}

func pruneBlocks(tx *bolt.Tx, below uint64) error {
	c := tx.Bucket(bucketBlocks).Cursor()
	var keys [][]byte
	for k, _ := c.First(); k != nil && len(k) >= heightSize && binary.BigEndian.Uint64(k) < below; k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	for _, k := range keys {
		if err := deleteBlock(tx, k); err != nil {
			return err
		}
	}
	// Rows whose block record is gone (none unless the file was damaged).
	rc := tx.Bucket(bucketRows).Cursor()
	var rows [][]byte
	for k, _ := rc.First(); k != nil && len(k) >= heightSize && binary.BigEndian.Uint64(k) < below; k, _ = rc.Next() {
		rows = append(rows, bytes.Clone(k))
	}
	for _, k := range rows {
		if err := tx.Bucket(bucketRows).Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// meta reads a block's record.
func (s *BlockStore) meta(tx *bolt.Tx, height uint64, hash headers.Hash) (int, []kzg.Commitment, error) {
	key := blockKey(height, hash)
	v := tx.Bucket(bucketBlocks).Get(key)
	if v == nil {
		return 0, nil, fmt.Errorf("%w: height %d, hash %s", das.ErrUnknownBlock, height, hash)
	}
	k, cs, err := decodeBlockMeta(v)
	if err != nil {
		return 0, nil, corrupt(string(bucketBlocks), key, err)
	}
	return k, cs, nil
}

// readRow reads a row record from the rows bucket and checks its framing (see
// openRow); the record is valid inside the bucket's transaction only.
// Callers look the bucket up once per transaction: a read-only bbolt
// transaction does not cache it.
func readRow(rows *bolt.Bucket, height uint64, hash headers.Hash, r int) (rowRecord, error) {
	key := rowKey(height, hash, r)
	v := rows.Get(key)
	if v == nil {
		return rowRecord{}, corrupt(string(bucketRows), key, fmt.Errorf("%w: row %d missing", das.ErrCellNotFound, r))
	}
	rec, err := openRow(key, v)
	if err != nil {
		return rowRecord{}, corrupt(string(bucketRows), key, err)
	}
	return rec, nil
}

// K implements das.BlockStore.
func (s *BlockStore) K(ctx context.Context, height uint64, hash headers.Hash) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var k int
	err := s.db.view(func(tx *bolt.Tx) error {
		var err error
		k, _, err = s.meta(tx, height, hash)
		return err
	})
	return k, err
}

// Sample implements das.BlockStore. It reads one row record and checks
// the cell's own checksum (a version 1 record: the whole row's).
func (s *BlockStore) Sample(ctx context.Context, height uint64, hash headers.Hash, row, col int) (kzg.Cell, kzg.Proof, error) {
	if err := ctx.Err(); err != nil {
		return kzg.Cell{}, kzg.Proof{}, err
	}
	var cell kzg.Cell
	var proof kzg.Proof
	err := s.db.view(func(tx *bolt.Tx) error {
		k, _, err := s.meta(tx, height, hash)
		if err != nil {
			return err
		}
		if row < 0 || row >= 2*k || col < 0 || col >= kzg.CellsPerRow {
			return fmt.Errorf("%w: cell (%d, %d) of a %d-row block", das.ErrCoordinate, row, col, 2*k)
		}
		rec, err := readRow(tx.Bucket(bucketRows), height, hash, row)
		if err != nil {
			return err
		}
		if err := rec.cell(col, &cell, &proof); err != nil {
			return corrupt(string(bucketRows), rowKey(height, hash, row), err)
		}
		return nil
	})
	return cell, proof, err
}

// Samples implements das.BatchBlockStore: the cells of one request in one
// read transaction, each row record opened once however many of its cells
// are asked. Only what is served is checksummed: the asked cells' entries
// of a version 2 record, the whole row once per request for a version 1
// record. Damaged cells, and every cell of a row whose record is damaged
// (framing, or a version 1 checksum), are answered not found and reported
// as CorruptErrors (joined) after the others are filled.
func (s *BlockStore) Samples(ctx context.Context, height uint64, hash headers.Hash, entries []das.Entry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var damaged []error
	err := s.db.view(func(tx *bolt.Tx) error {
		k, _, err := s.meta(tx, height, hash)
		if err != nil {
			return err
		}
		for i := range entries {
			if e := &entries[i]; e.Row < 0 || e.Row >= 2*k || e.Col < 0 || e.Col >= kzg.CellsPerRow {
				return fmt.Errorf("%w: cell (%d, %d) of a %d-row block", das.ErrCoordinate, e.Row, e.Col, 2*k)
			}
		}
		rows := tx.Bucket(bucketRows)
		r, rec, rowErr := -1, rowRecord{}, error(nil)
		for i := range entries {
			e := &entries[i]
			e.Found = false
			if e.Row != r { // requests list cells row by row
				r = e.Row
				if rec, rowErr = readRow(rows, height, hash, r); rowErr != nil {
					damaged = append(damaged, rowErr)
				}
			}
			if rowErr != nil {
				e.Cell, e.Proof = kzg.Cell{}, kzg.Proof{}
				continue
			}
			if err := rec.cell(e.Col, &e.Cell, &e.Proof); err != nil {
				damaged = append(damaged, corrupt(string(bucketRows), rowKey(height, hash, r), err))
				continue
			}
			e.Found = true
		}
		return nil
	})
	if err != nil {
		return err
	}
	return errors.Join(damaged...)
}

// Block reads a whole extended block back.
func (s *BlockStore) Block(ctx context.Context, height uint64, hash headers.Hash) (*kzg.ExtendedBlock, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var b *kzg.ExtendedBlock
	err := s.db.view(func(tx *bolt.Tx) error {
		k, cs, err := s.meta(tx, height, hash)
		if err != nil {
			return err
		}
		rows := tx.Bucket(bucketRows)
		out := &kzg.ExtendedBlock{
			K:           k,
			Commitments: cs,
			Cells:       make([][kzg.CellsPerRow]kzg.Cell, 2*k),
			Proofs:      make([][kzg.CellsPerRow]kzg.Proof, 2*k),
		}
		for r := range 2 * k {
			if err := ctx.Err(); err != nil {
				return err
			}
			rec, err := readRow(rows, height, hash, r)
			if err != nil {
				return err
			}
			cells, proofs, err := rec.all()
			if err != nil {
				return corrupt(string(bucketRows), rowKey(height, hash, r), err)
			}
			out.Cells[r], out.Proofs[r] = *cells, *proofs
		}
		b = out
		return nil
	})
	return b, err
}

// Heights lists the stored blocks' heights and header hashes, ascending.
func (s *BlockStore) Heights(ctx context.Context) ([]BlockID, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var ids []BlockID
	err := s.db.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketBlocks).ForEach(func(k, _ []byte) error {
			if len(k) != blockKeySize {
				return corrupt(string(bucketBlocks), k, malformed("key of %d bytes", len(k)))
			}
			ids = append(ids, BlockID{Height: binary.BigEndian.Uint64(k), Hash: headers.Hash(k[heightSize:])})
			return nil
		})
	})
	return ids, err
}

// BlockID names a stored block.
type BlockID struct {
	Height uint64
	Hash   headers.Hash
}
