package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// mixedEvents is one of each event type per height, in a fixed order.
func mixedEvents(n int) []Event {
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var evs []Event
	for i := 1; len(evs) < n; i++ {
		h := uint64(i)
		evs = append(evs,
			&HeaderEvent{Height: h, Hash: strings.Repeat("0f", 32), K: 2, Time: t0.Add(time.Duration(i) * time.Second), ReceivedAt: t0},
			&CellEvent{Height: h, Row: i % 4, Col: i % 128, Peer: "peer-" + strconv.Itoa(i%3), Outcome: "verified"},
			&CellEvent{Height: h, Row: 1, Col: 2, Peer: "peer-x", Outcome: "invalid", Error: "proof\nfails\r\n"},
			&BlockEvent{BlockResult{Height: h, Status: StatusAvailable, Confidence: 0.9999, Samples: 32, Verified: 32}},
			&PeerPenalisedEvent{Peer: "peer-x", Height: h, Reason: "invalid proof", Penalty: 100, Score: -100, BannedUntil: tp(t0)},
			&PeerEvent{Peer: "peer-" + strconv.Itoa(i), Addr: "/ip4/127.0.0.1/tcp/1", Connected: true},
			&PeerEvent{Peer: "peer-" + strconv.Itoa(i), Connected: false},
		)
	}
	return evs[:n]
}

func TestEventsInOrder(t *testing.T) {
	b := newFakeBackend()
	s := newTestServer(t, b)
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	defer s.Close() // ends the streams, or ts.Close waits for them

	// Two clients see the same sequence.
	br1, _ := openEvents(t, context.Background(), ts.URL)
	br2, _ := openEvents(t, context.Background(), ts.URL)
	evs := mixedEvents(70)
	b.emit(evs...)
	for c, br := range []*bufio.Reader{br1, br2} {
		for i, ev := range evs {
			f, err := readFrame(br)
			if err != nil {
				t.Fatalf("client %d event %d: %v", c, i, err)
			}
			want, _ := json.Marshal(ev)
			if f.ID != strconv.Itoa(i+1) || f.Event != ev.Kind() || f.Data != string(want) {
				t.Fatalf("client %d event %d: got id=%s event=%s data=%s\nwant event=%s data=%s", c, i, f.ID, f.Event, f.Data, ev.Kind(), want)
			}
		}
	}
}

func TestEventKinds(t *testing.T) {
	tests := []struct {
		ev   Event
		kind string
	}{
		{&HeaderEvent{}, "header"},
		{&CellEvent{}, "cell"},
		{&BlockEvent{}, "block"},
		{&PeerPenalisedEvent{}, "peer_penalised"},
		{&PeerEvent{Connected: true}, "peer_connected"},
		{&PeerEvent{}, "peer_disconnected"},
	}
	for _, tc := range tests {
		if got := tc.ev.Kind(); got != tc.kind {
			t.Errorf("%T kind %q, want %q", tc.ev, got, tc.kind)
		}
	}
	// A block event's data is the BlockResult itself, not nested.
	b, _ := json.Marshal(&BlockEvent{BlockResult{Height: 3, Status: StatusInvalid}})
	if !bytes.HasPrefix(b, []byte(`{"height":3,`)) {
		t.Fatalf("block event JSON %s", b)
	}
}

// stallWriter is a ResponseWriter whose first Write blocks until release
// is closed: a client that stopped reading.
type stallWriter struct {
	hdr     http.Header
	entered chan struct{}
	release chan struct{}
	once    sync.Once

	mu  sync.Mutex
	buf bytes.Buffer
}

func newStallWriter() *stallWriter {
	return &stallWriter{hdr: http.Header{}, entered: make(chan struct{}), release: make(chan struct{})}
}

func (w *stallWriter) Header() http.Header { return w.hdr }
func (w *stallWriter) WriteHeader(int)     {}
func (w *stallWriter) Flush()              {}
func (w *stallWriter) Write(b []byte) (int, error) {
	w.once.Do(func() { close(w.entered) })
	<-w.release
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(b)
}

func counterValue(t *testing.T, c prometheus.Collector) float64 {
	t.Helper()
	ch := make(chan prometheus.Metric, 1)
	c.Collect(ch)
	var m dto.Metric
	if err := (<-ch).Write(&m); err != nil {
		t.Fatal(err)
	}
	if m.Counter != nil {
		return m.Counter.GetValue()
	}
	return m.Gauge.GetValue()
}

func TestSlowClientDropped(t *testing.T) {
	const queue = 4
	b := newFakeBackend()
	s := newTestServer(t, b, WithEventQueue(queue))

	// A client that keeps up (modelled by a queue large enough for the
	// burst) must get every event.
	fast := s.hub.add()
	evs := mixedEvents(3 * queue)
	fast.ch = make(chan []byte, len(evs))

	// The slow client is stuck writing its opening block.
	w := newStallWriter()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := httptest.NewRequest("GET", "/v1/events", nil).WithContext(ctx)
	done := make(chan struct{})
	go func() { s.Handler().ServeHTTP(w, r); close(done) }()
	<-w.entered

	// emit is synchronous: if publishing blocked on the stalled client,
	// this call would never return and the test would time out.
	b.emit(evs...)

	for i, ev := range evs {
		f, err := readFrame(bufio.NewReader(bytes.NewReader(<-fast.ch)))
		if err != nil || f.Event != ev.Kind() || f.ID != strconv.Itoa(i+1) {
			t.Fatalf("kept-up client event %d: %+v, %v; want %s", i, f, err, ev.Kind())
		}
	}
	if d := counterValue(t, s.metrics.sseDropped); d != 1 {
		t.Fatalf("dropped %v clients, want 1", d)
	}
	if n := counterValue(t, s.metrics.sseClients); n != 1 {
		t.Fatalf("%v clients after the drop, want 1 (the fast one)", n)
	}
	// Once its write returns, the dropped stream ends on its own.
	close(w.release)
	<-done
	s.hub.remove(fast)
	if n := counterValue(t, s.metrics.sseClients); n != 0 {
		t.Fatalf("%v clients left", n)
	}
	// The dropped client got at most what was queued before the drop.
	w.mu.Lock()
	n := strings.Count(w.buf.String(), "\nevent: ")
	w.mu.Unlock()
	if n > queue {
		t.Fatalf("dropped client received %d events, queue is %d", n, queue)
	}
}

func TestEventsClientDisconnect(t *testing.T) {
	b := newFakeBackend()
	s := newTestServer(t, b)
	w := newStallWriter()
	close(w.release)
	ctx, cancel := context.WithCancel(context.Background())
	r := httptest.NewRequest("GET", "/v1/events", nil).WithContext(ctx)
	done := make(chan struct{})
	go func() { s.Handler().ServeHTTP(w, r); close(done) }()
	<-w.entered
	cancel()
	<-done
	if n := counterValue(t, s.metrics.sseClients); n != 0 {
		t.Fatalf("%v clients after disconnect", n)
	}
	// Publishing afterwards is harmless and counts no drop.
	b.emit(mixedEvents(10)...)
	if d := counterValue(t, s.metrics.sseDropped); d != 0 {
		t.Fatalf("%v drops", d)
	}
	if got := w.hdr.Get("Content-Type"); got != "text/event-stream" {
		t.Fatalf("content type %q", got)
	}
}

func TestEventsKeepAlive(t *testing.T) {
	s := newTestServer(t, newFakeBackend(), WithKeepAlive(time.Millisecond))
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	defer s.Close() // ends the streams, or ts.Close waits for them
	br, _ := openEvents(t, context.Background(), ts.URL)
	f, err := readFrame(br)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Comments) != 1 || f.Comments[0] != "keepalive" || f.Event != "" || f.Data != "" {
		t.Fatalf("keepalive frame %+v", f)
	}
}

func TestEncodeEvent(t *testing.T) {
	ev := &CellEvent{Height: 9, Row: 1, Col: 127, Peer: "p\n\nevent: evil", Outcome: "failed", Error: "a\rb"}
	b, err := encodeEvent(12, ev)
	if err != nil {
		t.Fatal(err)
	}
	want := "id: 12\nevent: cell\ndata: " + `{"height":9,"row":1,"col":127,"peer":"p\n\nevent: evil","outcome":"failed","error":"a\rb"}` + "\n\n"
	if string(b) != want {
		t.Fatalf("frame %q\nwant  %q", b, want)
	}
}

func TestEventsOutliveReadDeadline(t *testing.T) {
	// Every request gets a read deadline; a stream must lift it, or the
	// server would cancel the stream's context when it expires.
	b := newFakeBackend()
	s := New(b, WithLogger(quietLogger()), WithRuntimeMetrics(false), WithBodyTimeout(time.Millisecond), WithKeepAlive(time.Millisecond))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, l) }()
	defer func() { cancel(); <-done }()

	br, _ := openEvents(t, context.Background(), "http://"+l.Addr().String())
	// Fifty keepalives, at least 1 ms apart, outlast the 1 ms deadline
	// many times over.
	for i := 0; i < 50; i++ {
		if f, err := readFrame(br); err != nil || len(f.Comments) != 1 {
			t.Fatalf("keepalive %d: %+v %v", i, f, err)
		}
	}
	b.emit(&HeaderEvent{Height: 1})
	for {
		f, err := readFrame(br)
		if err != nil {
			t.Fatalf("stream ended: %v", err)
		}
		if f.Event == "header" {
			break
		}
	}
}
