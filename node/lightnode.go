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
	"lightdas/light"
	"lightdas/node/api"
	"lightdas/node/store"
	"lightdas/p2p"
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
	// PexInterval and MaxPeers: how often connected peers are asked for
	// more peers, and how many peers learned that way are dialled.
	// Defaults 30 s and 16.
	PexInterval time.Duration
	MaxPeers    int
	// SamplerOptions are passed to das.NewSampler after the node's own.
	SamplerOptions []das.Option
	// Verifier may be shared between nodes of one process.
	Verifier *kzg.Verifier
	Logger   *slog.Logger
}

// LightNode is the native light client: a light.Client (header sync,
// sampling with its catch-up rule, peer exchange, reconnects) over a
// go-libp2p host, with its stores on disk and the HTTP API's view of it.
type LightNode struct {
	cfg     LightConfig
	chainID string
	lifecycle
	startedAt time.Time

	db      *store.DB
	results *resultStore
	host    *libp2phost.Host
	client  *light.Client
	unsub   func()
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
		cfg.Window = light.DefaultWindow
	}
	if cfg.PexInterval <= 0 {
		cfg.PexInterval = light.DefaultPexInterval
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

// Start opens the stores, starts the host and the light client, which
// dials the bootstrap peers and runs header sync, sampling and peer
// exchange in the background until Close.
func (n *LightNode) Start(ctx context.Context) (err error) {
	cfg := n.cfg
	n.startedAt = time.Now()
	defer func() {
		if err != nil {
			n.shutdown(context.Background())
		}
	}()
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("node: data dir: %w", err)
	}
	// What the stores keep: the light client prunes to the same depths.
	keepHeaders, keepResults := 4*cfg.Window+64, 2*cfg.Window+64
	n.db, err = store.Open(filepath.Join(cfg.DataDir, DBFile), store.Options{ChainID: n.chainID, KeepHeaders: uint64(keepHeaders)})
	if err != nil {
		return fmt.Errorf("node: %w", err)
	}
	n.results, err = openResults(filepath.Join(cfg.DataDir, ResultsFile), n.chainID, keepResults)
	if err != nil {
		return err
	}
	n.host, err = libp2phost.New(libp2phost.Config{DataDir: cfg.DataDir, ListenAddrs: cfg.ListenAddrs,
		Role: libp2phost.LightClient, Logger: cfg.Logger})
	if err != nil {
		return fmt.Errorf("node: %w", err)
	}
	lc := light.Config{
		Host:           n.host,
		Dialer:         hostDialer{n.host},
		ChainID:        n.chainID,
		Genesis:        cfg.Genesis,
		Checkpoint:     cfg.Checkpoint,
		Bootstrap:      cfg.Bootstrap,
		Headers:        n.db.Headers(),
		Checkpoints:    n.db.Checkpoints(),
		Results:        n.results,
		Confidence:     cfg.Confidence,
		Window:         cfg.Window,
		Blocks:         cfg.Blocks,
		Requests:       cfg.Requests,
		SamplerOptions: cfg.SamplerOptions,
		KeepHeaders:    keepHeaders,
		KeepResults:    keepResults,
		MaxPeers:       cfg.MaxPeers,
		PexInterval:    cfg.PexInterval,
		Verifier:       cfg.Verifier,
		Logger:         cfg.Logger,
	}
	if cfg.Confidence == 1 {
		// The sampler takes a target of 1 (every cell it can verify); the
		// light client's configuration stops below it, so it is handed to
		// the sampler directly.
		lc.Confidence = 0
		lc.SamplerOptions = append([]das.Option{das.WithConfidence(1)}, cfg.SamplerOptions...)
	}
	n.client, err = light.New(lc)
	if err != nil {
		return fmt.Errorf("node: %w", err)
	}
	// Subscribed before the start, so that no event is missed.
	n.unsub = n.client.Subscribe(n.onClientEvent)
	if err := n.client.Start(ctx); err != nil {
		return fmt.Errorf("node: %w", err)
	}
	n.log.Info("light node started", "peer", n.host.ID(), "bootstrap", len(cfg.Bootstrap))
	return nil
}

// hostDialer connects the libp2p host for the light client. The security
// handshake authenticates the peer id the address names.
type hostDialer struct{ h *libp2phost.Host }

func (d hostDialer) Connect(ctx context.Context, addr string) (p2p.PeerID, error) {
	id, err := light.PeerOf(addr)
	if err != nil {
		return "", err
	}
	if err := d.h.ConnectAddr(ctx, addr); err != nil {
		return "", err
	}
	return id, nil
}

// onClientEvent maps the light client's events to the API's. It runs on
// the client's goroutines, one event at a time, after a verdict was
// persisted.
func (n *LightNode) onClientEvent(e light.Event) {
	var ae api.Event
	switch e := e.(type) {
	case *light.HeaderEvent:
		ae = &api.HeaderEvent{Height: e.Height, Hash: e.Hash, K: e.K, Time: e.Time, ReceivedAt: e.ReceivedAt}
	case *light.CellEvent:
		ae = &api.CellEvent{Height: e.Height, Row: e.Row, Col: e.Col, Peer: e.Peer, Outcome: e.Outcome, Error: e.Error}
	case *light.BlockEvent:
		ae = &api.BlockEvent{BlockResult: toAPIResult(&e.BlockResult)}
	case *light.PeerEvent:
		ae = &api.PeerEvent{Peer: e.Peer, Addr: e.Addr, Connected: e.Connected}
	case *light.PeerPenalisedEvent:
		ae = &api.PeerPenalisedEvent{Peer: e.Peer, Height: e.Height, Reason: e.Reason, Penalty: e.Penalty,
			Score: e.Score, BannedUntil: e.BannedUntil}
	default:
		return // states, sampling starts and errors: the client logs them
	}
	n.events.publish(ae)
}

// Close stops the node: the light client first (bounded by ctx), then the
// host and the stores.
func (n *LightNode) Close(ctx context.Context) error {
	return n.stop(ctx, func() error { return n.shutdown(ctx) })
}

func (n *LightNode) shutdown(ctx context.Context) error {
	var errs []error
	if n.client != nil {
		errs = append(errs, n.client.Close(ctx))
	}
	if n.unsub != nil {
		n.unsub()
	}
	if n.host != nil {
		errs = append(errs, n.host.Close())
	}
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
func (n *LightNode) Checkpoint() *das.Checkpoint { return n.client.Checkpoint() }

// SamplerStatus is the sampler's own snapshot (peer scores included).
func (n *LightNode) SamplerStatus() das.Status { return n.client.SamplerStatus() }

// sampleOnce samples the stored header of height once, outside the
// sampling schedule (see Verify).
func (n *LightNode) sampleOnce(ctx context.Context, height uint64) (api.BlockResult, error) {
	r, err := n.client.Sample(ctx, height)
	if err != nil {
		return api.BlockResult{}, err
	}
	return toAPIResult(r), nil
}

// Head implements api.Backend: the highest verified header.
func (n *LightNode) Head(ctx context.Context) (*headers.LightBlock, error) {
	if n.client == nil {
		return nil, api.ErrUnavailable
	}
	lb, err := n.client.Head(ctx)
	if errors.Is(err, headers.ErrNotFound) {
		return nil, fmt.Errorf("node: no head yet: %w", api.ErrNotFound)
	}
	return lb, err
}

// BlockResult implements api.Backend: the persisted verdict of the
// height's latest sampling; pending for a known height without one.
func (n *LightNode) BlockResult(ctx context.Context, height uint64) (api.BlockResult, error) {
	if n.client == nil {
		return api.BlockResult{}, api.ErrUnavailable
	}
	r, err := n.client.Result(ctx, height)
	if errors.Is(err, light.ErrNotFound) {
		if _, herr := n.db.Headers().GetByHeight(ctx, height); herr == nil {
			// Settled without a verdict of ours: below the catch-up window.
			return api.BlockResult{}, fmt.Errorf("node: height %d is outside the sampling window: %w", height, api.ErrNotFound)
		}
		return api.BlockResult{}, fmt.Errorf("node: height %d: %w", height, api.ErrNotFound)
	}
	if err != nil {
		return api.BlockResult{}, err
	}
	return toAPIResult(r), nil
}

// Subscribe implements api.Backend.
func (n *LightNode) Subscribe(fn func(api.Event)) (cancel func()) { return n.events.Subscribe(fn) }

// Status implements api.Backend.
func (n *LightNode) Status(ctx context.Context) (api.Status, error) {
	if n.client == nil {
		return api.Status{}, api.ErrUnavailable
	}
	ls := n.client.Status()
	st := api.Status{
		ChainID:     n.chainID,
		Role:        api.RoleLight,
		PeerID:      ls.PeerID,
		ListenAddrs: n.host.AddrStrings(),
		Peers:       len(ls.Peers),
		NetworkHead: ls.NetworkHead,
		HeaderHead:  ls.HeaderHead,
		SampledHead: ls.SampledHead,
		DoneUpTo:    ls.DoneUpTo,
		Failures:    ls.Failures,
		Available:   ls.Available,
		Unavailable: ls.Unavailable,
		Invalid:     ls.Invalid,
		StartedAt:   n.startedAt,
		Error:       ls.Error,
	}
	if ls.CatchUpFrom > 0 && ls.NetworkHead >= ls.CatchUpFrom {
		cu := &api.CatchUp{From: ls.CatchUpFrom, To: ls.NetworkHead, Pending: ls.Pending, InFlight: ls.InFlight}
		window := ls.NetworkHead - ls.CatchUpFrom + 1
		busy := uint64(ls.Pending)
		for _, h := range ls.InFlight {
			if h >= ls.CatchUpFrom && h <= ls.NetworkHead {
				busy++
			}
		}
		if busy < window {
			cu.Done = window - busy
		}
		st.CatchUp = cu
	}
	return st, nil
}
