package light

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"lightdas/node/pex/maddr"
	"lightdas/node/pex/pexwire"
	"lightdas/p2p"
)

// PeerOf returns the peer id a full multiaddr names in its /p2p/ part;
// errors wrap ErrBadAddr (and maddr.ErrUnsupportedProtocol when the
// address uses a protocol the client cannot read).
func PeerOf(addr string) (p2p.PeerID, error) {
	b, err := maddr.Parse(addr)
	if err != nil {
		return "", fmt.Errorf("%w: %q: %w", ErrBadAddr, addr, err)
	}
	id, err := maddr.PeerID(b)
	if err != nil {
		return "", fmt.Errorf("%w: %q: %w", ErrBadAddr, addr, err)
	}
	return p2p.PeerID(id), nil
}

// addrEntry is one known address and its dial history.
type addrEntry struct {
	addr      string
	peer      p2p.PeerID
	bootstrap bool
	failures  int       // consecutive failed dials
	next      time.Time // not dialled before
	dialing   bool
	lastErr   string
	learned   time.Time
}

// maxLearnedFailures: a learned address that failed this many times in a
// row is forgotten (bootstrap addresses never are).
const maxLearnedFailures = 6

// addrBook holds the addresses the client can dial: the bootstrap ones
// and those learned by peer exchange (bounded).
type addrBook struct {
	min, max   time.Duration
	maxLearned int

	mu      sync.Mutex
	entries map[string]*addrEntry
}

func newAddrBook(bootstrap []string, min, max time.Duration, maxLearned int) (*addrBook, error) {
	b := &addrBook{min: min, max: max, maxLearned: maxLearned, entries: map[string]*addrEntry{}}
	for _, a := range bootstrap {
		id, err := PeerOf(a)
		if err != nil {
			return nil, err
		}
		b.entries[a] = &addrEntry{addr: a, peer: id, bootstrap: true}
	}
	return b, nil
}

// backoff is the wait after the n-th consecutive failure (n >= 1):
// min * 2^(n-1), capped at max, with ±20% jitter so that many clients
// cut off by one restart do not all come back at once.
func (b *addrBook) backoff(n int) time.Duration {
	d := b.max
	if n-1 < 30 {
		d = min(b.max, b.min<<(n-1))
	}
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// learn adds addresses a peer exchange returned; it reports how many were
// new. When the book is full, the learned address with the most failures
// (the oldest among equals) makes room.
func (b *addrBook) learn(addrs []string, now time.Time) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	added := 0
	for _, a := range addrs {
		if b.entries[a] != nil {
			continue
		}
		id, err := PeerOf(a)
		if err != nil {
			continue
		}
		if b.learnedCount() >= b.maxLearned && !b.evictOne() {
			break
		}
		b.entries[a] = &addrEntry{addr: a, peer: id, learned: now}
		added++
	}
	return added
}

func (b *addrBook) learnedCount() int {
	n := 0
	for _, e := range b.entries {
		if !e.bootstrap {
			n++
		}
	}
	return n
}

func (b *addrBook) evictOne() bool {
	var worst *addrEntry
	for _, e := range b.entries {
		if e.bootstrap || e.dialing {
			continue
		}
		if worst == nil || e.failures > worst.failures || e.failures == worst.failures && e.learned.Before(worst.learned) {
			worst = e
		}
	}
	if worst == nil {
		return false
	}
	delete(b.entries, worst.addr)
	return true
}

// due picks up to slots addresses to dial now: bootstrap ones whose peer
// is not connected, then learned ones while the connected peers stay
// below maxPeers; one address per peer, none whose peer is connected or
// being dialled. It marks them dialling and returns them, and the time
// the next address becomes due (zero if none waits).
func (b *addrBook) due(now time.Time, connected map[p2p.PeerID]bool, maxPeers, slots int) ([]addrEntry, time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	busy := map[p2p.PeerID]bool{}
	for p := range connected {
		busy[p] = true
	}
	for _, e := range b.entries {
		if e.dialing {
			busy[e.peer] = true
			slots--
		}
	}
	var cands []*addrEntry
	for _, e := range b.entries {
		if !busy[e.peer] {
			cands = append(cands, e)
		}
	}
	// Bootstrap first, then fewer failures, then by address for a stable
	// order.
	slices.SortFunc(cands, func(x, y *addrEntry) int {
		switch {
		case x.bootstrap != y.bootstrap:
			if x.bootstrap {
				return -1
			}
			return 1
		case x.failures != y.failures:
			return x.failures - y.failures
		case x.addr < y.addr:
			return -1
		case x.addr > y.addr:
			return 1
		}
		return 0
	})
	var out []addrEntry
	var next time.Time
	peers := len(connected)
	for _, e := range cands {
		if busy[e.peer] {
			continue
		}
		if !e.bootstrap && peers >= maxPeers {
			continue
		}
		if e.next.After(now) {
			if next.IsZero() || e.next.Before(next) {
				next = e.next
			}
			continue
		}
		if slots <= 0 {
			break
		}
		e.dialing = true
		busy[e.peer] = true
		slots--
		peers++ // counts towards maxPeers if it succeeds
		out = append(out, *e)
	}
	return out, next
}

// dialed records a dial's outcome and returns the wait before the address
// is tried again (0 after a success).
func (b *addrBook) dialed(addr string, peer p2p.PeerID, err error, now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	e := b.entries[addr]
	if e == nil {
		return 0
	}
	e.dialing = false
	if err == nil {
		for _, o := range b.entries {
			if o.peer == peer {
				o.failures, o.lastErr, o.next = 0, "", time.Time{}
			}
		}
		return 0
	}
	e.failures++
	e.lastErr = err.Error()
	if !e.bootstrap && e.failures >= maxLearnedFailures {
		delete(b.entries, addr)
		return 0
	}
	wait := b.backoff(e.failures)
	e.next = now.Add(wait)
	return wait
}

// disconnected delays redialling peer's addresses by the first backoff
// step: a peer that drops us is not hammered, but is back soon.
func (b *addrBook) disconnected(peer p2p.PeerID, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, e := range b.entries {
		if e.peer == peer && !e.dialing {
			e.next = now.Add(b.backoff(max(e.failures, 1)))
		}
	}
}

// AddrStatus is one known address in Status.
type AddrStatus struct {
	Addr      string     `json:"addr"`
	Peer      string     `json:"peer"`
	Bootstrap bool       `json:"bootstrap"`
	Failures  int        `json:"failures"`
	NextDial  *time.Time `json:"next_dial,omitempty"`
	Dialing   bool       `json:"dialing"`
	LastError string     `json:"last_error,omitempty"`
}

func (b *addrBook) snapshot() []AddrStatus {
	b.mu.Lock()
	defer b.mu.Unlock()
	// Sorting pointers, not AddrStatus values, reuses the pointer-shaped
	// sort the dialler already links (each struct shape costs ~20 KB of
	// browser code).
	es := make([]*addrEntry, 0, len(b.entries))
	for _, e := range b.entries {
		es = append(es, e)
	}
	slices.SortFunc(es, func(x, y *addrEntry) int {
		switch {
		case x.bootstrap != y.bootstrap:
			if x.bootstrap {
				return -1
			}
			return 1
		case x.addr < y.addr:
			return -1
		case x.addr > y.addr:
			return 1
		}
		return 0
	})
	out := make([]AddrStatus, 0, len(es))
	for _, e := range es {
		s := AddrStatus{Addr: e.addr, Peer: string(e.peer), Bootstrap: e.bootstrap, Failures: e.failures, Dialing: e.dialing, LastError: e.lastErr}
		if !e.next.IsZero() {
			t := e.next
			s.NextDial = &t
		}
		out = append(out, s)
	}
	return out
}

// dialLoop keeps the client connected: it dials due addresses (at most
// MaxDials at once) until ctx ends, waking when an address becomes due, a
// dial ends, a peer disconnects or new addresses are learned.
func (c *Client) dialLoop(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		connected := map[p2p.PeerID]bool{}
		for _, p := range c.cfg.Host.Peers() {
			connected[p] = true
		}
		now := time.Now()
		dials, next := c.book.due(now, connected, c.cfg.MaxPeers, c.cfg.MaxDials)
		for _, e := range dials {
			wg.Go(func() { c.dial(ctx, e) })
		}
		if !next.IsZero() {
			timer.Reset(max(next.Sub(now), 10*time.Millisecond))
		}
		select {
		case <-ctx.Done():
			return
		case <-c.dialWake:
		case <-timer.C:
		}
	}
}

func (c *Client) wakeDialer() {
	select {
	case c.dialWake <- struct{}{}:
	default:
	}
}

// dial connects one address and records the outcome.
func (c *Client) dial(ctx context.Context, e addrEntry) {
	// Known before the connection event, which may come first.
	c.mu.Lock()
	c.dialedAddr[e.peer] = e.addr
	c.mu.Unlock()
	dctx, cancel := context.WithTimeout(ctx, c.cfg.DialTimeout)
	id, err := c.cfg.Dialer.Connect(dctx, e.addr)
	cancel()
	if err == nil && id != e.peer {
		err = fmt.Errorf("%w: %s answered as %s", ErrPeerMismatch, e.peer, id)
		if id != "" {
			c.disconnect(id)
		}
	}
	if ctx.Err() != nil {
		c.book.dialed(e.addr, e.peer, ctx.Err(), time.Now())
		return
	}
	wait := c.book.dialed(e.addr, e.peer, err, time.Now())
	defer c.wakeDialer()
	if err != nil {
		if !slices.Contains(c.cfg.Host.Peers(), e.peer) {
			c.mu.Lock()
			if c.dialedAddr[e.peer] == e.addr {
				delete(c.dialedAddr, e.peer)
			}
			c.mu.Unlock()
		}
		derr := &DialError{Addr: e.addr, Err: err}
		c.log.Debug("dial failed", "addr", e.addr, "err", err, "retry_in", wait)
		c.publish(&ErrorEvent{Source: SourceDial, Message: derr.Error(), Addr: e.addr, Peer: string(e.peer), RetryInMs: ms(wait)})
		return
	}
	c.log.Info("connected", "peer", id, "addr", e.addr)
	c.triggerPex(id)
}

// disconnect closes a connection the client does not want, when the
// dialer can.
func (c *Client) disconnect(id p2p.PeerID) {
	if d, ok := c.cfg.Dialer.(interface{ Disconnect(p2p.PeerID) error }); ok {
		d.Disconnect(id)
	}
}

// triggerPex asks a peer for more peers soon (after a new connection).
func (c *Client) triggerPex(id p2p.PeerID) {
	select {
	case c.pexNow <- id:
	default:
	}
}

// pexLoop asks every connected peer for serving nodes every PexInterval,
// and a newly connected peer at once.
func (c *Client) pexLoop(ctx context.Context) {
	t := time.NewTicker(c.cfg.PexInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case id := <-c.pexNow:
			c.exchange(ctx, id)
		case <-t.C:
			for _, id := range c.cfg.Host.Peers() {
				if ctx.Err() != nil {
					return
				}
				c.exchange(ctx, id)
			}
		}
	}
}

// pexTimeout bounds one exchange.
const pexTimeout = 5 * time.Second

// exchange runs one peer exchange with id and adds the dialable addresses
// it returns.
func (c *Client) exchange(ctx context.Context, id p2p.PeerID) {
	ectx, cancel := context.WithTimeout(ctx, pexTimeout)
	raws, err := pexwire.Exchange(ectx, c.cfg.Host, c.chainID, id, pexwire.MaxAddrs)
	cancel()
	if err != nil {
		if ctx.Err() == nil && !errors.Is(err, p2p.ErrProtocolNotSupported) {
			c.log.Debug("peer exchange failed", "peer", id, "err", err)
			c.publish(&ErrorEvent{Source: SourcePex, Message: err.Error(), Peer: string(id)})
		}
		return
	}
	addrs, err := pexAddrs(raws)
	if err != nil {
		err = fmt.Errorf("pex: exchange with %s: %w", id, err)
		c.log.Debug("peer exchange failed", "peer", id, "err", err)
		c.publish(&ErrorEvent{Source: SourcePex, Message: err.Error(), Peer: string(id)})
		return
	}
	self := c.cfg.Host.ID()
	var keep []string
	for _, s := range addrs {
		if pid, err := PeerOf(s); err != nil || pid == self || !c.cfg.Dialable(s) {
			continue
		}
		keep = append(keep, s)
	}
	if n := c.book.learn(keep, time.Now()); n > 0 {
		c.log.Debug("learned addresses", "from", id, "new", n)
		c.wakeDialer()
	}
}

// pexAddrs reads the binary addresses of a peer-exchange answer into
// their string form. Addresses using a protocol the client cannot read
// are skipped (a peer may know transports this build does not); a corrupt
// one spoils the answer, as the protocol says, with an error wrapping
// pexwire.ErrMalformed and pexwire.ErrBadAddr.
func pexAddrs(raws [][]byte) ([]string, error) {
	out := make([]string, 0, len(raws))
	for i, raw := range raws {
		s, err := maddr.Format(raw)
		if errors.Is(err, maddr.ErrUnsupportedProtocol) {
			continue
		}
		if err != nil {
			return nil, pexwire.Malformed(pexwire.ErrBadAddr, "address %d: %v", i, err)
		}
		out = append(out, s)
	}
	return out, nil
}
