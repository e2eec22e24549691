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
)

// damage rewrites one stored value.
func damage(t *testing.T, db *DB, bucket, key []byte, f func(v []byte) []byte) {
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

func flip(i int) func([]byte) []byte {
	return func(v []byte) []byte { v[i%len(v)] ^= 0x40; return v }
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
		{"row checksum", bucketRows, rowKey(1, hashOf("a"), 2), flip(5000), func(db *DB) error {
			_, _, err := db.Blocks().Sample(ctx, 1, hashOf("a"), 2, 9)
			return err
		}},
		{"row length", bucketRows, rowKey(1, hashOf("a"), 1), func(v []byte) []byte { return v[:len(v)-1] }, func(db *DB) error {
			_, err := db.Blocks().Block(ctx, 1, hashOf("a"))
			return err
		}},
		{"non-canonical cell with a valid checksum", bucketRows, rowKey(1, hashOf("a"), 0), func(v []byte) []byte {
			for i := 1; i < 33; i++ {
				v[i] = 0xff
			}
			return encodeRowRaw(v[:len(v)-4])
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

// encodeRowRaw re-seals a row body with a fresh checksum.
func encodeRowRaw(body []byte) []byte {
	return binary.BigEndian.AppendUint32(body, crcOf(body))
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
	// A future schema version is refused, a damaged one is corruption.
	for _, tc := range []struct {
		v    []byte
		want error
	}{
		{binary.BigEndian.AppendUint32(nil, SchemaVersion+1), ErrSchema},
		{[]byte{1}, ErrCorrupt},
	} {
		b, err := bolt.Open(path, 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keySchema, tc.v) }); err != nil {
			t.Fatal(err)
		}
		b.Close()
		if _, err := Open(path, Options{}); !errors.Is(err, tc.want) {
			t.Fatalf("schema %x: %v, want %v", tc.v, err, tc.want)
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
