//go:build !js

package store

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"path/filepath"
	"sync"
	"testing"

	bolt "go.etcd.io/bbolt"

	"lightdas/das"
	"lightdas/headers"
	"lightdas/kzg"
)

var (
	blockOnce sync.Once
	testBlock *kzg.ExtendedBlock
	blockErr  error
)

// realBlock is a k = 2 block (two blobs of hashed field elements) made by
// the real prover, once per test binary.
func realBlock(t testing.TB) *kzg.ExtendedBlock {
	t.Helper()
	blockOnce.Do(func() {
		p, err := kzg.NewProver()
		if err != nil {
			blockErr = err
			return
		}
		blobs := make([]kzg.Blob, 2)
		for i := range blobs {
			for j := range kzg.FieldElementsPerBlob {
				d := sha256.Sum256(binary.BigEndian.AppendUint32([]byte{byte(i)}, uint32(j)))
				d[0] = 0
				copy(blobs[i][32*j:], d[:])
			}
		}
		testBlock, blockErr = p.ExtendBlock(blobs)
	})
	if blockErr != nil {
		t.Fatal(blockErr)
	}
	return testBlock
}

func hashOf(s string) headers.Hash { return sha256.Sum256([]byte(s)) }

func TestBlockStorePutSampleReopen(t *testing.T) {
	ctx := context.Background()
	b := realBlock(t)
	path := filepath.Join(t.TempDir(), "node.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := db.Blocks()
	if err := s.Put(7, hashOf("a"), b); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s = db.Blocks()
	if k, err := s.K(ctx, 7, hashOf("a")); err != nil || k != b.K {
		t.Fatalf("K = %d, %v", k, err)
	}
	for r := range 2 * b.K {
		for _, c := range []int{0, 1, 63, 64, 127} {
			cell, proof, err := s.Sample(ctx, 7, hashOf("a"), r, c)
			if err != nil {
				t.Fatalf("sample (%d, %d): %v", r, c, err)
			}
			if cell != b.Cells[r][c] || proof != b.Proofs[r][c] {
				t.Fatalf("sample (%d, %d) differs", r, c)
			}
		}
	}
	got, err := s.Block(ctx, 7, hashOf("a"))
	if err != nil {
		t.Fatal(err)
	}
	if got.K != b.K || len(got.Commitments) != len(b.Commitments) {
		t.Fatalf("block shape k=%d", got.K)
	}
	for r := range 2 * b.K {
		if got.Commitments[r] != b.Commitments[r] || got.Cells[r] != b.Cells[r] || got.Proofs[r] != b.Proofs[r] {
			t.Fatalf("row %d differs", r)
		}
	}
	// What the store serves verifies against the real commitments.
	v, err := kzg.NewVerifier()
	if err != nil {
		t.Fatal(err)
	}
	var samples []kzg.Sample
	for r := range 2 * b.K {
		cell, proof, err := s.Sample(ctx, 7, hashOf("a"), r, 5*r+3)
		if err != nil {
			t.Fatal(err)
		}
		samples = append(samples, kzg.Sample{Row: r, Column: 5*r + 3, Cell: cell, Proof: proof})
	}
	if err := v.VerifySamples(b.Commitments[:b.K], samples); err != nil {
		t.Fatalf("served samples: %v", err)
	}
}

func TestBlockStoreErrors(t *testing.T) {
	ctx := context.Background()
	b := realBlock(t)
	s := openTemp(t, Options{}).Blocks()
	if err := s.Put(1, hashOf("a"), b); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		height   uint64
		hash     headers.Hash
		row, col int
		want     error
	}{
		{"unknown height", 2, hashOf("a"), 0, 0, das.ErrUnknownBlock},
		{"unknown hash", 1, hashOf("b"), 0, 0, das.ErrUnknownBlock},
		{"row past 2k", 1, hashOf("a"), 2 * b.K, 0, das.ErrCoordinate},
		{"negative row", 1, hashOf("a"), -1, 0, das.ErrCoordinate},
		{"column 128", 1, hashOf("a"), 0, 128, das.ErrCoordinate},
		{"negative column", 1, hashOf("a"), 0, -1, das.ErrCoordinate},
	} {
		if _, _, err := s.Sample(ctx, tc.height, tc.hash, tc.row, tc.col); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := s.K(ctx, 2, hashOf("a")); !errors.Is(err, das.ErrUnknownBlock) {
		t.Errorf("K of an unknown block: %v", err)
	}
	for _, bad := range []*kzg.ExtendedBlock{
		nil,
		{K: 3, Cells: b.Cells[:3], Proofs: b.Proofs[:3], Commitments: b.Commitments[:3]},
		{K: b.K, Cells: b.Cells[:1], Proofs: b.Proofs, Commitments: b.Commitments},
		{K: b.K, Cells: b.Cells, Proofs: b.Proofs, Commitments: b.Commitments[:b.K]},
	} {
		if err := s.Put(3, hashOf("c"), bad); !errors.Is(err, das.ErrConfig) {
			t.Errorf("Put of a partial block: %v", err)
		}
	}
	if ids, err := s.Heights(ctx); err != nil || len(ids) != 1 || ids[0] != (BlockID{1, hashOf("a")}) {
		t.Fatalf("after failed puts: %v, %v", ids, err)
	}
}

func TestBlockStorePrune(t *testing.T) {
	ctx := context.Background()
	b := realBlock(t)
	db := openTemp(t, Options{KeepBlocks: 3})
	s := db.Blocks()
	for h := uint64(1); h <= 5; h++ {
		if err := s.Put(h, hashOf("x"), b); err != nil {
			t.Fatal(err)
		}
	}
	// Two blocks at one height (a fork) are both kept and both pruned.
	if err := s.Put(5, hashOf("y"), b); err != nil {
		t.Fatal(err)
	}
	expectIDs(t, s, BlockID{3, hashOf("x")}, BlockID{4, hashOf("x")}, BlockID{5, hashOf("x")}, BlockID{5, hashOf("y")})
	if err := s.Prune(5); err != nil {
		t.Fatal(err)
	}
	expectIDs(t, s, BlockID{5, hashOf("x")}, BlockID{5, hashOf("y")})
	if _, _, err := s.Sample(ctx, 4, hashOf("x"), 0, 0); !errors.Is(err, das.ErrUnknownBlock) {
		t.Fatalf("pruned block: %v", err)
	}
	if err := s.Prune(6); err != nil {
		t.Fatal(err)
	}
	expectIDs(t, s)
	// No row outlives its block.
	err := db.bolt.View(func(tx *bolt.Tx) error {
		if n := tx.Bucket(bucketRows).Stats().KeyN; n != 0 {
			t.Errorf("%d rows left after pruning every block", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func expectIDs(t *testing.T, s *BlockStore, want ...BlockID) {
	t.Helper()
	got, err := s.Heights(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("blocks %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("blocks %v, want %v", got, want)
		}
	}
}

func TestCheckpointStoreReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "node.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c, err := db.Checkpoints().LoadCheckpoint(ctx); c != nil || err != nil {
		t.Fatalf("fresh store: %v, %v", c, err)
	}
	want := &das.Checkpoint{DoneUpTo: 10, Done: []uint64{12, 15}, Retry: []das.RetryEntry{{Height: 11, Attempts: 2}}}
	if err := db.Checkpoints().SaveCheckpoint(ctx, want); err != nil {
		t.Fatal(err)
	}
	bad := &das.Checkpoint{DoneUpTo: 10, Done: []uint64{9}}
	if err := db.Checkpoints().SaveCheckpoint(ctx, bad); !errors.Is(err, das.ErrCheckpoint) {
		t.Fatalf("inconsistent checkpoint saved: %v", err)
	}
	db.Close()
	db, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := db.Checkpoints().LoadCheckpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	gb, _ := got.MarshalBinary()
	wb, _ := want.MarshalBinary()
	if string(gb) != string(wb) {
		t.Fatalf("checkpoint %+v, want %+v", got, want)
	}
}
