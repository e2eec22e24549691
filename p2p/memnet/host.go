package memnet

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"lightdas/p2p"
)

// Host is one node of a Network; it implements p2p.Host.
type Host struct {
	net *Network
	id  p2p.PeerID

	mu       sync.Mutex
	handlers map[p2p.ProtocolID]p2p.StreamHandler
	peers    map[p2p.PeerID]*link
	subs     p2p.Subscribers
	closed   bool
	wg       sync.WaitGroup // handler goroutines
}

var _ p2p.Host = (*Host)(nil)

// ID implements p2p.Host.
func (h *Host) ID() p2p.PeerID { return h.id }

// Network returns the network the host belongs to.
func (h *Host) Network() *Network { return h.net }

// Connect links the host to peer (see Network.Connect).
func (h *Host) Connect(peer p2p.PeerID) error { return h.net.Connect(h.id, peer) }

// Peers implements p2p.Host; the list is sorted.
func (h *Host) Peers() []p2p.PeerID {
	h.mu.Lock()
	defer h.mu.Unlock()
	ps := make([]p2p.PeerID, 0, len(h.peers))
	for p := range h.peers {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	return ps
}

// NumStreams counts the streams whose local end (at this host) is neither
// closed nor reset; tests use it to check that servers release streams.
func (h *Host) NumStreams() int {
	h.mu.Lock()
	links := make([]*link, 0, len(h.peers))
	for _, l := range h.peers {
		links = append(links, l)
	}
	h.mu.Unlock()
	n := 0
	for _, l := range links {
		n += l.openStreams(h.id)
	}
	return n
}

// NewStream implements p2p.Host. It takes one round trip of the link's
// latency.
func (h *Host) NewStream(ctx context.Context, peer p2p.PeerID, protocol p2p.ProtocolID) (p2p.Stream, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memnet: new stream to %q: %w", peer, err)
	}
	l, err := h.linkTo(peer)
	if err != nil {
		return nil, err
	}
	if rtt := 2 * l.conditions().Latency; rtt > 0 {
		t := time.NewTimer(rtt)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("memnet: new stream to %q: %w", peer, ctx.Err())
		}
		if l, err = h.linkTo(peer); err != nil {
			return nil, err
		}
	}
	remote := l.other(h.id)
	remote.mu.Lock()
	if remote.closed {
		remote.mu.Unlock()
		return nil, fmt.Errorf("memnet: new stream to %q: %w", peer, p2p.ErrNoConnection)
	}
	handler := remote.handlers[protocol]
	if handler == nil {
		remote.mu.Unlock()
		return nil, fmt.Errorf("memnet: new stream to %q for %s: %w", peer, protocol, p2p.ErrProtocolNotSupported)
	}
	remote.wg.Add(1)
	remote.mu.Unlock()

	c := newConn(l, protocol, h.id, peer, h.net.window)
	if !l.add(c) {
		remote.wg.Done()
		return nil, fmt.Errorf("memnet: new stream to %q: %w", peer, p2p.ErrNoConnection)
	}
	go func() {
		defer remote.wg.Done()
		handler(c.end(1))
	}()
	return c.end(0), nil
}

func (h *Host) linkTo(peer p2p.PeerID) (*link, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, fmt.Errorf("memnet: host %q: %w", h.id, p2p.ErrClosed)
	}
	l := h.peers[peer]
	if l == nil {
		return nil, fmt.Errorf("memnet: new stream to %q: %w", peer, p2p.ErrNoConnection)
	}
	return l, nil
}

// SetStreamHandler implements p2p.Host.
func (h *Host) SetStreamHandler(protocol p2p.ProtocolID, handler p2p.StreamHandler) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.handlers[protocol] = handler
}

// RemoveStreamHandler implements p2p.Host.
func (h *Host) RemoveStreamHandler(protocol p2p.ProtocolID) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.handlers, protocol)
}

// Subscribe implements p2p.Host. Events already queued when cancel is
// called are dropped; a call of fn in progress finishes.
func (h *Host) Subscribe(fn func(p2p.PeerEvent)) (cancel func()) { return h.subs.Subscribe(fn) }

// Close implements p2p.Host: it disconnects from every peer (resetting
// every stream), stops serving, delivers the PeerDisconnected events to its
// own subscribers, and waits for its handlers and subscribers to return.
// It must not be called from a handler or subscriber of the host itself.
func (h *Host) Close() error {
	n := h.net
	n.mu.Lock()
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		n.mu.Unlock()
		h.wg.Wait()
		return nil
	}
	h.closed = true
	clear(h.handlers)
	peers := make([]p2p.PeerID, 0, len(h.peers))
	for p := range h.peers {
		peers = append(peers, p)
	}
	h.mu.Unlock()
	slices.Sort(peers)
	for _, p := range peers {
		n.disconnectLocked(makeKey(h.id, p))
	}
	if n.hosts[h.id] == h {
		delete(n.hosts, h.id)
	}
	n.mu.Unlock()

	h.subs.Close(true)
	h.wg.Wait()
	return nil
}

func (h *Host) addPeer(p p2p.PeerID, l *link) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.peers[p] = l
}

func (h *Host) removePeer(p p2p.PeerID) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.peers, p)
}

// emit queues ev for every subscriber. Callers hold the network lock, so
// all hosts see events in one order.
func (h *Host) emit(ev p2p.PeerEvent) { h.subs.Publish(ev) }
