package p2p

import "sync"

// EventQueue delivers peer events to a subscriber's function in order, on
// the goroutine that calls Run, through an unbounded queue, so emitters
// never wait for a slow subscriber. Host implementations use one per
// Subscribe.
type EventQueue struct {
	fn   func(PeerEvent)
	wake chan struct{}
	stop chan struct{}

	mu       sync.Mutex
	queue    []PeerEvent
	stopped  bool
	draining bool
}

// NewEventQueue returns a queue delivering to fn.
func NewEventQueue(fn func(PeerEvent)) *EventQueue {
	return &EventQueue{fn: fn, wake: make(chan struct{}, 1), stop: make(chan struct{})}
}

// Push queues ev; it never blocks.
func (q *EventQueue) Push(ev PeerEvent) {
	q.mu.Lock()
	q.queue = append(q.queue, ev)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// Stop ends Run: at once (queued events are dropped), or with drain after
// the queued events are delivered. Later calls do nothing.
func (q *EventQueue) Stop(drain bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.stopped {
		return
	}
	q.stopped, q.draining = true, drain
	close(q.stop)
}

// Run delivers events until Stop.
func (q *EventQueue) Run() {
	for {
		q.mu.Lock()
		if q.stopped && !q.draining {
			q.mu.Unlock()
			return
		}
		if len(q.queue) > 0 {
			ev := q.queue[0]
			q.queue = q.queue[1:]
			q.mu.Unlock()
			q.fn(ev)
			continue
		}
		stopped := q.stopped
		q.mu.Unlock()
		if stopped {
			return
		}
		select {
		case <-q.wake:
		case <-q.stop:
		}
	}
}

// Subscribers is a host's set of subscriptions, each an EventQueue run on
// its own goroutine. The zero value is ready to use.
type Subscribers struct {
	mu     sync.Mutex
	set    map[*EventQueue]struct{}
	closed bool
	wg     sync.WaitGroup
}

// Subscribe adds fn, as Host.Subscribe does: events are queued without
// bound, so a slow subscriber never holds the host up, and events queued
// when cancel is called are dropped. After Close it adds nothing.
func (s *Subscribers) Subscribe(fn func(PeerEvent)) (cancel func()) {
	q := NewEventQueue(fn)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return func() {}
	}
	if s.set == nil {
		s.set = map[*EventQueue]struct{}{}
	}
	s.set[q] = struct{}{}
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		q.Run()
	}()
	return func() {
		s.mu.Lock()
		delete(s.set, q)
		s.mu.Unlock()
		q.Stop(false)
	}
}

// Publish queues ev for every subscriber; it never blocks, so hosts call
// it under their own locks to order events with their state changes.
func (s *Subscribers) Publish(ev PeerEvent) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for q := range s.set {
		q.Push(ev)
	}
}

// Close stops every subscription, after delivering what is queued when
// drain is set, and waits for their goroutines.
func (s *Subscribers) Close(drain bool) {
	s.mu.Lock()
	s.closed = true
	qs := make([]*EventQueue, 0, len(s.set))
	for q := range s.set {
		qs = append(qs, q)
	}
	clear(s.set)
	s.mu.Unlock()
	for _, q := range qs {
		q.Stop(drain)
	}
	s.wg.Wait()
}
