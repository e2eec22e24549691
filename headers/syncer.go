package headers

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Evidence is proof of an attack on the chain: two headers at one height,
// each carrying a valid commit for the light client's trust.
type Evidence struct {
	// Trusted is the block the client had already accepted (or verified
	// first).
	Trusted *LightBlock
	// Conflicting is the other block and Peer the peer that served it.
	Conflicting *LightBlock
	Peer        string
}

// EquivocationError stops the syncer; it wraps ErrEquivocation.
type EquivocationError struct {
	Evidence Evidence
}

func (e *EquivocationError) Error() string {
	return fmt.Sprintf("%v: height %d: %s and %s (from peer %s)", ErrEquivocation,
		e.Evidence.Trusted.Height(), e.Evidence.Trusted.Hash(), e.Evidence.Conflicting.Hash(), e.Evidence.Peer)
}

func (e *EquivocationError) Unwrap() error { return ErrEquivocation }

// SyncerConfig configures a Syncer.
type SyncerConfig struct {
	Store    Store
	Verifier *Verifier
	// Trust roots, used only while Store is empty: the genesis (sync from
	// height 1) or a checkpoint (fetched by hash from peers). When both
	// are set the checkpoint wins.
	Genesis    *Genesis
	Checkpoint *Checkpoint
	// Peers to ask; IDs must be unique (bans are by ID). More can be
	// added with AddPeer.
	Peers []Peer
	// RequestTimeout bounds each request to a peer. Default 10 s.
	RequestTimeout time.Duration
	// PollInterval: how often Run asks every peer for its head, besides
	// the head subscriptions. Default 10 s.
	PollInterval time.Duration
	// OnMisbehavior, if set, learns about every peer the syncer stops
	// using because it served invalid data.
	OnMisbehavior func(peer string, err error)
}

// target is the highest network head seen: verified by skipping (or
// adjacently), or only claimed when the trusted set no longer reaches it.
type target struct {
	block    *LightBlock
	peer     string
	verified bool
}

// Syncer follows the chain from a trust root to the network head. It
// verifies every block before it stores it, asks other peers when one
// serves forged, short or out-of-order data, cross-checks the heads of all
// peers, and halts with an *EquivocationError when two valid headers meet
// at one height.
type Syncer struct {
	cfg SyncerConfig

	step sync.Mutex // one sync step at a time (Run and SyncOnce)

	mu       sync.Mutex
	peers    []Peer
	banned   map[string]error
	next     int // round-robin start
	halted   error
	changed  chan struct{} // closed and replaced whenever the head moves
	runCtx   context.Context
	announce chan announcement
	subs     map[*subToken]string // running head subscriptions, by peer id

	target *target // owned by the step holder
}

type announcement struct {
	peer  string
	block *LightBlock
}

// NewSyncer checks the configuration.
func NewSyncer(cfg SyncerConfig) (*Syncer, error) {
	if cfg.Store == nil || cfg.Verifier == nil {
		return nil, errors.New("headers: syncer needs a store and a verifier")
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 10 * time.Second
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 10 * time.Second
	}
	if cfg.Genesis != nil {
		if err := cfg.Genesis.Validate(); err != nil {
			return nil, err
		}
	}
	if cfg.Genesis != nil && cfg.Genesis.ChainID != cfg.Verifier.ChainID() {
		return nil, fmt.Errorf("%w: genesis of %q, verifier for %q", ErrChainIDMismatch, cfg.Genesis.ChainID, cfg.Verifier.ChainID())
	}
	return &Syncer{
		cfg:      cfg,
		peers:    append([]Peer(nil), cfg.Peers...),
		banned:   map[string]error{},
		changed:  make(chan struct{}),
		announce: make(chan announcement, 16),
		subs:     map[*subToken]string{},
	}, nil
}

// AddPeer adds a peer; while Run is active its head subscription starts.
func (s *Syncer) AddPeer(p Peer) {
	s.mu.Lock()
	s.peers = append(s.peers, p)
	ctx := s.runCtx
	s.mu.Unlock()
	if ctx != nil {
		go s.subscribe(ctx, p)
	}
}

// RemovePeer stops using the peers with this id (when a transport drops
// the connection) and ends their head subscriptions. A ban on the id
// stays, so a peer that reconnects after lying is still not asked. It
// reports whether such a peer was known.
func (s *Syncer) RemovePeer(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.peers)
	s.peers = slices.DeleteFunc(s.peers, func(p Peer) bool { return p.ID() == id })
	for tok, pid := range s.subs {
		if pid == id {
			tok.cancel()
			delete(s.subs, tok)
		}
	}
	return len(s.peers) < n
}

// subToken lets RemovePeer end one running subscription.
type subToken struct{ cancel context.CancelFunc }

// trackSub registers a subscription about to start, unless its peer was
// removed meanwhile.
func (s *Syncer) trackSub(id string, tok *subToken) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !slices.ContainsFunc(s.peers, func(p Peer) bool { return p.ID() == id }) {
		return false
	}
	s.subs[tok] = id
	return true
}

func (s *Syncer) untrackSub(tok *subToken) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.subs, tok)
}

// Banned returns the peers the syncer stopped using, with the reason.
func (s *Syncer) Banned() map[string]error {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]error, len(s.banned))
	for k, v := range s.banned {
		out[k] = v
	}
	return out
}

// Evidence returns the evidence the syncer halted on, if any.
func (s *Syncer) Evidence() *Evidence {
	s.mu.Lock()
	defer s.mu.Unlock()
	var eq *EquivocationError
	if errors.As(s.halted, &eq) {
		ev := eq.Evidence
		return &ev
	}
	return nil
}

// WaitForHeight blocks until the store head reaches height (returning the
// head), the syncer halts, or ctx is done.
func (s *Syncer) WaitForHeight(ctx context.Context, height uint64) (*LightBlock, error) {
	for {
		s.mu.Lock()
		ch, halted := s.changed, s.halted
		s.mu.Unlock()
		if head, err := s.cfg.Store.Head(ctx); err == nil && head.Height() >= height {
			return head, nil
		}
		if halted != nil {
			return nil, halted
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func (s *Syncer) notify() {
	s.mu.Lock()
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
}

func (s *Syncer) halt(err error) error {
	s.mu.Lock()
	if s.halted == nil {
		s.halted = err
	}
	err = s.halted
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
	return err
}

func (s *Syncer) haltedErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.halted
}

// penalize stops using a peer that served invalid data.
func (s *Syncer) penalize(peer string, err error) {
	s.mu.Lock()
	_, already := s.banned[peer]
	if !already {
		s.banned[peer] = err
	}
	s.mu.Unlock()
	if !already && s.cfg.OnMisbehavior != nil {
		s.cfg.OnMisbehavior(peer, err)
	}
}

// usable returns the peers not banned, starting at the round-robin cursor.
func (s *Syncer) usable() []Peer {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Peer
	n := len(s.peers)
	for i := 0; i < n; i++ {
		p := s.peers[(s.next+i)%n]
		if _, bad := s.banned[p.ID()]; !bad {
			out = append(out, p)
		}
	}
	if n > 0 {
		s.next = (s.next + 1) % n
	}
	return out
}

// anchor is the state to verify from: the store head, else the genesis.
func (s *Syncer) anchor(ctx context.Context) (Trusted, error) {
	head, err := s.cfg.Store.Head(ctx)
	if err == nil {
		return head.Trusted(), nil
	}
	if !errors.Is(err, ErrNotFound) {
		return Trusted{}, err
	}
	if s.cfg.Genesis != nil && s.cfg.Checkpoint == nil {
		return s.cfg.Genesis.Trusted(), nil
	}
	return Trusted{}, ErrNoTrustRoot
}

// initTrust makes sure there is a live trust anchor: the store head, the
// genesis, or the checkpoint block fetched from a peer and stored.
func (s *Syncer) initTrust(ctx context.Context) error {
	t, err := s.anchor(ctx)
	if errors.Is(err, ErrNoTrustRoot) && s.cfg.Checkpoint != nil {
		return s.initCheckpoint(ctx, *s.cfg.Checkpoint)
	}
	if err != nil {
		return err
	}
	if s.cfg.Verifier.Expired(t) {
		return fmt.Errorf("%w: trust anchor at height %d from %v; start from a newer checkpoint", ErrTrustExpired, t.Height, t.Time)
	}
	return nil
}

func (s *Syncer) initCheckpoint(ctx context.Context, cp Checkpoint) error {
	if err := cp.Validate(); err != nil {
		return err
	}
	v := s.cfg.Verifier
	var lastErr error = ErrNoPeers
	for _, p := range s.usable() {
		b, err := s.request(ctx, func(ctx context.Context) (*LightBlock, error) { return p.GetByHash(ctx, cp.Hash) })
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			lastErr = s.transportErr(p.ID(), err)
			continue
		}
		if err := b.ValidateBasic(v.ChainID()); err != nil {
			s.penalize(p.ID(), err)
			lastErr = err
			continue
		}
		if b.Hash() != cp.Hash {
			err := fmt.Errorf("%w: asked for %s, got %s", ErrUnexpectedBlock, cp.Hash, b.Hash())
			s.penalize(p.ID(), err)
			lastErr = err
			continue
		}
		if b.Height() != cp.Height {
			// The hash is what we trust; a height that disagrees means the
			// checkpoint itself is wrong, whichever peer we ask.
			return fmt.Errorf("%w: checkpoint says height %d, its header is at %d", ErrUnexpectedBlock, cp.Height, b.Height())
		}
		if err := v.VerifyCommit(b.Validators, b.Header, b.Commit); err != nil {
			s.penalize(p.ID(), err)
			lastErr = err
			continue
		}
		if v.Expired(b.Trusted()) {
			return fmt.Errorf("%w: checkpoint at height %d from %v", ErrTrustExpired, b.Height(), b.Header.Time)
		}
		if err := s.cfg.Store.Append(ctx, b); err != nil {
			return err
		}
		s.notify()
		return nil
	}
	return fmt.Errorf("headers: fetch checkpoint %s: %w", cp, lastErr)
}

// request runs one exchange call under the request timeout.
func (s *Syncer) request(ctx context.Context, f func(context.Context) (*LightBlock, error)) (*LightBlock, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
	defer cancel()
	return f(ctx)
}

// transportErr sorts an exchange error: undecodable answers are the
// peer's fault, anything else (not found, timeouts, closed streams) may be
// passing.
func (s *Syncer) transportErr(peer string, err error) error {
	if errors.Is(err, ErrMalformed) {
		s.penalize(peer, err)
	}
	return &PeerError{Peer: peer, Err: err}
}

// SyncOnce asks every peer for its head and syncs the store up to the
// highest head it can verify. It returns nil when done, an
// *EquivocationError (and halts) on evidence, ErrNoPeers when no peer is
// usable, or a *PeerError when no peer could serve what was needed.
// Steps of SyncOnce and Run never overlap.
func (s *Syncer) SyncOnce(ctx context.Context) error {
	s.step.Lock()
	defer s.step.Unlock()
	if err := s.haltedErr(); err != nil {
		return err
	}
	if err := s.initTrust(ctx); err != nil {
		return err
	}
	if err := s.pollHeads(ctx); err != nil {
		return s.fatal(err)
	}
	return s.fatal(s.syncToTarget(ctx))
}

// fatal halts on evidence and passes other errors through.
func (s *Syncer) fatal(err error) error {
	var eq *EquivocationError
	if errors.As(err, &eq) {
		return s.halt(err)
	}
	return err
}

// Run syncs until ctx is done or the syncer halts on evidence (returning
// the *EquivocationError) or on an expired trust anchor. It follows the
// peers' head subscriptions and polls their heads every PollInterval.
// Call it from one goroutine at a time.
func (s *Syncer) Run(ctx context.Context) error {
	s.step.Lock()
	if err := s.haltedErr(); err != nil {
		s.step.Unlock()
		return err
	}
	if err := s.initTrust(ctx); err != nil {
		s.step.Unlock()
		return err
	}
	s.step.Unlock()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.mu.Lock()
	s.runCtx = ctx
	peers := append([]Peer(nil), s.peers...)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.runCtx = nil
		s.mu.Unlock()
	}()
	for _, p := range peers {
		go s.subscribe(ctx, p)
	}

	poll := time.NewTimer(0)
	defer poll.Stop()
	for {
		var err error
		select {
		case <-ctx.Done():
			return ctx.Err()
		case a := <-s.announce:
			s.step.Lock()
			err = s.consider(ctx, a.peer, a.block)
			if err == nil {
				err = s.syncToTarget(ctx)
			}
			s.step.Unlock()
		case <-poll.C:
			s.step.Lock()
			err = s.pollHeads(ctx)
			if err == nil {
				err = s.syncToTarget(ctx)
			}
			s.step.Unlock()
			poll.Reset(s.cfg.PollInterval)
		}
		// Evidence and an expired anchor end the run. Anything else (no
		// peer could serve, every peer banned) may heal with new heads or
		// new peers.
		if err = s.fatal(err); errors.Is(err, ErrEquivocation) || errors.Is(err, ErrTrustExpired) {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// subscribe forwards a peer's announced heads to Run, resubscribing after
// PollInterval when the subscription ends, until Run ends or the peer is
// removed.
func (s *Syncer) subscribe(ctx context.Context, p Peer) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	tok := &subToken{cancel: cancel}
	if !s.trackSub(p.ID(), tok) {
		return
	}
	defer s.untrackSub(tok)
	for ctx.Err() == nil {
		if s.isBanned(p.ID()) {
			return
		}
		sub, err := p.SubscribeHeads(ctx)
		if err == nil {
			for {
				b, err := sub.Next(ctx)
				if err != nil {
					if errors.Is(err, ErrMalformed) {
						s.penalize(p.ID(), err)
					}
					break
				}
				select {
				case s.announce <- announcement{peer: p.ID(), block: b}:
				case <-ctx.Done():
				}
				if ctx.Err() != nil || s.isBanned(p.ID()) {
					break
				}
			}
			sub.Close()
		}
		select {
		case <-ctx.Done():
		case <-time.After(s.cfg.PollInterval):
		}
	}
}

func (s *Syncer) isBanned(peer string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, bad := s.banned[peer]
	return bad
}

// pollHeads asks every usable peer for its head and considers each.
func (s *Syncer) pollHeads(ctx context.Context) error {
	peers := s.usable()
	if len(peers) == 0 {
		return ErrNoPeers
	}
	for _, p := range peers {
		b, err := s.request(ctx, p.Head)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			s.transportErr(p.ID(), err)
			continue
		}
		if err := s.consider(ctx, p.ID(), b); err != nil {
			return err
		}
	}
	return nil
}

// consider looks at a head a peer claims: below our head it must match
// the stored block (or be evidence); one above extends the store at once;
// higher ones become the sync target.
func (s *Syncer) consider(ctx context.Context, peer string, b *LightBlock) error {
	v := s.cfg.Verifier
	if err := b.ValidateBasic(v.ChainID()); err != nil {
		s.penalize(peer, err)
		return nil
	}
	t, err := s.anchor(ctx)
	if err != nil {
		return err
	}
	if b.Height() <= t.Height {
		stored, err := s.cfg.Store.GetByHeight(ctx, b.Height())
		if errors.Is(err, ErrNotFound) {
			return nil // pruned or before our root: nothing to compare
		}
		if err != nil {
			return err
		}
		if stored.Hash() == b.Hash() {
			return nil
		}
		return s.checkConflict(ctx, peer, stored, b)
	}
	err = v.Verify(t, b)
	switch {
	case err == nil && b.Height() == t.Height+1:
		if err := s.cfg.Store.Append(ctx, b); err != nil {
			return err
		}
		s.notify()
		return s.checkTarget(ctx, b)
	case err == nil:
		return s.setTarget(&target{block: b, peer: peer, verified: true})
	case errors.Is(err, ErrInsufficientTrust):
		// Not a forgery, only out of one step's reach: sync towards it and
		// see whether the chain gets there.
		return s.setTarget(&target{block: b, peer: peer})
	case errors.Is(err, ErrTrustExpired):
		return err
	case errors.Is(err, ErrHeaderFromFuture):
		return nil // perhaps our clock is late; do not blame the peer
	default:
		s.penalize(peer, err)
		return nil
	}
}

// setTarget chooses what to sync towards. A verified head beats a claimed
// one whatever their heights (a peer must not stall us with an
// unverifiable claim far ahead); between equals the higher wins; two
// verified heads at one height are evidence.
func (s *Syncer) setTarget(nt *target) error {
	cur := s.target
	switch {
	case cur == nil, nt.verified && !cur.verified:
		s.target = nt
	case cur.verified && !nt.verified:
	case nt.block.Height() > cur.block.Height():
		s.target = nt
	case nt.block.Height() == cur.block.Height() && nt.block.Hash() != cur.block.Hash() && nt.verified:
		return &EquivocationError{Evidence: Evidence{Trusted: cur.block, Conflicting: nt.block, Peer: nt.peer}}
	}
	return nil
}

// checkTarget compares a block just stored with the target at its height:
// a verified target that differs is evidence at once; a claimed one is
// evidence only if it verifies on its own (checkConflict), else a lie.
func (s *Syncer) checkTarget(ctx context.Context, b *LightBlock) error {
	tg := s.target
	if tg == nil || tg.block.Height() != b.Height() {
		return nil
	}
	s.target = nil
	if tg.block.Hash() == b.Hash() {
		return nil
	}
	if tg.verified {
		return &EquivocationError{Evidence: Evidence{Trusted: b, Conflicting: tg.block, Peer: tg.peer}}
	}
	return s.checkConflict(ctx, tg.peer, b, tg.block)
}

// checkConflict decides about a block that differs from the stored one at
// its height: if it verifies (adjacently from the stored parent, or by
// skipping from the root) it is evidence; otherwise the peer lied.
func (s *Syncer) checkConflict(ctx context.Context, peer string, stored, b *LightBlock) error {
	v := s.cfg.Verifier
	var anchors []Trusted
	if parent, err := s.cfg.Store.GetByHeight(ctx, b.Height()-1); err == nil {
		anchors = append(anchors, parent.Trusted())
	} else if b.Height() == 1 && s.cfg.Genesis != nil {
		anchors = append(anchors, s.cfg.Genesis.Trusted())
	}
	if tail, err := s.cfg.Store.Tail(ctx); err == nil && tail.Height() < b.Height()-1 {
		anchors = append(anchors, tail.Trusted())
	}
	if s.cfg.Genesis != nil && b.Height() > 1 {
		anchors = append(anchors, s.cfg.Genesis.Trusted())
	}
	var firstErr error
	for _, a := range anchors {
		err := v.Verify(a, b)
		if err == nil {
			return &EquivocationError{Evidence: Evidence{Trusted: stored, Conflicting: b, Peer: peer}}
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	if firstErr == nil {
		firstErr = ErrUnexpectedBlock
	}
	// The first anchor is the closest (the stored parent), so its error
	// says best why the header is not on the chain.
	s.penalize(peer, fmt.Errorf("conflicting header at height %d does not verify: %w", b.Height(), firstErr))
	return nil
}

// syncToTarget fetches and verifies ranges until the store reaches the
// target.
func (s *Syncer) syncToTarget(ctx context.Context) error {
	for s.target != nil {
		t, err := s.anchor(ctx)
		if err != nil {
			return err
		}
		goal := s.target.block.Height()
		if t.Height >= goal {
			s.target = nil
			return nil
		}
		count := int(min(uint64(MaxRangeCount), goal-t.Height))
		blocks, err := s.fetchRange(ctx, t, t.Height+1, count)
		if err != nil {
			// Forget the target: the next poll or announcement sets a new
			// one, so a head nobody serves cannot stall the syncer.
			s.target = nil
			return err
		}
		// The range is verified; store it, then hold it against the target.
		if err := s.cfg.Store.Append(ctx, blocks...); err != nil {
			return err
		}
		s.notify()
		if err := s.checkTarget(ctx, blocks[len(blocks)-1]); err != nil {
			return err
		}
	}
	return nil
}

// fetchRange asks usable peers in turn for a range and returns the first
// answer that is complete, in order and verifies from t.
func (s *Syncer) fetchRange(ctx context.Context, t Trusted, from uint64, count int) ([]*LightBlock, error) {
	peers := s.usable()
	if len(peers) == 0 {
		return nil, ErrNoPeers
	}
	var lastErr error
	for _, p := range peers {
		rctx, cancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
		blocks, err := p.GetRange(rctx, from, count)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			lastErr = s.transportErr(p.ID(), err)
			continue
		}
		if err := s.checkRange(t, from, count, blocks); err != nil {
			if errors.Is(err, ErrTrustExpired) {
				return nil, err
			}
			if errors.Is(err, ErrHeaderFromFuture) {
				// Perhaps our clock is late: not proof of a lie.
				lastErr = &PeerError{Peer: p.ID(), Err: err}
				continue
			}
			s.penalize(p.ID(), err)
			lastErr = &PeerError{Peer: p.ID(), Err: err}
			continue
		}
		return blocks, nil
	}
	return nil, fmt.Errorf("headers: range %d+%d: %w", from, count, lastErr)
}

// checkRange rejects short, long, out-of-order and unverifiable ranges.
func (s *Syncer) checkRange(t Trusted, from uint64, count int, blocks []*LightBlock) error {
	if len(blocks) < count {
		return fmt.Errorf("%w: %d of %d", ErrShortRange, len(blocks), count)
	}
	if len(blocks) > count {
		return fmt.Errorf("%w: %d blocks, asked for %d", ErrUnexpectedBlock, len(blocks), count)
	}
	for i, b := range blocks {
		if b == nil || b.Header == nil || b.Height() != from+uint64(i) {
			return fmt.Errorf("%w: position %d holds height %d, want %d", ErrOutOfOrder, i, heightOf(b), from+uint64(i))
		}
	}
	return s.cfg.Verifier.VerifyRange(t, blocks)
}
