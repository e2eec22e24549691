package das

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"lightdas/headers"
	"lightdas/kzg"
	"lightdas/p2p"
)

// HeaderSource gives the sampler the verified headers of past heights for
// catch-up. headers.Store implements it.
type HeaderSource interface {
	GetByHeight(ctx context.Context, height uint64) (*headers.LightBlock, error)
}

// config holds the sampler's options.
type config struct {
	confidence      float64
	window          int
	maxBlocks       int
	maxRequests     int
	spread          int
	blockTimeout    time.Duration
	requestTimeout  time.Duration
	retryRounds     int
	retryBackoff    time.Duration
	maxRetryBackoff time.Duration
	retryAfter      time.Duration
	maxAttempts     int
	banFor          time.Duration
	source          HeaderSource
	onEvent         func(Event)
	onResult        func(context.Context, *BlockResult) error
}

func defaultConfig() config {
	return config{
		confidence:      DefaultConfidence,
		window:          100,
		maxBlocks:       4,
		maxRequests:     16,
		spread:          4,
		blockTimeout:    30 * time.Second,
		requestTimeout:  5 * time.Second,
		retryBackoff:    250 * time.Millisecond,
		maxRetryBackoff: 4 * time.Second,
		retryAfter:      time.Minute,
		maxAttempts:     3,
		banFor:          10 * time.Minute,
	}
}

// Option configures a Sampler.
type Option func(*config) error

// WithConfidence sets the target confidence, in (0, 1]. Default 0.9999.
func WithConfidence(c float64) Option {
	return func(cfg *config) error { cfg.confidence = c; return nil }
}

// WithWindow sets how many heights below the network head (head included)
// the sampler catches up on. Default 100.
func WithWindow(heights int) Option {
	return func(cfg *config) error {
		if heights < 1 || heights > MaxCheckpointEntries {
			return fmt.Errorf("%w: window %d not in 1..%d", ErrConfig, heights, MaxCheckpointEntries)
		}
		cfg.window = heights
		return nil
	}
}

// WithConcurrency bounds the blocks sampled at once (default 4) and the
// requests in flight over all of them (default 16).
func WithConcurrency(blocks, requests int) Option {
	return func(cfg *config) error {
		if blocks < 1 || requests < 1 {
			return fmt.Errorf("%w: concurrency %d blocks, %d requests", ErrConfig, blocks, requests)
		}
		cfg.maxBlocks, cfg.maxRequests = blocks, requests
		return nil
	}
}

// WithSpread sets over how many peers (at least 3) a block's cells are
// first spread. Default 4.
func WithSpread(peers int) Option {
	return func(cfg *config) error {
		if peers < 3 {
			return fmt.Errorf("%w: spread %d < 3", ErrConfig, peers)
		}
		cfg.spread = peers
		return nil
	}
}

// WithTimeouts sets the deadline of one block's sampling (default 30 s),
// after which missing cells make it unavailable, and of one request
// (default 5 s).
func WithTimeouts(block, request time.Duration) Option {
	return func(cfg *config) error {
		if block <= 0 || request <= 0 {
			return fmt.Errorf("%w: timeouts %v, %v", ErrConfig, block, request)
		}
		cfg.blockTimeout, cfg.requestTimeout = block, request
		return nil
	}
}

// WithRetryRounds bounds the rounds of a block's sampling: after each
// round where some cell was not delivered by any peer, the sampler waits
// (backoff, doubling up to 4 s) and asks every usable peer again. 0, the
// default, retries until the block deadline; 1 gives the verdict as soon as
// one cell is missing at every peer.
func WithRetryRounds(rounds int, backoff time.Duration) Option {
	return func(cfg *config) error {
		if rounds < 0 || backoff <= 0 {
			return fmt.Errorf("%w: %d retry rounds, backoff %v", ErrConfig, rounds, backoff)
		}
		cfg.retryRounds, cfg.retryBackoff = rounds, backoff
		cfg.maxRetryBackoff = max(cfg.maxRetryBackoff, backoff)
		return nil
	}
}

// WithFailureRetry sets when a height that ended unavailable, invalid or
// skipped is sampled again (default after 1 min; a skipped height also as
// soon as its header arrives) and how many samplings it gets in all
// (default 3).
func WithFailureRetry(after time.Duration, attempts int) Option {
	return func(cfg *config) error {
		if after <= 0 || attempts < 1 || attempts > 0xffff {
			return fmt.Errorf("%w: failure retry after %v, %d attempts", ErrConfig, after, attempts)
		}
		cfg.retryAfter, cfg.maxAttempts = after, attempts
		return nil
	}
}

// WithBanDuration sets how long a peer that served invalid data is
// ignored. Default 10 min.
func WithBanDuration(d time.Duration) Option {
	return func(cfg *config) error {
		if d <= 0 {
			return fmt.Errorf("%w: ban duration %v", ErrConfig, d)
		}
		cfg.banFor = d
		return nil
	}
}

// WithHeaders sets where catch-up finds the headers of heights it was not
// handed through HeaderVerified (e.g. the headers.Store the syncer fills).
// Without it such heights are Skipped (and retried like failures).
func WithHeaders(src HeaderSource) Option {
	return func(cfg *config) error { cfg.source = src; return nil }
}

// WithEvents sets the event callback. It runs on the sampler's goroutines
// and must not block.
func WithEvents(fn func(Event)) Option {
	return func(cfg *config) error { cfg.onEvent = fn; return nil }
}

// WithResults sets where verdicts are persisted. The sampler calls fn with
// each block's verdict before it marks the height settled and saves the
// checkpoint, so a settled height always has a stored verdict (a crash in
// between at worst samples that height once more). An error is reported in
// Status and does not stop sampling.
func WithResults(fn func(context.Context, *BlockResult) error) Option {
	return func(cfg *config) error { cfg.onResult = fn; return nil }
}

// Sampler samples the blocks of verified headers (see the package
// documentation).
type Sampler struct {
	host     p2p.Host
	chainID  string
	proto    p2p.ProtocolID
	verifier *kzg.Verifier
	cps      CheckpointStore
	cfg      config
	table    *sampleTable
	peers    *peerBook
	requests chan struct{} // request slots

	saveMu sync.Mutex // orders checkpoint saves

	mu          sync.Mutex
	running     bool
	wake        chan struct{} // cap 1: the scheduler has work
	peersCh     chan struct{} // closed and replaced when a peer connects
	pending     map[uint64]*pendingHeader
	networkHead uint64
	sampledHead uint64
	doneUpTo    uint64
	done        map[uint64]bool
	retry       map[uint64]*retryState
	inflight    map[uint64]bool
	counts      [Skipped + 1]int
	cpErr       error
}

type pendingHeader struct {
	h        *headers.Header
	received time.Time
}

type retryState struct {
	attempts int
	due      time.Time
	skipped  bool // no header last time: retry as soon as one arrives
}

// NewSampler returns a sampler that fetches cells over host with chainID's
// sample protocol, verifies them with verifier and keeps its progress in
// checkpoints.
func NewSampler(host p2p.Host, chainID string, verifier *kzg.Verifier, checkpoints CheckpointStore, opts ...Option) (*Sampler, error) {
	if host == nil || verifier == nil || checkpoints == nil {
		return nil, fmt.Errorf("%w: sampler needs a host, a verifier and a checkpoint store", ErrConfig)
	}
	if err := headers.ValidateChainID(chainID); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	cfg := defaultConfig()
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	table, err := newSampleTable(cfg.confidence)
	if err != nil {
		return nil, err
	}
	return &Sampler{
		host: host, chainID: chainID, proto: ProtocolID(chainID),
		verifier: verifier, cps: checkpoints, cfg: cfg, table: table,
		peers:    newPeerBook(cfg.banFor),
		requests: make(chan struct{}, cfg.maxRequests),
		wake:     make(chan struct{}, 1),
		peersCh:  make(chan struct{}),
		pending:  map[uint64]*pendingHeader{},
		done:     map[uint64]bool{},
		retry:    map[uint64]*retryState{},
		inflight: map[uint64]bool{},
	}, nil
}

// SamplesPerBlock returns how many cells the sampler draws for a block
// of k original rows.
func (s *Sampler) SamplesPerBlock(k int) (int, error) {
	if err := checkK(k); err != nil {
		return 0, err
	}
	return s.table.n[k], nil
}

func (s *Sampler) emit(e Event) {
	if s.cfg.onEvent != nil {
		s.cfg.onEvent(e)
	}
}

func (s *Sampler) penalise(peer p2p.PeerID, height uint64, penalty float64, reason error) {
	s.emit(s.peers.penalise(peer, height, penalty, reason, time.Now()))
}

func (s *Sampler) peerSignal() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peersCh
}

func (s *Sampler) checkHeader(h *headers.Header) error {
	if h == nil {
		return fmt.Errorf("%w: nil header", ErrHeader)
	}
	if err := h.Validate(); err != nil {
		return fmt.Errorf("%w: %w", ErrHeader, err)
	}
	if h.ChainID != s.chainID {
		return fmt.Errorf("%w: header of chain %q, sampler of %q", ErrHeader, h.ChainID, s.chainID)
	}
	return nil
}

// Sample samples one block now, outside the schedule of Run and without
// touching the checkpoint, and reports the result (also as a BlockResult
// event). It fails only for an unusable header or when ctx ends first.
func (s *Sampler) Sample(ctx context.Context, h *headers.Header) (*BlockResult, error) {
	res, err := s.sampleBlock(ctx, h, time.Time{}, 1)
	if err != nil {
		return nil, err
	}
	s.emit(res)
	return res, nil
}

// HeaderVerified hands the sampler a verified header: a new head, or any
// height of the window. It does not block; Run samples it. Headers of
// other chains and invalid headers are refused with ErrHeader.
func (s *Sampler) HeaderVerified(h *headers.Header) error {
	if err := s.checkHeader(h); err != nil {
		return err
	}
	now := time.Now()
	// The event goes out before the header can be scheduled, so that no
	// BlockStarted of its height comes before it.
	s.mu.Lock()
	accepted := s.takesLocked(h.Height, max(s.networkHead, h.Height))
	s.mu.Unlock()
	if accepted {
		s.emit(&HeaderVerified{Height: h.Height, Hash: h.Hash(), K: h.K(), Time: now})
	}
	s.mu.Lock()
	if h.Height > s.networkHead {
		s.networkHead = h.Height
	}
	if accepted && s.takesLocked(h.Height, s.networkHead) {
		s.pending[h.Height] = &pendingHeader{h: h, received: now}
		if r := s.retry[h.Height]; r != nil && r.skipped {
			r.due = now
		}
	}
	s.mu.Unlock()
	s.signal()
	return nil
}

// takesLocked reports whether a header of height is queued for sampling
// when the network head is head: it is in the window and neither settled
// (unless it waits for a retry) nor in flight. Callers hold mu.
func (s *Sampler) takesLocked(height, head uint64) bool {
	return height >= windowLow(head, s.cfg.window) && (!s.settled(height) || s.retry[height] != nil) && !s.inflight[height]
}

func (s *Sampler) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// windowLow is the lowest height of the catch-up window. Callers hold mu.
func (s *Sampler) windowLow() uint64 { return windowLow(s.networkHead, s.cfg.window) }

// windowLow returns the lowest height of a window of heights ending at head.
func windowLow(head uint64, window int) uint64 {
	if head <= uint64(window) {
		return 1
	}
	return head - uint64(window) + 1
}

// settled reports whether height has a verdict. Callers hold mu.
func (s *Sampler) settled(height uint64) bool {
	return height <= s.doneUpTo || s.done[height]
}

// Run samples until ctx ends: new heads first, then the catch-up window
// (newest first), then failed heights again, at most the configured number
// of blocks at once. It loads the checkpoint first and saves it after
// every verdict; a BlockResult event follows the save. It returns ctx's
// error, or the checkpoint store's load error.
func (s *Sampler) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.running {
		s.mu.Unlock()
		return fmt.Errorf("%w: sampler already running", ErrConfig)
	}
	s.running = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.running = false
		s.mu.Unlock()
	}()

	cp, err := s.cps.LoadCheckpoint(ctx)
	if err != nil {
		return fmt.Errorf("das: loading checkpoint: %w", err)
	}
	if cp != nil {
		if err := cp.Validate(); err != nil {
			return fmt.Errorf("das: loading checkpoint: %w", err)
		}
		s.restore(cp)
	}

	cancelSub := s.host.Subscribe(func(ev p2p.PeerEvent) {
		if ev.Kind == p2p.PeerDisconnected {
			s.peers.disconnected(ev.Peer, time.Now())
		}
		if ev.Kind != p2p.PeerConnected {
			return
		}
		s.peers.connected(ev.Peer)
		s.mu.Lock()
		close(s.peersCh)
		s.peersCh = make(chan struct{})
		s.mu.Unlock()
	})
	defer cancelSub()

	var wg sync.WaitGroup
	defer wg.Wait()
	done := make(chan struct{}, s.cfg.maxBlocks)
	running := 0
	for {
		for running < s.cfg.maxBlocks {
			job, ok := s.next(time.Now())
			if !ok {
				break
			}
			running++
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.work(ctx, job)
				done <- struct{}{}
			}()
		}
		var timer <-chan time.Time
		if d, ok := s.nextRetry(); ok {
			timer = time.After(max(0, time.Until(d)))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-done:
			running--
		case <-s.wake:
		case <-timer:
		}
	}
}

// restore loads a checkpoint into the scheduler's state.
func (s *Sampler) restore(cp *Checkpoint) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.doneUpTo = max(s.doneUpTo, cp.DoneUpTo)
	for _, h := range cp.Done {
		s.done[h] = true
	}
	now := time.Now()
	for _, r := range cp.Retry {
		s.retry[r.Height] = &retryState{attempts: r.Attempts, due: now}
	}
	s.sampledHead = max(s.sampledHead, s.doneUpTo)
	for h := range s.done {
		s.sampledHead = max(s.sampledHead, h)
	}
	s.compact()
}

// compact advances the watermark over settled heights and below the
// window, and forgets state below it. Callers hold mu.
func (s *Sampler) compact() {
	if lo := s.windowLow(); s.doneUpTo+1 < lo {
		s.doneUpTo = lo - 1
	}
	for s.done[s.doneUpTo+1] {
		delete(s.done, s.doneUpTo+1)
		s.doneUpTo++
	}
	for h := range s.done {
		if h <= s.doneUpTo {
			delete(s.done, h)
		}
	}
	lo := s.windowLow()
	for h := range s.pending {
		if h < lo || s.settled(h) && s.retry[h] == nil {
			delete(s.pending, h)
		}
	}
	for h := range s.retry {
		if h < lo {
			delete(s.retry, h)
		}
	}
}

type job struct {
	height   uint64
	header   *headers.Header
	received time.Time
	attempt  int
}

// next picks the next height to sample: the highest unsettled height of
// the window not in flight (new heads first, then catch-up downwards),
// else the lowest failed height whose retry is due.
func (s *Sampler) next(now time.Time) (job, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.compact()
	for h := s.networkHead; h > s.doneUpTo; h-- {
		if s.done[h] || s.inflight[h] {
			continue
		}
		j := job{height: h, attempt: 1}
		if p := s.pending[h]; p != nil {
			j.header, j.received = p.h, p.received
			delete(s.pending, h)
		}
		s.inflight[h] = true
		return j, true
	}
	var due []uint64
	for h, r := range s.retry {
		if !s.inflight[h] && !r.due.After(now) {
			due = append(due, h)
		}
	}
	if len(due) == 0 {
		return job{}, false
	}
	h := slices.Min(due)
	j := job{height: h, attempt: s.retry[h].attempts + 1}
	if p := s.pending[h]; p != nil {
		j.header, j.received = p.h, p.received
		delete(s.pending, h)
	}
	s.inflight[h] = true
	return j, true
}

func (s *Sampler) nextRetry() (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var t time.Time
	for h, r := range s.retry {
		if s.inflight[h] {
			continue
		}
		if t.IsZero() || r.due.Before(t) {
			t = r.due
		}
	}
	return t, !t.IsZero()
}

// work samples one scheduled height and settles it.
func (s *Sampler) work(ctx context.Context, j job) {
	h := j.header
	var res *BlockResult
	if h == nil {
		var err error
		h, err = s.headerAt(ctx, j.height)
		if err != nil {
			if ctx.Err() != nil {
				s.unschedule(j.height)
				return
			}
			res = &BlockResult{Height: j.height, Status: Skipped, Attempt: j.attempt, Started: time.Now(), Err: err}
		}
	}
	if res == nil {
		var err error
		res, err = s.sampleBlock(ctx, h, j.received, j.attempt)
		if err != nil {
			if ctx.Err() == nil {
				// An unusable header from the source: nothing to retry.
				res = &BlockResult{Height: j.height, Status: Skipped, Attempt: j.attempt, Started: time.Now(), Err: err}
			} else {
				s.unschedule(j.height)
				return
			}
		}
	}
	s.settle(ctx, res)
}

func (s *Sampler) headerAt(ctx context.Context, height uint64) (*headers.Header, error) {
	if s.cfg.source == nil {
		return nil, fmt.Errorf("%w: no header for height %d", ErrHeader, height)
	}
	b, err := s.cfg.source.GetByHeight(ctx, height)
	if err != nil {
		return nil, fmt.Errorf("das: header %d: %w", height, err)
	}
	if b == nil || b.Header == nil || b.Header.Height != height {
		return nil, fmt.Errorf("%w: source returned no header for height %d", ErrHeader, height)
	}
	return b.Header, nil
}

func (s *Sampler) unschedule(height uint64) {
	s.mu.Lock()
	delete(s.inflight, height)
	s.mu.Unlock()
	s.signal()
}

// settle persists a verdict (WithResults), records it, saves the
// checkpoint, then reports the result.
func (s *Sampler) settle(ctx context.Context, res *BlockResult) {
	var resultErr error
	if s.cfg.onResult != nil {
		if err := s.cfg.onResult(context.WithoutCancel(ctx), res); err != nil {
			resultErr = fmt.Errorf("das: saving the verdict of height %d: %w", res.Height, err)
		}
	}
	s.saveMu.Lock()
	s.mu.Lock()
	delete(s.inflight, res.Height)
	s.counts[res.Status]++
	s.done[res.Height] = true
	s.sampledHead = max(s.sampledHead, res.Height)
	switch res.Status {
	case Available:
		delete(s.retry, res.Height)
	default: // unavailable, invalid, or skipped for want of a header
		if res.Attempt < s.cfg.maxAttempts {
			s.retry[res.Height] = &retryState{attempts: res.Attempt, due: time.Now().Add(s.cfg.retryAfter), skipped: res.Status == Skipped}
		} else {
			delete(s.retry, res.Height)
		}
	}
	s.compact()
	cp := s.checkpointLocked()
	s.mu.Unlock()
	err := s.cps.SaveCheckpoint(context.WithoutCancel(ctx), cp)
	s.mu.Lock()
	s.cpErr = errors.Join(err, resultErr)
	s.mu.Unlock()
	s.saveMu.Unlock()
	s.signal()
	s.emit(res)
}

func (s *Sampler) checkpointLocked() *Checkpoint {
	cp := &Checkpoint{DoneUpTo: s.doneUpTo}
	for h := range s.done {
		cp.Done = append(cp.Done, h)
	}
	slices.Sort(cp.Done)
	for h, r := range s.retry {
		cp.Retry = append(cp.Retry, RetryEntry{Height: h, Attempts: r.attempts})
	}
	slices.SortFunc(cp.Retry, func(a, b RetryEntry) int {
		switch {
		case a.Height < b.Height:
			return -1
		case a.Height > b.Height:
			return 1
		}
		return 0
	})
	return cp
}

// Checkpoint returns the sampler's current progress (what it saves).
func (s *Sampler) Checkpoint() *Checkpoint {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.checkpointLocked()
}

// Status returns a snapshot of the sampler's state.
func (s *Sampler) Status() Status {
	s.mu.Lock()
	st := Status{
		NetworkHead:   s.networkHead,
		SampledHead:   s.sampledHead,
		DoneUpTo:      s.doneUpTo,
		CatchUpFrom:   s.windowLow(),
		Available:     s.counts[Available],
		Unavailable:   s.counts[Unavailable],
		Invalid:       s.counts[Invalid],
		Skipped:       s.counts[Skipped],
		CheckpointErr: s.cpErr,
	}
	if s.networkHead == 0 {
		st.CatchUpFrom = 0
	}
	for h := s.networkHead; h > s.doneUpTo; h-- {
		if !s.done[h] && !s.inflight[h] {
			st.CatchUpPending++
		}
	}
	for h := range s.inflight {
		st.InFlight = append(st.InFlight, h)
	}
	for h, r := range s.retry {
		st.Failures = append(st.Failures, RetryEntry{Height: h, Attempts: r.attempts})
	}
	s.mu.Unlock()
	slices.Sort(st.InFlight)
	slices.SortFunc(st.Failures, func(a, b RetryEntry) int {
		switch {
		case a.Height < b.Height:
			return -1
		case a.Height > b.Height:
			return 1
		}
		return 0
	})
	st.Peers = s.peers.snapshot()
	return st
}

// HeadWaiter is what Follow needs from the header syncer: *headers.Syncer
// implements it.
type HeadWaiter interface {
	WaitForHeight(ctx context.Context, height uint64) (*headers.LightBlock, error)
}

// Follow hands every new head of w to the sampler (HeaderVerified) until
// ctx ends or w fails; heights the head skips over are caught up through
// the HeaderSource. Run it beside Run.
func (s *Sampler) Follow(ctx context.Context, w HeadWaiter) error {
	next := uint64(1)
	for {
		b, err := w.WaitForHeight(ctx, next)
		if err != nil {
			return err
		}
		if b == nil || b.Header == nil {
			return errors.New("das: head waiter returned no header")
		}
		if err := s.HeaderVerified(b.Header); err != nil {
			return err
		}
		next = b.Header.Height + 1
	}
}
