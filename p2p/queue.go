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
