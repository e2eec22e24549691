package memnet

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"lightdas/p2p"
)

var (
	errLocalReset  = fmt.Errorf("memnet: stream reset locally: %w", p2p.ErrStreamReset)
	errRemoteReset = fmt.Errorf("memnet: stream reset by peer: %w", p2p.ErrStreamReset)
	errLossReset   = fmt.Errorf("memnet: stream reset (simulated loss): %w", p2p.ErrStreamReset)
	errReadClosed  = fmt.Errorf("memnet: peer stopped reading: %w", p2p.ErrStreamReset)
	errClosed      = fmt.Errorf("memnet: use of closed stream: %w", io.ErrClosedPipe)
	errReadTimeout = fmt.Errorf("memnet: read: %w", os.ErrDeadlineExceeded)
	errWriteTimout = fmt.Errorf("memnet: write: %w", os.ErrDeadlineExceeded)
)

type chunk struct {
	data    []byte
	readyAt time.Time
}

// direction is one way of a stream: what end i writes and end 1-i reads.
type direction struct {
	chunks     []chunk
	buffered   int // bytes written and not yet read
	lastReady  time.Time
	eof        bool
	eofAt      time.Time
	stalled    bool
	readClosed bool // the reader closed: drop data, fail writes
}

type endState struct {
	readDeadline  time.Time
	writeDeadline time.Time
	closedWrite   bool
	closed        bool
	resetSeen     bool // this end reset, or saw the reset (counts as done)
}

// conn is the shared state of one stream; end 0 opened it.
type conn struct {
	link   *link
	proto  p2p.ProtocolID
	peers  [2]p2p.PeerID
	window int
	ends   [2]*Stream

	mu       sync.Mutex
	wake     chan struct{}
	dirs     [2]direction
	state    [2]endState
	resetErr [2]error // what each end reports after a reset
	removed  bool
}

func newConn(l *link, proto p2p.ProtocolID, opener, acceptor p2p.PeerID, window int) *conn {
	c := &conn{
		link:   l,
		proto:  proto,
		peers:  [2]p2p.PeerID{opener, acceptor},
		window: window,
		wake:   make(chan struct{}),
	}
	c.ends = [2]*Stream{{c: c, side: 0}, {c: c, side: 1}}
	return c
}

func (c *conn) end(i int) *Stream { return c.ends[i] }

// broadcast wakes every waiter; callers hold c.mu.
func (c *conn) broadcast() {
	close(c.wake)
	c.wake = make(chan struct{})
}

// wait releases c.mu until a broadcast, the deadline or `until` (zero
// values: none), then takes it again.
func (c *conn) wait(deadline, until time.Time) {
	ch := c.wake
	c.mu.Unlock()
	defer c.mu.Lock()
	t := deadline
	if t.IsZero() || (!until.IsZero() && until.Before(t)) {
		t = until
	}
	if t.IsZero() {
		<-ch
		return
	}
	d := time.Until(t)
	if d <= 0 {
		return
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ch:
	case <-timer.C:
	}
}

// reset aborts the stream on both ends with err for both (used for loss
// and disconnects).
func (c *conn) reset(err error) {
	c.resetWith([2]error{err, err})
}

func (c *conn) resetWith(errs [2]error) {
	c.mu.Lock()
	if c.resetErr[0] != nil {
		c.mu.Unlock()
		return
	}
	c.resetErr = errs
	for i := range c.dirs {
		c.dirs[i].chunks = nil
		c.dirs[i].buffered = 0
	}
	c.state[0].resetSeen = true
	c.state[1].resetSeen = true
	c.broadcast()
	c.mu.Unlock()
	c.maybeRemove()
}

// maybeRemove unregisters the stream from its link once both ends are done.
func (c *conn) maybeRemove() {
	c.mu.Lock()
	done := !c.removed && c.doneLocked(0) && c.doneLocked(1)
	if done {
		c.removed = true
	}
	c.mu.Unlock()
	if done {
		c.link.remove(c)
	}
}

func (c *conn) doneLocked(i int) bool { return c.state[i].closed || c.state[i].resetSeen }

// open reports whether id's end of the stream is still in use.
func (c *conn) open(id p2p.PeerID) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, p := range c.peers {
		if p == id && !c.doneLocked(i) {
			return true
		}
	}
	return false
}

// Stream is one end of an in-memory stream; it implements p2p.Stream.
type Stream struct {
	c    *conn
	side int
}

var _ p2p.Stream = (*Stream)(nil)

// Protocol implements p2p.Stream.
func (s *Stream) Protocol() p2p.ProtocolID { return s.c.proto }

// RemotePeer implements p2p.Stream.
func (s *Stream) RemotePeer() p2p.PeerID { return s.c.peers[1-s.side] }

// LocalPeer is the host this end belongs to.
func (s *Stream) LocalPeer() p2p.PeerID { return s.c.peers[s.side] }

// Read implements p2p.Stream.
func (s *Stream) Read(p []byte) (int, error) {
	c, i := s.c, s.side
	c.mu.Lock()
	defer c.mu.Unlock()
	d := &c.dirs[1-i]
	for {
		if err := c.resetErr[i]; err != nil {
			return 0, err
		}
		st := &c.state[i]
		if st.closed {
			return 0, errClosed
		}
		now := time.Now()
		if !st.readDeadline.IsZero() && !now.Before(st.readDeadline) {
			return 0, errReadTimeout
		}
		var until time.Time
		if !d.stalled {
			if len(d.chunks) > 0 {
				if !now.Before(d.chunks[0].readyAt) {
					if len(p) == 0 {
						return 0, nil
					}
					n := 0
					for n < len(p) && len(d.chunks) > 0 && !now.Before(d.chunks[0].readyAt) {
						k := copy(p[n:], d.chunks[0].data)
						n += k
						if k == len(d.chunks[0].data) {
							d.chunks[0].data = nil
							d.chunks = d.chunks[1:]
						} else {
							d.chunks[0].data = d.chunks[0].data[k:]
						}
					}
					d.buffered -= n
					c.broadcast() // a writer may wait for window
					return n, nil
				}
				until = d.chunks[0].readyAt
			} else if d.eof {
				if !now.Before(d.eofAt) {
					return 0, io.EOF
				}
				until = d.eofAt
			}
		}
		c.wait(st.readDeadline, until)
	}
}

// Write implements p2p.Stream. It blocks while the stream's window is full.
func (s *Stream) Write(p []byte) (int, error) {
	c, i := s.c, s.side
	l := c.link
	reset, stall := l.roll()
	if reset {
		c.reset(errLossReset)
		return 0, errLossReset
	}
	total := 0
	c.mu.Lock()
	defer c.mu.Unlock()
	d := &c.dirs[i]
	if stall {
		d.stalled = true
	}
	for len(p) > 0 {
		if err := c.resetErr[i]; err != nil {
			return total, err
		}
		st := &c.state[i]
		if st.closed || st.closedWrite {
			return total, errClosed
		}
		if d.readClosed {
			return total, errReadClosed
		}
		if !st.writeDeadline.IsZero() && !time.Now().Before(st.writeDeadline) {
			return total, errWriteTimout
		}
		space := c.window - d.buffered
		if space <= 0 {
			c.wait(st.writeDeadline, time.Time{})
			continue
		}
		n := min(space, len(p))
		d.buffered += n
		c.mu.Unlock()
		at := l.schedule(c.peers[i], n)
		c.mu.Lock()
		if c.resetErr[i] != nil || d.readClosed {
			continue // reported at the top of the loop
		}
		at = later(at, d.lastReady)
		d.lastReady = at
		d.chunks = append(d.chunks, chunk{data: append([]byte(nil), p[:n]...), readyAt: at})
		c.broadcast()
		total += n
		p = p[n:]
	}
	return total, nil
}

// CloseWrite implements p2p.Stream.
func (s *Stream) CloseWrite() error {
	c, i := s.c, s.side
	lat := c.link.conditions().Latency
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closeWriteLocked(i, lat)
}

func (c *conn) closeWriteLocked(i int, lat time.Duration) error {
	if err := c.resetErr[i]; err != nil {
		return err
	}
	st := &c.state[i]
	if st.closedWrite {
		return nil
	}
	st.closedWrite = true
	d := &c.dirs[i]
	d.eof = true
	d.eofAt = later(time.Now().Add(lat), d.lastReady)
	c.broadcast()
	return nil
}

// Close implements p2p.Stream: CloseWrite, then stop reading (incoming data
// is dropped and the peer's writes fail).
func (s *Stream) Close() error {
	c, i := s.c, s.side
	lat := c.link.conditions().Latency
	c.mu.Lock()
	if c.state[i].closed || c.resetErr[i] != nil {
		c.state[i].closed = true
		c.mu.Unlock()
		c.maybeRemove()
		return nil
	}
	c.closeWriteLocked(i, lat)
	c.state[i].closed = true
	d := &c.dirs[1-i]
	d.readClosed = true
	d.chunks = nil
	d.buffered = 0
	c.broadcast()
	c.mu.Unlock()
	c.maybeRemove()
	return nil
}

// Reset implements p2p.Stream.
func (s *Stream) Reset() error {
	var errs [2]error
	errs[s.side] = errLocalReset
	errs[1-s.side] = errRemoteReset
	s.c.resetWith(errs)
	return nil
}

// SetDeadline implements p2p.Stream.
func (s *Stream) SetDeadline(t time.Time) error {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	s.c.state[s.side].readDeadline = t
	s.c.state[s.side].writeDeadline = t
	s.c.broadcast()
	return nil
}

// SetReadDeadline implements p2p.Stream.
func (s *Stream) SetReadDeadline(t time.Time) error {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	s.c.state[s.side].readDeadline = t
	s.c.broadcast()
	return nil
}

// SetWriteDeadline implements p2p.Stream.
func (s *Stream) SetWriteDeadline(t time.Time) error {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	s.c.state[s.side].writeDeadline = t
	s.c.broadcast()
	return nil
}
