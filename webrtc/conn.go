package webrtc

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"lightdas/p2p"
	"lightdas/webrtc/internal/libp2pkey"
	"lightdas/webrtc/internal/libp2pnoise"
)

// conn is one WebRTC-direct connection (one RTCPeerConnection). Only its
// peer connection layer differs between builds: peerConn and the
// channels are pion's natively (peer_native.go, channel_native.go) and
// the browser's objects in the js build (peer_js.go, channel_js.go).
type conn struct {
	h         *Host
	addr      Addr
	peer      p2p.PeerID
	pc        *peerConn
	remoteKey libp2pkey.PublicKey
	plat      connPlatform // what the js build must release

	ready chan struct{} // closed once Noise succeeded
	done  chan struct{} // closed when the connection is gone

	mu       sync.Mutex
	err      error // why it is gone
	streams  map[*stream]struct{}
	incoming int // streams the remote opened, still live
	// discTimer gives up the connection when ICE stays disconnected.
	discTimer *time.Timer

	pcOnce sync.Once
}

func newConn(h *Host, a Addr, pc *peerConn) *conn {
	return &conn{
		h: h, addr: a, peer: a.PeerID(), pc: pc,
		ready:   make(chan struct{}),
		done:    make(chan struct{}),
		streams: map[*stream]struct{}{},
	}
}

// dial connects to a, runs the Noise handshake and returns the connection
// (not yet registered with the host). ctx bounds the whole handshake.
func (h *Host) dial(ctx context.Context, a Addr) (_ *conn, err error) {
	pc, err := newPeerConnection(a, h.log)
	if err != nil {
		return nil, fmt.Errorf("%w: creating peer connection: %w", ErrHandshake, err)
	}
	c := newConn(h, a, pc)
	defer func() {
		if err != nil {
			c.shutdown(err)
			c.closePC()
		}
	}()
	// Incoming channels must be handled from the start: the listener may
	// open streams as soon as its side of the handshake is done.
	c.watch()

	hs := newStream(c)
	c.addStream(hs)
	if err := openChannel(c, hs, true); err != nil {
		return nil, fmt.Errorf("%w: handshake channel: %w", ErrHandshake, err)
	}
	// The offer is set unchanged as the local description (no munging);
	// the answer is built from the address.
	offer, err := pc.offer(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrHandshake, err)
	}
	local, err := parseLocalSDP(offer)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrHandshake, err)
	}
	if err := pc.setAnswer(ctx, answerSDP(a, ufragPrefixV2+local.icePwd)); err != nil {
		return nil, fmt.Errorf("%w: setting answer: %w", ErrHandshake, err)
	}

	prologue, err := noisePrologue(local.fingerprint, a.CertHash)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrHandshake, err)
	}
	// The listener starts Noise as soon as channel 0 opens (it can send
	// first under DTLS 1.2); the dialer answers as the responder. On
	// failure the deferred shutdown resets channel 0.
	res, err := libp2pnoise.Respond(ctx, hs, libp2pnoise.Config{
		Identity:   h.key,
		Prologue:   prologue,
		RemotePeer: a.Peer,
	})
	if err != nil {
		var mismatch *libp2pnoise.PeerIDMismatchError
		switch {
		case errors.As(err, &mismatch):
			return nil, fmt.Errorf("%w: %w: %s answered as %s", ErrHandshake, ErrPeerIDMismatch, mismatch.Expected, mismatch.Actual)
		case ctx.Err() != nil:
			return nil, fmt.Errorf("%w: %w (%w)", ErrHandshake, ctx.Err(), err)
		}
		return nil, fmt.Errorf("%w: noise: %w", ErrHandshake, err)
	}
	if res.RemotePeer != a.Peer { // Respond checks it; be explicit
		return nil, fmt.Errorf("%w: %w: %s answered as %s", ErrHandshake, ErrPeerIDMismatch, a.Peer, res.RemotePeer)
	}
	c.remoteKey = res.RemoteKey
	hs.abandon()
	c.watchTransport()
	select {
	case <-c.done:
		return nil, fmt.Errorf("%w: %w", ErrHandshake, c.lostErr())
	default:
	}
	close(c.ready)
	return c, nil
}

// disconnectGrace is how long ICE may stay "disconnected" (no answer to
// its consent checks) before the connection is given up. ICE's own
// "failed" comes 25 s (pion) to 30 s (browsers) later; a peer that
// vanished without closing (its close_notify and ABORT lost, or it just
// went away) is noticed within about disconnect timeout + grace instead.
const disconnectGrace = 5 * time.Second

// connState is an RTCPeerConnectionState, spelled as the W3C enum (pion
// spells its states the same way).
type connState string

const (
	stateConnected    connState = "connected"
	stateDisconnected connState = "disconnected"
	stateFailed       connState = "failed"
	stateClosed       connState = "closed"
)

// onState follows the peer connection's state.
func (c *conn) onState(st connState) {
	switch st {
	case stateFailed, stateClosed:
		c.fail(fmt.Errorf("peer connection %s", st))
	case stateDisconnected:
		c.mu.Lock()
		if c.discTimer == nil {
			c.discTimer = time.AfterFunc(disconnectGrace, func() {
				if c.pc.state() == stateDisconnected {
					c.fail(fmt.Errorf("ICE disconnected for %v", disconnectGrace))
				}
			})
		}
		c.mu.Unlock()
	case stateConnected:
		c.stopDisconnectTimer()
	}
}

func (c *conn) stopDisconnectTimer() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.discTimer != nil {
		c.discTimer.Stop()
		c.discTimer = nil
	}
}

// closeFlushWait bounds how long closing a connection waits for the
// RESET_STREAM frames of its open streams to be acknowledged.
const closeFlushWait = time.Second

// close ends the connection on this side's initiative: the remote learns
// that each open stream was reset from RESET_STREAM frames (which it
// reads before the association's end), then the peer connection closes.
func (c *conn) close(err error) {
	c.mu.Lock()
	streams := make([]*stream, 0, len(c.streams))
	for s := range c.streams {
		streams = append(streams, s)
	}
	c.mu.Unlock()
	for _, s := range streams {
		s.resetForClose(err)
	}
	for end := time.Now().Add(closeFlushWait); time.Now().Before(end); time.Sleep(2 * time.Millisecond) {
		var pending uint64
		for _, s := range streams {
			pending += s.buffered()
		}
		if pending == 0 {
			break
		}
	}
	c.shutdown(err)
	c.closePC()
}

// fail ends the connection because the transport failed or closed; it is
// safe to call from pion's callbacks (natively) and from goroutines the
// browser's events start.
func (c *conn) fail(err error) {
	if !c.shutdown(fmt.Errorf("webrtc: connection to %s lost: %w: %w: %w", c.peer, p2p.ErrStreamReset, p2p.ErrNoConnection, err)) {
		return
	}
	c.h.log.Debug("webrtc: connection lost", "peer", c.peer, "err", err)
	// Not inline: this runs in pion's callbacks. When Host.Close is
	// already waiting, it closes every peer connection itself.
	c.h.goTracked(c.closePC)
}

// shutdown marks the connection gone, ends its streams and tells the
// host. It reports whether this call did it.
func (c *conn) shutdown(err error) bool {
	c.mu.Lock()
	select {
	case <-c.done:
		c.mu.Unlock()
		return false
	default:
	}
	c.err = err
	close(c.done)
	if c.discTimer != nil {
		c.discTimer.Stop()
		c.discTimer = nil
	}
	streams := make([]*stream, 0, len(c.streams))
	for s := range c.streams {
		streams = append(streams, s)
	}
	c.mu.Unlock()
	for _, s := range streams {
		s.connLost(err)
	}
	c.h.connGone(c)
	return true
}

// closePC closes the peer connection once; natively it waits for pion's
// goroutines, so it must not run inside a pion callback.
func (c *conn) closePC() {
	c.pcOnce.Do(func() {
		c.pc.close()
		c.plat.release()
	})
}

func (c *conn) lostErr() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		return fmt.Errorf("webrtc: connection to %s: %w", c.peer, p2p.ErrNoConnection)
	}
	return c.err
}

func (c *conn) alive() bool {
	select {
	case <-c.done:
		return false
	default:
		return true
	}
}

// addStream tracks s; it fails (and ends s) when the connection is gone.
func (c *conn) addStream(s *stream) bool {
	c.mu.Lock()
	if c.alive() {
		c.streams[s] = struct{}{}
		c.mu.Unlock()
		return true
	}
	c.mu.Unlock()
	s.connLost(c.lostErr())
	return false
}

func (c *conn) removeStream(s *stream) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.streams[s]; ok {
		delete(c.streams, s)
		if s.incoming {
			c.incoming--
		}
	}
}

// openStream opens a data channel for a new outgoing stream.
func (c *conn) openStream() (*stream, error) {
	s := newStream(c)
	if !c.addStream(s) {
		return nil, c.lostErr()
	}
	if err := openChannel(c, s, false); err != nil {
		s.Reset()
		return nil, fmt.Errorf("webrtc: opening data channel: %w", err)
	}
	return s, nil
}

// acceptStream is called (synchronously, from the channel event) for a
// data channel the remote opened; wire attaches the channel to the new
// stream. Streams beyond the limit are refused.
func (c *conn) acceptStream(wire func(*stream) dataChannel) {
	s := newStream(c)
	s.incoming = true
	c.mu.Lock()
	over := c.incoming >= c.h.cfg.MaxIncomingStreams
	if !over && c.alive() {
		c.incoming++
		c.streams[s] = struct{}{}
	}
	c.mu.Unlock()
	wire(s)
	if over || !c.alive() {
		s.Reset()
		return
	}
	if !c.h.goTracked(func() { c.h.serve(c, s) }) {
		s.Reset()
	}
}

// handshakeContext bounds a handshake by the host's timeout and ends it
// when the host closes.
func handshakeContext(ctx context.Context, h *Host) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(ctx, h.cfg.HandshakeTimeout)
	stop := context.AfterFunc(h.ctx, cancel)
	return ctx, func() { stop(); cancel() }
}
