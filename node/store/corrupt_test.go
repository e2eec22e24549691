//go:build !js

package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"lightdas/das"
	"lightdas/headers"
	"lightdas/kzg"
)

// damage rewrites one stored value.
func damage(t testing.TB, db *DB, bucket, key []byte, f func(v []byte) []byte) {
	t.Helper()
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		v := append([]byte(nil), b.Get(key)...)
		return b.Put(key, f(v))
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCorruptValuesAreTypedErrors(t *testing.T) {
	ctx := context.Background()
	c := testChain(t)
	b := realBlock(t)
	h3 := c.Block(3).Hash()
	setA := c.Block(1).Header.ValidatorsHash
	for _, tc := range []struct {
		name   string
		bucket []byte
		key    []byte
		f      func([]byte) []byte
		read   func(db *DB) error
	}{
		{"header record version", bucketHeaders, heightKey(3), flip(0), func(db *DB) error {
			_, err := db.Headers().GetByHeight(ctx, 3)
			return err
		}},
		{"header bytes", bucketHeaders, heightKey(3), flip(40), func(db *DB) error {
			_, err := db.Headers().GetByHeight(ctx, 3)
			return err
		}},
		{"commit signature", bucketHeaders, heightKey(3), func(v []byte) []byte { v[len(v)-5] ^= 0x40; return v }, func(db *DB) error {
			_, err := db.Headers().GetByHash(ctx, h3)
			return err
		}},
		{"truncated header record", bucketHeaders, heightKey(3), func(v []byte) []byte { return v[:20] }, func(db *DB) error {
			_, err := db.Headers().GetByHeight(ctx, 3)
			return err
		}},
		{"head record", bucketHeaders, heightKey(5), flip(100), func(db *DB) error {
			return db.Headers().Append(ctx, c.Block(6))
		}},
		{"hash index", bucketHashes, h3[:], func([]byte) []byte { return heightKey(2) }, func(db *DB) error {
			_, err := db.Headers().GetByHash(ctx, h3)
			return err
		}},
		{"hash index length", bucketHashes, h3[:], func(v []byte) []byte { return v[:7] }, func(db *DB) error {
			_, err := db.Headers().GetByHash(ctx, h3)
			return err
		}},
		{"validator set key", bucketSets, setA[:], flip(20), func(db *DB) error {
			_, err := db.Headers().Tail(ctx)
			return err
		}},
		{"validator set refs", bucketSets, setA[:], func(v []byte) []byte { clear(v[1:9]); return v }, func(db *DB) error {
			_, err := db.Headers().Tail(ctx)
			return err
		}},
		{"block record k", bucketBlocks, blockKey(1, hashOf("a")), func(v []byte) []byte { v[1] = 3; return v }, func(db *DB) error {
			_, err := db.Blocks().K(ctx, 1, hashOf("a"))
			return err
		}},
		{"block record length", bucketBlocks, blockKey(1, hashOf("a")), func(v []byte) []byte { return v[:50] }, func(db *DB) error {
			_, _, err := db.Blocks().Sample(ctx, 1, hashOf("a"), 0, 0)
			return err
		}},
		{"cell checksum", bucketRows, rowKey(1, hashOf("a"), 2), flip(1 + 9*cellEntrySize + 100), func(db *DB) error {
			_, _, err := db.Blocks().Sample(ctx, 1, hashOf("a"), 2, 9)
			return err
		}},
		{"proof of a cell in a batch", bucketRows, rowKey(1, hashOf("a"), 3), flip(1 + 5*cellEntrySize + kzg.BytesPerCell), func(db *DB) error {
			return db.Blocks().Samples(ctx, 1, hashOf("a"), []das.Entry{{Coord: das.Coord{Row: 3, Col: 5}}})
		}},
		{"cell in a whole block", bucketRows, rowKey(1, hashOf("a"), 1), flip(1 + 127*cellEntrySize + cellProofSize), func(db *DB) error {
			_, err := db.Blocks().Block(ctx, 1, hashOf("a"))
			return err
		}},
		{"row length", bucketRows, rowKey(1, hashOf("a"), 1), func(v []byte) []byte { return v[:len(v)-1] }, func(db *DB) error {
			_, err := db.Blocks().Block(ctx, 1, hashOf("a"))
			return err
		}},
		{"row version", bucketRows, rowKey(1, hashOf("a"), 2), flip(0), func(db *DB) error {
			_, _, err := db.Blocks().Sample(ctx, 1, hashOf("a"), 2, 9)
			return err
		}},
		{"non-canonical cell with a valid checksum", bucketRows, rowKey(1, hashOf("a"), 0), func(v []byte) []byte {
			for i := 1; i < 33; i++ {
				v[i] = 0xff
			}
			return resealCell(rowKey(1, hashOf("a"), 0), 0)(v)
		}, func(db *DB) error {
			_, _, err := db.Blocks().Sample(ctx, 1, hashOf("a"), 0, 0)
			return err
		}},
		{"version 1 row checksum", bucketRows, rowKey(1, hashOf("a"), 2), func(v []byte) []byte {
			return flip(5000)(toV1(t, rowKey(1, hashOf("a"), 2))(v))
		}, func(db *DB) error {
			_, _, err := db.Blocks().Sample(ctx, 1, hashOf("a"), 2, 9)
			return err
		}},
		{"version 1 non-canonical cell with a valid checksum", bucketRows, rowKey(1, hashOf("a"), 0), func(v []byte) []byte {
			v = toV1(t, rowKey(1, hashOf("a"), 0))(v)
			for i := 1; i < 33; i++ {
				v[i] = 0xff
			}
			return resealV1(v)
		}, func(db *DB) error {
			_, _, err := db.Blocks().Sample(ctx, 1, hashOf("a"), 0, 0)
			return err
		}},
		{"checkpoint", bucketSampler, keyCheckpoint, flip(3), func(db *DB) error {
			_, err := db.Checkpoints().LoadCheckpoint(ctx)
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openTemp(t, Options{})
			mustAppend(t, db.Headers(), c.Blocks[:5]...)
			if err := db.Blocks().Put(1, hashOf("a"), b); err != nil {
				t.Fatal(err)
			}
			if err := db.Checkpoints().SaveCheckpoint(ctx, &das.Checkpoint{DoneUpTo: 3}); err != nil {
				t.Fatal(err)
			}
			damage(t, db, tc.bucket, tc.key, tc.f)
			err := tc.read(db)
			var ce *CorruptError
			if !errors.Is(err, ErrCorrupt) || !errors.As(err, &ce) || ce.Bucket != string(tc.bucket) {
				t.Fatalf("got %v, want a CorruptError in %s", err, tc.bucket)
			}
		})
	}
}

func TestOpenChecks(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "node.db")
	db, err := Open(path, Options{ChainID: "chain-a"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, Options{LockTimeout: 50e6}); !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: %v, want ErrLocked", err)
	}
	if id, err := db.ChainID(); err != nil || id != "chain-a" {
		t.Fatalf("chain id %q, %v", id, err)
	}
	db.Close()
	if _, err := Open(path, Options{ChainID: "chain-b"}); !errors.Is(err, ErrChainMismatch) {
		t.Fatalf("other chain: %v", err)
	}
	if _, err := Open(path, Options{ChainID: "bad chain id"}); !errors.Is(err, headers.ErrInvalidChainID) {
		t.Fatalf("invalid chain id: %v", err)
	}
	// A future (or never written) schema version is refused, a damaged one
	// is corruption; schema 1 (version 1 rows only) is still read, and
	// opening does not change it.
	for _, tc := range []struct {
		v    []byte
		want error
	}{
		{binary.BigEndian.AppendUint32(nil, SchemaVersion+1), ErrSchema},
		{binary.BigEndian.AppendUint32(nil, 0), ErrSchema},
		{[]byte{1}, ErrCorrupt},
		{binary.BigEndian.AppendUint32(nil, 1), nil},
		{binary.BigEndian.AppendUint32(nil, 2), nil},
	} {
		b, err := bolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keySchema, tc.v) }); err != nil {
			t.Fatal(err)
		}
		b.Close()
		db, err = Open(path, Options{})
		if !errors.Is(err, tc.want) {
			t.Fatalf("schema %x: %v, want %v", tc.v, err, tc.want)
		}
		if err == nil {
			db.Close()
			if got := storedSchema(t, path); got != binary.BigEndian.Uint32(tc.v) {
				t.Fatalf("schema %x became %d on open", tc.v, got)
			}
		}
	}
	// A bbolt file of something else is not adopted.
	other := filepath.Join(dir, "other.db")
	b, err := bolt.Open(other, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("x")); return err }); err != nil {
		t.Fatal(err)
	}
	b.Close()
	if _, err := Open(other, Options{}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("foreign file: %v", err)
	}
}

// storedSchema reads the schema version of a closed database file.
func storedSchema(t *testing.T, path string) uint32 {
	t.Helper()
	b, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var v uint32
	err = b.View(func(tx *bolt.Tx) error {
		raw := tx.Bucket(bucketMeta).Get(keySchema)
		if len(raw) != 4 {
			return fmt.Errorf("schema value of %d bytes", len(raw))
		}
		v = binary.BigEndian.Uint32(raw)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}
