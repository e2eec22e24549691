//go:build !js

package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"lightdas/das"
	"lightdas/headers"
	"lightdas/headers/bls"
	"lightdas/kzg"
	"lightdas/node/api"
	"lightdas/node/pex"
	"lightdas/node/producer"
	"lightdas/node/store"
	"lightdas/p2p"
	"lightdas/p2p/libp2phost"
)

// DBFile is the database file inside a node's data dir.
const DBFile = "node.db"

// ProducerConfig turns a full node into the devnet's block producer.
type ProducerConfig struct {
	// Keys are the genesis validators' secret keys (producer.LoadDevnet).
	Keys []*bls.SecretKey
	// Interval between blocks. Default 2 s.
	Interval time.Duration
	// SyntheticBlobs: random blobs in a block without submitted data.
	// Default 4; negative means empty blocks.
	SyntheticBlobs int
	// MaxPending bounds queued submissions in bytes (producer default).
	MaxPending int
}

// FullConfig configures a FullNode.
type FullConfig struct {
	// DataDir holds the database (DBFile) and the libp2p identity.
	DataDir string
	Genesis *headers.Genesis
	// ListenAddrs: nil listens on every transport on 127.0.0.1 with random
	// ports (libp2phost.DefaultListenAddrs).
	ListenAddrs []string
	// Bootstrap are full multiaddrs of full nodes to follow and exchange
	// peers with.
	Bootstrap []string
	// Producer, when set, makes this node produce blocks; otherwise it
	// follows the chain from its bootstrap peers.
	Producer *ProducerConfig
	// KeepBlocks is the window of extended blocks kept (older ones are
	// pruned). Default 256. Headers are all kept (light clients sync from
	// the genesis).
	KeepBlocks uint64
	// BlockTimeout bounds a following node's attempts to complete one
	// block, after which the height is recorded unavailable and skipped.
	// Default 60 s.
	BlockTimeout time.Duration
	// RetryInterval is how often a following node tries the blocks it
	// gave up on again, while they are in the keep window: data that
	// comes back later (a peer returns, a producer stops withholding)
	// still completes them. Default 60 s.
	RetryInterval time.Duration
	// PexInterval is how often peers are asked for more nodes. Default
	// 30 s. MaxPeers bounds the peers dialled through peer exchange.
	// Default 32.
	PexInterval time.Duration
	MaxPeers    int
	// Misbehavior makes the node lie when serving samples and rows
	// (tests and devnets).
	Misbehavior *das.Misbehavior
	// Verifier and Prover may be shared between nodes of one process;
	// built when nil (the prover only when producing or recovering).
	Verifier *kzg.Verifier
	Prover   *kzg.Prover
	// Logger. Default slog.Default().
	Logger *slog.Logger
}

// FullNode is a full node: it holds whole extended blocks and serves
// headers, head announcements, samples, rows and peer exchange.
type FullNode struct {
	cfg     FullConfig
	chainID string
	lifecycle
	startedAt time.Time

	db       *store.DB
	host     *libp2phost.Host
	verifier *kzg.Verifier
	headerSv *headers.HeaderService
	samples  *das.Server
	rows     *RowServer
	producer *producer.Producer
	syncer   *headers.Syncer
	tracker  *headers.PeerTracker
	fetcher  *blockFetcher
	events   *hub
	results  *results

	proverOnce sync.Once
	prover     *kzg.Prover
	proverErr  error

	// lifecycle.mu guards the fields below.
	storedHead  uint64 // highest block stored
	doneUpTo    uint64 // every height up to here stored or given up
	stored      int
	failed      []uint64
	networkHead uint64
}

var _ api.Backend = (*FullNode)(nil)

// NewFullNode checks the configuration; Start starts the node.
func NewFullNode(cfg FullConfig) (*FullNode, error) {
	if cfg.DataDir == "" || cfg.Genesis == nil {
		return nil, fmt.Errorf("%w: data dir and genesis are required", ErrConfig)
	}
	if err := cfg.Genesis.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if cfg.Producer == nil && len(cfg.Bootstrap) == 0 {
		return nil, fmt.Errorf("%w: a following full node needs bootstrap peers", ErrConfig)
	}
	if cfg.Producer != nil && len(cfg.Producer.Keys) == 0 {
		return nil, fmt.Errorf("%w: a producing full node needs validator keys", ErrConfig)
	}
	if cfg.KeepBlocks == 0 {
		cfg.KeepBlocks = 256
	}
	if cfg.BlockTimeout <= 0 {
		cfg.BlockTimeout = 60 * time.Second
	}
	if cfg.RetryInterval <= 0 {
		cfg.RetryInterval = 60 * time.Second
	}
	if cfg.PexInterval <= 0 {
		cfg.PexInterval = 30 * time.Second
	}
	if cfg.MaxPeers <= 0 {
		cfg.MaxPeers = 32
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &FullNode{cfg: cfg, chainID: cfg.Genesis.ChainID, lifecycle: lifecycle{log: cfg.Logger.With("node", "full")},
		events: newHub(), results: newResults(int(cfg.KeepBlocks) * 2)}, nil
}

// Start opens the store, starts the host and the protocols, dials the
// bootstrap peers (bounded by ctx) and starts producing or following in
// the background until Close.
func (n *FullNode) Start(ctx context.Context) (err error) {
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
	n.db, err = store.Open(filepath.Join(cfg.DataDir, DBFile), store.Options{ChainID: n.chainID, KeepBlocks: cfg.KeepBlocks})
	if err != nil {
		return fmt.Errorf("node: %w", err)
	}
	n.verifier = cfg.Verifier
	if n.verifier == nil {
		if n.verifier, err = kzg.NewVerifier(); err != nil {
			return fmt.Errorf("node: %w", err)
		}
	}
	n.host, err = libp2phost.New(libp2phost.Config{DataDir: cfg.DataDir, ListenAddrs: cfg.ListenAddrs,
		Role: libp2phost.FullNode, Logger: cfg.Logger})
	if err != nil {
		return fmt.Errorf("node: %w", err)
	}
	if err := n.recoverState(ctx); err != nil {
		return err
	}
	n.headerSv = headers.ServeHeaders(n.host, n.chainID, headers.NewServer(n.db.Headers()))
	n.samples, err = das.NewServer(n.chainID, n.db.Blocks(), das.ServerConfig{
		// A full node serves up to ~1000 light clients (libp2phost's
		// FullNode limits); each asks for a block's cells in one request.
		// At most 1024 responses of <= 134 KB are in flight: < 140 MB.
		MaxStreams:  1024,
		Misbehavior: cfg.Misbehavior,
	})
	if err != nil {
		return fmt.Errorf("node: %w", err)
	}
	n.samples.Register(n.host)
	n.rows = NewRowServer(n.chainID, n.db.Blocks(), RowServerConfig{Misbehavior: cfg.Misbehavior})
	n.rows.Register(n.host)
	pex.NewServer(n.chainID, servingAddrs(n.host, n.chainID, true), pex.ServerConfig{}).Register(n.host)

	rctx, cancel := context.WithCancel(context.Background())
	n.cancel = cancel
	if cfg.Producer != nil {
		if err := n.startProducer(rctx); err != nil {
			return err
		}
	} else if err := n.startFollower(rctx); err != nil {
		return err
	}
	connectBootstrap(ctx, n.host, cfg.Bootstrap, n.log)
	d := &discoverer{host: n.host, chainID: n.chainID, maxPeers: cfg.MaxPeers, interval: cfg.PexInterval,
		log: n.log, bootstrap: cfg.Bootstrap}
	n.wg.Go(func() { d.run(rctx) })
	n.wg.Go(func() { n.peerEvents(rctx) })
	n.log.Info("full node started", "peer", n.host.ID(), "addrs", n.host.AddrStrings(), "producer", cfg.Producer != nil)
	return nil
}

// recoverState reads the store's head and stored blocks after a restart.
func (n *FullNode) recoverState(ctx context.Context) error {
	ids, err := n.db.Blocks().Heights(ctx)
	if err != nil {
		return fmt.Errorf("node: %w", err)
	}
	if len(ids) > 0 {
		n.storedHead = ids[len(ids)-1].Height
		n.doneUpTo = n.storedHead
	}
	if head, err := n.db.Headers().Head(ctx); err == nil {
		n.networkHead = head.Height()
	}
	return nil
}

func (n *FullNode) getProver() (*kzg.Prover, error) {
	n.proverOnce.Do(func() {
		if n.cfg.Prover != nil {
			n.prover = n.cfg.Prover
			return
		}
		n.prover, n.proverErr = kzg.NewProver()
	})
	return n.prover, n.proverErr
}

func (n *FullNode) startProducer(ctx context.Context) error {
	prover, err := n.getProver()
	if err != nil {
		return fmt.Errorf("node: %w", err)
	}
	pc := n.cfg.Producer
	n.producer, err = producer.New(producer.Config{
		Genesis:        n.cfg.Genesis,
		Keys:           pc.Keys,
		Prover:         prover,
		Headers:        n.db.Headers(),
		Blocks:         n.db.Blocks(),
		OnBlock:        n.produced,
		Interval:       pc.Interval,
		SyntheticBlobs: pc.SyntheticBlobs,
		MaxPending:     pc.MaxPending,
		Logger:         n.cfg.Logger,
	})
	if err != nil {
		return fmt.Errorf("node: %w", err)
	}
	n.wg.Go(func() {
		if err := n.producer.Run(ctx); err != nil {
			n.setErr(fmt.Errorf("producer stopped: %w", err))
		}
	})
	return nil
}

// produced publishes a new block: the head announcement goes out after
// the block and header are stored (the producer's order).
func (n *FullNode) produced(b *producer.Block) {
	now := time.Now()
	lb := b.Light
	if err := n.headerSv.Publish(lb); err != nil {
		n.log.Warn("publishing head failed", "height", lb.Height(), "err", err)
	}
	k := lb.Header.K()
	n.mu.Lock()
	n.networkHead = max(n.networkHead, lb.Height())
	n.storedHead = max(n.storedHead, lb.Height())
	n.doneUpTo = max(n.doneUpTo, lb.Height())
	n.stored++
	n.mu.Unlock()
	n.events.publish(api.HeaderEventFor(lb, now))
	n.blockDone(lb, k, now, now, nil)
}

// blockDone records and announces the verdict on a block this node holds
// (or gave up on, with err).
func (n *FullNode) blockDone(lb *headers.LightBlock, k int, received, started time.Time, err error) {
	cells := 2 * k * kzg.CellsPerRow
	res := api.BlockResult{Height: lb.Height(), Hash: lb.Hash().String(), K: k,
		Status: api.StatusAvailable, Confidence: 1, Samples: cells, Verified: cells, Attempt: 1}
	done := time.Now()
	res.ReceivedAt, res.StartedAt = &received, &started
	res.DurationMs, res.LatencyMs = ms(done.Sub(started)), ms(done.Sub(received))
	if err != nil {
		res.Status, res.Confidence, res.Verified, res.Error = api.StatusUnavailable, 0, 0, err.Error()
	}
	n.results.put(res)
	n.events.publish(&api.BlockEvent{BlockResult: res})
}

func (n *FullNode) startFollower(ctx context.Context) error {
	v, err := headers.NewGenesisVerifier(n.cfg.Genesis, headers.Options{})
	if err != nil {
		return fmt.Errorf("node: %w", err)
	}
	codec := headers.NewCodec()
	n.syncer, err = headers.NewSyncer(headers.SyncerConfig{
		Store:    n.db.Headers(),
		Verifier: v,
		Genesis:  n.cfg.Genesis,
		OnMisbehavior: func(peer string, err error) {
			n.log.Warn("header peer misbehaved", "peer", peer, "err", err)
			n.events.publish(&api.PeerPenalisedEvent{Peer: peer, Reason: err.Error()})
		},
	})
	if err != nil {
		return fmt.Errorf("node: %w", err)
	}
	n.tracker = headers.TrackPeers(n.host, n.syncer, n.chainID, codec)
	n.fetcher = newBlockFetcher(n.host, n.chainID, n.verifier, n.getProver)
	n.fetcher.onPenalty = func(p p2p.PeerID, height uint64, err error, until time.Time) {
		n.log.Warn("peer served a bad row: banned", "peer", p, "height", height, "err", err)
		u := until
		n.events.publish(&api.PeerPenalisedEvent{Peer: string(p), Height: height, Reason: err.Error(), BannedUntil: &u})
	}
	n.wg.Go(func() {
		for {
			err := n.syncer.Run(ctx)
			if ctx.Err() != nil {
				return
			}
			n.setErr(fmt.Errorf("header sync stopped: %w", err))
			var eq *headers.EquivocationError
			if errors.As(err, &eq) {
				return // evidence of an attack: stop following
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
		}
	})
	n.wg.Go(func() { n.follow(ctx) })
	n.wg.Go(func() { n.retryFailed(ctx) })
	return nil
}

// retryFailed tries the given-up blocks again every RetryInterval, each
// once per round (bounded by BlockTimeout), dropping those that left the
// keep window. A block completed late is stored and its verdict turns
// available; it is not announced as a head.
func (n *FullNode) retryFailed(ctx context.Context) {
	tick := time.NewTicker(n.cfg.RetryInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		n.mu.Lock()
		heights := slices.Clone(n.failed)
		low := uint64(1)
		if keep := n.cfg.KeepBlocks; n.networkHead >= keep {
			low = n.networkHead - keep + 1
		}
		n.mu.Unlock()
		for _, h := range heights {
			if ctx.Err() != nil {
				return
			}
			if h < low {
				n.dropFailed(h)
				continue
			}
			lb, err := n.db.Headers().GetByHeight(ctx, h)
			if err != nil {
				continue
			}
			started := time.Now()
			bctx, cancel := context.WithTimeout(ctx, n.cfg.BlockTimeout)
			eb, err := n.fetcher.fetch(bctx, lb.Header, nil)
			cancel()
			if err != nil {
				continue
			}
			if err := n.db.Blocks().Put(h, lb.Hash(), eb); err != nil {
				n.setErr(fmt.Errorf("storing block %d: %w", h, err))
				continue
			}
			n.dropFailed(h)
			n.mu.Lock()
			n.storedHead = max(n.storedHead, h)
			n.stored++
			n.mu.Unlock()
			n.log.Info("completed a block given up before", "height", h)
			n.blockDone(lb, eb.K, started, started, nil)
		}
	}
}

func (n *FullNode) dropFailed(h uint64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.failed = slices.DeleteFunc(n.failed, func(f uint64) bool { return f == h })
}

// follow completes the block of every verified header, in height order,
// starting above the blocks already stored (or, for a new node, at the
// start of the keep window below the network head).
func (n *FullNode) follow(ctx context.Context) {
	n.mu.Lock()
	next := n.doneUpTo + 1
	n.mu.Unlock()
	for {
		head, err := n.syncer.WaitForHeight(ctx, next)
		if err != nil {
			return
		}
		top := head.Height()
		n.mu.Lock()
		n.networkHead = max(n.networkHead, top)
		n.mu.Unlock()
		if keep := n.cfg.KeepBlocks; top >= keep && next < top-keep+1 {
			next = top - keep + 1
		}
		for ; next <= top; next++ {
			lb, err := n.db.Headers().GetByHeight(ctx, next)
			if err != nil {
				if ctx.Err() != nil {
					return
				}
				n.setErr(fmt.Errorf("header %d: %w", next, err))
				continue
			}
			if !n.complete(ctx, lb) {
				return
			}
		}
	}
}

// complete fetches, verifies, stores and announces one block, retrying
// until BlockTimeout. It returns false when ctx ended.
func (n *FullNode) complete(ctx context.Context, lb *headers.LightBlock) bool {
	received := time.Now()
	n.events.publish(api.HeaderEventFor(lb, received))
	bctx, cancel := context.WithTimeout(ctx, n.cfg.BlockTimeout)
	defer cancel()
	backoff := 100 * time.Millisecond
	var lastErr error
	got := newBlockRows(lb.Header.K()) // kept across attempts
	for {
		eb, err := n.fetcher.fetch(bctx, lb.Header, got)
		if err == nil {
			if err = n.db.Blocks().Put(lb.Height(), lb.Hash(), eb); err == nil {
				n.mu.Lock()
				n.storedHead = max(n.storedHead, lb.Height())
				n.doneUpTo = max(n.doneUpTo, lb.Height())
				n.stored++
				n.mu.Unlock()
				if err := n.headerSv.Publish(lb); err != nil {
					n.log.Warn("publishing head failed", "height", lb.Height(), "err", err)
				}
				n.blockDone(lb, eb.K, received, received, nil)
				return true
			}
			n.setErr(fmt.Errorf("storing block %d: %w", lb.Height(), err))
		}
		lastErr = err
		if ctx.Err() != nil {
			return false
		}
		select {
		case <-bctx.Done():
			if ctx.Err() != nil {
				return false
			}
			n.log.Warn("giving up on a block", "height", lb.Height(), "err", lastErr)
			n.mu.Lock()
			n.failed = append(n.failed, lb.Height())
			if len(n.failed) > 64 {
				n.failed = n.failed[1:]
			}
			n.doneUpTo = max(n.doneUpTo, lb.Height())
			n.mu.Unlock()
			n.blockDone(lb, lb.Header.K(), received, received, lastErr)
			return true
		case <-time.After(backoff):
			backoff = min(2*backoff, 2*time.Second)
		}
	}
}

// peerEvents turns host connectivity changes into API events.
func (n *FullNode) peerEvents(ctx context.Context) { watchPeers(ctx, n.host, n.events) }

// Close stops the node: background work first (bounded by ctx), then the
// services, the host and the store.
func (n *FullNode) Close(ctx context.Context) error { return n.stop(ctx, n.shutdown) }

// shutdown releases what Start acquired.
func (n *FullNode) shutdown() error {
	if n.cancel != nil {
		n.cancel()
	}
	if n.tracker != nil {
		n.tracker.Close()
	}
	if n.headerSv != nil {
		n.headerSv.Close()
	}
	var errs []error
	if n.host != nil {
		errs = append(errs, n.host.Close())
	}
	n.wg.Wait()
	if n.db != nil {
		errs = append(errs, n.db.Close())
	}
	return errors.Join(errs...)
}

// Host is the node's libp2p host.
func (n *FullNode) Host() *libp2phost.Host { return n.host }

// Addrs are the node's full multiaddrs (for bootstrap lists).
func (n *FullNode) Addrs() []string { return n.host.AddrStrings() }

// Submit queues data for the next blocks (producing nodes only).
func (n *FullNode) Submit(data []byte) error {
	if n.producer == nil {
		return fmt.Errorf("node: %w", api.ErrNotSupported)
	}
	return n.producer.Submit(data)
}

// Head implements api.Backend: the highest header stored.
func (n *FullNode) Head(ctx context.Context) (*headers.LightBlock, error) {
	if n.db == nil {
		return nil, api.ErrUnavailable
	}
	lb, err := n.db.Headers().Head(ctx)
	if errors.Is(err, headers.ErrNotFound) {
		return nil, fmt.Errorf("node: no head yet: %w", api.ErrNotFound)
	}
	return lb, err
}

// BlockResult implements api.Backend: a stored block is available with
// confidence 1 (every cell held and verified); a height whose header is
// stored but whose block is not is pending.
func (n *FullNode) BlockResult(ctx context.Context, height uint64) (api.BlockResult, error) {
	if r, ok := n.results.get(height); ok {
		return r, nil
	}
	if n.db == nil {
		return api.BlockResult{}, api.ErrUnavailable
	}
	lb, err := n.db.Headers().GetByHeight(ctx, height)
	if errors.Is(err, headers.ErrNotFound) {
		return api.BlockResult{}, fmt.Errorf("node: height %d: %w", height, api.ErrNotFound)
	}
	if err != nil {
		return api.BlockResult{}, err
	}
	res := api.BlockResult{Height: height, Hash: lb.Hash().String(), K: lb.Header.K(), Status: api.StatusPending}
	if k, err := n.db.Blocks().K(ctx, height, lb.Hash()); err == nil {
		cells := 2 * k * kzg.CellsPerRow
		res.Status, res.Confidence, res.Samples, res.Verified = api.StatusAvailable, 1, cells, cells
	} else if n.doneUpTo >= height {
		// Pruned, or given up on before a restart.
		return api.BlockResult{}, fmt.Errorf("node: height %d: block not kept: %w", height, api.ErrNotFound)
	}
	return res, nil
}

// Subscribe implements api.Backend.
func (n *FullNode) Subscribe(fn func(api.Event)) (cancel func()) { return n.events.Subscribe(fn) }

// Status implements api.Backend.
func (n *FullNode) Status(ctx context.Context) (api.Status, error) {
	if n.host == nil {
		return api.Status{}, api.ErrUnavailable
	}
	n.mu.Lock()
	st := api.Status{
		ChainID:     n.chainID,
		Role:        api.RoleFull,
		PeerID:      string(n.host.ID()),
		ListenAddrs: n.host.AddrStrings(),
		NetworkHead: n.networkHead,
		HeaderHead:  n.networkHead,
		SampledHead: n.storedHead,
		DoneUpTo:    n.doneUpTo,
		Failures:    append([]uint64{}, n.failed...),
		Available:   n.stored,
		Unavailable: len(n.failed),
		StartedAt:   n.startedAt,
		Error:       n.lastErr,
	}
	n.mu.Unlock()
	if n.syncer != nil {
		if head, err := n.db.Headers().Head(ctx); err == nil {
			st.HeaderHead = head.Height()
		}
	}
	st.Peers = len(n.host.Peers())
	served := n.samples.CellsServed()
	st.CellsServed = &served
	return st, nil
}

// RowsServed counts the whole rows this node served.
func (n *FullNode) RowsServed() uint64 { return n.rows.RowsServed() }

// BannedRowPeers lists the peers a following node banned for bad rows.
func (n *FullNode) BannedRowPeers() map[p2p.PeerID]time.Time {
	if n.fetcher == nil {
		return nil
	}
	return n.fetcher.Banned()
}
