package headers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"lightdas/p2p"
	"lightdas/p2p/limit"
)

// The header protocols over p2p streams (docs/protocol.md):
//
//   - exchange (ExchangeProtocolID): the client opens a stream, writes one
//     request frame and closes its write side; the server answers one
//     response frame and closes. Frames are WriteFrame/ReadFrame frames;
//     requests are limited to MaxRequestSize, responses to MaxMessageSize.
//   - heads (HeadsProtocolID): the client opens a stream and sends nothing;
//     the server writes one head-announcement frame per new head, the
//     latest head first. Closing the client's write side ends the
//     subscription; any byte the client sends is a protocol error.

// Server-side defaults; see the ServeOption functions.
const (
	DefaultServeTimeout      = 10 * time.Second
	DefaultRateLimit         = 50 // requests per second per peer
	DefaultRateBurst         = 200
	DefaultMaxStreamsPerPeer = 16
	DefaultMaxSubsPerPeer    = 2
	DefaultMaxSubscribers    = 512
	DefaultSubscriberQueue   = 16
	DefaultP2PRequestTimeout = 10 * time.Second
)

type serveConfig struct {
	timeout           time.Duration
	rate              float64
	burst             int
	maxStreamsPerPeer int
	maxSubsPerPeer    int
	maxSubscribers    int
	queue             int
}

// ServeOption configures ServeHeaders.
type ServeOption func(*serveConfig)

// WithServeTimeout bounds each exchange stream (reading the request,
// answering it) and each announcement write to a subscriber.
func WithServeTimeout(d time.Duration) ServeOption {
	return func(c *serveConfig) {
		if d > 0 {
			c.timeout = d
		}
	}
}

// WithRateLimit sets each peer's token bucket: perSecond requests (and
// subscription opens) on average, burst at once. A request beyond it is
// answered StatusUnavailable; a subscription beyond it is reset.
func WithRateLimit(perSecond float64, burst int) ServeOption {
	return func(c *serveConfig) {
		if perSecond > 0 && burst > 0 {
			c.rate, c.burst = perSecond, burst
		}
	}
}

// WithMaxStreamsPerPeer caps a peer's concurrent exchange streams; a
// stream beyond the cap is reset at once.
func WithMaxStreamsPerPeer(n int) ServeOption {
	return func(c *serveConfig) {
		if n > 0 {
			c.maxStreamsPerPeer = n
		}
	}
}

// WithMaxSubscriptions caps head subscriptions per peer and in all.
func WithMaxSubscriptions(perPeer, total int) ServeOption {
	return func(c *serveConfig) {
		if perPeer > 0 {
			c.maxSubsPerPeer = perPeer
		}
		if total > 0 {
			c.maxSubscribers = total
		}
	}
}

// WithSubscriberQueue sets how many announcements may wait for one
// subscriber; a subscriber that falls further behind is dropped.
func WithSubscriberQueue(n int) ServeOption {
	return func(c *serveConfig) {
		if n > 0 {
			c.queue = n
		}
	}
}

// HeaderService serves a chain's header protocols on a host: the exchange
// over a Server and the head subscription through its HeadPublisher
// (whose Publish it exposes).
type HeaderService struct {
	*HeadPublisher
	host     p2p.Host
	exchange p2p.ProtocolID
	heads    p2p.ProtocolID
	srv      *Server
	cfg      serveConfig
	rate     *limit.Rate  // shared with the HeadPublisher
	slots    *limit.Slots // exchange streams per peer
	ctx      context.Context
	cancel   context.CancelFunc

	mu     sync.Mutex
	active map[*activeStream]struct{}
	closed bool
	wg     sync.WaitGroup
}

type activeStream struct{ p2p.Stream }

// ServeHeaders registers the exchange and heads protocols of chainID on
// host. Call Publish for every new head and Close to stop serving.
func ServeHeaders(host p2p.Host, chainID string, srv *Server, opts ...ServeOption) *HeaderService {
	cfg := serveConfig{
		timeout:           DefaultServeTimeout,
		rate:              DefaultRateLimit,
		burst:             DefaultRateBurst,
		maxStreamsPerPeer: DefaultMaxStreamsPerPeer,
		maxSubsPerPeer:    DefaultMaxSubsPerPeer,
		maxSubscribers:    DefaultMaxSubscribers,
		queue:             DefaultSubscriberQueue,
	}
	for _, o := range opts {
		o(&cfg)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &HeaderService{
		host:     host,
		exchange: p2p.ProtocolID(ExchangeProtocolID(chainID)),
		heads:    p2p.ProtocolID(HeadsProtocolID(chainID)),
		srv:      srv,
		cfg:      cfg,
		rate:     limit.NewRate(cfg.rate, cfg.burst),
		slots:    limit.NewSlots(0, cfg.maxStreamsPerPeer),
		ctx:      ctx,
		cancel:   cancel,
		active:   map[*activeStream]struct{}{},
	}
	s.HeadPublisher = newHeadPublisher(cfg, s.rate)
	host.SetStreamHandler(s.exchange, s.handleExchange)
	host.SetStreamHandler(s.heads, s.HeadPublisher.Serve)
	return s
}

// Close stops serving: it removes the handlers, aborts the streams in
// progress, ends every subscription, and waits for its handlers.
func (s *HeaderService) Close() error {
	s.host.RemoveStreamHandler(s.exchange)
	s.host.RemoveStreamHandler(s.heads)
	s.mu.Lock()
	s.closed = true
	for a := range s.active {
		a.Reset()
	}
	s.mu.Unlock()
	s.cancel()
	s.HeadPublisher.Close()
	s.wg.Wait()
	return nil
}

// ActiveStreams is the number of exchange streams being served.
func (s *HeaderService) ActiveStreams() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.active)
}

// begin admits an exchange stream under the per-peer cap.
func (s *HeaderService) begin(st p2p.Stream) (*activeStream, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || !s.slots.Acquire(st.RemotePeer()) {
		return nil, false
	}
	a := &activeStream{st}
	s.active[a] = struct{}{}
	s.wg.Add(1)
	return a, true
}

func (s *HeaderService) end(a *activeStream) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.slots.Release(a.RemotePeer())
	delete(s.active, a)
	s.wg.Done()
}

// handleExchange answers one request. Anything that is not one frame of
// at most MaxRequestSize within the timeout resets the stream; a
// well-framed request that does not decode gets StatusBadRequest.
func (s *HeaderService) handleExchange(st p2p.Stream) {
	a, ok := s.begin(st)
	if !ok {
		st.Reset()
		return
	}
	defer s.end(a)
	allowed := s.rate.Allow(st.RemotePeer(), 1)
	st.SetDeadline(time.Now().Add(s.cfg.timeout))
	req, err := ReadFrame(st, MaxRequestSize)
	if err != nil {
		st.Reset()
		return
	}
	var resp []byte
	if allowed {
		ctx, cancel := context.WithTimeout(s.ctx, s.cfg.timeout)
		resp = s.srv.Handle(ctx, req)
		cancel()
	} else {
		resp, _ = EncodeResponse(Response{Status: StatusUnavailable})
	}
	if err := WriteFrame(st, resp); err != nil {
		st.Reset()
		return
	}
	st.Close()
}

// HeadPublisher pushes head announcements to subscribers. A subscriber
// that does not keep up (its queue is full, or one write takes longer than
// the serve timeout) is dropped, so none can hold up the others or Publish.
type HeadPublisher struct {
	cfg   serveConfig
	rate  *limit.Rate
	slots *limit.Slots // subscriptions, in all and per peer

	mu     sync.Mutex
	subs   map[*subscriber]struct{}
	latest []byte
	closed bool
	wg     sync.WaitGroup
}

type subscriber struct {
	peer  p2p.PeerID
	st    p2p.Stream
	queue chan []byte
	done  chan struct{}
	once  sync.Once
	left  bool // set before done closes: the subscriber closed its side
}

// stop ends the subscription; left says the subscriber itself ended it
// cleanly (its EOF), so the stream is closed rather than reset. Otherwise
// the stream is reset at once, which also frees a write blocked on a
// subscriber that does not read.
func (s *subscriber) stop(left bool) {
	s.once.Do(func() {
		s.left = left
		close(s.done)
		if !left {
			s.st.Reset()
		}
	})
}

// NewHeadPublisher returns a publisher for use with another transport's
// handler registration; ServeHeaders makes its own.
func NewHeadPublisher(opts ...ServeOption) *HeadPublisher {
	cfg := serveConfig{
		timeout:        DefaultServeTimeout,
		rate:           DefaultRateLimit,
		burst:          DefaultRateBurst,
		maxSubsPerPeer: DefaultMaxSubsPerPeer,
		maxSubscribers: DefaultMaxSubscribers,
		queue:          DefaultSubscriberQueue,
	}
	for _, o := range opts {
		o(&cfg)
	}
	return newHeadPublisher(cfg, limit.NewRate(cfg.rate, cfg.burst))
}

func newHeadPublisher(cfg serveConfig, rate *limit.Rate) *HeadPublisher {
	return &HeadPublisher{cfg: cfg, rate: rate, slots: limit.NewSlots(cfg.maxSubscribers, cfg.maxSubsPerPeer),
		subs: map[*subscriber]struct{}{}}
}

// Publish announces lb to every subscriber without waiting for any, and
// remembers it as the first announcement for new subscribers.
func (p *HeadPublisher) Publish(lb *LightBlock) error {
	msg, err := EncodeHeadAnnouncement(lb)
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.latest = msg
	for sub := range p.subs {
		select {
		case sub.queue <- msg:
		default:
			sub.stop(false) // fell behind: its handler resets the stream
		}
	}
	return nil
}

// Subscribers is the number of live subscriptions.
func (p *HeadPublisher) Subscribers() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.subs)
}

// Close ends every subscription and waits for their handlers.
func (p *HeadPublisher) Close() error {
	p.mu.Lock()
	p.closed = true
	for sub := range p.subs {
		sub.stop(false)
	}
	p.mu.Unlock()
	p.wg.Wait()
	return nil
}

func (p *HeadPublisher) add(st p2p.Stream) *subscriber {
	peer := st.RemotePeer()
	p.mu.Lock()
	defer p.mu.Unlock()
	// The caps first: a peer refused for them keeps its tokens.
	if p.closed || !p.slots.Acquire(peer) {
		return nil
	}
	if !p.rate.Allow(peer, 1) {
		p.slots.Release(peer)
		return nil
	}
	sub := &subscriber{peer: peer, st: st, queue: make(chan []byte, p.cfg.queue), done: make(chan struct{})}
	if p.latest != nil {
		sub.queue <- p.latest
	}
	p.subs[sub] = struct{}{}
	p.wg.Add(1)
	return sub
}

func (p *HeadPublisher) remove(sub *subscriber) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.subs, sub)
	p.slots.Release(sub.peer)
	p.wg.Done()
}

// Serve is the stream handler of the heads protocol: it writes
// announcements to st until the subscriber closes its side, falls behind,
// or the publisher closes.
func (p *HeadPublisher) Serve(st p2p.Stream) {
	sub := p.add(st)
	if sub == nil {
		st.Reset()
		return
	}
	defer p.remove(sub)
	// The subscriber sends nothing: EOF (or anything else) from it ends
	// the subscription.
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		var b [1]byte
		_, err := st.Read(b[:])
		sub.stop(err == io.EOF)
	}()
	graceful := false
loop:
	for {
		select {
		case msg := <-sub.queue:
			st.SetWriteDeadline(time.Now().Add(p.cfg.timeout))
			if err := WriteFrame(st, msg); err != nil {
				break loop
			}
		case <-sub.done:
			graceful = sub.left
			break loop
		}
	}
	if graceful {
		st.Close()
	} else {
		st.Reset()
	}
	<-readerDone
}

// P2PPeer is a Peer reached over p2p streams.
type P2PPeer struct {
	host    p2p.Host
	peer    p2p.PeerID
	chainID string
	codec   *Codec
	timeout time.Duration
	*Client
}

var _ Peer = (*P2PPeer)(nil)

// PeerOption configures a P2PPeer.
type PeerOption func(*P2PPeer)

// WithRequestTimeout bounds each request (default
// DefaultP2PRequestTimeout); a shorter context deadline wins.
func WithRequestTimeout(d time.Duration) PeerOption {
	return func(p *P2PPeer) {
		if d > 0 {
			p.timeout = d
		}
	}
}

// NewP2PPeer returns the peer `peer` as seen from host; peers may share
// one codec (and its cache of verified validator sets).
func NewP2PPeer(host p2p.Host, peer p2p.PeerID, chainID string, codec *Codec, opts ...PeerOption) *P2PPeer {
	if codec == nil {
		codec = NewCodec()
	}
	p := &P2PPeer{host: host, peer: peer, chainID: chainID, codec: codec, timeout: DefaultP2PRequestTimeout}
	for _, o := range opts {
		o(p)
	}
	p.Client = NewClient(p, codec)
	return p
}

// ID implements Peer.
func (p *P2PPeer) ID() string { return string(p.peer) }

// RoundTrip implements RoundTripper: one stream per request. Transport
// failures (resets, disconnects, deadlines) are returned without
// ErrMalformed, so the syncer retries elsewhere instead of banning the
// peer; an oversized or cut-short response frame is malformed.
func (p *P2PPeer) RoundTrip(ctx context.Context, req []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	st, err := p.host.NewStream(ctx, p.peer, p2p.ProtocolID(ExchangeProtocolID(p.chainID)))
	if err != nil {
		return nil, p.transportErr(ctx, "open exchange stream", err)
	}
	stop := context.AfterFunc(ctx, func() { st.Reset() })
	defer stop()
	if dl, ok := ctx.Deadline(); ok {
		st.SetDeadline(dl)
	}
	if err := WriteFrame(st, req); err != nil {
		st.Reset()
		return nil, p.transportErr(ctx, "send request", err)
	}
	if err := st.CloseWrite(); err != nil {
		st.Reset()
		return nil, p.transportErr(ctx, "send request", err)
	}
	resp, err := ReadFrame(st, MaxMessageSize)
	if err != nil {
		st.Reset()
		if isTransportErr(ctx, err) {
			return nil, p.transportErr(ctx, "read response", err)
		}
		return nil, fmt.Errorf("headers: peer %s: response: %w", p.peer, err)
	}
	st.Close()
	return resp, nil
}

// SubscribeHeads implements Peer.
func (p *P2PPeer) SubscribeHeads(ctx context.Context) (Subscription, error) {
	octx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	st, err := p.host.NewStream(octx, p.peer, p2p.ProtocolID(HeadsProtocolID(p.chainID)))
	if err != nil {
		return nil, p.transportErr(octx, "open heads stream", err)
	}
	return NewStreamSubscription(st, p.codec), nil
}

// transportSentinels are failures of the path, not of the peer's data.
var transportSentinels = []error{
	p2p.ErrStreamReset, p2p.ErrNoConnection, p2p.ErrProtocolNotSupported, p2p.ErrClosed,
	// A response that ends before its length prefix is complete: the peer
	// went away (a frame cut short after its prefix is malformed instead).
	os.ErrDeadlineExceeded, io.EOF, io.ErrUnexpectedEOF, io.ErrClosedPipe,
	context.DeadlineExceeded, context.Canceled,
}

func isTransportErr(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return true
	}
	for _, s := range transportSentinels {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// transportErr reports a path failure with the sentinel that caused it
// and without ErrMalformed (ReadFrame wraps both for a frame cut short).
func (p *P2PPeer) transportErr(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("headers: peer %s: %s: %w (%v)", p.peer, op, ctx.Err(), err)
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		// The stream deadline is the context's and may fire first.
		return fmt.Errorf("headers: peer %s: %s: %w: %w", p.peer, op, context.DeadlineExceeded, os.ErrDeadlineExceeded)
	}
	for _, s := range transportSentinels {
		if errors.Is(err, s) {
			return fmt.Errorf("headers: peer %s: %s: %w (%v)", p.peer, op, s, err)
		}
	}
	return fmt.Errorf("headers: peer %s: %s: %v", p.peer, op, err)
}

// PeerTracker keeps a Syncer's peers equal to a host's connected peers.
type PeerTracker struct {
	host    p2p.Host
	syncer  *Syncer
	chainID string
	codec   *Codec
	opts    []PeerOption
	cancel  func()

	mu      sync.Mutex
	peers   map[p2p.PeerID]bool
	seen    map[p2p.PeerID]bool // mentioned by an event (newer than a listing)
	stopped bool
}

// TrackPeers adds every peer connected to host to the syncer as a P2PPeer
// (sharing codec) and removes it when it disconnects, until Close.
func TrackPeers(host p2p.Host, s *Syncer, chainID string, codec *Codec, opts ...PeerOption) *PeerTracker {
	if codec == nil {
		codec = NewCodec()
	}
	t := &PeerTracker{host: host, syncer: s, chainID: chainID, codec: codec, opts: opts,
		peers: map[p2p.PeerID]bool{}, seen: map[p2p.PeerID]bool{}}
	t.cancel = host.Subscribe(t.event)
	// Subscribe first, then list: a peer an event already spoke of is
	// left to the event.
	for _, id := range host.Peers() {
		t.mu.Lock()
		if !t.seen[id] && !t.stopped {
			t.add(id)
		}
		t.mu.Unlock()
	}
	return t
}

func (t *PeerTracker) event(ev p2p.PeerEvent) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return
	}
	t.seen[ev.Peer] = true
	switch ev.Kind {
	case p2p.PeerConnected:
		t.add(ev.Peer)
	case p2p.PeerDisconnected:
		if t.peers[ev.Peer] {
			delete(t.peers, ev.Peer)
			t.syncer.RemovePeer(string(ev.Peer))
		}
	}
}

func (t *PeerTracker) add(id p2p.PeerID) {
	if t.peers[id] || id == t.host.ID() {
		return
	}
	t.peers[id] = true
	t.syncer.AddPeer(NewP2PPeer(t.host, id, t.chainID, t.codec, t.opts...))
}

// Peers lists the peers the tracker gave the syncer.
func (t *PeerTracker) Peers() []p2p.PeerID {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]p2p.PeerID, 0, len(t.peers))
	for id := range t.peers {
		out = append(out, id)
	}
	return out
}

// Close stops tracking; the syncer keeps the peers it has.
func (t *PeerTracker) Close() {
	t.cancel()
	t.mu.Lock()
	t.stopped = true
	t.mu.Unlock()
}
