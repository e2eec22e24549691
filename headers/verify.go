package headers

import (
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"lightdas/headers/bls"
)

// Defaults of the light-client rules.
const (
	DefaultTrustingPeriod = 14 * 24 * time.Hour
	DefaultMaxClockDrift  = 10 * time.Second
)

// Options tune a Verifier; zero values take the defaults.
type Options struct {
	// TrustingPeriod: a trusted header older than this cannot vouch for
	// anything (its validators may have unbonded). Default 14 days.
	TrustingPeriod time.Duration
	// MaxClockDrift: how far a header's time may run ahead of the local
	// clock. Default 10 s.
	MaxClockDrift time.Duration
	// MaxK caps the header's row count (the genesis DA parameter). Default 64.
	MaxK int
	// Now is the local clock. Default time.Now.
	Now func() time.Time
}

// Verifier applies the light-client rules of one chain. It is immutable and
// safe for concurrent use.
type Verifier struct {
	chainID        string
	scheme         *bls.Scheme
	trustingPeriod time.Duration
	maxClockDrift  time.Duration
	maxK           int
	now            func() time.Time
}

// NewVerifier returns a verifier for chainID.
func NewVerifier(chainID string, o Options) (*Verifier, error) {
	if err := ValidateChainID(chainID); err != nil {
		return nil, err
	}
	v := &Verifier{
		chainID:        chainID,
		scheme:         bls.NewScheme(),
		trustingPeriod: o.TrustingPeriod,
		maxClockDrift:  o.MaxClockDrift,
		maxK:           o.MaxK,
		now:            o.Now,
	}
	if v.trustingPeriod <= 0 {
		v.trustingPeriod = DefaultTrustingPeriod
	}
	if v.maxClockDrift <= 0 {
		v.maxClockDrift = DefaultMaxClockDrift
	}
	if v.maxK == 0 {
		v.maxK = MaxK
	}
	if err := (DAParams{MaxK: v.maxK}).Validate(); err != nil {
		return nil, err
	}
	if v.now == nil {
		v.now = time.Now
	}
	return v, nil
}

// NewGenesisVerifier returns a verifier for the genesis chain id and DA
// parameters.
func NewGenesisVerifier(g *Genesis, o Options) (*Verifier, error) {
	if err := g.Validate(); err != nil {
		return nil, err
	}
	o.MaxK = g.DA.MaxK
	return NewVerifier(g.ChainID, o)
}

// ChainID is the chain this verifier accepts.
func (v *Verifier) ChainID() string { return v.chainID }

// Now is the verifier's clock.
func (v *Verifier) Now() time.Time { return v.now() }

// Expired reports whether t can no longer vouch for headers.
func (v *Verifier) Expired(t Trusted) bool {
	return !v.now().Before(t.Time.Add(v.trustingPeriod))
}

// common checks shared by both rules, in a fixed order so each forgery
// meets its own check.
func (v *Verifier) common(t Trusted, b *LightBlock) error {
	if err := b.ValidateBasic(v.chainID); err != nil {
		return err
	}
	if b.Header.K() > v.maxK {
		return fmt.Errorf("%w: %w: k = %d above the chain's max_k %d", ErrInvalidHeader, ErrInvalidDA, b.Header.K(), v.maxK)
	}
	if v.Expired(t) {
		return fmt.Errorf("%w: trusted height %d at %v, trusting period %v", ErrTrustExpired, t.Height, t.Time, v.trustingPeriod)
	}
	if limit := v.now().Add(v.maxClockDrift); b.Header.Time.After(limit) {
		return fmt.Errorf("%w: header time %v, local clock + drift %v", ErrHeaderFromFuture, b.Header.Time, limit)
	}
	if b.Header.Height <= t.Height {
		return fmt.Errorf("%w: height %d, trusted %d", ErrHeightNotIncreasing, b.Header.Height, t.Height)
	}
	return nil
}

// VerifyAdjacent accepts b as the successor of t: height t+1, parent hash
// t's hash, time after t's, b's validator set the one t named as next, and
// a commit by more than 2/3 of that set's power.
func (v *Verifier) VerifyAdjacent(t Trusted, b *LightBlock) error {
	if err := v.common(t, b); err != nil {
		return err
	}
	if err := v.adjacentLinks(t, b); err != nil {
		return err
	}
	return v.VerifyCommit(b.Validators, b.Header, b.Commit)
}

// VerifySkipping accepts b at any height above t when (1) validators of t's
// set holding more than 1/3 of its power signed b's commit, so at least one
// honest validator of the trusted set vouches for b, and (2) b's own set
// signed with more than 2/3 of its power. A failure of (1) alone is
// ErrInsufficientTrust: not proof of forgery, only that b cannot be reached
// in one step.
func (v *Verifier) VerifySkipping(t Trusted, b *LightBlock) error {
	if err := v.common(t, b); err != nil {
		return err
	}
	h := b.Header
	if h.Height == t.Height+1 && h.ParentHash != t.Hash {
		return fmt.Errorf("%w: parent %s, trusted %s", ErrParentHashMismatch, h.ParentHash, t.Hash)
	}
	if !h.Time.After(t.Time) {
		return fmt.Errorf("%w: %v, trusted %v", ErrTimeNotIncreasing, h.Time, t.Time)
	}
	// The trust check needs only key bytes; it runs before the new set's
	// proofs are verified, so an unknown set costs nothing unless the
	// trusted validators vouch for it.
	if b.Commit.Signers.Len() != b.Validators.Size() {
		return fmt.Errorf("%w: %d-bit signer field for %d validators", ErrUnknownSigner, b.Commit.Signers.Len(), b.Validators.Size())
	}
	var trusted uint64
	for i := 0; i < b.Validators.Size(); i++ {
		if !b.Commit.Signers.Get(i) {
			continue
		}
		if j, ok := t.Validators.IndexOf(b.Validators.PublicKeyBytes(i)); ok {
			trusted += t.Validators.Power(j)
		}
	}
	if 3*trusted <= t.Validators.TotalPower() {
		return &PowerError{Kind: ErrInsufficientTrust, Signed: trusted, Total: t.Validators.TotalPower()}
	}
	agg, err := v.tally(b.Validators, b.Commit)
	if err != nil {
		return err
	}
	return v.checkSignature(agg, h, b.Commit)
}

// Verify uses VerifyAdjacent for the next height and VerifySkipping above.
func (v *Verifier) Verify(t Trusted, b *LightBlock) error {
	if b != nil && b.Header != nil && b.Header.Height == t.Height+1 {
		return v.VerifyAdjacent(t, b)
	}
	return v.VerifySkipping(t, b)
}

// VerifyCommit checks that c is a commit for h by more than 2/3 of vals'
// power: signer bitfield exactly the set's size, power threshold, then one
// pairing check of the aggregate signature.
func (v *Verifier) VerifyCommit(vals *ValidatorSet, h *Header, c *Commit) error {
	hash := h.Hash()
	if c.Height != h.Height || c.HeaderHash != hash {
		return fmt.Errorf("%w: commit for %d/%s, header %d/%s", ErrCommitMismatch, c.Height, c.HeaderHash, h.Height, hash)
	}
	agg, err := v.tally(vals, c)
	if err != nil {
		return err
	}
	return v.checkSignature(agg, h, c)
}

// tally checks the bitfield and the 2/3 threshold, verifies the set's
// keys and proofs of possession (once per set), and sums the signers' keys.
func (v *Verifier) tally(vals *ValidatorSet, c *Commit) (*bls.Aggregator, error) {
	if c.Signers.Len() != vals.Size() {
		return nil, fmt.Errorf("%w: %d-bit signer field for %d validators", ErrUnknownSigner, c.Signers.Len(), vals.Size())
	}
	var signed uint64
	for i, p := range vals.powers {
		if c.Signers.Get(i) {
			signed += p
		}
	}
	if 3*signed <= 2*vals.TotalPower() {
		return nil, &PowerError{Kind: ErrInsufficientPower, Signed: signed, Total: vals.TotalPower()}
	}
	if err := vals.Verify(); err != nil {
		return nil, err
	}
	var agg bls.Aggregator
	for i, val := range vals.vals {
		if c.Signers.Get(i) {
			agg.Add(val.PublicKey)
		}
	}
	return &agg, nil
}

func (v *Verifier) checkSignature(agg *bls.Aggregator, h *Header, c *Commit) error {
	msg := SignBytes(h.ChainID, h.Height, c.HeaderHash)
	if err := v.scheme.VerifyAggregate(agg, msg, c.Signature); err != nil {
		return fmt.Errorf("%w: height %d: %w", ErrInvalidSignature, h.Height, err)
	}
	return nil
}

// RangeError names the block of a range that failed verification.
type RangeError struct {
	Index  int
	Height uint64
	Err    error
}

func (e *RangeError) Error() string {
	return fmt.Sprintf("headers: range block %d (height %d): %v", e.Index, e.Height, e.Err)
}

func (e *RangeError) Unwrap() error { return e.Err }

// VerifyRange verifies blocks as a chain of adjacent steps from t. All
// rules but the signatures are checked block by block; the signatures are
// then checked together in one batch (one final exponentiation for the
// whole range), falling back to naming the first bad one.
func (v *Verifier) VerifyRange(t Trusted, blocks []*LightBlock) error {
	checks := make([]bls.AggregateCheck, len(blocks))
	cur := t
	for i, b := range blocks {
		err := v.common(cur, b)
		if err == nil {
			err = v.adjacentLinks(cur, b)
		}
		var agg *bls.Aggregator
		if err == nil {
			agg, err = v.tally(b.Validators, b.Commit)
		}
		if err != nil {
			return &RangeError{Index: i, Height: heightOf(b), Err: err}
		}
		checks[i] = bls.AggregateCheck{
			Keys:      agg,
			Message:   SignBytes(b.Header.ChainID, b.Header.Height, b.Commit.HeaderHash),
			Signature: b.Commit.Signature,
		}
		cur = b.Trusted()
	}
	if err := v.scheme.VerifyAggregates(checks, rand.Reader); err != nil {
		var be *bls.BatchError
		if errors.As(err, &be) {
			b := blocks[be.Index]
			return &RangeError{Index: be.Index, Height: b.Header.Height, Err: fmt.Errorf("%w: height %d: %w", ErrInvalidSignature, b.Header.Height, be.Err)}
		}
		return err
	}
	return nil
}

// adjacentLinks are VerifyAdjacent's checks between t and b.
func (v *Verifier) adjacentLinks(t Trusted, b *LightBlock) error {
	h := b.Header
	if h.Height != t.Height+1 {
		return fmt.Errorf("%w: height %d after trusted %d", ErrHeightGap, h.Height, t.Height)
	}
	if h.ParentHash != t.Hash {
		return fmt.Errorf("%w: parent %s, trusted %s", ErrParentHashMismatch, h.ParentHash, t.Hash)
	}
	if !h.Time.After(t.Time) {
		return fmt.Errorf("%w: %v, trusted %v", ErrTimeNotIncreasing, h.Time, t.Time)
	}
	if h.ValidatorsHash != t.NextValidatorsHash {
		return fmt.Errorf("%w: header's set %s, trusted next set %s", ErrValidatorSetHashMismatch, h.ValidatorsHash, t.NextValidatorsHash)
	}
	return nil
}

func heightOf(b *LightBlock) uint64 {
	if b == nil || b.Header == nil {
		return 0
	}
	return b.Header.Height
}
