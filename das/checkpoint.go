package das

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"sync"
)

// Checkpoint is the sampler's persistent progress: every height up to
// DoneUpTo is settled (sampled, or below the catch-up window), and so is
// every height in Done (all above DoneUpTo). Retry lists settled heights
// whose block ended unavailable or invalid and will be sampled again.
type Checkpoint struct {
	DoneUpTo uint64
	Done     []uint64     // strictly ascending, each > DoneUpTo
	Retry    []RetryEntry // strictly ascending by height
}

// RetryEntry is a failed height and how many times it has been sampled.
type RetryEntry struct {
	Height   uint64
	Attempts int // 1..65535
}

// MaxCheckpointEntries bounds each list of a checkpoint (and so the
// sampler's window).
const MaxCheckpointEntries = 1 << 16

const (
	checkpointMagic   = "LDASCKP"
	checkpointVersion = 1
	checkpointFixed   = len(checkpointMagic) + 1 + 8 + 4 + 4
	// MaxCheckpointSize is the largest valid checkpoint encoding.
	MaxCheckpointSize = checkpointFixed + MaxCheckpointEntries*8 + MaxCheckpointEntries*10
)

// Validate checks the invariants listed at Checkpoint.
func (c *Checkpoint) Validate() error {
	if len(c.Done) > MaxCheckpointEntries || len(c.Retry) > MaxCheckpointEntries {
		return fmt.Errorf("%w: %d done and %d retry entries, at most %d each", ErrCheckpoint, len(c.Done), len(c.Retry), MaxCheckpointEntries)
	}
	for i, h := range c.Done {
		if h <= c.DoneUpTo || i > 0 && h <= c.Done[i-1] {
			return fmt.Errorf("%w: done height %d (entry %d) not ascending above %d", ErrCheckpoint, h, i, c.DoneUpTo)
		}
	}
	for i, r := range c.Retry {
		if r.Height == 0 || i > 0 && r.Height <= c.Retry[i-1].Height {
			return fmt.Errorf("%w: retry height %d (entry %d) not ascending", ErrCheckpoint, r.Height, i)
		}
		if r.Attempts < 1 || r.Attempts > 0xffff {
			return fmt.Errorf("%w: retry height %d with %d attempts", ErrCheckpoint, r.Height, r.Attempts)
		}
	}
	return nil
}

// MarshalBinary encodes the checkpoint (version 1): "LDASCKP" || u8 1 ||
// u64 done-up-to || u32 n || n x u64 height || u32 m || m x (u64 height ||
// u16 attempts).
func (c *Checkpoint) MarshalBinary() ([]byte, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	b := make([]byte, 0, checkpointFixed+8*len(c.Done)+10*len(c.Retry))
	b = append(b, checkpointMagic...)
	b = append(b, checkpointVersion)
	b = binary.BigEndian.AppendUint64(b, c.DoneUpTo)
	b = binary.BigEndian.AppendUint32(b, uint32(len(c.Done)))
	for _, h := range c.Done {
		b = binary.BigEndian.AppendUint64(b, h)
	}
	b = binary.BigEndian.AppendUint32(b, uint32(len(c.Retry)))
	for _, r := range c.Retry {
		b = binary.BigEndian.AppendUint64(b, r.Height)
		b = binary.BigEndian.AppendUint16(b, uint16(r.Attempts))
	}
	return b, nil
}

// UnmarshalBinary decodes a checkpoint strictly (magic, version, exact
// length, the invariants of Validate). On error c is unchanged.
func (c *Checkpoint) UnmarshalBinary(b []byte) error {
	const what = "checkpoint"
	if len(b) > MaxCheckpointSize {
		return malformed(what, ErrTooLarge, "%d bytes", len(b))
	}
	if len(b) < checkpointFixed || string(b[:len(checkpointMagic)]) != checkpointMagic {
		return malformed(what, nil, "bad magic or %d bytes", len(b))
	}
	b = b[len(checkpointMagic):]
	if b[0] != checkpointVersion {
		return malformed(what, ErrUnknownVersion, "version %d", b[0])
	}
	out := Checkpoint{DoneUpTo: binary.BigEndian.Uint64(b[1:])}
	b = b[9:]
	n := binary.BigEndian.Uint32(b)
	b = b[4:]
	if n > MaxCheckpointEntries || uint64(len(b)) < 8*uint64(n)+4 {
		return malformed(what, nil, "%d done heights in %d bytes", n, len(b))
	}
	if n > 0 {
		out.Done = make([]uint64, n)
	}
	for i := range out.Done {
		out.Done[i] = binary.BigEndian.Uint64(b[8*i:])
	}
	b = b[8*n:]
	m := binary.BigEndian.Uint32(b)
	b = b[4:]
	if m > MaxCheckpointEntries || uint64(len(b)) != 10*uint64(m) {
		return malformed(what, ErrTrailingBytes, "%d retry entries in %d bytes", m, len(b))
	}
	if m > 0 {
		out.Retry = make([]RetryEntry, m)
	}
	for i := range out.Retry {
		out.Retry[i] = RetryEntry{Height: binary.BigEndian.Uint64(b[10*i:]), Attempts: int(binary.BigEndian.Uint16(b[10*i+8:]))}
	}
	if err := out.Validate(); err != nil {
		return malformed(what, nil, "%v", err)
	}
	*c = out
	return nil
}

// Settled reports whether height is settled in the checkpoint.
func (c *Checkpoint) Settled(height uint64) bool {
	if height <= c.DoneUpTo {
		return true
	}
	_, ok := slices.BinarySearch(c.Done, height)
	return ok
}

// CheckpointStore persists the sampler's checkpoint. Implementations must
// be safe for concurrent use.
type CheckpointStore interface {
	// LoadCheckpoint returns the saved checkpoint, or nil and no error
	// when none was saved.
	LoadCheckpoint(ctx context.Context) (*Checkpoint, error)
	// SaveCheckpoint replaces the saved checkpoint.
	SaveCheckpoint(ctx context.Context, c *Checkpoint) error
}

// MemCheckpointStore keeps the checkpoint in memory, in its binary
// encoding (so every save and load exercises the codec).
type MemCheckpointStore struct {
	mu    sync.Mutex
	data  []byte
	saves int
}

// NewMemCheckpointStore returns an empty store.
func NewMemCheckpointStore() *MemCheckpointStore { return &MemCheckpointStore{} }

// LoadCheckpoint implements CheckpointStore.
func (s *MemCheckpointStore) LoadCheckpoint(context.Context) (*Checkpoint, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.data == nil {
		return nil, nil
	}
	c := new(Checkpoint)
	if err := c.UnmarshalBinary(s.data); err != nil {
		return nil, err
	}
	return c, nil
}

// SaveCheckpoint implements CheckpointStore.
func (s *MemCheckpointStore) SaveCheckpoint(_ context.Context, c *Checkpoint) error {
	b, err := c.MarshalBinary()
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.data = b
	s.saves++
	s.mu.Unlock()
	return nil
}

// Saves counts the successful saves.
func (s *MemCheckpointStore) Saves() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saves
}
