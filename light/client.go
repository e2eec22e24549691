package light

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"lightdas/das"
	"lightdas/headers"
	"lightdas/kzg"
	"lightdas/p2p"
)

// Client is a light client: it follows the header chain from its trust
// root, samples every new block (and a window of history) to the target
// confidence, keeps connected to full nodes and finds more of them by peer
// exchange, persists its progress, and reports all of it as events.
type Client struct {
	cfg     Config
	chainID string
	log     *slog.Logger
	book    *addrBook
	syncer  *headers.Syncer
	sampler *das.Sampler
	cells   *cellTracker
	events  hub

	dialWake chan struct{}
	pexNow   chan p2p.PeerID
	syncWake chan struct{}

	// verdicts converted in WithResults, handed to the BlockResult event
	// that follows (same *das.BlockResult).
	verdictMu sync.Mutex
	verdicts  map[*das.BlockResult]*BlockResult

	mu         sync.Mutex
	state      State
	started    bool
	closed     bool
	halted     error
	lastErr    string
	startedAt  time.Time
	dialedAddr map[p2p.PeerID]string // the address each dialled peer was reached at
	tracker    *headers.PeerTracker
	cancel     context.CancelFunc
	wg         sync.WaitGroup
}

// New checks cfg and assembles a client; Start runs it.
func New(cfg Config) (*Client, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	book, err := newAddrBook(cfg.Bootstrap, cfg.MinBackoff, cfg.MaxBackoff, cfg.MaxAddrs)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	c := &Client{
		cfg:        cfg,
		chainID:    cfg.ChainID,
		log:        cfg.Logger.With("client", "light"),
		book:       book,
		cells:      newCellTracker(),
		dialWake:   make(chan struct{}, 1),
		pexNow:     make(chan p2p.PeerID, 16),
		syncWake:   make(chan struct{}, 1),
		verdicts:   map[*das.BlockResult]*BlockResult{},
		state:      StateStarting,
		dialedAddr: map[p2p.PeerID]string{},
	}
	var hv *headers.Verifier
	if cfg.Genesis != nil {
		hv, err = headers.NewGenesisVerifier(cfg.Genesis, cfg.HeaderOptions)
	} else {
		hv, err = headers.NewVerifier(cfg.ChainID, cfg.HeaderOptions)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	c.syncer, err = headers.NewSyncer(headers.SyncerConfig{
		Store:      cfg.Headers,
		Verifier:   hv,
		Genesis:    cfg.Genesis,
		Checkpoint: cfg.Checkpoint,
		OnMisbehavior: func(peer string, err error) {
			c.log.Warn("header peer misbehaved", "peer", peer, "err", err)
			c.publish(&PeerPenalisedEvent{Peer: peer, Reason: err.Error()})
		},
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	verifier := cfg.Verifier
	if verifier == nil {
		if verifier, err = kzg.NewVerifier(); err != nil {
			return nil, fmt.Errorf("light: %w", err)
		}
	}
	opts := []das.Option{
		das.WithConfidence(cfg.Confidence),
		das.WithWindow(cfg.Window),
		das.WithHeaders(cfg.Headers),
		das.WithEvents(c.onSamplerEvent),
		das.WithResults(c.saveVerdict),
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
	c.sampler, err = das.NewSampler(cfg.Host, cfg.ChainID, verifier, cfg.Checkpoints, opts...)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return c, nil
}

// ChainID is the chain the client follows.
func (c *Client) ChainID() string { return c.chainID }

// Start runs the client in the background until Close: dialling the
// bootstrap peers (and reconnecting), header sync, sampling and peer
// exchange. It does not wait for any connection.
func (c *Client) Start(ctx context.Context) error {
	if err := c.start(ctx); err != nil {
		return err
	}
	c.updateState()
	return nil
}

func (c *Client) start(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	if c.started {
		return fmt.Errorf("%w: already started", ErrConfig)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	c.started = true
	c.startedAt = time.Now()
	rctx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	// Peer events first, so no connection goes unreported.
	cancelSub := c.cfg.Host.Subscribe(c.onPeerEvent)
	c.tracker = headers.TrackPeers(c.cfg.Host, c.syncer, c.chainID, headers.NewCodec())
	c.wg.Go(func() {
		<-rctx.Done()
		cancelSub()
	})
	c.wg.Go(func() { c.dialLoop(rctx) })
	c.wg.Go(func() { c.pexLoop(rctx) })
	c.wg.Go(func() { c.syncLoop(rctx) })
	c.wg.Go(func() {
		err := c.settleBelowTail(rctx)
		if err == nil {
			err = c.sampler.Run(rctx)
		}
		if err != nil && rctx.Err() == nil {
			c.fail(SourceSampler, fmt.Errorf("sampler stopped: %w", err), true)
		}
	})
	c.wg.Go(func() {
		if err := c.follow(rctx); err != nil && rctx.Err() == nil && !c.isHalted() {
			c.fail(SourceSampler, fmt.Errorf("following headers stopped: %w", err), true)
		}
	})
	c.log.Info("light client started", "chain", c.chainID, "peer", c.cfg.Host.ID(), "bootstrap", len(c.cfg.Bootstrap))
	return nil
}

// Close stops the client and waits (bounded by ctx) for its goroutines.
// It closes neither the host nor the stores.
func (c *Client) Close(ctx context.Context) error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	cancel, tracker := c.cancel, c.tracker
	c.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	if tracker != nil {
		tracker.Close()
	}
	done := make(chan struct{})
	go func() {
		c.wg.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = fmt.Errorf("light: closing: %w", ctx.Err())
	}
	c.updateState()
	return err
}

// settleBelowTail waits for the first verified header, then marks the
// heights below the header store's tail settled in the sampler's
// checkpoint: a client that starts from a checkpoint has no headers below
// it and cannot sample those heights (they would only be skipped and
// retried).
func (c *Client) settleBelowTail(ctx context.Context) error {
	if _, err := c.syncer.WaitForHeight(ctx, 1); err != nil {
		return err
	}
	tail, err := c.cfg.Headers.Tail(ctx)
	if err != nil {
		return fmt.Errorf("header store: %w", err)
	}
	below := tail.Height() - 1
	if below == 0 {
		return nil
	}
	cp, err := c.cfg.Checkpoints.LoadCheckpoint(ctx)
	if err != nil {
		return fmt.Errorf("loading checkpoint: %w", err)
	}
	if cp == nil {
		cp = &das.Checkpoint{}
	}
	if cp.DoneUpTo >= below {
		return nil
	}
	out := &das.Checkpoint{DoneUpTo: below}
	for _, h := range cp.Done {
		if h > below {
			out.Done = append(out.Done, h)
		}
	}
	for _, r := range cp.Retry {
		if r.Height > below {
			out.Retry = append(out.Retry, r)
		}
	}
	if err := c.cfg.Checkpoints.SaveCheckpoint(ctx, out); err != nil {
		return fmt.Errorf("saving checkpoint: %w", err)
	}
	return nil
}

// follow hands the syncer's new heads to the sampler (heights a head skips
// over are caught up through the header store). A head older than
// HistoryAge is history, not news: the header chain is catching up, batch
// after batch. Then follow waits until no newer head came for SettleTime,
// so that the sampler's window lands at the end of the catch-up instead of
// at every intermediate head, whose blocks full nodes may have pruned
// (sampling them would only end unavailable, after the block deadline,
// while the real head waits). Since verifying a batch takes longer on a
// slow device, the wait is at least twice the time the last head took to
// come (at most maxSettle).
func (c *Client) follow(ctx context.Context) error {
	next := uint64(1)
	prev := time.Now()
	for {
		b, err := c.syncer.WaitForHeight(ctx, next)
		if err != nil {
			return err
		}
		for time.Since(b.Header.Time) > c.cfg.HistoryAge {
			now := time.Now()
			wait := min(max(c.cfg.SettleTime, 2*now.Sub(prev)), max(c.cfg.SettleTime, maxSettle))
			prev = now
			wctx, cancel := context.WithTimeout(ctx, wait)
			nb, err := c.syncer.WaitForHeight(wctx, b.Height()+1)
			cancel()
			if err == nil {
				b = nb
				continue
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				return err
			}
			break // settled
		}
		if err := c.sampler.HeaderVerified(b.Header); err != nil {
			return err
		}
		next = b.Height() + 1
		prev = time.Now()
	}
}

// maxSettle caps the wait for more history (see follow).
const maxSettle = 5 * time.Second

// syncLoop runs the header syncer, restarting it after failures (no
// peers yet, every peer unusable) with backoff, sooner when a peer
// connects. Evidence of an attack or an expired trust root halts it.
func (c *Client) syncLoop(ctx context.Context) {
	wait := c.cfg.MinBackoff
	for {
		start := time.Now()
		err := c.syncer.Run(ctx)
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, headers.ErrEquivocation) || errors.Is(err, headers.ErrTrustExpired) {
			// The error event goes out before anything can report the
			// halted state, so subscribers learn why first.
			c.fail(SourceSync, fmt.Errorf("header sync halted: %w", err), true)
			c.mu.Lock()
			c.halted = err
			c.mu.Unlock()
			c.updateState()
			return
		}
		if time.Since(start) > c.cfg.MaxBackoff {
			wait = c.cfg.MinBackoff
		}
		c.log.Debug("header sync stopped; restarting", "err", err, "in", wait)
		c.publish(&ErrorEvent{Source: SourceSync, Message: fmt.Sprintf("header sync: %v", err), RetryInMs: ms(wait)})
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		case <-c.syncWake:
			t.Stop()
		}
		wait = min(2*wait, c.cfg.MaxBackoff)
	}
}

func (c *Client) isHalted() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.halted != nil
}

// fail records a problem as the client's last error and reports it.
func (c *Client) fail(source string, err error, fatal bool) {
	c.log.Warn("light client error", "source", source, "err", err)
	c.mu.Lock()
	c.lastErr = err.Error()
	c.mu.Unlock()
	c.publish(&ErrorEvent{Source: source, Message: err.Error(), Fatal: fatal})
}

// onPeerEvent reports connections and schedules reconnects.
func (c *Client) onPeerEvent(ev p2p.PeerEvent) {
	c.mu.Lock()
	addr := c.dialedAddr[ev.Peer]
	c.mu.Unlock()
	switch ev.Kind {
	case p2p.PeerConnected:
		c.publish(&PeerEvent{Peer: string(ev.Peer), Addr: addr, Connected: true})
		select {
		case c.syncWake <- struct{}{}:
		default:
		}
	case p2p.PeerDisconnected:
		c.book.disconnected(ev.Peer, time.Now())
		c.publish(&PeerEvent{Peer: string(ev.Peer), Addr: addr})
		c.wakeDialer()
	}
	c.updateState()
}

// onSamplerEvent converts and fans out the sampler's events. It runs on
// the sampler's goroutines.
func (c *Client) onSamplerEvent(e das.Event) {
	switch e := e.(type) {
	case *das.HeaderVerified:
		he := &HeaderEvent{Height: e.Height, Hash: e.Hash.String(), K: e.K, ReceivedAt: e.Time}
		if lb, err := c.cfg.Headers.GetByHeight(context.Background(), e.Height); err == nil {
			he.Time = lb.Header.Time
		}
		c.publish(he)
		c.updateState()
	case *das.BlockStarted:
		c.cells.started(e)
		se := &SamplingEvent{Height: e.Height, Hash: e.Hash.String(), K: e.K, Attempt: e.Attempt, StartedAt: e.Time,
			Cells: make([]Cell, len(e.Cells))}
		for i, cc := range e.Cells {
			se.Cells[i] = Cell{Row: cc.Row, Col: cc.Col}
		}
		c.publish(se)
	case *das.CellResult:
		c.cells.cell(e)
		ce := &CellEvent{Height: e.Height, Row: e.Coord.Row, Col: e.Coord.Col, Peer: string(e.Peer),
			Outcome: e.Outcome.String(), ElapsedMs: ms(e.Elapsed)}
		if e.Err != nil {
			ce.Error = e.Err.Error()
		}
		c.publish(ce)
	case *das.BlockResult:
		c.verdictMu.Lock()
		r := c.verdicts[e]
		delete(c.verdicts, e)
		c.verdictMu.Unlock()
		if r == nil { // not saved through WithResults (a one-off Sample)
			cells, invalid := c.cells.finish(e)
			r = fromDAS(e, cells, invalid)
		}
		c.publish(&BlockEvent{*r})
	case *das.PeerPenalised:
		pe := &PeerPenalisedEvent{Peer: string(e.Peer), Height: e.Height, Penalty: e.Penalty, Score: e.Score}
		if e.Reason != nil {
			pe.Reason = e.Reason.Error()
		}
		if !e.BannedUntil.IsZero() {
			t := e.BannedUntil
			pe.BannedUntil = &t
		}
		c.publish(pe)
	}
}

// saveVerdict persists a verdict before the sampler settles its height,
// and prunes the stores below what the client keeps.
func (c *Client) saveVerdict(ctx context.Context, dr *das.BlockResult) error {
	cells, invalid := c.cells.finish(dr)
	r := fromDAS(dr, cells, invalid)
	c.verdictMu.Lock()
	c.verdicts[dr] = r
	c.verdictMu.Unlock()
	if err := c.cfg.Results.PutResult(ctx, r); err != nil {
		c.publish(&ErrorEvent{Source: SourceStore, Message: fmt.Sprintf("saving the verdict of height %d: %v", r.Height, err)})
		return err
	}
	c.prune(ctx)
	return nil
}

func (c *Client) prune(ctx context.Context) {
	head, err := c.cfg.Headers.Head(ctx)
	if err != nil {
		return
	}
	h := head.Height()
	if keep := uint64(c.cfg.KeepHeaders); h > keep {
		if tail, err := c.cfg.Headers.Tail(ctx); err == nil && tail.Height()+64 < h-keep {
			// Pruned in steps of 64 so the store is not touched per block.
			if err := c.cfg.Headers.Prune(ctx, h-keep); err != nil {
				c.publish(&ErrorEvent{Source: SourceStore, Message: fmt.Sprintf("pruning headers: %v", err)})
			}
		}
	}
	if keep := uint64(c.cfg.KeepResults); h > keep && h%16 == 0 {
		if err := c.cfg.Results.PruneResults(ctx, h-keep); err != nil {
			c.publish(&ErrorEvent{Source: SourceStore, Message: fmt.Sprintf("pruning results: %v", err)})
		}
	}
}

// publish delivers e to the subscribers.
func (c *Client) publish(e Event) { c.events.publish(e) }

// Subscribe registers fn for every event from now on, until cancel.
// Events come one at a time, in order, from the client's goroutines; fn
// must not block (queue the event if it needs time) and must not call
// cancel.
func (c *Client) Subscribe(fn func(Event)) (cancel func()) { return c.events.subscribe(fn) }

// updateState recomputes the state and reports a change.
func (c *Client) updateState() {
	// Asked before taking mu: the host and the store have locks of their
	// own, which must never be held while waiting for ours.
	peers, head := len(c.cfg.Host.Peers()), c.hasHead()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.setStateLocked(peers, head)
}

func (c *Client) setStateLocked(peers int, head bool) {
	var s State
	var why string
	switch {
	case c.closed:
		s = StateStopped
	case !c.started:
		s = StateStarting
	case c.halted != nil:
		s, why = StateHalted, c.halted.Error()
	case peers == 0:
		s = StateConnecting
	case head:
		s = StateFollowing
	default:
		s = StateSyncing
	}
	if s == c.state {
		return
	}
	c.state = s
	// Published under mu so state events keep their order; subscribers
	// never call back into the client synchronously (see Subscribe).
	c.publish(&StateEvent{State: s, Peers: peers, Error: why})
}

func (c *Client) hasHead() bool {
	_, err := c.cfg.Headers.Head(context.Background())
	return err == nil
}

// Head is the highest verified header (wrapping headers.ErrNotFound
// before the first).
func (c *Client) Head(ctx context.Context) (*headers.LightBlock, error) {
	return c.cfg.Headers.Head(ctx)
}

// Result reports the sampling of one height: the stored verdict, or a
// pending result for a stored header without one; ErrNotFound otherwise.
func (c *Client) Result(ctx context.Context, height uint64) (*BlockResult, error) {
	r, err := c.cfg.Results.Result(ctx, height)
	if err == nil || !errors.Is(err, ErrNotFound) {
		return r, err
	}
	lb, herr := c.cfg.Headers.GetByHeight(ctx, height)
	if herr != nil {
		return nil, fmt.Errorf("light: height %d: %w", height, ErrNotFound)
	}
	if c.sampler.Checkpoint().Settled(height) {
		return nil, fmt.Errorf("light: height %d is outside the sampling window: %w", height, ErrNotFound)
	}
	return &BlockResult{Height: height, Hash: lb.Hash().String(), K: lb.Header.K(), Status: StatusPending}, nil
}

// Results returns the stored verdicts of heights in [from, to].
func (c *Client) Results(ctx context.Context, from, to uint64) ([]*BlockResult, error) {
	return c.cfg.Results.Results(ctx, from, to)
}

// Sample samples the stored header of height once, outside the schedule
// (e.g. a height below the window that a script asks about). The verdict
// is reported as a BlockEvent (with its cells) but neither persisted nor
// counted in the checkpoint. ErrNotFound when the header is not stored.
func (c *Client) Sample(ctx context.Context, height uint64) (*BlockResult, error) {
	lb, err := c.cfg.Headers.GetByHeight(ctx, height)
	if errors.Is(err, headers.ErrNotFound) {
		return nil, fmt.Errorf("light: header of height %d: %w", height, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("light: header of height %d: %w", height, err)
	}
	r, err := c.sampler.Sample(ctx, lb.Header)
	if err != nil {
		return nil, fmt.Errorf("light: sampling height %d: %w", height, err)
	}
	return fromDAS(r, nil, nil), nil
}

// Checkpoint is the sampler's progress (what it persists).
func (c *Client) Checkpoint() *das.Checkpoint { return c.sampler.Checkpoint() }

// SamplerStatus is the sampler's own snapshot (peer scores with ban
// times included).
func (c *Client) SamplerStatus() das.Status { return c.sampler.Status() }

// PeerStatus is one connected peer in Status.
type PeerStatus struct {
	ID          string     `json:"id"`
	Addr        string     `json:"addr,omitempty"`
	Score       float64    `json:"score"`
	Verified    uint64     `json:"verified"` // cells served that verified
	Failures    uint64     `json:"failures"`
	BannedUntil *time.Time `json:"banned_until,omitempty"`
}

// Status is a snapshot of the client. Zero heights mean "none yet".
type Status struct {
	ChainID string       `json:"chain_id"`
	PeerID  string       `json:"peer_id"`
	State   State        `json:"state"`
	Peers   []PeerStatus `json:"peers"`
	Addrs   []AddrStatus `json:"addrs"`
	// NetworkHead is the highest verified header the sampler was handed;
	// HeaderHead the highest stored; SampledHead the highest height with
	// a verdict; DoneUpTo the height up to which every height has one.
	NetworkHead uint64 `json:"network_head"`
	HeaderHead  uint64 `json:"header_head"`
	SampledHead uint64 `json:"sampled_head"`
	DoneUpTo    uint64 `json:"done_up_to"`
	// CatchUpFrom..NetworkHead is the window sampled; Pending of it wait,
	// InFlight are being sampled, Failures wait for a retry.
	CatchUpFrom uint64   `json:"catch_up_from"`
	Pending     int      `json:"pending"`
	InFlight    []uint64 `json:"in_flight"`
	Failures    []uint64 `json:"failures"`
	// Verdicts since start.
	Available   int `json:"available"`
	Unavailable int `json:"unavailable"`
	Invalid     int `json:"invalid"`
	// TargetConfidence is the configured target.
	TargetConfidence float64   `json:"target_confidence"`
	Window           int       `json:"window"`
	StartedAt        time.Time `json:"started_at"`
	Error            string    `json:"error,omitempty"`
}

// Status returns a snapshot of the client.
func (c *Client) Status() Status {
	ss := c.sampler.Status()
	st := Status{
		ChainID:          c.chainID,
		PeerID:           string(c.cfg.Host.ID()),
		Addrs:            c.book.snapshot(),
		NetworkHead:      ss.NetworkHead,
		SampledHead:      ss.SampledHead,
		DoneUpTo:         ss.DoneUpTo,
		CatchUpFrom:      ss.CatchUpFrom,
		Pending:          ss.CatchUpPending,
		InFlight:         append([]uint64{}, ss.InFlight...),
		Failures:         []uint64{},
		Available:        ss.Available,
		Unavailable:      ss.Unavailable,
		Invalid:          ss.Invalid,
		TargetConfidence: c.cfg.Confidence,
		Window:           c.cfg.Window,
	}
	for _, f := range ss.Failures {
		st.Failures = append(st.Failures, f.Height)
	}
	if head, err := c.cfg.Headers.Head(context.Background()); err == nil {
		st.HeaderHead = head.Height()
	}
	scores := map[p2p.PeerID]das.PeerInfo{}
	for _, p := range ss.Peers {
		scores[p.ID] = p
	}
	peers := c.cfg.Host.Peers()
	slices.Sort(peers)
	c.mu.Lock()
	st.State = c.state
	st.StartedAt = c.startedAt
	st.Error = c.lastErr
	if ss.CheckpointErr != nil {
		st.Error = "checkpoint: " + ss.CheckpointErr.Error()
	}
	st.Peers = make([]PeerStatus, 0, len(peers))
	for _, id := range peers {
		ps := PeerStatus{ID: string(id), Addr: c.dialedAddr[id]}
		if info, ok := scores[id]; ok {
			ps.Score, ps.Verified, ps.Failures = info.Score, info.Verified, info.Failures
			if info.BannedUntil.After(time.Now()) {
				t := info.BannedUntil
				ps.BannedUntil = &t
			}
		}
		st.Peers = append(st.Peers, ps)
	}
	c.mu.Unlock()
	return st
}

// hub fans events out to subscribers, one event at a time, in order.
type hub struct {
	emit sync.Mutex // serialises deliveries

	mu   sync.Mutex
	next int
	subs map[int]func(Event)
}

func (h *hub) subscribe(fn func(Event)) (cancel func()) {
	h.mu.Lock()
	if h.subs == nil {
		h.subs = map[int]func(Event){}
	}
	id := h.next
	h.next++
	h.subs[id] = fn
	h.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			h.emit.Lock() // waits for a delivery in progress
			h.mu.Lock()
			delete(h.subs, id)
			h.mu.Unlock()
			h.emit.Unlock()
		})
	}
}

func (h *hub) publish(e Event) {
	h.emit.Lock()
	defer h.emit.Unlock()
	h.mu.Lock()
	fns := make([]func(Event), 0, len(h.subs))
	for _, fn := range h.subs {
		fns = append(fns, fn)
	}
	h.mu.Unlock()
	for _, fn := range fns {
		fn(e)
	}
}
