//go:build !js

package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"lightdas/headers"
)

// SchemaVersion is the layout this package writes: 2 since rows carry a
// checksum per cell (version 2 row records). It also reads files of
// schema 1, whose rows are version 1 records; the first Put into such a
// file marks it schema 2 in its transaction, so a build that knows only
// schema 1 refuses the file (ErrSchema) rather than taking the new rows
// for damage.
const SchemaVersion = 2

// oldestSchema is the oldest layout this package reads.
const oldestSchema = 1

// DefaultLockTimeout bounds the wait for another process's file lock.
const DefaultLockTimeout = time.Second

var (
	bucketMeta    = []byte("meta")
	bucketHeaders = []byte("headers")
	bucketHashes  = []byte("header-hashes")
	bucketSets    = []byte("validator-sets")
	bucketBlocks  = []byte("blocks")
	bucketRows    = []byte("block-rows")
	bucketSampler = []byte("sampler")
	allBuckets    = [][]byte{bucketMeta, bucketHeaders, bucketHashes, bucketSets, bucketBlocks, bucketRows, bucketSampler}
	keySchema     = []byte("schema")
	keyChain      = []byte("chain")
	keyCheckpoint = []byte("checkpoint")
	setCacheMax   = 16
)

// Options configure Open; zero values take the defaults.
type Options struct {
	// ChainID, when set, is recorded in a new file and checked against
	// the one recorded in an existing file (ErrChainMismatch).
	ChainID string
	// LockTimeout bounds the wait for a file another handle holds open
	// (then ErrLocked). Default DefaultLockTimeout.
	LockTimeout time.Duration
	// KeepHeaders, when positive, prunes the header chain to that many
	// blocks below and including the head, in the transaction of every
	// Append. Zero keeps everything.
	KeepHeaders uint64
	// KeepBlocks, when positive, prunes extended blocks more than
	// KeepBlocks-1 heights below the block being put, in the transaction
	// of every Put. Zero keeps everything.
	KeepBlocks uint64
}

// DB is an open database file. It is safe for concurrent use; bbolt
// serialises writers and lets readers run alongside.
type DB struct {
	bolt *bolt.DB
	opts Options

	mu   sync.Mutex // guards sets
	sets map[headers.Hash]*headers.ValidatorSet
}

// Open opens or creates the database file at path (mode 0600), creating
// the buckets of a new file and checking the schema version and chain id
// of an existing one.
func Open(path string, o Options) (*DB, error) {
	if o.LockTimeout <= 0 {
		o.LockTimeout = DefaultLockTimeout
	}
	if o.ChainID != "" {
		if err := headers.ValidateChainID(o.ChainID); err != nil {
			return nil, fmt.Errorf("store: open: %w", err)
		}
	}
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: o.LockTimeout, FreelistType: bolt.FreelistMapType})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("%w: %s: %w", ErrLocked, path, err)
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	db := &DB{bolt: b, opts: o, sets: map[headers.Hash]*headers.ValidatorSet{}}
	if err := b.Update(db.initSchema); err != nil {
		b.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	return db, nil
}

func (db *DB) initSchema(tx *bolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		// A new file: nothing but our buckets may be in it.
		if err := tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			return corrupt(string(name), nil, malformed("bucket without a schema record"))
		}); err != nil {
			return err
		}
		for _, name := range allBuckets {
			if _, err := tx.CreateBucket(name); err != nil {
				return err
			}
		}
		meta = tx.Bucket(bucketMeta)
		if err := meta.Put(keySchema, binary.BigEndian.AppendUint32(nil, SchemaVersion)); err != nil {
			return err
		}
	}
	if _, err := schemaOf(tx); err != nil {
		return err
	}
	for _, name := range allBuckets {
		if tx.Bucket(name) == nil {
			return corrupt(string(name), nil, malformed("bucket missing"))
		}
	}
	stored := meta.Get(keyChain)
	switch {
	case db.opts.ChainID == "":
	case stored == nil:
		return meta.Put(keyChain, []byte(db.opts.ChainID))
	case string(stored) != db.opts.ChainID:
		return fmt.Errorf("%w: file of %q, want %q", ErrChainMismatch, stored, db.opts.ChainID)
	}
	return nil
}

// schemaOf reads the file's schema version, one this build reads.
func schemaOf(tx *bolt.Tx) (uint32, error) {
	v := tx.Bucket(bucketMeta).Get(keySchema)
	if len(v) != 4 {
		return 0, corrupt(string(bucketMeta), keySchema, malformed("schema version of %d bytes", len(v)))
	}
	got := binary.BigEndian.Uint32(v)
	if got < oldestSchema || got > SchemaVersion {
		return 0, fmt.Errorf("%w: file has version %d, this build reads %d to %d", ErrSchema, got, oldestSchema, SchemaVersion)
	}
	return got, nil
}

// upgradeSchema marks an older file as SchemaVersion before tx writes
// what only this version reads. Records already stored stay as they are:
// every version of them still decodes.
func upgradeSchema(tx *bolt.Tx) error {
	v, err := schemaOf(tx)
	if err != nil || v == SchemaVersion {
		return err
	}
	return tx.Bucket(bucketMeta).Put(keySchema, binary.BigEndian.AppendUint32(nil, SchemaVersion))
}

// ChainID returns the chain id recorded in the file ("" when none).
func (db *DB) ChainID() (string, error) {
	var id string
	err := db.view(func(tx *bolt.Tx) error {
		id = string(tx.Bucket(bucketMeta).Get(keyChain))
		return nil
	})
	return id, err
}

// Close closes the file. Stores obtained from db fail with ErrClosed
// afterwards.
func (db *DB) Close() error {
	if err := db.bolt.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

// Path is the database file's path.
func (db *DB) Path() string { return db.bolt.Path() }

// Headers returns the header chain store.
func (db *DB) Headers() *HeaderStore { return &HeaderStore{db: db} }

// Blocks returns the extended block store.
func (db *DB) Blocks() *BlockStore { return &BlockStore{db: db} }

// Checkpoints returns the sampler checkpoint store.
func (db *DB) Checkpoints() *CheckpointStore { return &CheckpointStore{db: db} }

func (db *DB) view(f func(*bolt.Tx) error) error   { return closedErr(db.bolt.View(f)) }
func (db *DB) update(f func(*bolt.Tx) error) error { return closedErr(db.bolt.Update(f)) }

func closedErr(err error) error {
	if errors.Is(err, bolterrors.ErrDatabaseNotOpen) {
		return fmt.Errorf("%w: %w", ErrClosed, err)
	}
	return err
}

// cachedSet returns a decoded validator set by hash, nil when not cached.
func (db *DB) cachedSet(h headers.Hash) *headers.ValidatorSet {
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.sets[h]
}

func (db *DB) cacheSet(vs *headers.ValidatorSet) {
	db.mu.Lock()
	defer db.mu.Unlock()
	if len(db.sets) >= setCacheMax {
		clear(db.sets) // sets change rarely: a full reset is simplest
	}
	db.sets[vs.Hash()] = vs
}
