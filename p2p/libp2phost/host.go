//go:build !js

package libp2phost

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/event"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/peerstore"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-libp2p/p2p/host/eventbus"
	rcmgr "github.com/libp2p/go-libp2p/p2p/host/resource-manager"
	"github.com/libp2p/go-libp2p/p2p/muxer/yamux"
	"github.com/libp2p/go-libp2p/p2p/net/connmgr"
	"github.com/libp2p/go-libp2p/p2p/security/noise"
	quic "github.com/libp2p/go-libp2p/p2p/transport/quic"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	libp2pwebrtc "github.com/libp2p/go-libp2p/p2p/transport/webrtc"
	ws "github.com/libp2p/go-libp2p/p2p/transport/websocket"
	ma "github.com/multiformats/go-multiaddr"
	msmux "github.com/multiformats/go-multistream"
	"github.com/prometheus/client_golang/prometheus"

	"lightdas/p2p"
)

// CertHashFile records, inside a data dir, the WebRTC-direct certhash the
// host last announced.
const CertHashFile = "webrtc-certhash"

// NegotiationTimeout bounds NewStream's protocol negotiation when the
// caller's context has no deadline.
const NegotiationTimeout = 10 * time.Second

// ErrBadAddr: a peer address is not a multiaddr ending in /p2p/<peer id>.
var ErrBadAddr = errors.New("libp2phost: bad peer address")

// Config configures a Host. The zero value is an ephemeral light-client
// host listening on every transport on 127.0.0.1 with random ports.
type Config struct {
	// DataDir holds the identity key (IdentityFile) and the certhash record
	// (CertHashFile). Empty: a fresh random identity, nothing persisted.
	DataDir string
	// Identity, when set, is used instead of DataDir's key.
	Identity crypto.PrivKey
	// ListenAddrs are multiaddrs to listen on. nil: DefaultListenAddrs
	// ("127.0.0.1"). An empty non-nil slice: no listeners (dial only).
	ListenAddrs []string
	// Role selects the resource limits (Limits(Role)) unless Limits is set.
	Role   Role
	Limits *rcmgr.ConcreteLimitConfig
	// ConnManager, when set, trims connections above its high water mark.
	ConnManager *ConnManagerConfig
	// DialTimeout bounds one dial (go-libp2p's default when zero).
	DialTimeout time.Duration
	// Registerer receives go-libp2p's Prometheus metrics; nil disables them
	// (go-libp2p would otherwise register on the global registry).
	Registerer prometheus.Registerer
	// UserAgent is announced by identify ("lightdas" when empty).
	UserAgent string
	// Logger (slog.Default() when nil).
	Logger *slog.Logger
}

// ConnManagerConfig configures go-libp2p's basic connection manager: above
// High connections it closes the least useful ones down to Low, sparing
// connections younger than GracePeriod.
type ConnManagerConfig struct {
	Low, High   int
	GracePeriod time.Duration
}

// DefaultListenAddrs listens on every transport on ip with random ports:
// TCP, QUIC-v1, WebSocket and WebRTC-direct.
func DefaultListenAddrs(ip string) []string {
	proto := "ip4"
	if strings.Contains(ip, ":") {
		proto = "ip6"
	}
	return []string{
		fmt.Sprintf("/%s/%s/tcp/0", proto, ip),
		fmt.Sprintf("/%s/%s/udp/0/quic-v1", proto, ip),
		fmt.Sprintf("/%s/%s/tcp/0/ws", proto, ip),
		fmt.Sprintf("/%s/%s/udp/0/webrtc-direct", proto, ip),
	}
}

// Host is a go-libp2p host; it implements p2p.Host.
type Host struct {
	h        host.Host
	log      *slog.Logger
	certHash string

	mu       sync.Mutex
	closed   bool
	subs     map[*subscription]struct{}
	wg       sync.WaitGroup // stream handlers and subscriptions
	done     chan struct{}  // closed when Close has finished
	closeErr error
}

var _ p2p.Host = (*Host)(nil)

// New starts a host.
func New(cfg Config) (*Host, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	key := cfg.Identity
	if key == nil && cfg.DataDir != "" {
		var err error
		if key, err = LoadOrCreateIdentity(filepath.Join(cfg.DataDir, IdentityFile)); err != nil {
			return nil, err
		}
	}
	if key == nil {
		var err error
		if key, _, err = crypto.GenerateEd25519Key(rand.Reader); err != nil {
			return nil, fmt.Errorf("libp2phost: generating identity: %w", err)
		}
	}
	limits := Limits(cfg.Role)
	if cfg.Limits != nil {
		limits = *cfg.Limits
	}
	rm, err := rcmgr.NewResourceManager(rcmgr.NewFixedLimiter(limits))
	if err != nil {
		return nil, fmt.Errorf("libp2phost: resource manager: %w", err)
	}
	ua := cfg.UserAgent
	if ua == "" {
		ua = "lightdas"
	}
	opts := []libp2p.Option{
		libp2p.Identity(key),
		libp2p.Transport(tcp.NewTCPTransport),
		libp2p.Transport(quic.NewTransport),
		libp2p.Transport(ws.New),
		libp2p.Transport(libp2pwebrtc.New),
		libp2p.Security(noise.ID, noise.New),
		libp2p.Muxer(yamux.ID, yamux.DefaultTransport),
		libp2p.ResourceManager(rm),
		libp2p.Ping(true),
		libp2p.DisableRelay(),
		libp2p.UserAgent(ua),
	}
	switch {
	case cfg.ListenAddrs == nil:
		opts = append(opts, libp2p.ListenAddrStrings(DefaultListenAddrs("127.0.0.1")...))
	case len(cfg.ListenAddrs) == 0:
		opts = append(opts, libp2p.NoListenAddrs)
	default:
		opts = append(opts, libp2p.ListenAddrStrings(cfg.ListenAddrs...))
	}
	if cfg.Registerer != nil {
		opts = append(opts, libp2p.PrometheusRegisterer(cfg.Registerer))
	} else {
		opts = append(opts, libp2p.DisableMetrics())
	}
	if cfg.DialTimeout > 0 {
		opts = append(opts, libp2p.WithDialTimeout(cfg.DialTimeout))
	}
	if c := cfg.ConnManager; c != nil {
		cm, err := connmgr.NewConnManager(c.Low, c.High, connmgr.WithGracePeriod(c.GracePeriod))
		if err != nil {
			rm.Close()
			return nil, fmt.Errorf("libp2phost: connection manager: %w", err)
		}
		opts = append(opts, libp2p.ConnectionManager(cm))
	}
	lh, err := libp2p.New(opts...) // closes rm and cm itself on failure
	if err != nil {
		return nil, fmt.Errorf("libp2phost: starting host: %w", err)
	}
	h := &Host{h: lh, log: log, subs: map[*subscription]struct{}{}, done: make(chan struct{})}
	h.certHash = certHashOf(lh.Network().ListenAddresses())
	if cfg.DataDir != "" && h.certHash != "" {
		h.recordCertHash(filepath.Join(cfg.DataDir, CertHashFile))
	}
	return h, nil
}

func certHashOf(addrs []ma.Multiaddr) string {
	for _, a := range addrs {
		if v, err := a.ValueForProtocol(ma.P_CERTHASH); err == nil {
			return v
		}
	}
	return ""
}

// recordCertHash keeps the announced certhash in the data dir and warns
// when it changed: browsers holding the old bootstrap address can no
// longer dial this node over WebRTC-direct.
func (h *Host) recordCertHash(path string) {
	old, err := os.ReadFile(path)
	switch {
	case err == nil && string(bytes.TrimSpace(old)) == h.certHash:
		return
	case err == nil:
		h.log.Warn("libp2phost: WebRTC-direct certhash changed; browser bootstrap addresses must be updated",
			"old", string(bytes.TrimSpace(old)), "new", h.certHash)
	case !errors.Is(err, fs.ErrNotExist):
		h.log.Warn("libp2phost: reading certhash record", "err", err)
	}
	if err := os.WriteFile(path, []byte(h.certHash+"\n"), 0o644); err != nil {
		h.log.Warn("libp2phost: writing certhash record", "err", err)
	}
}

// ID implements p2p.Host.
func (h *Host) ID() p2p.PeerID { return p2p.PeerID(h.h.ID().String()) }

// Libp2p exposes the underlying go-libp2p host, for what this package
// does not wrap (metrics, peerstore inspection).
func (h *Host) Libp2p() host.Host { return h.h }

// AddrInfo is the host's id with its listen addresses.
func (h *Host) AddrInfo() peer.AddrInfo {
	return peer.AddrInfo{ID: h.h.ID(), Addrs: h.h.Addrs()}
}

// Addrs are the host's full multiaddrs, each ending in /p2p/<id>; the
// WebRTC-direct ones carry the /certhash component.
func (h *Host) Addrs() []ma.Multiaddr {
	ai := h.AddrInfo()
	addrs, err := peer.AddrInfoToP2pAddrs(&ai)
	if err != nil { // only for an empty id, which a host never has
		return nil
	}
	return addrs
}

// AddrStrings is Addrs as strings.
func (h *Host) AddrStrings() []string {
	var out []string
	for _, a := range h.Addrs() {
		out = append(out, a.String())
	}
	return out
}

// CertHash is the multibase-encoded WebRTC-direct certificate hash (the
// /certhash component), or "" without a WebRTC-direct listener.
func (h *Host) CertHash() string { return h.certHash }

// Peers implements p2p.Host; the list is sorted.
func (h *Host) Peers() []p2p.PeerID {
	var out []p2p.PeerID
	for _, p := range h.h.Network().Peers() {
		out = append(out, p2p.PeerID(p.String()))
	}
	slices.Sort(out)
	return out
}

func (h *Host) isClosed() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.closed
}

// ParseAddr splits a full multiaddr (ending in /p2p/<id>) into a peer id
// and address.
func ParseAddr(s string) (peer.AddrInfo, error) {
	ai, err := peer.AddrInfoFromString(s)
	if err != nil {
		return peer.AddrInfo{}, fmt.Errorf("%w %q: %w", ErrBadAddr, s, err)
	}
	return *ai, nil
}

// AddPeerAddrs remembers full multiaddrs of known peers (bootstrap nodes),
// for as long as the host runs; NewStream dials them on demand. Nothing is
// added unless every address parses.
func (h *Host) AddPeerAddrs(addrs ...string) error {
	infos := make([]peer.AddrInfo, 0, len(addrs))
	for _, s := range addrs {
		ai, err := ParseAddr(s)
		if err != nil {
			return err
		}
		infos = append(infos, ai)
	}
	for _, ai := range infos {
		h.h.Peerstore().AddAddrs(ai.ID, ai.Addrs, peerstore.PermanentAddrTTL)
	}
	return nil
}

// Connect dials a peer (if not connected) at the given addresses plus the
// ones the peerstore knows. Failures wrap p2p.ErrNoConnection.
func (h *Host) Connect(ctx context.Context, ai peer.AddrInfo) error {
	if h.isClosed() {
		return fmt.Errorf("libp2phost: connect: %w", p2p.ErrClosed)
	}
	if err := h.h.Connect(ctx, ai); err != nil {
		return h.dialErr(ai.ID.String(), err)
	}
	return nil
}

// ConnectAddr dials a peer given as a full multiaddr (with /p2p/<id>).
func (h *Host) ConnectAddr(ctx context.Context, addr string) error {
	ai, err := ParseAddr(addr)
	if err != nil {
		return err
	}
	return h.Connect(ctx, ai)
}

func (h *Host) dialErr(peer string, err error) error {
	if h.isClosed() {
		return fmt.Errorf("libp2phost: dialling %s: %w: %w", peer, p2p.ErrClosed, err)
	}
	return fmt.Errorf("libp2phost: dialling %s: %w: %w", peer, p2p.ErrNoConnection, err)
}

// NewStream implements p2p.Host. It dials when needed and negotiates the
// protocol before returning (see the package doc for the errors).
func (h *Host) NewStream(ctx context.Context, id p2p.PeerID, proto p2p.ProtocolID) (p2p.Stream, error) {
	if h.isClosed() {
		return nil, fmt.Errorf("libp2phost: new stream: %w", p2p.ErrClosed)
	}
	pid, err := peer.Decode(string(id))
	if err != nil {
		return nil, fmt.Errorf("libp2phost: new stream to %q: %w: %w", id, p2p.ErrNoConnection, err)
	}
	if h.h.Network().Connectedness(pid) != network.Connected {
		if err := h.h.Connect(ctx, peer.AddrInfo{ID: pid}); err != nil {
			return nil, h.dialErr(string(id), err)
		}
	}
	s, err := h.h.Network().NewStream(network.WithNoDial(ctx, "dialled above"), pid)
	if err != nil {
		return nil, h.dialErr(string(id), err)
	}
	if _, ok := ctx.Deadline(); !ok {
		// As go-libp2p's own NewStream: a silent peer must not hold the
		// caller forever.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, NegotiationTimeout)
		defer cancel()
	}
	// Reset on cancellation unblocks the negotiation.
	stop := context.AfterFunc(ctx, func() { s.Reset() })
	err = msmux.SelectProtoOrFail(protocol.ID(proto), s)
	if !stop() {
		err = fmt.Errorf("%w (%w)", ctx.Err(), err)
	}
	if err != nil {
		s.ResetWithError(network.StreamProtocolNegotiationFailed)
		switch {
		case errors.Is(err, msmux.ErrNotSupported[protocol.ID]{}):
			err = fmt.Errorf("%w: %w", p2p.ErrProtocolNotSupported, err)
		case ctx.Err() != nil:
		case errors.Is(err, network.ErrReset) || s.Conn().IsClosed():
			err = mapStreamErr("negotiation", s.Conn(), err)
		default:
			// The peer ended the stream mid-negotiation.
			err = fmt.Errorf("%w: %w", p2p.ErrStreamReset, err)
		}
		return nil, fmt.Errorf("libp2phost: new stream to %s for %s: %w", id, proto, err)
	}
	// Attributes the stream to the protocol's resource scope.
	if err := s.SetProtocol(protocol.ID(proto)); err != nil {
		s.ResetWithError(network.StreamResourceLimitExceeded)
		return nil, fmt.Errorf("libp2phost: new stream to %s for %s: %w: %w", id, proto, p2p.ErrNoConnection, err)
	}
	return newStream(s, proto), nil
}

// SetStreamHandler implements p2p.Host.
func (h *Host) SetStreamHandler(proto p2p.ProtocolID, handler p2p.StreamHandler) {
	if h.isClosed() {
		return
	}
	h.h.SetStreamHandler(protocol.ID(proto), func(s network.Stream) {
		h.mu.Lock()
		if h.closed {
			h.mu.Unlock()
			s.Reset()
			return
		}
		h.wg.Add(1)
		h.mu.Unlock()
		defer h.wg.Done()
		handler(newStream(s, proto))
	})
}

// RemoveStreamHandler implements p2p.Host.
func (h *Host) RemoveStreamHandler(proto p2p.ProtocolID) {
	h.h.RemoveStreamHandler(protocol.ID(proto))
}

// Subscribe implements p2p.Host. Events already queued when cancel is
// called are dropped; a call of fn in progress finishes.
func (h *Host) Subscribe(fn func(p2p.PeerEvent)) (cancel func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return func() {}
	}
	sub, err := h.h.EventBus().Subscribe(new(event.EvtPeerConnectednessChanged), eventbus.BufSize(256))
	if err != nil { // only for a bad event type
		h.log.Error("libp2phost: subscribing to peer events", "err", err)
		return func() {}
	}
	s := &subscription{sub: sub, queue: p2p.NewEventQueue(fn)}
	h.subs[s] = struct{}{}
	h.wg.Add(2)
	go func() {
		defer h.wg.Done()
		s.pump()
	}()
	go func() {
		defer h.wg.Done()
		s.queue.Run()
	}()
	return func() {
		h.mu.Lock()
		delete(h.subs, s)
		h.mu.Unlock()
		s.cancel()
	}
}

// Close implements p2p.Host: it closes every connection and the listeners,
// then waits for the stream handlers and subscribers the host started. It
// must not be called from one of them.
func (h *Host) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		<-h.done
		return h.closeErr
	}
	h.closed = true
	h.mu.Unlock()

	err := h.h.Close()
	h.mu.Lock()
	subs := make([]*subscription, 0, len(h.subs))
	for s := range h.subs {
		subs = append(subs, s)
	}
	clear(h.subs)
	h.mu.Unlock()
	for _, s := range subs {
		s.cancel()
	}
	h.wg.Wait()
	if err != nil {
		h.closeErr = fmt.Errorf("libp2phost: close: %w", err)
	}
	close(h.done)
	return h.closeErr
}

// subscription moves events from the event bus into an EventQueue
// (pump), so the bus never waits for fn; the queue delivers them in order.
type subscription struct {
	sub   event.Subscription
	queue *p2p.EventQueue
	once  sync.Once
}

func (s *subscription) pump() {
	for e := range s.sub.Out() {
		ev, ok := e.(event.EvtPeerConnectednessChanged)
		if !ok {
			continue
		}
		var kind p2p.EventKind
		switch ev.Connectedness {
		case network.Connected:
			kind = p2p.PeerConnected
		case network.NotConnected:
			kind = p2p.PeerDisconnected
		default: // limited (relayed) connections: not used here
			continue
		}
		s.queue.Push(p2p.PeerEvent{Peer: p2p.PeerID(ev.Peer.String()), Kind: kind})
	}
}

func (s *subscription) cancel() {
	s.once.Do(func() {
		s.queue.Stop(false)
		s.sub.Close() // ends pump
	})
}
