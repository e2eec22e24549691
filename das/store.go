package das

import (
	"context"
	"fmt"
	"sync"

	"lightdas/headers"
	"lightdas/kzg"
)

// BlockStore is what a sample server serves from: extended blocks by height
// and header hash. Implementations must be safe for concurrent use.
type BlockStore interface {
	// K returns the number of original rows of the block at height whose
	// header hashes to hash, or an error wrapping ErrUnknownBlock.
	K(ctx context.Context, height uint64, hash headers.Hash) (int, error)
	// Sample returns the cell at (row, col) of that block with its proof,
	// an error wrapping ErrUnknownBlock, or one wrapping ErrCellNotFound
	// when the store holds the block only partly.
	Sample(ctx context.Context, height uint64, hash headers.Hash, row, col int) (kzg.Cell, kzg.Proof, error)
}

type blockKey struct {
	height uint64
	hash   headers.Hash
}

// MemBlockStore is an in-memory BlockStore of whole extended blocks.
type MemBlockStore struct {
	mu     sync.RWMutex
	blocks map[blockKey]*kzg.ExtendedBlock
}

// NewMemBlockStore returns an empty store.
func NewMemBlockStore() *MemBlockStore {
	return &MemBlockStore{blocks: map[blockKey]*kzg.ExtendedBlock{}}
}

// Put stores an extended block under its height and header hash. The block
// is shared, not copied: it must not change afterwards.
func (s *MemBlockStore) Put(height uint64, hash headers.Hash, b *kzg.ExtendedBlock) error {
	if b == nil || !validK(b.K) || len(b.Cells) != 2*b.K || len(b.Proofs) != 2*b.K {
		return fmt.Errorf("%w: not a whole extended block", ErrConfig)
	}
	s.mu.Lock()
	s.blocks[blockKey{height, hash}] = b
	s.mu.Unlock()
	return nil
}

// Prune drops the blocks below height.
func (s *MemBlockStore) Prune(below uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.blocks {
		if k.height < below {
			delete(s.blocks, k)
		}
	}
}

func (s *MemBlockStore) get(height uint64, hash headers.Hash) (*kzg.ExtendedBlock, error) {
	s.mu.RLock()
	b := s.blocks[blockKey{height, hash}]
	s.mu.RUnlock()
	if b == nil {
		return nil, fmt.Errorf("%w: height %d, hash %s", ErrUnknownBlock, height, hash)
	}
	return b, nil
}

// K implements BlockStore.
func (s *MemBlockStore) K(_ context.Context, height uint64, hash headers.Hash) (int, error) {
	b, err := s.get(height, hash)
	if err != nil {
		return 0, err
	}
	return b.K, nil
}

// Sample implements BlockStore.
func (s *MemBlockStore) Sample(_ context.Context, height uint64, hash headers.Hash, row, col int) (kzg.Cell, kzg.Proof, error) {
	b, err := s.get(height, hash)
	if err != nil {
		return kzg.Cell{}, kzg.Proof{}, err
	}
	if row < 0 || row >= 2*b.K || col < 0 || col >= kzg.CellsPerRow {
		return kzg.Cell{}, kzg.Proof{}, fmt.Errorf("%w: cell (%d, %d) of a %d-row block", ErrCoordinate, row, col, 2*b.K)
	}
	return b.Cells[row][col], b.Proofs[row][col], nil
}
