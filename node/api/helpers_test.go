package api

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"lightdas/headers"
)

// fakeBackend is an in-memory Backend whose state the tests set directly.
type fakeBackend struct {
	mu        sync.Mutex
	status    Status
	statusErr error
	head      *headers.LightBlock
	headErr   error
	results   map[uint64]BlockResult
	resultErr error
	subs      map[int]func(Event)
	nextSub   int
}

func newFakeBackend() *fakeBackend {
	return &fakeBackend{results: map[uint64]BlockResult{}, subs: map[int]func(Event){}}
}

func (b *fakeBackend) Status(ctx context.Context) (Status, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.status, b.statusErr
}

func (b *fakeBackend) Head(ctx context.Context) (*headers.LightBlock, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.headErr != nil {
		return nil, b.headErr
	}
	if b.head == nil {
		return nil, ErrNotFound
	}
	return b.head, nil
}

func (b *fakeBackend) BlockResult(ctx context.Context, height uint64) (BlockResult, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.resultErr != nil {
		return BlockResult{}, b.resultErr
	}
	r, ok := b.results[height]
	if !ok {
		return BlockResult{}, ErrNotFound
	}
	return r, nil
}

func (b *fakeBackend) Subscribe(fn func(Event)) func() {
	b.mu.Lock()
	defer b.mu.Unlock()
	id := b.nextSub
	b.nextSub++
	b.subs[id] = fn
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		delete(b.subs, id)
	}
}

func (b *fakeBackend) subscribers() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs)
}

// emit delivers events synchronously, in order, as the contract requires.
func (b *fakeBackend) emit(evs ...Event) {
	b.mu.Lock()
	fns := make([]func(Event), 0, len(b.subs))
	for _, fn := range b.subs {
		fns = append(fns, fn)
	}
	b.mu.Unlock()
	for _, ev := range evs {
		for _, fn := range fns {
			fn(ev)
		}
	}
}

// fakeSubmitter records submissions and fails with err when set.
type fakeSubmitter struct {
	mu   sync.Mutex
	err  error
	got  [][]byte
	seen int
}

func (s *fakeSubmitter) Submit(data []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen++
	if s.err != nil {
		return s.err
	}
	s.got = append(s.got, append([]byte(nil), data...))
	return nil
}

// submittingBackend is a backend that also produces blocks.
type submittingBackend struct {
	*fakeBackend
	*fakeSubmitter
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newTestServer(t *testing.T, b Backend, opts ...Option) *Server {
	t.Helper()
	s := New(b, append([]Option{WithLogger(quietLogger()), WithRuntimeMetrics(false)}, opts...)...)
	t.Cleanup(s.Close)
	return s
}

// do runs one request through the handler.
func do(t *testing.T, s *Server, method, target string, body io.Reader, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, body)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	return w
}

// errorOf decodes a JSON error body, failing when it is not one.
func errorOf(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("error content type %q, want application/json", ct)
	}
	var e struct {
		Error *string `json:"error"`
	}
	dec := json.NewDecoder(w.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil || e.Error == nil || *e.Error == "" {
		t.Fatalf("body is not a JSON error: %v", err)
	}
	return *e.Error
}

// sseFrame is one parsed Server-Sent Event (or a comment-only block).
type sseFrame struct {
	ID, Event, Data string
	Comments        []string
	Retry           string
}

// readFrame parses the next blank-line-terminated SSE block (per the
// WHATWG event-stream format, restricted to what the server writes).
func readFrame(r *bufio.Reader) (sseFrame, error) {
	var f sseFrame
	var data []string
	started := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return f, err
		}
		line = strings.TrimSuffix(line, "\n")
		if line == "" {
			if !started {
				continue
			}
			f.Data = strings.Join(data, "\n")
			return f, nil
		}
		started = true
		if strings.HasPrefix(line, ":") {
			f.Comments = append(f.Comments, strings.TrimPrefix(strings.TrimPrefix(line, ":"), " "))
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "id":
			f.ID = value
		case "event":
			f.Event = value
		case "data":
			data = append(data, value)
		case "retry":
			f.Retry = value
		default:
			return f, errors.New("unknown SSE field " + field)
		}
	}
}

// openEvents connects to /v1/events of a running server and returns a
// reader positioned after the stream's opening block (so the server has
// registered the client).
func openEvents(t *testing.T, ctx context.Context, url string) (*bufio.Reader, *http.Response) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/v1/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	br := bufio.NewReader(resp.Body)
	first, err := readFrame(br)
	if err != nil {
		t.Fatal(err)
	}
	if first.Retry == "" || first.Event != "" {
		t.Fatalf("opening block %+v", first)
	}
	return br, resp
}

func tp(t time.Time) *time.Time { return &t }
