//go:build !js

package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"lightdas/das"
	"lightdas/headers"
	"lightdas/kzg"
	"lightdas/node/api"
	"lightdas/node/store"
	"lightdas/p2p/libp2phost"
)

// LightConfig configures a LightNode.
type LightConfig struct {
	// DataDir holds the database (DBFile: headers, sampler checkpoint),
	// the results file (ResultsFile) and the libp2p identity.
	DataDir string
	// Genesis names the chain, its validators and DA parameters; the
	// header chain is synced from it unless Checkpoint is set.
	Genesis    *headers.Genesis
	Checkpoint *headers.Checkpoint
	// Bootstrap are full multiaddrs of full nodes.
	Bootstrap []string
	// ListenAddrs: nil means dial only (a light client serves nothing).
	ListenAddrs []string
	// Confidence is the sampler's target (default das.DefaultConfidence);
	// Window the heights below the head it catches up on (default 100).
	Confidence float64
	Window     int
	// Blocks and Requests bound the blocks sampled at once and the
	// requests in flight (das defaults 4 and 16).
	Blocks, Requests int
	// PexInterval and MaxPeers: see FullConfig. Defaults 30 s and 16.
	PexInterval time.Duration
	MaxPeers    int
	// SamplerOptions are passed to das.NewSampler after the node's own.
	SamplerOptions []das.Option
	// Verifier may be shared between nodes of one process.
	Verifier *kzg.Verifier
	Logger   *slog.Logger
}

// LightNode follows the header chain and samples every block.
type LightNode struct {
	cfg     LightConfig
	chainID string
	lifecycle
	startedAt time.Time

	db      *store.DB
	results *resultStore
	host    *libp2phost.Host
	syncer  *headers.Syncer
	tracker *headers.PeerTracker
	sampler *das.Sampler
	events  *hub
}

var _ api.Backend = (*LightNode)(nil)

// NewLightNode checks the configuration; Start starts the node.
func NewLightNode(cfg LightConfig) (*LightNode, error) {
	if cfg.DataDir == "" || cfg.Genesis == nil {
		return nil, fmt.Errorf("%w: data dir and genesis are required", ErrConfig)
	}
	if err := cfg.Genesis.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if cfg.Checkpoint != nil {
		if err := cfg.Checkpoint.Validate(); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrConfig, err)
		}
	}
	if cfg.Confidence == 0 {
		cfg.Confidence = das.DefaultConfidence
	}
	if cfg.Window <= 0 {
		cfg.Window = 100
	}
	if cfg.PexInterval <= 0 {
		cfg.PexInterval = 30 * time.Second
	}
	if cfg.MaxPeers <= 0 {
		cfg.MaxPeers = 16
	}
	if cfg.ListenAddrs == nil {
		cfg.ListenAddrs = []string{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &LightNode{cfg: cfg, chainID: cfg.Genesis.ChainID, lifecycle: lifecycle{log: cfg.Logger.With("node", "light")}, events: newHub()}, nil
}

// Start opens the stores, starts the host, dials the bootstrap peers
// (bounded by ctx) and runs header sync, sampling and peer exchange in the
// background until Close.
func (n *LightNode) Start(ctx context.Context) (err error) {
	cfg := n.cfg
	n.startedAt = time.Now()
	defer func() {
		if err != nil {
			n.shutdown()
		}
	}()
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("node: data dir: %w", err)
	}
	// Headers far below the sampling window are not needed again.
	keep := uint64(4*cfg.Window + 64)
	n.db, err = store.Open(filepath.Join(cfg.DataDir, DBFile), store.Options{ChainID: n.chainID, KeepHeaders: keep})
	if err != nil {
		return fmt.Errorf("node: %w", err)
	}
	n.results, err = openResults(filepath.Join(cfg.DataDir, ResultsFile), n.chainID, 2*cfg.Window+64)
	if err != nil {
		return err
	}
	verifier := cfg.Verifier
	if verifier == nil {
		if verifier, err = kzg.NewVerifier(); err != nil {
			return fmt.Errorf("node: %w", err)
		}
	}
	n.host, err = libp2phost.New(libp2phost.Config{DataDir: cfg.DataDir, ListenAddrs: cfg.ListenAddrs,
		Role: libp2phost.LightClient, Logger: cfg.Logger})
	if err != nil {
		return fmt.Errorf("node: %w", err)
	}
	hv, err := headers.NewGenesisVerifier(cfg.Genesis, headers.Options{})
	if err != nil {
		return fmt.Errorf("node: %w", err)
	}
	n.syncer, err = headers.NewSyncer(headers.SyncerConfig{
		Store:      n.db.Headers(),
		Verifier:   hv,
		Genesis:    cfg.Genesis,
		Checkpoint: cfg.Checkpoint,
		OnMisbehavior: func(peer string, err error) {
			n.log.Warn("header peer misbehaved", "peer", peer, "err", err)
			n.events.publish(&api.PeerPenalisedEvent{Peer: peer, Reason: err.Error()})
		},
	})
	if err != nil {
		return fmt.Errorf("node: %w", err)
	}
	opts := []das.Option{
		das.WithConfidence(cfg.Confidence),
		das.WithWindow(cfg.Window),
		das.WithHeaders(n.db.Headers()),
		das.WithEvents(n.onSamplerEvent),
		das.WithResults(func(_ context.Context, r *das.BlockResult) error {
			return n.results.put(api.FromBlockResult(r))
		}),
	}
	if cfg.Blocks > 0 || cfg.Requests > 0 {
		b, r := cfg.Blocks, cfg.Requests
		if b <= 0 {
			b = 4
		}
		if r <= 0 {
			r = 16
		}
		opts = append(opts, das.WithConcurrency(b, r))
	}
	opts = append(opts, cfg.SamplerOptions...)
	n.sampler, err = das.NewSampler(n.host, n.chainID, verifier, n.db.Checkpoints(), opts...)
	if err != nil {
		return fmt.Errorf("node: %w", err)
	}
	n.tracker = headers.TrackPeers(n.host, n.syncer, n.chainID, headers.NewCodec())

	rctx, cancel := context.WithCancel(context.Background())
	n.cancel = cancel
	connectBootstrap(ctx, n.host, cfg.Bootstrap, n.log)
	n.wg.Go(func() {
		for {
			err := n.syncer.Run(rctx)
			if rctx.Err() != nil {
				return
			}
			n.setErr(fmt.Errorf("header sync stopped: %w", err))
			var eq *headers.EquivocationError
			if errors.As(err, &eq) {
				return // evidence of an attack: stop and report
			}
			select {
			case <-rctx.Done():
				return
			case <-time.After(time.Second):
			}
		}
	})
	n.wg.Go(func() {
		if err := n.sampler.Run(rctx); err != nil && rctx.Err() == nil {
			n.setErr(fmt.Errorf("sampler stopped: %w", err))
		}
	})
	n.wg.Go(func() {
		if err := n.sampler.Follow(rctx, n.syncer); err != nil && rctx.Err() == nil {
			n.setErr(fmt.Errorf("following headers stopped: %w", err))
		}
	})
	d := &discoverer{host: n.host, chainID: n.chainID, maxPeers: cfg.MaxPeers, interval: cfg.PexInterval,
		log: n.log, bootstrap: cfg.Bootstrap}
	n.wg.Go(func() { d.run(rctx) })
	n.wg.Go(func() { watchPeers(rctx, n.host, n.events) })
	n.log.Info("light node started", "peer", n.host.ID(), "bootstrap", len(cfg.Bootstrap))
	return nil
}

// onSamplerEvent fans the sampler's events out. It runs on the sampler's
// goroutines, after the verdict and the checkpoint were saved (WithResults).
func (n *LightNode) onSamplerEvent(e das.Event) {
	ae, ok := api.FromDASEvent(e)
	if !ok {
		return
	}
	if he, ok := ae.(*api.HeaderEvent); ok {
		he.Time = n.headerTime(he.Height)
	}
	n.events.publish(ae)
}

func (n *LightNode) headerTime(h uint64) time.Time {
	lb, err := n.db.Headers().GetByHeight(context.Background(), h)
	if err != nil {
		return time.Time{}
	}
	return lb.Header.Time
}

// Close stops the node: background work first (bounded by ctx), then the
// host and the stores.
func (n *LightNode) Close(ctx context.Context) error { return n.stop(ctx, n.shutdown) }

func (n *LightNode) shutdown() error {
	if n.cancel != nil {
		n.cancel()
	}
	if n.tracker != nil {
		n.tracker.Close()
	}
	var errs []error
	if n.host != nil {
		errs = append(errs, n.host.Close())
	}
	n.wg.Wait()
	if n.results != nil {
		errs = append(errs, n.results.close())
	}
	if n.db != nil {
		errs = append(errs, n.db.Close())
	}
	return errors.Join(errs...)
}

// Host is the node's libp2p host.
func (n *LightNode) Host() *libp2phost.Host { return n.host }

// Checkpoint is the sampler's progress (what it persists).
func (n *LightNode) Checkpoint() *das.Checkpoint { return n.sampler.Checkpoint() }

// SamplerStatus is the sampler's own snapshot (peer scores included).
func (n *LightNode) SamplerStatus() das.Status { return n.sampler.Status() }

// Head implements api.Backend: the highest verified header.
func (n *LightNode) Head(ctx context.Context) (*headers.LightBlock, error) {
	if n.db == nil {
		return nil, api.ErrUnavailable
	}
	lb, err := n.db.Headers().Head(ctx)
	if errors.Is(err, headers.ErrNotFound) {
		return nil, fmt.Errorf("node: no head yet: %w", api.ErrNotFound)
	}
	return lb, err
}

// BlockResult implements api.Backend: the persisted verdict of the
// height's latest sampling; pending for a known height without one.
func (n *LightNode) BlockResult(ctx context.Context, height uint64) (api.BlockResult, error) {
	if n.results == nil {
		return api.BlockResult{}, api.ErrUnavailable
	}
	if r, ok, err := n.results.get(height); err != nil {
		return api.BlockResult{}, err
	} else if ok {
		return r, nil
	}
	lb, err := n.db.Headers().GetByHeight(ctx, height)
	if errors.Is(err, headers.ErrNotFound) {
		return api.BlockResult{}, fmt.Errorf("node: height %d: %w", height, api.ErrNotFound)
	}
	if err != nil {
		return api.BlockResult{}, err
	}
	if n.sampler.Checkpoint().Settled(height) {
		// Settled without a verdict of ours: below the catch-up window.
		return api.BlockResult{}, fmt.Errorf("node: height %d is outside the sampling window: %w", height, api.ErrNotFound)
	}
	return api.BlockResult{Height: height, Hash: lb.Hash().String(), K: lb.Header.K(), Status: api.StatusPending}, nil
}

// Subscribe implements api.Backend.
func (n *LightNode) Subscribe(fn func(api.Event)) (cancel func()) { return n.events.Subscribe(fn) }

// Status implements api.Backend.
func (n *LightNode) Status(ctx context.Context) (api.Status, error) {
	if n.sampler == nil {
		return api.Status{}, api.ErrUnavailable
	}
	st := api.Status{
		ChainID:     n.chainID,
		Role:        api.RoleLight,
		PeerID:      string(n.host.ID()),
		ListenAddrs: n.host.AddrStrings(),
		Peers:       len(n.host.Peers()),
		StartedAt:   n.startedAt,
	}
	api.ApplySamplerStatus(&st, n.sampler.Status())
	if head, err := n.db.Headers().Head(ctx); err == nil {
		st.HeaderHead = head.Height()
	}
	n.mu.Lock()
	if n.lastErr != "" {
		st.Error = n.lastErr
	}
	n.mu.Unlock()
	return st, nil
}
