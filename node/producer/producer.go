package producer

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"lightdas/headers"
	"lightdas/headers/bls"
	"lightdas/kzg"
)

// Producer errors.
var (
	// ErrConfig: a configuration the producer cannot work with.
	ErrConfig = errors.New("producer: invalid configuration")
	// ErrQueueFull: Submit would exceed Config.MaxPending bytes.
	ErrQueueFull = errors.New("producer: submission queue full")
)

// BlockSink receives every extended block (das.MemBlockStore and
// store.BlockStore both are).
type BlockSink interface {
	Put(height uint64, hash headers.Hash, b *kzg.ExtendedBlock) error
}

// Block is one produced block.
type Block struct {
	Light    *headers.LightBlock
	Extended *kzg.ExtendedBlock
	// Records are the submitted data items it carries (nil for
	// synthetic blocks).
	Records [][]byte
}

// Config configures a Producer. Genesis, Keys, Prover and Headers are
// required.
type Config struct {
	Genesis *headers.Genesis
	// Keys are secret keys of genesis validators holding more than 2/3
	// of the power (extra keys not in the set are an error).
	Keys   []*bls.SecretKey
	Prover *kzg.Prover
	// Headers is where the chain lives; the producer continues from its
	// head (and starts at height 1 when it is empty).
	Headers headers.Store
	// Blocks, when set, receives each extended block before its header
	// is appended, so a header is never visible before its cells.
	Blocks BlockSink
	// OnBlock, when set, is called after the header is stored (publish
	// the head from here). It must not block for long.
	OnBlock func(*Block)
	// Interval between blocks in Run. Default 2 s.
	Interval time.Duration
	// SyntheticBlobs is the number of random blobs of a block without
	// submitted data. Default 4; negative means empty blocks.
	SyntheticBlobs int
	// MaxPending bounds the queued submissions, in bytes. Default: what
	// four full blocks hold.
	MaxPending int
	// Rand is the source of synthetic data. Default crypto/rand.
	Rand io.Reader
	// Now is the clock. Default time.Now. Header times are forced
	// strictly increasing (the parent's time plus 1 ms when the clock
	// has not moved past it).
	Now func() time.Time
	// Logger. Default slog.Default().
	Logger *slog.Logger
}

// Producer makes the devnet's blocks. Safe for concurrent use: Submit
// from anywhere, blocks are produced one at a time.
type Producer struct {
	cfg     Config
	chainID string
	set     *headers.ValidatorSet
	signers headers.Bitfield
	signKey *bls.SecretKey // sum of the signers' keys: one signature per commit
	scheme  *bls.Scheme
	maxK    int

	produce sync.Mutex // serialises ProduceOne

	mu           sync.Mutex
	pending      [][]byte
	pendingBytes int
}

// New checks the configuration and the signing power.
func New(cfg Config) (*Producer, error) {
	if cfg.Genesis == nil || cfg.Prover == nil || cfg.Headers == nil {
		return nil, fmt.Errorf("%w: genesis, prover and headers store are required", ErrConfig)
	}
	if err := cfg.Genesis.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 2 * time.Second
	}
	if cfg.SyntheticBlobs == 0 {
		cfg.SyntheticBlobs = 4
	}
	if cfg.SyntheticBlobs > cfg.Genesis.DA.MaxK {
		return nil, fmt.Errorf("%w: %d synthetic blobs above max_k %d", ErrConfig, cfg.SyntheticBlobs, cfg.Genesis.DA.MaxK)
	}
	if cfg.MaxPending <= 0 {
		cfg.MaxPending = 4 * cfg.Genesis.DA.MaxK * PayloadPerBlob
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	set := cfg.Genesis.Validators
	p := &Producer{
		cfg: cfg, chainID: cfg.Genesis.ChainID, set: set,
		signers: headers.NewBitfield(set.Size()), scheme: bls.NewScheme(), maxK: cfg.Genesis.DA.MaxK,
	}
	var power uint64
	var keys []*bls.SecretKey
	for i, sk := range cfg.Keys {
		idx, ok := set.IndexOf(sk.PublicKey().Bytes())
		if !ok {
			return nil, fmt.Errorf("%w: key %d is not a genesis validator", ErrConfig, i)
		}
		if p.signers.Get(idx) {
			return nil, fmt.Errorf("%w: key %d given twice", ErrConfig, i)
		}
		p.signers.Set(idx, true)
		power += set.Power(idx)
		keys = append(keys, sk)
	}
	if 3*power <= 2*set.TotalPower() {
		return nil, fmt.Errorf("%w: keys hold %d of %d voting power, need more than 2/3", ErrConfig, power, set.TotalPower())
	}
	// The aggregate of the signers' signatures equals one signature by
	// the sum of their keys (BLS is linear in the key).
	p.signKey = bls.SumSecretKeys(keys...)
	return p, nil
}

// Submit queues data for the next blocks (first come, first packed). It
// fails with ErrEmptyRecord, ErrTooLarge (more than one block holds) or
// ErrQueueFull.
func (p *Producer) Submit(data []byte) error {
	if len(data) == 0 {
		return ErrEmptyRecord
	}
	if recordHeader+len(data) > p.maxK*PayloadPerBlob {
		return fmt.Errorf("%w: %d bytes, a block holds %d", ErrTooLarge, len(data), p.maxK*PayloadPerBlob-recordHeader)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pendingBytes+len(data) > p.cfg.MaxPending {
		return fmt.Errorf("%w: %d bytes queued", ErrQueueFull, p.pendingBytes)
	}
	p.pending = append(p.pending, append([]byte(nil), data...))
	p.pendingBytes += len(data)
	return nil
}

// Pending is the number of queued submissions.
func (p *Producer) Pending() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.pending)
}

// take removes the queued records that fit one block.
func (p *Producer) take() [][]byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	size, n := 0, 0
	for n < len(p.pending) && size+recordHeader+len(p.pending[n]) <= p.maxK*PayloadPerBlob {
		size += recordHeader + len(p.pending[n])
		n++
	}
	out := p.pending[:n:n]
	p.pending = p.pending[n:]
	for _, r := range out {
		p.pendingBytes -= len(r)
	}
	return out
}

// requeue puts records back at the front after a failed block.
func (p *Producer) requeue(records [][]byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pending = append(append([][]byte(nil), records...), p.pending...)
	for _, r := range records {
		p.pendingBytes += len(r)
	}
}

// blobs returns the block's blobs: the queued data, or synthetic random
// data, or none.
func (p *Producer) blobs() ([]kzg.Blob, [][]byte, error) {
	if records := p.take(); len(records) > 0 {
		blobs, err := Pack(records, p.maxK)
		if err != nil {
			p.requeue(records)
			return nil, nil, err // unreachable: take checked the size
		}
		return blobs, records, nil
	}
	if p.cfg.SyntheticBlobs < 0 {
		return nil, nil, nil
	}
	data := make([]byte, p.cfg.SyntheticBlobs*PayloadPerBlob-recordHeader)
	if _, err := io.ReadFull(p.cfg.Rand, data); err != nil {
		return nil, nil, fmt.Errorf("producer: synthetic data: %w", err)
	}
	blobs, err := Pack([][]byte{data}, p.cfg.SyntheticBlobs)
	return blobs, nil, err
}

// parent is the trusted state the next block extends: the store's head,
// or the genesis.
func (p *Producer) parent(ctx context.Context) (headers.Trusted, error) {
	head, err := p.cfg.Headers.Head(ctx)
	if errors.Is(err, headers.ErrNotFound) {
		return p.cfg.Genesis.Trusted(), nil
	}
	if err != nil {
		return headers.Trusted{}, fmt.Errorf("producer: read head: %w", err)
	}
	if head.Header.ChainID != p.chainID {
		return headers.Trusted{}, fmt.Errorf("%w: store holds chain %q, genesis is %q", ErrConfig, head.Header.ChainID, p.chainID)
	}
	if head.Header.NextValidatorsHash != p.set.Hash() {
		return headers.Trusted{}, fmt.Errorf("%w: head %d names a validator set other than the genesis set", ErrConfig, head.Height())
	}
	return head.Trusted(), nil
}

// ProduceOne makes, signs and stores the next block, then hands it to
// OnBlock. On error nothing is appended to the header chain (an extended
// block may already be in the block sink, under a hash no header has).
func (p *Producer) ProduceOne(ctx context.Context) (*Block, error) {
	p.produce.Lock()
	defer p.produce.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	parent, err := p.parent(ctx)
	if err != nil {
		return nil, err
	}
	blobs, records, err := p.blobs()
	if err != nil {
		return nil, err
	}
	b, err := p.build(ctx, parent, blobs, records)
	if err != nil {
		p.requeue(records)
		return nil, err
	}
	if p.cfg.OnBlock != nil {
		p.cfg.OnBlock(b)
	}
	return b, nil
}

func (p *Producer) build(ctx context.Context, parent headers.Trusted, blobs []kzg.Blob, records [][]byte) (*Block, error) {
	n := len(blobs)
	if n == 0 {
		// An empty block still has one row (k = 1): a zero padding blob.
		blobs = make([]kzg.Blob, 1)
	}
	ext, err := p.cfg.Prover.ExtendBlock(blobs)
	if err != nil {
		return nil, fmt.Errorf("producer: extend block: %w", err)
	}
	h := &headers.Header{
		ChainID:            p.chainID,
		Height:             parent.Height + 1,
		Time:               p.nextTime(parent.Time),
		ParentHash:         parent.Hash,
		ValidatorsHash:     p.set.Hash(),
		NextValidatorsHash: p.set.Hash(),
		Blobs:              n,
		Commitments:        make([]headers.Commitment, ext.K),
	}
	for i := range h.Commitments {
		h.Commitments[i] = headers.Commitment(ext.Commitments[i])
	}
	// The prover commits to a padding row as the point at infinity,
	// which is the encoding the header layer demands; Validate (below,
	// through ValidateBasic) checks it.
	hash := h.Hash()
	commit := &headers.Commit{
		Height:     h.Height,
		HeaderHash: hash,
		Signers:    p.signers.Clone(),
		Signature:  p.scheme.Sign(p.signKey, headers.SignBytes(p.chainID, h.Height, hash)),
	}
	lb := &headers.LightBlock{Header: h, Commit: commit, Validators: p.set}
	if err := lb.ValidateBasic(p.chainID); err != nil {
		return nil, fmt.Errorf("producer: built an invalid block: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if p.cfg.Blocks != nil {
		if err := p.cfg.Blocks.Put(h.Height, hash, ext); err != nil {
			return nil, fmt.Errorf("producer: store extended block %d: %w", h.Height, err)
		}
	}
	if err := p.cfg.Headers.Append(ctx, lb); err != nil {
		return nil, fmt.Errorf("producer: append header %d: %w", h.Height, err)
	}
	p.cfg.Logger.Debug("produced block", "height", h.Height, "hash", hash, "k", ext.K, "blobs", n, "records", len(records))
	return &Block{Light: lb, Extended: ext, Records: records}, nil
}

// nextTime is the clock, forced past the parent's time.
func (p *Producer) nextTime(parent time.Time) time.Time {
	t := p.cfg.Now().UTC().Round(0)
	if !t.After(parent) {
		t = parent.Add(time.Millisecond)
	}
	return t
}

// Run produces a block every Interval until ctx ends (then it returns
// nil). A failed block is logged and retried at the next tick; only a
// configuration that can never work (ErrConfig) stops it.
func (p *Producer) Run(ctx context.Context) error {
	t := time.NewTicker(p.cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if _, err := p.ProduceOne(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, ErrConfig) {
				return err
			}
			p.cfg.Logger.Warn("block production failed", "err", err)
		}
	}
}
