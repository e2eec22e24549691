// Package headertest builds signed header chains for tests: N validators
// with deterministic keys, genesis files, validator-set changes, forks
// signed by the same validators (equivocation), and forged blocks of every
// kind. It also provides in-memory peers that speak the wire protocol and
// can be told to lie. Later packages (das, node) reuse it.
package headertest

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"
	"time"

	"lightdas/headers"
	"lightdas/headers/bls"
)

// Config describes a test chain; zero fields take defaults.
type Config struct {
	ChainID    string        // default "lightdas-test"
	Validators int           // default 4
	Power      uint64        // per validator, default 10
	Seed       string        // key derivation seed, default "lightdas"
	Start      time.Time     // genesis time, default 2026-01-01T00:00:00Z
	Interval   time.Duration // time between blocks, default 1 s
	K          int           // rows per block, default 4 (all real blobs)
	MaxK       int           // genesis max_k, default 64
}

func (c *Config) defaults() {
	if c.ChainID == "" {
		c.ChainID = "lightdas-test"
	}
	if c.Validators == 0 {
		c.Validators = 4
	}
	if c.Power == 0 {
		c.Power = 10
	}
	if c.Seed == "" {
		c.Seed = "lightdas"
	}
	if c.Start.IsZero() {
		c.Start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if c.Interval == 0 {
		c.Interval = time.Second
	}
	if c.K == 0 {
		c.K = 4
	}
	if c.MaxK == 0 {
		c.MaxK = headers.MaxK
	}
}

// Key returns the deterministic secret key number i of seed.
func Key(seed string, i int) *bls.SecretKey {
	ikm := sha256.Sum256(fmt.Appendf(nil, "headertest/%s/%d", seed, i))
	sk, err := bls.KeyGen(ikm[:], nil)
	if err != nil {
		panic(err) // 32-byte IKM never fails
	}
	return sk
}

// Signers is a validator set with the secret keys of its members, in the
// set's canonical order.
type Signers struct {
	Set  *headers.ValidatorSet
	Keys []*bls.SecretKey
}

// NewSigners makes a set of the given keys, each with power, and proofs
// of possession.
func NewSigners(keys []*bls.SecretKey, power uint64) (*Signers, error) {
	scheme := bls.NewScheme()
	vals := make([]headers.Validator, len(keys))
	for i, sk := range keys {
		vals[i] = headers.Validator{PublicKey: sk.PublicKey(), Power: power, Possession: scheme.ProvePossession(sk)}
	}
	set, err := headers.NewValidatorSet(vals)
	if err != nil {
		return nil, err
	}
	byKey := map[[bls.PublicKeySize]byte]*bls.SecretKey{}
	for _, sk := range keys {
		byKey[sk.PublicKey().Bytes()] = sk
	}
	s := &Signers{Set: set}
	for i := 0; i < set.Size(); i++ {
		s.Keys = append(s.Keys, byKey[set.PublicKeyBytes(i)])
	}
	return s, nil
}

// All returns every index of the set.
func (s *Signers) All() []int {
	out := make([]int, s.Set.Size())
	for i := range out {
		out[i] = i
	}
	return out
}

// Commit signs h with the validators at the given indexes (one scalar
// multiplication by the sum of their keys, which equals the aggregate of
// their signatures).
func (s *Signers) Commit(h *headers.Header, idx []int) *headers.Commit {
	hash := h.Hash()
	return s.CommitFor(h.ChainID, h.Height, hash, idx)
}

// CommitFor signs arbitrary sign-bytes fields (for forged commits).
func (s *Signers) CommitFor(chainID string, height uint64, hash headers.Hash, idx []int) *headers.Commit {
	bits := headers.NewBitfield(s.Set.Size())
	var keys []*bls.SecretKey
	for _, i := range idx {
		bits.Set(i, true)
		keys = append(keys, s.Keys[i])
	}
	c := &headers.Commit{Height: height, HeaderHash: hash, Signers: bits}
	if sum := bls.SumSecretKeys(keys...); sum != nil {
		c.Signature = bls.NewScheme().Sign(sum, headers.SignBytes(chainID, height, hash))
	} else {
		// No signers: any valid point; the power check rejects it first.
		c.Signature = bls.NewScheme().Sign(Key("empty", 0), []byte("no signers"))
	}
	return c
}

// Block signs h with every member and attaches the set.
func (s *Signers) Block(h *headers.Header) *headers.LightBlock {
	return &headers.LightBlock{Header: h, Commit: s.Commit(h, s.All()), Validators: s.Set}
}

// Chain is a test chain. Blocks[i] is at height i+1.
type Chain struct {
	Config  Config
	Genesis *headers.Genesis
	Blocks  []*headers.LightBlock

	current *Signers // signs the next block
	next    *Signers // signs the block after (set named as next)
	sets    map[headers.Hash]*Signers
	salt    string // distinguishes forks' block contents
	keyBase int    // next unused key index for new validators
}

// NewChain makes the genesis; call Extend to add blocks.
func NewChain(cfg Config) (*Chain, error) {
	cfg.defaults()
	keys := make([]*bls.SecretKey, cfg.Validators)
	for i := range keys {
		keys[i] = Key(cfg.Seed, i)
	}
	s, err := NewSigners(keys, cfg.Power)
	if err != nil {
		return nil, err
	}
	g := &headers.Genesis{ChainID: cfg.ChainID, Time: cfg.Start, Validators: s.Set, DA: headers.DAParams{MaxK: cfg.MaxK}}
	if err := g.Validate(); err != nil {
		return nil, err
	}
	sets := map[headers.Hash]*Signers{s.Set.Hash(): s}
	return &Chain{Config: cfg, Genesis: g, current: s, next: s, sets: sets, keyBase: cfg.Validators}, nil
}

// MustChain is NewChain followed by Extend(n), panicking on error (test
// set-up only).
func MustChain(cfg Config, n int) *Chain {
	c, err := NewChain(cfg)
	if err != nil {
		panic(err)
	}
	c.Extend(n)
	return c
}

// Signers returns the set that signs the next block.
func (c *Chain) Signers() *Signers { return c.current }

// Head is the last block (nil before Extend).
func (c *Chain) Head() *headers.LightBlock {
	if len(c.Blocks) == 0 {
		return nil
	}
	return c.Blocks[len(c.Blocks)-1]
}

// Block returns the block at height (1-based).
func (c *Chain) Block(height uint64) *headers.LightBlock { return c.Blocks[height-1] }

// Now is a clock reading just after the head (what a verifier's Now
// should return for the chain to be fresh).
func (c *Chain) Now() time.Time {
	if h := c.Head(); h != nil {
		return h.Header.Time.Add(c.Config.Interval)
	}
	return c.Config.Start.Add(c.Config.Interval)
}

// Trusted is the chain's latest trust anchor (genesis before any block).
func (c *Chain) Trusted() headers.Trusted {
	if h := c.Head(); h != nil {
		return h.Trusted()
	}
	return c.Genesis.Trusted()
}

// NextHeader returns an unsigned header that validly follows the head.
func (c *Chain) NextHeader() *headers.Header {
	t := c.Trusted()
	height := t.Height + 1
	h := &headers.Header{
		ChainID:            c.Config.ChainID,
		Height:             height,
		Time:               c.Config.Start.Add(time.Duration(height) * c.Config.Interval),
		ParentHash:         t.Hash,
		ValidatorsHash:     c.current.Set.Hash(),
		NextValidatorsHash: c.next.Set.Hash(),
		Blobs:              c.Config.K,
		Commitments:        make([]headers.Commitment, c.Config.K),
	}
	for i := range h.Commitments {
		h.Commitments[i] = placeholderCommitment(c.salt, height, i)
	}
	return h
}

// placeholderCommitment is deterministic filler shaped like a compressed
// G1 point; the header layer does not interpret commitments.
func placeholderCommitment(salt string, height uint64, row int) headers.Commitment {
	var c headers.Commitment
	var buf [16]byte
	binary.BigEndian.PutUint64(buf[:8], height)
	binary.BigEndian.PutUint64(buf[8:], uint64(row))
	d1 := sha256.Sum256(append([]byte("commitment/"+salt+"/a"), buf[:]...))
	d2 := sha256.Sum256(append([]byte("commitment/"+salt+"/b"), buf[:]...))
	copy(c[:32], d1[:])
	copy(c[32:], d2[:16])
	c[0] = 0x80 | c[0]&0x1f
	return c
}

// Append signs h with the current set and appends it, advancing the sets.
func (c *Chain) Append(h *headers.Header) *headers.LightBlock {
	b := c.current.Block(h)
	c.Blocks = append(c.Blocks, b)
	c.current = c.next
	return b
}

// Extend appends n valid blocks and returns them.
func (c *Chain) Extend(n int) []*headers.LightBlock {
	start := len(c.Blocks)
	for i := 0; i < n; i++ {
		c.Append(c.NextHeader())
	}
	return c.Blocks[start:]
}

// FreshKeys returns n keys not used by the chain so far.
func (c *Chain) FreshKeys(n int) []*bls.SecretKey {
	keys := make([]*bls.SecretKey, n)
	for i := range keys {
		keys[i] = Key(c.Config.Seed, c.keyBase)
		c.keyBase++
	}
	return keys
}

// ChangeValidators makes the next block announce a set of keys (each with
// the configured power) that signs from the block after it.
func (c *Chain) ChangeValidators(keys []*bls.SecretKey) (*Signers, error) {
	s, err := NewSigners(keys, c.Config.Power)
	if err != nil {
		return nil, err
	}
	c.next = s
	c.sets[s.Set.Hash()] = s
	return s, nil
}

// Fork returns a chain that shares the blocks below height at and then
// goes its own way: its blocks from at on differ in content but are signed
// by the same validators, so each fork block is valid on its own
// (equivocation).
func (c *Chain) Fork(at uint64) *Chain {
	signer := c.sets[c.Genesis.Validators.Hash()]
	if at > 1 {
		signer = c.sets[c.Blocks[at-2].Header.NextValidatorsHash]
	}
	return &Chain{
		Config:  c.Config,
		Genesis: c.Genesis,
		Blocks:  slices.Clone(c.Blocks[:at-1]),
		current: signer,
		next:    signer,
		sets:    maps.Clone(c.sets),
		salt:    fmt.Sprintf("%sfork%d", c.salt, at),
		keyBase: c.keyBase,
	}
}
