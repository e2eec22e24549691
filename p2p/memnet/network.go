package memnet

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"sync"
	"time"

	"lightdas/p2p"
)

// Errors of the network itself (host management); stream and host
// operations report the p2p sentinel errors.
var (
	ErrDuplicateHost = errors.New("memnet: host id already in use")
	ErrUnknownHost   = errors.New("memnet: no such host")
	ErrSelfConnect   = errors.New("memnet: host cannot connect to itself")
)

// DefaultStreamWindow is the default per-direction stream buffer.
const DefaultStreamWindow = 64 << 10

// Conditions describe a link. The zero value is a perfect link.
type Conditions struct {
	// Latency is the one-way delay of every write and of EOF.
	Latency time.Duration
	// Bandwidth in bytes per second per direction, shared by all streams
	// of the link; 0 means unlimited.
	Bandwidth int64
	// ResetRate is the probability per Write that the stream is reset.
	ResetRate float64
	// StallRate is the probability per Write that the direction stalls
	// for good (nothing more is delivered).
	StallRate float64
}

// Option configures a Network.
type Option func(*Network)

// WithSeed seeds the random source of loss rolls.
func WithSeed(seed uint64) Option { return func(n *Network) { n.seed = seed } }

// WithConditions sets the network-wide default link conditions.
func WithConditions(c Conditions) Option { return func(n *Network) { n.defaults = c } }

// WithStreamWindow sets the per-direction stream buffer in bytes (>= 1).
func WithStreamWindow(bytes int) Option {
	return func(n *Network) {
		if bytes > 0 {
			n.window = bytes
		}
	}
}

// Network is a set of in-memory hosts and the links between them.
type Network struct {
	seed   uint64
	window int

	mu       sync.Mutex
	defaults Conditions
	hosts    map[p2p.PeerID]*Host
	links    map[linkKey]*link
	closed   bool
}

// NewNetwork returns an empty network.
func NewNetwork(opts ...Option) *Network {
	n := &Network{
		seed:   1,
		window: DefaultStreamWindow,
		hosts:  make(map[p2p.PeerID]*Host),
		links:  make(map[linkKey]*link),
	}
	for _, o := range opts {
		o(n)
	}
	return n
}

// NewHost adds a host named id.
func (n *Network) NewHost(id p2p.PeerID) (*Host, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil, fmt.Errorf("memnet: new host %q: %w", id, p2p.ErrClosed)
	}
	if _, ok := n.hosts[id]; ok {
		return nil, fmt.Errorf("memnet: new host %q: %w", id, ErrDuplicateHost)
	}
	h := &Host{
		net:      n,
		id:       id,
		handlers: make(map[p2p.ProtocolID]p2p.StreamHandler),
		peers:    make(map[p2p.PeerID]*link),
	}
	n.hosts[id] = h
	return h, nil
}

// Host returns the live host named id, or nil.
func (n *Network) Host(id p2p.PeerID) *Host {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.hosts[id]
}

// Connect links a and b (a no-op when already linked) and delivers
// PeerConnected to both.
func (n *Network) Connect(a, b p2p.PeerID) error {
	if a == b {
		return fmt.Errorf("memnet: connect %q: %w", a, ErrSelfConnect)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return fmt.Errorf("memnet: connect: %w", p2p.ErrClosed)
	}
	ha, hb := n.hosts[a], n.hosts[b]
	if ha == nil || hb == nil {
		missing := a
		if ha != nil {
			missing = b
		}
		return fmt.Errorf("memnet: connect %q-%q: %w: %q", a, b, ErrUnknownHost, missing)
	}
	key := makeKey(a, b)
	if _, ok := n.links[key]; ok {
		return nil
	}
	hf := fnv.New64a()
	hf.Write([]byte(key.a))
	hf.Write([]byte{0})
	hf.Write([]byte(key.b))
	l := &link{
		key:     key,
		hosts:   [2]*Host{n.hosts[key.a], n.hosts[key.b]},
		cond:    n.defaults,
		rng:     rand.New(rand.NewPCG(n.seed, hf.Sum64())),
		streams: make(map[*conn]struct{}),
	}
	n.links[key] = l
	ha.addPeer(b, l)
	hb.addPeer(a, l)
	ha.emit(p2p.PeerEvent{Peer: b, Kind: p2p.PeerConnected})
	hb.emit(p2p.PeerEvent{Peer: a, Kind: p2p.PeerConnected})
	return nil
}

// Disconnect drops the link between a and b (a no-op when not linked):
// every stream between them fails and both get PeerDisconnected.
func (n *Network) Disconnect(a, b p2p.PeerID) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.disconnectLocked(makeKey(a, b))
	return nil
}

func (n *Network) disconnectLocked(key linkKey) {
	l, ok := n.links[key]
	if !ok {
		return
	}
	delete(n.links, key)
	for _, c := range l.close() {
		c.reset(errDisconnected)
	}
	l.hosts[0].removePeer(key.b)
	l.hosts[1].removePeer(key.a)
	l.hosts[0].emit(p2p.PeerEvent{Peer: key.b, Kind: p2p.PeerDisconnected})
	l.hosts[1].emit(p2p.PeerEvent{Peer: key.a, Kind: p2p.PeerDisconnected})
}

// Connected reports whether a and b are linked.
func (n *Network) Connected(a, b p2p.PeerID) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	_, ok := n.links[makeKey(a, b)]
	return ok
}

// SetDefaultConditions changes the conditions of every link without its
// own, and of links made later.
func (n *Network) SetDefaultConditions(c Conditions) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.defaults = c
	for _, l := range n.links {
		l.mu.Lock()
		if !l.override {
			l.cond = c
		}
		l.mu.Unlock()
	}
}

// SetLinkConditions sets the conditions of the existing link between a and
// b until ClearLinkConditions or a reconnect.
func (n *Network) SetLinkConditions(a, b p2p.PeerID, c Conditions) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	l, ok := n.links[makeKey(a, b)]
	if !ok {
		return fmt.Errorf("memnet: link %q-%q: %w", a, b, p2p.ErrNoConnection)
	}
	l.mu.Lock()
	l.cond, l.override = c, true
	l.mu.Unlock()
	return nil
}

// ClearLinkConditions returns the link between a and b to the defaults.
func (n *Network) ClearLinkConditions(a, b p2p.PeerID) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if l, ok := n.links[makeKey(a, b)]; ok {
		l.mu.Lock()
		l.cond, l.override = n.defaults, false
		l.mu.Unlock()
	}
}

// Close closes every host and waits for every goroutine memnet started.
func (n *Network) Close() error {
	n.mu.Lock()
	n.closed = true
	hosts := make([]*Host, 0, len(n.hosts))
	for _, h := range n.hosts {
		hosts = append(hosts, h)
	}
	n.mu.Unlock()
	for _, h := range hosts {
		h.Close()
	}
	return nil
}

var errDisconnected = fmt.Errorf("memnet: peer disconnected: %w: %w", p2p.ErrStreamReset, p2p.ErrNoConnection)

type linkKey struct{ a, b p2p.PeerID } // a < b

func makeKey(a, b p2p.PeerID) linkKey {
	if b < a {
		a, b = b, a
	}
	return linkKey{a, b}
}

// link is the connection between two hosts.
type link struct {
	key   linkKey
	hosts [2]*Host // hosts[0] is key.a

	mu       sync.Mutex
	cond     Conditions
	override bool
	rng      *rand.Rand
	busy     [2]time.Time // per direction: when the line is free again
	streams  map[*conn]struct{}
	closed   bool
}

func (l *link) other(id p2p.PeerID) *Host {
	if id == l.key.a {
		return l.hosts[1]
	}
	return l.hosts[0]
}

func (l *link) conditions() Conditions {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cond
}

// roll draws the loss outcomes of one write.
func (l *link) roll() (reset, stall bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cond.ResetRate > 0 {
		reset = l.rng.Float64() < l.cond.ResetRate
	}
	if l.cond.StallRate > 0 {
		stall = l.rng.Float64() < l.cond.StallRate
	}
	return reset, stall
}

// schedule returns when n bytes sent now from host `from` arrive.
func (l *link) schedule(from p2p.PeerID, n int) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	at := now
	if l.cond.Bandwidth > 0 {
		d := 0
		if from != l.key.a {
			d = 1
		}
		start := later(now, l.busy[d])
		end := start.Add(time.Duration(float64(n) / float64(l.cond.Bandwidth) * float64(time.Second)))
		l.busy[d] = end
		at = end
	}
	return at.Add(l.cond.Latency)
}

func (l *link) add(c *conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false
	}
	l.streams[c] = struct{}{}
	return true
}

func (l *link) remove(c *conn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.streams, c)
}

func (l *link) close() []*conn {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	cs := make([]*conn, 0, len(l.streams))
	for c := range l.streams {
		cs = append(cs, c)
	}
	clear(l.streams)
	return cs
}

func (l *link) openStreams(id p2p.PeerID) int {
	l.mu.Lock()
	cs := make([]*conn, 0, len(l.streams))
	for c := range l.streams {
		cs = append(cs, c)
	}
	l.mu.Unlock()
	n := 0
	for _, c := range cs {
		if c.open(id) {
			n++
		}
	}
	return n
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
