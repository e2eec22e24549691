package api

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"lightdas/headers/headertest"
	"lightdas/node/producer"
)

func TestStatus(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	served := uint64(77)
	full := Status{
		ChainID: "devnet-1", Role: RoleLight, PeerID: "12D3KooWpeer", ListenAddrs: []string{"/ip4/127.0.0.1/tcp/4001"},
		Peers: 3, NetworkHead: 120, HeaderHead: 120, SampledHead: 119, DoneUpTo: 110,
		CatchUp:  &CatchUp{From: 100, To: 120, Done: 15, Pending: 4, InFlight: []uint64{118, 120}},
		Failures: []uint64{105}, Available: 18, Unavailable: 1, Invalid: 1,
		CellsServed: &served, StartedAt: start,
	}
	tests := []struct {
		name     string
		status   Status
		err      error
		code     int
		wantJSON string // for 200 answers: fields checked exactly
	}{
		{name: "full", status: full, code: 200},
		{name: "empty node", status: Status{ChainID: "c", Role: RoleFull}, code: 200},
		{name: "unavailable", err: fmt.Errorf("starting: %w", ErrUnavailable), code: 503},
		{name: "internal", err: errors.New("disk on fire"), code: 500},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newFakeBackend()
			b.status, b.statusErr = tc.status, tc.err
			s := newTestServer(t, b, WithClock(func() time.Time { return start.Add(90 * time.Second) }))
			w := do(t, s, "GET", "/v1/status", nil)
			if w.Code != tc.code {
				t.Fatalf("code %d, want %d: %s", w.Code, tc.code, w.Body)
			}
			if tc.code != 200 {
				if msg := errorOf(t, w); !strings.Contains(msg, tc.err.Error()) {
					t.Fatalf("error %q does not carry %q", msg, tc.err)
				}
				return
			}
			var raw map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &raw); err != nil {
				t.Fatal(err)
			}
			// Lists are never null, so clients can iterate blindly.
			for _, k := range []string{"listen_addrs", "failures"} {
				if _, ok := raw[k].([]any); !ok {
					t.Fatalf("%s = %#v, want a JSON array", k, raw[k])
				}
			}
			var got Status
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			want := tc.status
			if want.ListenAddrs == nil {
				want.ListenAddrs = []string{}
			}
			if want.Failures == nil {
				want.Failures = []uint64{}
			}
			if !want.StartedAt.IsZero() {
				want.UptimeSeconds = 90
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("status\n got %+v\nwant %+v", got, want)
			}
			if _, ok := raw["cells_served"]; ok != (tc.status.CellsServed != nil) {
				t.Fatalf("cells_served present = %v", ok)
			}
		})
	}
}

func TestHead(t *testing.T) {
	chain := headertest.MustChain(headertest.Config{}, 3)
	lb := chain.Head()

	b := newFakeBackend()
	s := newTestServer(t, b)
	w := do(t, s, "GET", "/v1/head", nil)
	if w.Code != 404 {
		t.Fatalf("no head: code %d", w.Code)
	}
	errorOf(t, w)

	b.head = lb
	w = do(t, s, "GET", "/v1/head", nil)
	if w.Code != 200 {
		t.Fatalf("code %d: %s", w.Code, w.Body)
	}
	var got Head
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	h := lb.Header
	if got.Height != h.Height || got.Hash != h.Hash().String() || got.ChainID != h.ChainID ||
		!got.Time.Equal(h.Time) || got.ParentHash != h.ParentHash.String() || got.K != h.K() || got.Blobs != h.Blobs ||
		got.ValidatorsHash != h.ValidatorsHash.String() || got.NextValidatorsHash != h.NextValidatorsHash.String() {
		t.Fatalf("head %+v does not describe header %+v", got, h)
	}
	if len(got.Commitments) != h.K() {
		t.Fatalf("%d commitments, want %d", len(got.Commitments), h.K())
	}
	for i, c := range h.Commitments {
		if got.Commitments[i] != hex.EncodeToString(c[:]) {
			t.Fatalf("commitment %d = %s", i, got.Commitments[i])
		}
	}
	sig := lb.Commit.Signature.Bytes()
	want := &Commit{Signers: lb.Validators.Size(), Validators: lb.Validators.Size(), SignedPower: lb.Validators.TotalPower(),
		TotalPower: lb.Validators.TotalPower(), Signature: hex.EncodeToString(sig[:])}
	if !reflect.DeepEqual(got.Commit, want) {
		t.Fatalf("commit %+v, want %+v", got.Commit, want)
	}

	// A commit signed by a subset reports the subset's power.
	sub := headertest.WithSigners(chain.Signers(), lb, []int{0, 1, 2})
	b.head = sub
	w = do(t, s, "GET", "/v1/head", nil)
	got = Head{}
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	var power uint64
	for i := 0; i < 3; i++ {
		power += lb.Validators.Power(i)
	}
	if got.Commit.Signers != 3 || got.Commit.SignedPower != power {
		t.Fatalf("subset commit %+v, want 3 signers with power %d", got.Commit, power)
	}

	b.head, b.headErr = nil, errors.New("store closed")
	if w := do(t, s, "GET", "/v1/head", nil); w.Code != 500 {
		t.Fatalf("failing backend: code %d", w.Code)
	}
}

func TestBlocks(t *testing.T) {
	recv := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	avail := BlockResult{Height: 42, Hash: strings.Repeat("ab", 32), K: 4, Status: StatusAvailable, Confidence: 0.99995,
		Samples: 33, Verified: 33, Peers: 3, Requests: 6, Attempt: 1, ReceivedAt: tp(recv), StartedAt: tp(recv.Add(time.Millisecond)),
		DurationMs: 48.5, VerifyMs: 12.25, LatencyMs: 49.5}
	pending := BlockResult{Height: 43, Status: StatusPending}
	b := newFakeBackend()
	b.results[42] = avail
	b.results[43] = pending
	b.results[1<<64-1] = BlockResult{Height: 1<<64 - 1, Status: StatusUnavailable, Missing: []Cell{{Row: 1, Col: 2}}, Error: "cells missing"}
	s := newTestServer(t, b)

	tests := []struct {
		path string
		code int
		want *BlockResult
	}{
		{"/v1/blocks/42", 200, &avail},
		{"/v1/blocks/43", 200, &pending},
		{"/v1/blocks/18446744073709551615", 200, &BlockResult{Height: 1<<64 - 1, Status: StatusUnavailable, Missing: []Cell{{Row: 1, Col: 2}}, Error: "cells missing"}},
		{"/v1/blocks/44", 404, nil},
		{"/v1/blocks/0", 404, nil},
		{"/v1/blocks/18446744073709551616", 400, nil},
		{"/v1/blocks/99999999999999999999", 400, nil},
		{"/v1/blocks/042", 400, nil},
		{"/v1/blocks/00", 400, nil},
		{"/v1/blocks/-1", 400, nil},
		{"/v1/blocks/+1", 400, nil},
		{"/v1/blocks/1.0", 400, nil},
		{"/v1/blocks/1e3", 400, nil},
		{"/v1/blocks/0x10", 400, nil},
		{"/v1/blocks/%201", 400, nil},
		{"/v1/blocks/1%00", 400, nil},
		{"/v1/blocks/%D9%A3", 400, nil}, // Arabic-Indic digit three
		{"/v1/blocks/latest", 400, nil},
		{"/v1/blocks/", 404, nil}, // no height: no such endpoint
		{"/v1/blocks/1/2", 404, nil},
		{"/v1/blocks", 404, nil},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			w := do(t, s, "GET", tc.path, nil)
			if w.Code != tc.code {
				t.Fatalf("code %d, want %d: %s", w.Code, tc.code, w.Body)
			}
			if tc.want == nil {
				errorOf(t, w)
				return
			}
			var got BlockResult
			dec := json.NewDecoder(w.Body)
			dec.DisallowUnknownFields()
			if err := dec.Decode(&got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(&got, tc.want) {
				t.Fatalf("got  %+v\nwant %+v", got, *tc.want)
			}
		})
	}

	b.resultErr = errors.New("store corrupt")
	if w := do(t, s, "GET", "/v1/blocks/42", nil); w.Code != 500 || !strings.Contains(errorOf(t, w), "store corrupt") {
		t.Fatalf("failing backend: %d", w.Code)
	}
	b.resultErr = context.DeadlineExceeded
	if w := do(t, s, "GET", "/v1/blocks/42", nil); w.Code != 503 {
		t.Fatalf("slow backend: %d", w.Code)
	}
}

func TestBlockJSONShape(t *testing.T) {
	// The documented field names, so a rename is a visible API change.
	r := BlockResult{Height: 7, Hash: "aa", K: 2, Status: StatusAvailable, Confidence: 0.5, Samples: 1, Verified: 1,
		Missing: []Cell{{1, 2}}, Peers: 1, Requests: 1, Attempt: 1, ReceivedAt: tp(time.Unix(0, 0).UTC()),
		StartedAt: tp(time.Unix(1, 0).UTC()), DurationMs: 1, VerifyMs: 2, LatencyMs: 3, Error: "e"}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"height":7,"hash":"aa","k":2,"status":"available","confidence":0.5,"samples":1,"verified":1,` +
		`"missing":[{"row":1,"col":2}],"peers":1,"requests":1,"attempt":1,"received_at":"1970-01-01T00:00:00Z",` +
		`"started_at":"1970-01-01T00:00:01Z","duration_ms":1,"verify_ms":2,"latency_ms":3,"error":"e"}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
}

func TestMethodsAndUnknownPaths(t *testing.T) {
	b := submittingBackend{newFakeBackend(), &fakeSubmitter{}}
	s := newTestServer(t, b)
	tests := []struct {
		method, path string
		code         int
		allow        string
	}{
		{"POST", "/v1/status", 405, "GET"},
		{"PUT", "/v1/head", 405, "GET"},
		{"DELETE", "/v1/blocks/1", 405, "GET"},
		{"POST", "/v1/events", 405, "GET"},
		{"POST", "/metrics", 405, "GET"},
		{"HEAD", "/v1/status", 405, "GET"},
		{"OPTIONS", "/v1/status", 405, "GET"}, // CORS off: no preflight
		{"GET", "/v1/blobs", 405, "POST"},
		{"PUT", "/v1/blobs", 405, "POST"},
		{"GET", "/", 404, ""},
		{"GET", "/v2/status", 404, ""},
		{"GET", "/v1/status/extra", 404, ""},
		{"POST", "/nope", 404, ""},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			w := do(t, s, tc.method, tc.path, nil)
			if w.Code != tc.code {
				t.Fatalf("code %d, want %d", w.Code, tc.code)
			}
			if got := w.Header().Get("Allow"); got != tc.allow {
				t.Fatalf("Allow %q, want %q", got, tc.allow)
			}
			if tc.method != "HEAD" {
				errorOf(t, w)
			}
		})
	}
	if n := b.fakeSubmitter.seen; n != 0 {
		t.Fatalf("wrong methods reached the submitter %d times", n)
	}
}

// unsized hides a body's length, as a chunked upload does.
type unsized struct{ io.Reader }

func TestBlobs(t *testing.T) {
	const limit = 1000
	tests := []struct {
		name      string
		body      io.Reader
		submitErr error
		code      int
		accepted  []byte
	}{
		{name: "accepted", body: bytes.NewReader([]byte("hello, lightdas")), code: 202, accepted: []byte("hello, lightdas")},
		{name: "at the limit", body: bytes.NewReader(bytes.Repeat([]byte{7}, limit)), code: 202, accepted: bytes.Repeat([]byte{7}, limit)},
		{name: "binary unsized", body: unsized{bytes.NewReader([]byte{0, 1, 0xff})}, code: 202, accepted: []byte{0, 1, 0xff}},
		{name: "empty", body: bytes.NewReader(nil), code: 400},
		{name: "over the limit", body: bytes.NewReader(make([]byte, limit+1)), code: 413},
		{name: "over the limit unsized", body: unsized{bytes.NewReader(make([]byte, 10*limit))}, code: 413},
		{name: "queue full", body: strings.NewReader("x"), submitErr: fmt.Errorf("%w: 9 bytes queued", producer.ErrQueueFull), code: 503},
		{name: "too large for a block", body: strings.NewReader("x"), submitErr: producer.ErrTooLarge, code: 413},
		{name: "producer empty", body: strings.NewReader("x"), submitErr: producer.ErrEmptyRecord, code: 400},
		{name: "not supported", body: strings.NewReader("x"), submitErr: ErrNotSupported, code: 404},
		{name: "stopping", body: strings.NewReader("x"), submitErr: ErrUnavailable, code: 503},
		{name: "internal", body: strings.NewReader("x"), submitErr: errors.New("boom"), code: 500},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sub := &fakeSubmitter{err: tc.submitErr}
			s := newTestServer(t, newFakeBackend(), WithBlobSubmitter(sub), WithMaxBlobSize(limit))
			w := do(t, s, "POST", "/v1/blobs", tc.body, "Content-Type", "application/octet-stream")
			if w.Code != tc.code {
				t.Fatalf("code %d, want %d: %s", w.Code, tc.code, w.Body)
			}
			if tc.accepted == nil {
				errorOf(t, w)
				if len(sub.got) != 0 {
					t.Fatalf("rejected body was submitted")
				}
				if tc.code == 503 && w.Header().Get("Retry-After") == "" {
					t.Fatal("503 without Retry-After")
				}
				return
			}
			var got BlobAccepted
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(tc.accepted)
			if got.Size != len(tc.accepted) || got.SHA256 != hex.EncodeToString(sum[:]) {
				t.Fatalf("answer %+v", got)
			}
			if len(sub.got) != 1 || !bytes.Equal(sub.got[0], tc.accepted) {
				t.Fatalf("submitted %x, want %x", sub.got, tc.accepted)
			}
		})
	}
}

func TestBlobsSubmitterSelection(t *testing.T) {
	// Without a submitter the endpoint does not exist.
	s := newTestServer(t, newFakeBackend())
	for _, m := range []string{"POST", "GET"} {
		if w := do(t, s, m, "/v1/blobs", strings.NewReader("x")); w.Code != 404 {
			t.Fatalf("%s without producer: %d", m, w.Code)
		}
	}
	// A backend that implements BlobSubmitter is used by default.
	b := submittingBackend{newFakeBackend(), &fakeSubmitter{}}
	s = newTestServer(t, b)
	if w := do(t, s, "POST", "/v1/blobs", strings.NewReader("data")); w.Code != 202 || len(b.fakeSubmitter.got) != 1 {
		t.Fatalf("backend submitter: %d, %d submissions", w.Code, len(b.fakeSubmitter.got))
	}
	// The option wins over the backend.
	opt := &fakeSubmitter{}
	s = newTestServer(t, b, WithBlobSubmitter(opt))
	if w := do(t, s, "POST", "/v1/blobs", strings.NewReader("data")); w.Code != 202 || len(opt.got) != 1 || len(b.fakeSubmitter.got) != 1 {
		t.Fatalf("option submitter: %d", w.Code)
	}
	// The default limit is 1 MiB.
	s = newTestServer(t, newFakeBackend(), WithBlobSubmitter(&fakeSubmitter{}))
	if w := do(t, s, "POST", "/v1/blobs", bytes.NewReader(make([]byte, DefaultMaxBlobSize))); w.Code != 202 {
		t.Fatalf("1 MiB: %d", w.Code)
	}
	if w := do(t, s, "POST", "/v1/blobs", bytes.NewReader(make([]byte, DefaultMaxBlobSize+1))); w.Code != 413 {
		t.Fatalf("1 MiB + 1: %d", w.Code)
	}
}

func TestCORS(t *testing.T) {
	const page = "http://127.0.0.1:8080"
	tests := []struct {
		name, allow, origin, method string
		preflight                   bool
		code                        int
		acao                        string
	}{
		{name: "off", origin: page, method: "GET", code: 200},
		{name: "off preflight", origin: page, method: "OPTIONS", preflight: true, code: 405},
		{name: "allowed", allow: page, origin: page, method: "GET", code: 200, acao: page},
		{name: "other origin", allow: page, origin: "http://evil.example", method: "GET", code: 200},
		{name: "no origin", allow: page, method: "GET", code: 200},
		{name: "preflight", allow: page, origin: page, method: "OPTIONS", preflight: true, code: 204, acao: page},
		{name: "preflight other origin", allow: page, origin: "http://evil.example", method: "OPTIONS", preflight: true, code: 405},
		{name: "wildcard", allow: "*", origin: "http://any.example", method: "GET", code: 200, acao: "*"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var opts []Option
			if tc.allow != "" {
				opts = append(opts, WithAllowedOrigin(tc.allow))
			}
			s := newTestServer(t, newFakeBackend(), opts...)
			var hdr []string
			if tc.origin != "" {
				hdr = append(hdr, "Origin", tc.origin)
			}
			if tc.preflight {
				hdr = append(hdr, "Access-Control-Request-Method", "GET")
			}
			w := do(t, s, tc.method, "/v1/status", nil, hdr...)
			if w.Code != tc.code {
				t.Fatalf("code %d, want %d", w.Code, tc.code)
			}
			if got := w.Header().Get("Access-Control-Allow-Origin"); got != tc.acao {
				t.Fatalf("Access-Control-Allow-Origin %q, want %q", got, tc.acao)
			}
			if tc.code == 204 && w.Header().Get("Access-Control-Allow-Methods") != "GET" {
				t.Fatalf("preflight methods %q", w.Header().Get("Access-Control-Allow-Methods"))
			}
		})
	}
}

func TestServeShutdown(t *testing.T) {
	b := newFakeBackend()
	s := New(b, WithLogger(quietLogger()), WithRuntimeMetrics(false))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, l) }()
	url := "http://" + l.Addr().String()

	resp, err := http.Get(url + "/v1/status")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if s.Addr().String() != l.Addr().String() {
		t.Fatalf("Addr %v, listening on %v", s.Addr(), l.Addr())
	}
	// An open event stream must not hold up the shutdown.
	br, _ := openEvents(t, context.Background(), url)
	if b.subscribers() != 1 {
		t.Fatalf("%d subscriptions, want 1", b.subscribers())
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve after cancel: %v", err)
	}
	if _, err := readFrame(br); err == nil {
		t.Fatal("event stream still open after shutdown")
	}
	if b.subscribers() != 0 {
		t.Fatal("server still subscribed to the backend")
	}
	if _, err := http.Get(url + "/v1/status"); err == nil {
		t.Fatal("still serving after shutdown")
	}
	// After Close, new streams are refused rather than hanging.
	if w := do(t, s, "GET", "/v1/events", nil); w.Code != 503 {
		t.Fatalf("events after close: %d", w.Code)
	}
}

func TestListenAndServe(t *testing.T) {
	s := New(newFakeBackend(), WithLogger(quietLogger()), WithRuntimeMetrics(false))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.ListenAndServe(ctx, "127.0.0.1:0"); err != nil {
		t.Fatalf("cancelled serve: %v", err)
	}
	if a, ok := s.Addr().(*net.TCPAddr); !ok || !a.IP.IsLoopback() || a.Port == 0 {
		t.Fatalf("listened on %v", s.Addr())
	}
	s2 := New(newFakeBackend(), WithLogger(quietLogger()), WithRuntimeMetrics(false))
	defer s2.Close()
	if err := s2.ListenAndServe(context.Background(), "127.0.0.1:notaport"); err == nil {
		t.Fatal("bad address accepted")
	}
}

func TestHTTPServerLimits(t *testing.T) {
	b := newFakeBackend()
	s := New(b, WithLogger(quietLogger()), WithRuntimeMetrics(false))
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, l) }()
	defer func() { cancel(); <-done }()

	conn, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Headers beyond MaxHeaderBytes (plus net/http's 4 KiB slack) get 431.
	fmt.Fprintf(conn, "GET /v1/status HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n", strings.Repeat("a", 2*MaxHeaderBytes))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("oversized headers: %d", resp.StatusCode)
	}
}

func TestRecorderUnwrap(t *testing.T) {
	// Flush must reach the real writer through the logging wrapper, or
	// event streams would sit in buffers.
	w := httptest.NewRecorder()
	rec := &recorder{ResponseWriter: w}
	if err := http.NewResponseController(rec).Flush(); err != nil || !w.Flushed {
		t.Fatalf("flush through recorder: %v", err)
	}
}
