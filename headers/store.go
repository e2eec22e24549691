package headers

import (
	"context"
	"fmt"
	"sync"
)

// Store keeps a contiguous run of verified light blocks, tail to head.
// Implementations do not verify signatures: the syncer verifies before it
// appends. They must be safe for concurrent use.
type Store interface {
	// Head is the highest block; ErrNotFound when empty.
	Head(ctx context.Context) (*LightBlock, error)
	// Tail is the lowest block kept; ErrNotFound when empty.
	Tail(ctx context.Context) (*LightBlock, error)
	// GetByHeight returns the block at height or ErrNotFound.
	GetByHeight(ctx context.Context, height uint64) (*LightBlock, error)
	// GetByHash returns the block whose header hashes to hash, or ErrNotFound.
	GetByHash(ctx context.Context, hash Hash) (*LightBlock, error)
	// Append adds blocks that extend the head one by one (height + 1 and
	// parent hash); into an empty store the first block may have any
	// height (a checkpoint). Otherwise ErrNotContiguous, and nothing is
	// added.
	Append(ctx context.Context, blocks ...*LightBlock) error
	// Prune deletes the blocks below height, never the head.
	Prune(ctx context.Context, below uint64) error
}

// MemStore is an in-memory Store.
type MemStore struct {
	mu     sync.RWMutex
	tail   uint64
	blocks []*LightBlock // blocks[i] has height tail+i
	byHash map[Hash]uint64
}

// NewMemStore returns an empty store.
func NewMemStore() *MemStore { return &MemStore{byHash: map[Hash]uint64{}} }

// Head implements Store.
func (s *MemStore) Head(ctx context.Context) (*LightBlock, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if len(s.blocks) == 0 {
		return nil, fmt.Errorf("%w: empty store", ErrNotFound)
	}
	return s.blocks[len(s.blocks)-1], nil
}

// Tail implements Store.
func (s *MemStore) Tail(ctx context.Context) (*LightBlock, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if len(s.blocks) == 0 {
		return nil, fmt.Errorf("%w: empty store", ErrNotFound)
	}
	return s.blocks[0], nil
}

// GetByHeight implements Store.
func (s *MemStore) GetByHeight(ctx context.Context, height uint64) (*LightBlock, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.at(height)
}

func (s *MemStore) at(height uint64) (*LightBlock, error) {
	if len(s.blocks) == 0 || height < s.tail || height-s.tail >= uint64(len(s.blocks)) {
		return nil, fmt.Errorf("%w: height %d", ErrNotFound, height)
	}
	return s.blocks[height-s.tail], nil
}

// GetByHash implements Store.
func (s *MemStore) GetByHash(ctx context.Context, hash Hash) (*LightBlock, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	h, ok := s.byHash[hash]
	if !ok {
		return nil, fmt.Errorf("%w: hash %s", ErrNotFound, hash)
	}
	return s.at(h)
}

// Append implements Store.
func (s *MemStore) Append(ctx context.Context, blocks ...*LightBlock) error {
	if len(blocks) == 0 {
		return nil
	}
	hashes := make([]Hash, len(blocks))
	for i, b := range blocks {
		if b == nil || b.Header == nil {
			return fmt.Errorf("%w: nil block", ErrNotContiguous)
		}
		hashes[i] = b.Hash()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var prevHeight uint64
	var prevHash Hash
	if len(s.blocks) > 0 {
		head := s.blocks[len(s.blocks)-1]
		prevHeight, prevHash = head.Height(), head.Hash()
	}
	for i, b := range blocks {
		if i > 0 || len(s.blocks) > 0 {
			if b.Height() != prevHeight+1 || b.Header.ParentHash != prevHash {
				return fmt.Errorf("%w: block %d at height %d after %d", ErrNotContiguous, i, b.Height(), prevHeight)
			}
		}
		prevHeight, prevHash = b.Height(), hashes[i]
	}
	if len(s.blocks) == 0 {
		s.tail = blocks[0].Height()
	}
	for i, b := range blocks {
		s.blocks = append(s.blocks, b)
		s.byHash[hashes[i]] = b.Height()
	}
	return nil
}

// Prune implements Store.
func (s *MemStore) Prune(ctx context.Context, below uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.blocks) == 0 || below <= s.tail {
		return nil
	}
	n := below - s.tail
	if n >= uint64(len(s.blocks)) {
		n = uint64(len(s.blocks)) - 1 // keep the head
	}
	for _, b := range s.blocks[:n] {
		delete(s.byHash, b.Hash())
	}
	s.blocks = append([]*LightBlock(nil), s.blocks[n:]...)
	s.tail += n
	return nil
}
