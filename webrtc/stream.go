package webrtc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"lightdas/p2p"
)

const (
	// sendWindow bounds the bytes a stream leaves queued in its data
	// channel (bufferedAmount): Write blocks above it, and wakes up when
	// the channel reports that the queue fell to sendLowWater.
	sendWindow   = 128 << 10
	sendLowWater = 64 << 10
	// finAckWait bounds how long a closed stream waits for the FIN_ACK
	// (and keeps its data channel) before closing the channel anyway.
	finAckWait = 10 * time.Second
)

// dataChannel is an RTCDataChannel as a stream uses it; channel_native.go
// implements it over pion, channel_js.go over the browser's object. The
// stream calls it with its lock held.
type dataChannel interface {
	send(msg []byte) error
	bufferedAmount() uint64
	// close closes the channel; it is idempotent and calls no event
	// handler synchronously.
	close()
}

// channelEvents receives a data channel's events. Messages are delivered
// one at a time, in order. On native builds channelMessage may block
// (that is the receive flow control); under js it must not.
type channelEvents interface {
	channelOpen()
	channelMessage(data []byte)
	channelTooLarge(size int)
	channelClosed(err error)
	channelWritable()
}

type recvState uint8

const (
	recvOpen   recvState = iota
	recvFIN              // the remote sent FIN: the queue, then io.EOF
	recvReset            // reset, broken or connection lost: the queue, then rerr
	recvClosed           // closed or reset here: rerr at once
)

type sendState uint8

const (
	sendOpen  sendState = iota
	sendFIN             // FIN sent, FIN_ACK awaited
	sendAcked           // FIN_ACK received
	sendReset           // reset (either side), STOP_SENDING received or channel gone
)

// stream is one libp2p stream: one data channel carrying framed
// messages. All state is under mu; waiting is on wake, which is closed
// and replaced whenever anything changes.
type stream struct {
	c     *conn
	peer  p2p.PeerID
	proto p2p.ProtocolID // set before the stream is handed out
	log   *slog.Logger

	incoming bool // opened by the remote

	mu       sync.Mutex
	ch       dataChannel
	frames   frameReader
	opened   bool
	chClosed bool
	finished bool // channel closed and stream released by the connection
	linger   *time.Timer
	wake     chan struct{}

	recv      [][]byte
	recvBytes int
	rstate    recvState
	rerr      error
	rdl       deadline

	sstate sendState
	serr   error
	wdl    deadline
}

var _ p2p.Stream = (*stream)(nil)

func newStream(c *conn) *stream {
	return &stream{c: c, peer: c.peer, log: c.h.log, wake: make(chan struct{})}
}

func (s *stream) notifyLocked() {
	close(s.wake)
	s.wake = make(chan struct{})
}

// waitLocked releases the lock until something changes or dl (if any)
// expires.
func (s *stream) waitLocked(dl *deadline) {
	wake := s.wake
	var expired <-chan struct{}
	if dl != nil {
		expired = dl.ch
	}
	s.mu.Unlock()
	select {
	case <-wake:
	case <-expired:
	}
	s.mu.Lock()
}

func (s *stream) Protocol() p2p.ProtocolID { return s.proto }
func (s *stream) RemotePeer() p2p.PeerID   { return s.peer }

// Read implements io.Reader. A passed read deadline fails it even when
// data is waiting, as with net.Conn.
func (s *stream) Read(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		if s.rstate == recvClosed {
			return 0, s.rerr
		}
		if s.rdl.expired() {
			return 0, os.ErrDeadlineExceeded
		}
		if len(s.recv) > 0 {
			n := copy(b, s.recv[0])
			if n == len(s.recv[0]) {
				s.recv[0] = nil
				s.recv = s.recv[1:]
			} else {
				s.recv[0] = s.recv[0][n:]
			}
			before := s.recvBytes
			s.recvBytes -= n
			if before >= recvWindow && s.recvBytes < recvWindow {
				s.notifyLocked() // a blocked message handler may go on
			}
			return n, nil
		}
		switch s.rstate {
		case recvFIN:
			return 0, io.EOF
		case recvReset:
			return 0, s.rerr
		}
		if len(b) == 0 {
			return 0, nil
		}
		s.waitLocked(&s.rdl)
	}
}

// Write implements io.Writer: frames of at most maxPayload bytes, sent
// while the channel's queue is below sendWindow.
func (s *stream) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for len(b) > 0 {
		switch s.sstate {
		case sendFIN, sendAcked:
			return n, ErrWriteAfterClose
		case sendReset:
			return n, s.serr
		}
		if s.wdl.expired() {
			return n, os.ErrDeadlineExceeded
		}
		chunk := min(len(b), maxPayload)
		if !s.opened || s.ch.bufferedAmount()+uint64(chunk) > sendWindow {
			s.waitLocked(&s.wdl)
			continue
		}
		if err := s.ch.send(dataFrame(b[:chunk])); err != nil {
			s.brokenLocked(fmt.Errorf("webrtc: write: %w: %w", p2p.ErrStreamReset, err))
			return n, s.serr
		}
		n += chunk
		b = b[chunk:]
	}
	return n, nil
}

// CloseWrite sends FIN. It does not wait for the FIN_ACK: the remote
// acknowledges when it processes the FIN, which may be after it has
// written a response this side has not read yet. Close keeps the channel
// open until the FIN_ACK arrives (at most finAckWait).
func (s *stream) CloseWrite() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sstate != sendOpen {
		return nil
	}
	for !s.opened && s.sstate == sendOpen {
		s.waitLocked(nil)
	}
	if s.sstate != sendOpen {
		return nil
	}
	if err := s.ch.send(flagFrame(flagFIN)); err != nil {
		s.brokenLocked(fmt.Errorf("webrtc: close write: %w: %w", p2p.ErrStreamReset, err))
		return s.serr
	}
	s.sstate = sendFIN
	s.notifyLocked()
	s.finishIfDoneLocked()
	return nil
}

// Close sends FIN if not sent, stops reading (STOP_SENDING if the remote
// had not finished) and returns; the data channel is closed once the
// FIN_ACK arrives, or after finAckWait.
func (s *stream) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	closedErr := fmt.Errorf("webrtc: read: %w", ErrStreamClosed)
	if s.finished {
		if s.rstate != recvClosed {
			s.rstate, s.rerr = recvClosed, closedErr
			s.dropQueueLocked()
		}
		return nil
	}
	if s.rstate == recvClosed && s.linger != nil {
		return nil // closing already
	}
	var err error
	if s.sstate == sendOpen && s.opened {
		if err = s.ch.send(flagFrame(flagFIN)); err == nil {
			s.sstate = sendFIN
		}
	}
	if s.rstate == recvOpen && s.opened {
		s.sendControlLocked(flagStopSending)
	}
	s.rstate, s.rerr = recvClosed, closedErr
	s.dropQueueLocked()
	if err != nil || !s.opened {
		// Nothing more can be delivered reliably: give up the channel.
		s.sstate, s.serr = sendReset, fmt.Errorf("webrtc: write: %w", ErrStreamClosed)
	}
	s.notifyLocked()
	if !s.finishIfDoneLocked() && s.linger == nil {
		s.linger = time.AfterFunc(finAckWait, s.lingerExpired)
	}
	return nil
}

func (s *stream) lingerExpired() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sstate == sendFIN {
		s.sstate, s.serr = sendReset, fmt.Errorf("webrtc: no FIN_ACK within %v: %w", finAckWait, p2p.ErrStreamReset)
	}
	s.finishLocked()
}

// Reset aborts both directions: RESET_STREAM and STOP_SENDING go out and
// the data channel is closed at once.
func (s *stream) Reset() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.finished && s.opened && !s.chClosed {
		if s.sstate == sendOpen || s.sstate == sendFIN {
			s.sendControlLocked(flagReset)
		}
		if s.rstate == recvOpen {
			s.sendControlLocked(flagStopSending)
		}
	}
	err := fmt.Errorf("webrtc: stream reset: %w", p2p.ErrStreamReset)
	s.rstate, s.rerr = recvClosed, err
	s.sstate, s.serr = sendReset, err
	s.dropQueueLocked()
	s.notifyLocked()
	s.finishLocked()
	return nil
}

func (s *stream) SetDeadline(t time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rdl.set(t)
	s.wdl.set(t)
	s.notifyLocked()
	return nil
}

func (s *stream) SetReadDeadline(t time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rdl.set(t)
	s.notifyLocked()
	return nil
}

func (s *stream) SetWriteDeadline(t time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.wdl.set(t)
	s.notifyLocked()
	return nil
}

func (s *stream) sendControlLocked(f flag) {
	if s.ch == nil || !s.opened || s.chClosed || s.finished {
		return
	}
	if err := s.ch.send(flagFrame(f)); err != nil {
		s.log.Debug("webrtc: sending control frame", "flag", f, "peer", s.peer, "err", err)
	}
}

func (s *stream) dropQueueLocked() {
	clear(s.recv)
	s.recv, s.recvBytes = nil, 0
}

// brokenLocked resets the stream after a failure on this side (the
// channel refused a message, the remote broke the framing).
func (s *stream) brokenLocked(err error) {
	if s.sstate == sendOpen || s.sstate == sendFIN {
		s.sendControlLocked(flagReset)
		s.sstate, s.serr = sendReset, err
	}
	if s.rstate == recvOpen || s.rstate == recvFIN {
		s.sendControlLocked(flagStopSending)
		s.rstate, s.rerr = recvReset, err
	}
	s.dropQueueLocked()
	s.notifyLocked()
	s.finishLocked()
}

// finishIfDoneLocked releases the stream when both directions are over.
func (s *stream) finishIfDoneLocked() bool {
	if s.rstate != recvOpen && (s.sstate == sendAcked || s.sstate == sendReset) {
		s.finishLocked()
		return true
	}
	return false
}

// finishLocked closes the data channel and releases the stream from its
// connection. What is queued stays readable.
func (s *stream) finishLocked() {
	if s.finished {
		return
	}
	s.finished = true
	if s.linger != nil {
		s.linger.Stop()
		s.linger = nil
	}
	if s.ch != nil {
		s.ch.close()
	}
	s.notifyLocked()
	s.c.removeStream(s)
}

// abandon closes the channel without a word: the handshake channel,
// which the specification closes once Noise has succeeded.
func (s *stream) abandon() {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := fmt.Errorf("webrtc: handshake channel: %w", ErrStreamClosed)
	s.rstate, s.rerr = recvClosed, err
	s.sstate, s.serr = sendReset, err
	s.dropQueueLocked()
	s.finishLocked()
}

// resetForClose resets the stream because its connection is being closed
// here: the frames go out, the channel stays open until the connection
// ends so that they are delivered.
func (s *stream) resetForClose(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.finished {
		return
	}
	if s.sstate == sendOpen || s.sstate == sendFIN {
		s.sendControlLocked(flagReset)
		s.sstate, s.serr = sendReset, err
	}
	if s.rstate == recvOpen {
		s.sendControlLocked(flagStopSending)
		s.rstate, s.rerr = recvReset, err
	}
	s.notifyLocked()
}

// buffered is what the channel still has to deliver.
func (s *stream) buffered() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch == nil || !s.opened || s.chClosed || s.finished {
		return 0
	}
	return s.ch.bufferedAmount()
}

// connLost ends the stream because its connection is gone.
func (s *stream) connLost(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.chClosed = true
	if s.rstate == recvOpen {
		s.rstate, s.rerr = recvReset, err
	}
	if s.sstate == sendOpen || s.sstate == sendFIN {
		s.sstate, s.serr = sendReset, err
	}
	s.notifyLocked()
	s.finishLocked()
}

// Data channel events.

func (s *stream) channelOpen() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opened = true
	s.notifyLocked()
}

func (s *stream) channelWritable() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notifyLocked()
}

func (s *stream) channelClosed(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.chClosed {
		return
	}
	s.chClosed = true
	if s.finished {
		return
	}
	// A channel closed without FIN is a reset (some implementations
	// discard what is queued when they close a channel).
	cause := "data channel closed"
	if err != nil && !errors.Is(err, io.EOF) {
		cause = fmt.Sprintf("data channel closed: %v", err)
	}
	if s.rstate == recvOpen {
		s.rstate, s.rerr = recvReset, fmt.Errorf("webrtc: read: %s: %w", cause, p2p.ErrStreamReset)
	}
	if s.sstate == sendOpen {
		s.sstate, s.serr = sendReset, fmt.Errorf("webrtc: write: %s: %w", cause, p2p.ErrStreamReset)
	} else if s.sstate == sendFIN {
		s.sstate = sendReset
	}
	s.notifyLocked()
	s.finishLocked()
}

func (s *stream) channelTooLarge(size int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.finished {
		return
	}
	s.log.Debug("webrtc: oversize data channel message", "peer", s.peer, "size", size)
	s.brokenLocked(fmt.Errorf("webrtc: %w: %w: %w: data channel message of %d bytes", p2p.ErrStreamReset, ErrBadFrame, ErrFrameTooLarge, size))
}

var errFinished = errors.New("stream finished")

func (s *stream) channelMessage(data []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.finished {
		return
	}
	if err := s.frames.feed(data, s.handleFrameLocked); err != nil {
		if !errors.Is(err, errFinished) {
			s.log.Debug("webrtc: bad frame", "peer", s.peer, "err", err)
			s.brokenLocked(fmt.Errorf("webrtc: %w: %w", p2p.ErrStreamReset, err))
		}
		return
	}
	if blockingReceive {
		// Stop taking messages off the channel until the reader catches
		// up: the transport's flow control then holds the sender back.
		for !s.finished && s.rstate == recvOpen && s.recvBytes >= recvWindow {
			s.waitLocked(nil)
		}
	} else if s.rstate == recvOpen && s.recvBytes > recvWindow {
		s.brokenLocked(fmt.Errorf("webrtc: %w: %w: more than %d unread bytes", p2p.ErrStreamReset, ErrReceiveOverflow, recvWindow))
	}
}

func (s *stream) handleFrameLocked(m message) error {
	if s.finished {
		return errFinished
	}
	if len(m.payload) > 0 && s.rstate == recvOpen {
		s.recv = append(s.recv, bytes.Clone(m.payload))
		s.recvBytes += len(m.payload)
		s.notifyLocked()
	}
	if !m.hasFlag {
		return nil
	}
	switch m.flag {
	case flagFIN:
		if s.rstate == recvOpen {
			s.rstate = recvFIN
		}
		s.sendControlLocked(flagFINACK)
	case flagStopSending:
		if s.sstate == sendOpen || s.sstate == sendFIN {
			s.sstate, s.serr = sendReset, fmt.Errorf("webrtc: write: remote stopped reading (code %d): %w", m.errorCode, p2p.ErrStreamReset)
		}
	case flagReset:
		err := fmt.Errorf("webrtc: stream reset by remote (code %d): %w", m.errorCode, p2p.ErrStreamReset)
		if s.rstate == recvOpen {
			s.rstate, s.rerr = recvReset, err
			s.dropQueueLocked()
		}
		if s.sstate == sendOpen || s.sstate == sendFIN {
			s.sstate, s.serr = sendReset, err
		}
	case flagFINACK:
		if s.sstate == sendFIN {
			s.sstate = sendAcked
		}
	}
	s.notifyLocked()
	if s.finishIfDoneLocked() {
		return errFinished
	}
	return nil
}

// deadline is a read or write deadline. ch is closed by a timer when the
// deadline passes; waiters check expired() after waking, so a deadline
// moved while they wait is honoured.
type deadline struct {
	t     time.Time
	timer *time.Timer
	ch    chan struct{}
}

func (d *deadline) set(t time.Time) {
	if d.timer != nil {
		d.timer.Stop()
		d.timer = nil
	}
	d.t, d.ch = t, nil
	if t.IsZero() {
		return
	}
	if wait := time.Until(t); wait > 0 {
		ch := make(chan struct{})
		d.ch = ch
		d.timer = time.AfterFunc(wait, func() { close(ch) })
	}
}

func (d *deadline) expired() bool {
	return !d.t.IsZero() && !time.Now().Before(d.t)
}
