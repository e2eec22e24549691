package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// hub fans events out to /v1/events clients. publish never blocks: each
// client has a bounded queue and is dropped when it is full.
type hub struct {
	queue   int
	metrics *metrics

	mu      sync.Mutex
	clients map[*client]struct{}
	seq     uint64
	closed  bool
}

type client struct {
	ch   chan []byte   // encoded frames
	gone chan struct{} // closed when dropped or when the hub closes
	once sync.Once
}

func (c *client) end() { c.once.Do(func() { close(c.gone) }) }

func newHub(queue int, m *metrics) *hub {
	return &hub{queue: queue, metrics: m, clients: make(map[*client]struct{})}
}

// add registers a client; nil once the hub is closed.
func (h *hub) add() *client {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil
	}
	c := &client{ch: make(chan []byte, h.queue), gone: make(chan struct{})}
	h.clients[c] = struct{}{}
	h.metrics.sseClients.Set(float64(len(h.clients)))
	return c
}

func (h *hub) remove(c *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.clients[c]; ok {
		delete(h.clients, c)
		h.metrics.sseClients.Set(float64(len(h.clients)))
	}
	c.end()
}

// publish encodes ev once and queues it for every client. The lock keeps
// sequence numbers and queue order identical even if callers race.
func (h *hub) publish(ev Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed || len(h.clients) == 0 {
		return
	}
	h.seq++
	frame, err := encodeEvent(h.seq, ev)
	if err != nil {
		return // our own types always encode; never reached
	}
	for c := range h.clients {
		select {
		case c.ch <- frame:
		default:
			// Too slow: drop it rather than block the node or skip
			// events silently. EventSource clients reconnect.
			delete(h.clients, c)
			c.end()
			h.metrics.sseDropped.Inc()
		}
	}
	h.metrics.sseClients.Set(float64(len(h.clients)))
}

func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for c := range h.clients {
		delete(h.clients, c)
		c.end()
	}
	h.metrics.sseClients.Set(0)
}

// encodeEvent renders one SSE frame:
//
//	id: <seq>
//	event: <kind>
//	data: <JSON on one line>
//
// encoding/json escapes control characters in strings, so the data never
// holds a CR or LF and one data line suffices.
func encodeEvent(seq uint64, ev Event) ([]byte, error) {
	data, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("api: encoding %s event: %w", ev.Kind(), err)
	}
	b := make([]byte, 0, len(data)+48)
	b = append(b, "id: "...)
	b = strconv.AppendUint(b, seq, 10)
	b = append(b, "\nevent: "...)
	b = append(b, ev.Kind()...)
	b = append(b, "\ndata: "...)
	b = append(b, data...)
	return append(b, "\n\n"...), nil
}

// handleEvents streams events as Server-Sent Events until the client goes
// away, falls too far behind, or the server closes.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	c := s.hub.add()
	if c == nil {
		writeError(w, http.StatusServiceUnavailable, "server shutting down")
		return
	}
	defer s.hub.remove(c)
	// The stream outlives route's read deadline; an expired one would
	// cancel the request context and end the stream.
	_ = rc.SetReadDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // no proxy buffering
	w.WriteHeader(http.StatusOK)
	// retry: how long EventSource waits before reconnecting (ms).
	if !s.write(w, rc, []byte("retry: 2000\n: lightdas events\n\n")) {
		return
	}
	tick := time.NewTicker(s.cfg.keepAlive)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-c.gone:
			return
		case <-tick.C:
			if !s.write(w, rc, []byte(": keepalive\n\n")) {
				return
			}
		case frame := <-c.ch:
			// Batch what is already queued into one flush.
			buf := append([]byte(nil), frame...)
		drain:
			for len(buf) < 64<<10 {
				select {
				case f := <-c.ch:
					buf = append(buf, f...)
				default:
					break drain
				}
			}
			if !s.write(w, rc, buf) {
				return
			}
		}
	}
}

// write sends b and flushes within the request timeout; false ends the
// stream (the connection is broken or too slow).
func (s *Server) write(w http.ResponseWriter, rc *http.ResponseController, b []byte) bool {
	_ = rc.SetWriteDeadline(time.Now().Add(s.cfg.requestTimeout))
	if _, err := w.Write(b); err != nil {
		return false
	}
	return rc.Flush() == nil
}
