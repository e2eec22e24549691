package headers

import (
	"fmt"
	"time"
)

// LightBlock is what a light client verifies and stores: a header, the
// commit that signs it, and the validator set the header names
// (Validators.Hash() == Header.ValidatorsHash).
type LightBlock struct {
	Header     *Header
	Commit     *Commit
	Validators *ValidatorSet
}

// Height of the header.
func (b *LightBlock) Height() uint64 { return b.Header.Height }

// Hash of the header.
func (b *LightBlock) Hash() Hash { return b.Header.Hash() }

// ValidateBasic checks the block on its own: a valid header of chainID, a
// commit for exactly this header, and the validator set the header names.
// It does not check signatures.
func (b *LightBlock) ValidateBasic(chainID string) error {
	if b == nil || b.Header == nil || b.Commit == nil || b.Validators == nil || b.Commit.Signature == nil {
		return fmt.Errorf("%w: incomplete light block", ErrInvalidHeader)
	}
	if err := b.Header.Validate(); err != nil {
		return err
	}
	if b.Header.ChainID != chainID {
		return fmt.Errorf("%w: header of %q, want %q", ErrChainIDMismatch, b.Header.ChainID, chainID)
	}
	if b.Commit.Height != b.Header.Height {
		return fmt.Errorf("%w: commit height %d, header height %d", ErrCommitMismatch, b.Commit.Height, b.Header.Height)
	}
	if h := b.Header.Hash(); b.Commit.HeaderHash != h {
		return fmt.Errorf("%w: commit for %s, header %s", ErrCommitMismatch, b.Commit.HeaderHash, h)
	}
	if got := b.Validators.Hash(); got != b.Header.ValidatorsHash {
		return fmt.Errorf("%w: attached set hashes to %s, header names %s", ErrValidatorSetHashMismatch, got, b.Header.ValidatorsHash)
	}
	return nil
}

// Trusted is the state verification starts from: a verified header, or the
// genesis (height 0).
type Trusted struct {
	Height uint64
	Hash   Hash
	Time   time.Time
	// Validators signed the trusted header (at genesis, the initial set);
	// skipping verification asks them to vouch for a later header.
	Validators *ValidatorSet
	// NextValidatorsHash names the set that must sign Height+1.
	NextValidatorsHash Hash
}

// Trusted returns the block as a trust anchor; the caller must have
// verified it.
func (b *LightBlock) Trusted() Trusted {
	return Trusted{
		Height:             b.Header.Height,
		Hash:               b.Header.Hash(),
		Time:               b.Header.Time,
		Validators:         b.Validators,
		NextValidatorsHash: b.Header.NextValidatorsHash,
	}
}
