//go:build !js

package store

import (
	"context"
	"encoding/binary"
	"errors"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"lightdas/das"
	"lightdas/headers"
	"lightdas/kzg"
)

// TestLegacyRowRecords: a data dir written before version 2 rows (schema
// 1, version 1 row records, made here byte for byte as that build wrote
// them) opens unchanged and reads back through every read path; the first
// Put marks it schema 2 and writes version 2 rows beside the old ones; a
// block of mixed versions reads back too; damage to a version 1 row is
// still a CorruptError on every path.
func TestLegacyRowRecords(t *testing.T) {
	ctx := context.Background()
	b := realBlock(t)
	path := filepath.Join(t.TempDir(), "node.db")
	db, err := Open(path, Options{ChainID: "legacy"})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Blocks().Put(1, hashOf("a"), b); err != nil {
		t.Fatal(err)
	}
	// Make it the old build's file: schema 1, every row a version 1 record.
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		for r := range 2 * b.K {
			if err := tx.Bucket(bucketRows).Put(rowKey(1, hashOf("a"), r), encodeRowV1(&b.Cells[r], &b.Proofs[r])); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketMeta).Put(keySchema, binary.BigEndian.AppendUint32(nil, 1))
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	db, err = Open(path, Options{ChainID: "legacy"})
	if err != nil {
		t.Fatalf("opening a schema 1 file: %v", err)
	}
	defer db.Close()
	s := db.Blocks()
	expectRowVersions(t, db, 1, hashOf("a"), 2*b.K, func(int) byte { return rowVersionWhole })
	expectSchema(t, db, 1)
	readBack(t, s, 1, hashOf("a"), b)

	if err := s.Put(2, hashOf("b"), b); err != nil {
		t.Fatal(err)
	}
	expectSchema(t, db, SchemaVersion)
	expectRowVersions(t, db, 2, hashOf("b"), 2*b.K, func(int) byte { return rowVersionCells })
	expectRowVersions(t, db, 1, hashOf("a"), 2*b.K, func(int) byte { return rowVersionWhole })
	readBack(t, s, 1, hashOf("a"), b)
	readBack(t, s, 2, hashOf("b"), b)

	// Odd rows of block b as version 1: a block of both versions.
	for r := 1; r < 2*b.K; r += 2 {
		damage(t, db, bucketRows, rowKey(2, hashOf("b"), r), toV1(t, rowKey(2, hashOf("b"), r)))
	}
	expectRowVersions(t, db, 2, hashOf("b"), 2*b.K, func(r int) byte { return byte(2 - r%2) })
	readBack(t, s, 2, hashOf("b"), b)

	// Damage in a version 1 row (a proof byte): the row is not served on
	// any path.
	damage(t, db, bucketRows, rowKey(1, hashOf("a"), 3), flip(1+rowCellsSize+7))
	var ce *CorruptError
	if _, _, err := s.Sample(ctx, 1, hashOf("a"), 3, 0); !errors.As(err, &ce) || !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Sample of a damaged version 1 row: %v", err)
	}
	es := []das.Entry{{Coord: das.Coord{Row: 2, Col: 4}}, {Coord: das.Coord{Row: 3, Col: 4}}}
	if err := s.Samples(ctx, 1, hashOf("a"), es); !errors.As(err, &ce) || !es[0].Found || es[1].Found {
		t.Fatalf("Samples of a damaged version 1 row: %v, found %v %v", err, es[0].Found, es[1].Found)
	}
	if _, err := s.Block(ctx, 1, hashOf("a")); !errors.As(err, &ce) || !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Block with a damaged version 1 row: %v", err)
	}

	// Put over the old block rewrites it in version 2.
	if err := s.Put(1, hashOf("a"), b); err != nil {
		t.Fatal(err)
	}
	expectRowVersions(t, db, 1, hashOf("a"), 2*b.K, func(int) byte { return rowVersionCells })
	readBack(t, s, 1, hashOf("a"), b)
	expectIDs(t, s, BlockID{1, hashOf("a")}, BlockID{2, hashOf("b")})
}

// readBack reads a stored block through every read path and compares it
// with want.
func readBack(t *testing.T, s *BlockStore, height uint64, hash headers.Hash, want *kzg.ExtendedBlock) {
	t.Helper()
	ctx := context.Background()
	if k, err := s.K(ctx, height, hash); err != nil || k != want.K {
		t.Fatalf("K = %d, %v", k, err)
	}
	var es []das.Entry
	for r := range 2 * want.K {
		for c := range kzg.CellsPerRow {
			es = append(es, das.Entry{Coord: das.Coord{Row: r, Col: c}})
		}
		for _, c := range []int{0, 1, 64, 127} {
			cell, proof, err := s.Sample(ctx, height, hash, r, c)
			if err != nil || cell != want.Cells[r][c] || proof != want.Proofs[r][c] {
				t.Fatalf("Sample (%d, %d): %v, or it differs", r, c, err)
			}
		}
	}
	if err := s.Samples(ctx, height, hash, es); err != nil {
		t.Fatalf("Samples: %v", err)
	}
	for _, e := range es {
		if !e.Found || e.Cell != want.Cells[e.Row][e.Col] || e.Proof != want.Proofs[e.Row][e.Col] {
			t.Fatalf("Samples: cell %v differs", e.Coord)
		}
	}
	got, err := s.Block(ctx, height, hash)
	if err != nil {
		t.Fatalf("Block: %v", err)
	}
	if got.K != want.K {
		t.Fatalf("Block: k = %d", got.K)
	}
	for r := range 2 * want.K {
		if got.Commitments[r] != want.Commitments[r] || got.Cells[r] != want.Cells[r] || got.Proofs[r] != want.Proofs[r] {
			t.Fatalf("Block: row %d differs", r)
		}
	}
}

// expectRowVersions checks the version byte of a block's stored rows.
func expectRowVersions(t *testing.T, db *DB, height uint64, hash headers.Hash, rows int, want func(row int) byte) {
	t.Helper()
	err := db.view(func(tx *bolt.Tx) error {
		for r := range rows {
			if v := tx.Bucket(bucketRows).Get(rowKey(height, hash, r)); len(v) == 0 || v[0] != want(r) {
				t.Errorf("row %d of block %d: stored as %x..., want version %d", r, height, v[:min(len(v), 1)], want(r))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func expectSchema(t *testing.T, db *DB, want uint32) {
	t.Helper()
	var got uint32
	if err := db.view(func(tx *bolt.Tx) (err error) { got, err = schemaOf(tx); return err }); err != nil || got != want {
		t.Fatalf("schema %d, %v; want %d", got, err, want)
	}
}
