package webrtc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"

	msmux "github.com/multiformats/go-multistream"

	"lightdas/p2p"
	"lightdas/webrtc/internal/libp2pkey"
)

// NegotiationTimeout bounds a protocol negotiation (NewStream without a
// context deadline, and incoming streams).
const NegotiationTimeout = 10 * time.Second

// Config configures a Host. The zero value is usable.
type Config struct {
	// Identity is the libp2p key the host authenticates with in Noise; a
	// fresh Ed25519 key when zero.
	Identity libp2pkey.PrivateKey
	// HandshakeTimeout bounds Connect: ICE, DTLS, SCTP and Noise.
	// Default 15 s.
	HandshakeTimeout time.Duration
	// MaxIncomingStreams caps the live streams a remote may open on one
	// connection; more are reset at once. Default 64.
	MaxIncomingStreams int
	// UserAgent is announced to the remote by identify. Default
	// "lightdas-webrtc".
	UserAgent string
	// Logger receives debug logs of connections and streams; slog.Default()
	// when nil.
	Logger *slog.Logger
}

// Host dials WebRTC-direct listeners and implements p2p.Host over the
// connections it made. It does not listen: browsers cannot.
type Host struct {
	cfg    Config
	key    libp2pkey.PrivateKey
	id     libp2pkey.ID
	log    *slog.Logger
	mux    *msmux.MultistreamMuxer[p2p.ProtocolID]
	ctx    context.Context // cancelled by Close: aborts dials
	cancel context.CancelFunc

	mu       sync.Mutex
	closed   bool // no new connections or streams
	draining bool // Close waits for the goroutines: no new ones
	conns    map[p2p.PeerID]*conn
	dials    map[p2p.PeerID]*dialCall
	subs     p2p.Subscribers
	wg       sync.WaitGroup
	done     chan struct{}
}

var _ p2p.Host = (*Host)(nil)

type dialCall struct {
	done chan struct{}
	err  error
}

// New creates a host.
func New(cfg Config) (*Host, error) {
	if cfg.HandshakeTimeout <= 0 {
		cfg.HandshakeTimeout = 15 * time.Second
	}
	if cfg.MaxIncomingStreams <= 0 {
		cfg.MaxIncomingStreams = 64
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "lightdas-webrtc"
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	key := cfg.Identity
	if key.IsZero() {
		var err error
		if key, err = libp2pkey.GenerateEd25519(nil); err != nil {
			return nil, fmt.Errorf("webrtc: generating identity: %w", err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &Host{
		cfg: cfg, key: key, id: key.Public().PeerID(), log: log,
		mux: msmux.NewMultistreamMuxer[p2p.ProtocolID](),
		ctx: ctx, cancel: cancel,
		conns: map[p2p.PeerID]*conn{},
		dials: map[p2p.PeerID]*dialCall{},
		done:  make(chan struct{}),
	}
	h.mux.AddHandler(identifyProtocol, func(_ p2p.ProtocolID, rwc io.ReadWriteCloser) error {
		h.serveIdentify(rwc.(*stream))
		return nil
	})
	return h, nil
}

// ID implements p2p.Host.
func (h *Host) ID() p2p.PeerID { return p2p.PeerID(h.id.String()) }

// Peers implements p2p.Host: the peers with a live connection, sorted.
func (h *Host) Peers() []p2p.PeerID {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]p2p.PeerID, 0, len(h.conns))
	for id := range h.conns {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// Connect dials a WebRTC-direct multiaddr
// (/ip4|ip6/.../udp/.../webrtc-direct/certhash/.../p2p/<id>) and returns
// the authenticated peer id. Connecting to a connected peer returns at
// once; concurrent calls for one peer share one dial. Errors: ErrBadAddr
// (and its kinds) for the address; ErrHandshake (with ErrPeerIDMismatch
// when the listener is someone else) and p2p.ErrNoConnection for a failed
// dial; p2p.ErrClosed after Close.
func (h *Host) Connect(ctx context.Context, addr string) (p2p.PeerID, error) {
	a, err := ParseAddr(addr)
	if err != nil {
		return "", err
	}
	id := a.PeerID()
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return "", fmt.Errorf("webrtc: connect: %w", p2p.ErrClosed)
	}
	if _, ok := h.conns[id]; ok {
		h.mu.Unlock()
		return id, nil
	}
	if d, ok := h.dials[id]; ok {
		h.mu.Unlock()
		select {
		case <-d.done:
			if d.err != nil {
				return "", d.err
			}
			return id, nil
		case <-ctx.Done():
			return "", fmt.Errorf("webrtc: connect %s: %w: %w", id, p2p.ErrNoConnection, ctx.Err())
		}
	}
	d := &dialCall{done: make(chan struct{})}
	h.dials[id] = d
	h.wg.Add(1)
	h.mu.Unlock()
	defer h.wg.Done()

	dctx, cancel := handshakeContext(ctx, h)
	c, err := h.dial(dctx, a)
	cancel()

	h.mu.Lock()
	delete(h.dials, id)
	if err == nil {
		switch {
		case h.closed:
			err = fmt.Errorf("webrtc: connect: %w", p2p.ErrClosed)
		case !c.alive():
			err = c.lostErr()
		default:
			h.conns[id] = c
			h.emitLocked(p2p.PeerEvent{Peer: id, Kind: p2p.PeerConnected})
		}
	} else {
		kind := p2p.ErrNoConnection
		if h.closed {
			kind = p2p.ErrClosed
		}
		err = fmt.Errorf("webrtc: connect %s: %w: %w", a, kind, err)
	}
	d.err = err
	close(d.done)
	h.mu.Unlock()
	if err != nil {
		if c != nil {
			c.shutdown(err)
			c.closePC()
		}
		return "", err
	}
	h.log.Debug("webrtc: connected", "peer", id, "addr", a)
	return id, nil
}

// Disconnect closes the connection to a peer (PeerDisconnected follows).
// It is a no-op for a peer that is not connected.
func (h *Host) Disconnect(id p2p.PeerID) error {
	h.mu.Lock()
	c := h.conns[id]
	h.mu.Unlock()
	if c == nil {
		return nil
	}
	c.close(fmt.Errorf("webrtc: disconnected from %s: %w: %w", id, p2p.ErrStreamReset, p2p.ErrNoConnection))
	return nil
}

// NewStream implements p2p.Host. It needs a live connection (Connect
// first; the host does not redial) and negotiates the protocol before it
// returns, so an unserved protocol fails here with an error wrapping
// p2p.ErrProtocolNotSupported.
func (h *Host) NewStream(ctx context.Context, id p2p.PeerID, proto p2p.ProtocolID) (p2p.Stream, error) {
	h.mu.Lock()
	closed, c := h.closed, h.conns[id]
	h.mu.Unlock()
	switch {
	case closed:
		return nil, fmt.Errorf("webrtc: new stream: %w", p2p.ErrClosed)
	case c == nil:
		return nil, fmt.Errorf("webrtc: new stream to %s: %w", id, p2p.ErrNoConnection)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, NegotiationTimeout)
		defer cancel()
	}
	s, err := c.openStream()
	if err != nil {
		if !c.alive() {
			err = fmt.Errorf("%w: %w", p2p.ErrNoConnection, err)
		}
		return nil, fmt.Errorf("webrtc: new stream to %s for %s: %w", id, proto, err)
	}
	// Reset on cancellation unblocks the negotiation.
	stop := context.AfterFunc(ctx, func() { s.Reset() })
	err = msmux.SelectProtoOrFail(proto, s)
	if !stop() {
		err = fmt.Errorf("%w (%w)", ctx.Err(), err)
	}
	if err != nil {
		s.Reset()
		switch {
		case errors.Is(err, msmux.ErrNotSupported[p2p.ProtocolID]{}):
			err = fmt.Errorf("%w: %w", p2p.ErrProtocolNotSupported, err)
		case ctx.Err() != nil:
		case !c.alive():
			err = c.lostErr()
		case !errors.Is(err, p2p.ErrStreamReset):
			// The remote ended the stream mid-negotiation.
			err = fmt.Errorf("%w: %w", p2p.ErrStreamReset, err)
		}
		return nil, fmt.Errorf("webrtc: new stream to %s for %s: %w", id, proto, err)
	}
	s.proto = proto
	return s, nil
}

// SetStreamHandler implements p2p.Host: streams the remote opens on this
// host's connections for proto go to handler.
func (h *Host) SetStreamHandler(proto p2p.ProtocolID, handler p2p.StreamHandler) {
	h.mux.AddHandler(proto, func(p p2p.ProtocolID, rwc io.ReadWriteCloser) error {
		s := rwc.(*stream)
		s.proto = p
		handler(s)
		return nil
	})
}

// RemoveStreamHandler implements p2p.Host.
func (h *Host) RemoveStreamHandler(proto p2p.ProtocolID) {
	if proto != identifyProtocol {
		h.mux.RemoveHandler(proto)
	}
}

// serve negotiates an incoming stream's protocol and runs its handler.
func (h *Host) serve(c *conn, s *stream) {
	select {
	case <-c.ready:
	case <-c.done:
		s.Reset()
		return
	}
	s.SetDeadline(time.Now().Add(NegotiationTimeout))
	proto, handle, err := h.mux.Negotiate(s)
	if err != nil {
		h.log.Debug("webrtc: incoming stream negotiation", "peer", c.peer, "err", err)
		s.Reset()
		return
	}
	s.SetDeadline(time.Time{})
	handle(proto, s)
}

// goTracked runs fn on a goroutine Close waits for, unless Close is
// already waiting.
func (h *Host) goTracked(fn func()) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.draining {
		return false
	}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		fn()
	}()
	return true
}

// connGone forgets a connection that ended.
func (h *Host) connGone(c *conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.conns[c.peer] == c {
		delete(h.conns, c.peer)
		h.emitLocked(p2p.PeerEvent{Peer: c.peer, Kind: p2p.PeerDisconnected})
	}
}

// Close implements p2p.Host: it closes every connection, aborts dials and
// waits for the stream handlers and subscribers it started. It must not
// be called from one of them.
func (h *Host) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		<-h.done
		return nil
	}
	h.closed = true
	conns := make([]*conn, 0, len(h.conns))
	for _, c := range h.conns {
		conns = append(conns, c)
	}
	h.mu.Unlock()
	h.cancel()
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Go(func() { c.close(fmt.Errorf("webrtc: host closed: %w: %w", p2p.ErrStreamReset, p2p.ErrNoConnection)) })
	}
	wg.Wait()
	h.mu.Lock()
	h.draining = true
	h.mu.Unlock()
	h.subs.Close(false)
	h.wg.Wait()
	close(h.done)
	return nil
}

// Subscribe implements p2p.Host. Events are queued without bound, so a
// slow subscriber never holds the host up; events queued when cancel is
// called are dropped.
func (h *Host) Subscribe(fn func(p2p.PeerEvent)) (cancel func()) { return h.subs.Subscribe(fn) }

// emitLocked publishes ev; callers hold mu, which orders it with the
// connection state change it reports.
func (h *Host) emitLocked(ev p2p.PeerEvent) { h.subs.Publish(ev) }
