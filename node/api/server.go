package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"lightdas/headers"
	"lightdas/node/producer"
)

// DefaultAddr is where ListenAndServe listens when given no address:
// loopback only, because the API is unauthenticated.
const DefaultAddr = "127.0.0.1:7780"

// Defaults of the options.
const (
	DefaultMaxBlobSize    = 1 << 20 // 1 MiB
	DefaultEventQueue     = 256
	DefaultKeepAlive      = 15 * time.Second
	DefaultRequestTimeout = 10 * time.Second
	// MaxHeaderBytes bounds request headers (the API needs few).
	MaxHeaderBytes = 16 << 10
	// DefaultBodyTimeout bounds reading a request (a 1 MiB blob over a
	// slow link included); ReadHeaderTimeout bounds its headers.
	DefaultBodyTimeout = 30 * time.Second
	ReadHeaderTimeout  = 5 * time.Second
)

// Option configures a Server.
type Option func(*config)

type config struct {
	logger         *slog.Logger
	submitter      BlobSubmitter
	maxBlobSize    int64
	allowOrigin    string
	eventQueue     int
	keepAlive      time.Duration
	requestTimeout time.Duration
	bodyTimeout    time.Duration
	runtimeMetrics bool
	now            func() time.Time
}

// WithLogger sets the logger (default slog.Default()). Requests are logged
// at debug level.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }

// WithBlobSubmitter enables POST /v1/blobs with s (otherwise the Backend
// is used when it implements BlobSubmitter).
func WithBlobSubmitter(s BlobSubmitter) Option { return func(c *config) { c.submitter = s } }

// WithMaxBlobSize bounds POST /v1/blobs bodies (default 1 MiB; larger
// bodies get 413).
func WithMaxBlobSize(n int64) Option { return func(c *config) { c.maxBlobSize = n } }

// WithAllowedOrigin enables CORS for one origin (e.g. the devnet page's
// "http://127.0.0.1:8080"), or for every origin with "*". CORS is off by
// default.
func WithAllowedOrigin(origin string) Option { return func(c *config) { c.allowOrigin = origin } }

// WithEventQueue sets how many events may wait for one /v1/events client
// (default 256); a client that falls further behind is disconnected.
func WithEventQueue(n int) Option { return func(c *config) { c.eventQueue = n } }

// WithKeepAlive sets the interval of SSE keepalive comments (default 15 s).
func WithKeepAlive(d time.Duration) Option { return func(c *config) { c.keepAlive = d } }

// WithRequestTimeout bounds each request's backend calls and response
// writes (default 10 s; event streams get it per write).
func WithRequestTimeout(d time.Duration) Option { return func(c *config) { c.requestTimeout = d } }

// WithBodyTimeout bounds reading each request, body included (default
// 30 s). Event streams are exempt once they start.
func WithBodyTimeout(d time.Duration) Option { return func(c *config) { c.bodyTimeout = d } }

// WithRuntimeMetrics adds (default true) the Go runtime and process
// collectors to the server's registry.
func WithRuntimeMetrics(on bool) Option { return func(c *config) { c.runtimeMetrics = on } }

// WithClock sets the clock used for uptime (default time.Now).
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// Server is the node's HTTP API. Build it with New; it subscribes to the
// backend's events at once (for metrics and /v1/events) until Close.
type Server struct {
	backend   Backend
	cfg       config
	log       *slog.Logger
	submitter BlobSubmitter
	reg       *prometheus.Registry
	metrics   *metrics
	hub       *hub
	handler   http.Handler
	unsub     func()
	closeOnce sync.Once

	mu   sync.Mutex
	addr net.Addr
}

// New builds a server for b.
func New(b Backend, opts ...Option) *Server {
	cfg := config{
		maxBlobSize:    DefaultMaxBlobSize,
		eventQueue:     DefaultEventQueue,
		keepAlive:      DefaultKeepAlive,
		requestTimeout: DefaultRequestTimeout,
		bodyTimeout:    DefaultBodyTimeout,
		runtimeMetrics: true,
		now:            time.Now,
	}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.logger == nil {
		cfg.logger = slog.Default()
	}
	if cfg.maxBlobSize <= 0 {
		cfg.maxBlobSize = DefaultMaxBlobSize
	}
	if cfg.eventQueue <= 0 {
		cfg.eventQueue = DefaultEventQueue
	}
	if cfg.keepAlive <= 0 {
		cfg.keepAlive = DefaultKeepAlive
	}
	if cfg.requestTimeout <= 0 {
		cfg.requestTimeout = DefaultRequestTimeout
	}
	if cfg.bodyTimeout <= 0 {
		cfg.bodyTimeout = DefaultBodyTimeout
	}
	s := &Server{backend: b, cfg: cfg, log: cfg.logger.With("component", "api")}
	s.submitter = cfg.submitter
	if s.submitter == nil {
		s.submitter, _ = b.(BlobSubmitter)
	}
	s.reg = prometheus.NewRegistry()
	s.metrics = newMetrics(s.reg, s, cfg.runtimeMetrics)
	s.hub = newHub(cfg.eventQueue, s.metrics)
	s.handler = s.routes()
	s.unsub = b.Subscribe(s.onEvent)
	return s
}

// onEvent runs on the backend's event path: it must never block.
func (s *Server) onEvent(ev Event) {
	if ev == nil {
		return
	}
	s.metrics.observe(ev)
	s.hub.publish(ev)
}

// Registry is the server's own metrics registry (no global state), for
// callers that want to add collectors.
func (s *Server) Registry() *prometheus.Registry { return s.reg }

// Handler serves the API (for tests or for mounting in another server).
func (s *Server) Handler() http.Handler { return s.handler }

// Addr is the address Serve listens on (nil before Serve).
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}

// Close unsubscribes from the backend and ends every event stream. It is
// idempotent; Serve calls it when its context ends.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.unsub()
		s.hub.close()
	})
}

// ListenAndServe listens on addr (DefaultAddr when empty) and serves until
// ctx ends.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	if addr == "" {
		addr = DefaultAddr
	}
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("api: listen on %s: %w", addr, err)
	}
	return s.Serve(ctx, l)
}

// Serve serves on l until ctx ends, then closes the server (event streams
// end), shuts HTTP down gracefully and returns nil. A Server serves once.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	s.mu.Lock()
	s.addr = l.Addr()
	s.mu.Unlock()
	if tcp, ok := l.Addr().(*net.TCPAddr); ok && !tcp.IP.IsLoopback() {
		s.log.Warn("HTTP API listening beyond loopback; it has no authentication", "addr", l.Addr().String())
	}
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: ReadHeaderTimeout,
		// No ReadTimeout or WriteTimeout: they would cut event streams
		// (an expired read deadline cancels the request's context).
		// route sets per-request deadlines instead, which the stream
		// handler lifts (reads) or renews per write.
		IdleTimeout:    60 * time.Second,
		MaxHeaderBytes: MaxHeaderBytes,
		ErrorLog:       slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	s.log.Info("HTTP API listening", "addr", "http://"+l.Addr().String())
	select {
	case err := <-errc:
		s.Close()
		return fmt.Errorf("api: serve: %w", err)
	case <-ctx.Done():
	}
	s.Close()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
	}
	<-errc // http.ErrServerClosed
	return nil
}

// route wraps a handler with the method check, CORS, request metrics and
// debug logging.
func (s *Server) route(name string, methods []string, h http.HandlerFunc) http.Handler {
	allow := strings.Join(methods, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w, status: http.StatusOK}
		defer func() {
			s.metrics.request(name, rec.status)
			s.log.Debug("http request", "method", r.Method, "path", r.URL.Path, "route", name,
				"status", rec.status, "bytes", rec.bytes, "duration", time.Since(start), "remote", r.RemoteAddr)
		}()
		if s.cors(rec, r, allow) {
			return
		}
		ok := false
		for _, m := range methods {
			ok = ok || r.Method == m
		}
		if !ok && methods != nil {
			rec.Header().Set("Allow", allow)
			writeError(rec, http.StatusMethodNotAllowed, fmt.Sprintf("method %s not allowed; use %s", r.Method, allow))
			return
		}
		rc := http.NewResponseController(rec)
		_ = rc.SetReadDeadline(time.Now().Add(s.cfg.bodyTimeout))
		_ = rc.SetWriteDeadline(time.Now().Add(s.cfg.requestTimeout))
		h(rec, r)
	})
}

// cors sets the CORS headers when enabled, and answers preflight requests
// (reporting true when it did).
func (s *Server) cors(w http.ResponseWriter, r *http.Request, allow string) bool {
	origin := r.Header.Get("Origin")
	if s.cfg.allowOrigin == "" || origin == "" {
		return false
	}
	w.Header().Add("Vary", "Origin")
	if s.cfg.allowOrigin != "*" && origin != s.cfg.allowOrigin {
		return false
	}
	w.Header().Set("Access-Control-Allow-Origin", s.cfg.allowOrigin)
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		w.Header().Set("Access-Control-Allow-Methods", allow)
		w.Header().Set("Access-Control-Allow-Headers", "Content-Type")
		w.Header().Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
		return true
	}
	return false
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	get := []string{http.MethodGet}
	mux.Handle("/v1/status", s.route("status", get, s.handleStatus))
	mux.Handle("/v1/head", s.route("head", get, s.handleHead))
	mux.Handle("/v1/blocks/{height}", s.route("block", get, s.handleBlock))
	mux.Handle("/v1/events", s.route("events", get, s.handleEvents))
	mux.Handle("/metrics", s.route("metrics", get, s.metrics.handler(s.reg, s.log, s.cfg.requestTimeout).ServeHTTP))
	if s.submitter != nil {
		mux.Handle("/v1/blobs", s.route("blobs", []string{http.MethodPost}, s.handleBlobs))
	}
	mux.Handle("/", s.route("unknown", nil, func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no such endpoint: "+r.URL.Path)
	}))
	return mux
}

// backendCtx bounds a request's backend calls.
func (s *Server) backendCtx(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(r.Context(), s.cfg.requestTimeout)
}

func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.backendCtx(r)
	defer cancel()
	st, err := s.backend.Status(ctx)
	if err != nil {
		s.backendError(w, "status", err)
		return
	}
	if !st.StartedAt.IsZero() {
		st.UptimeSeconds = s.cfg.now().Sub(st.StartedAt).Seconds()
	}
	if st.ListenAddrs == nil {
		st.ListenAddrs = []string{}
	}
	if st.Failures == nil {
		st.Failures = []uint64{}
	}
	if st.CatchUp != nil && st.CatchUp.InFlight == nil {
		st.CatchUp.InFlight = []uint64{}
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) handleHead(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := s.backendCtx(r)
	defer cancel()
	lb, err := s.backend.Head(ctx)
	if err == nil && (lb == nil || lb.Header == nil) {
		err = ErrNotFound
	}
	if err != nil {
		s.backendError(w, "head", err)
		return
	}
	writeJSON(w, http.StatusOK, HeadFor(lb))
}

func (s *Server) handleBlock(w http.ResponseWriter, r *http.Request) {
	height, err := ParseHeight(r.PathValue("height"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	ctx, cancel := s.backendCtx(r)
	defer cancel()
	res, err := s.backend.BlockResult(ctx, height)
	if err != nil {
		s.backendError(w, fmt.Sprintf("block %d", height), err)
		return
	}
	res.Height = height
	writeJSON(w, http.StatusOK, res)
}

// BlobAccepted is the 202 answer to POST /v1/blobs.
type BlobAccepted struct {
	Size   int    `json:"size"`
	SHA256 string `json:"sha256"`
}

func (s *Server) handleBlobs(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength > s.cfg.maxBlobSize {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body of %d bytes exceeds the limit of %d", r.ContentLength, s.cfg.maxBlobSize))
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.maxBlobSize))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body exceeds the limit of %d bytes", s.cfg.maxBlobSize))
		return
	case err != nil:
		writeError(w, http.StatusBadRequest, "reading body: "+err.Error())
		return
	case len(data) == 0:
		writeError(w, http.StatusBadRequest, "empty body")
		return
	}
	if err := s.submitter.Submit(data); err != nil {
		code := http.StatusInternalServerError
		switch {
		case errors.Is(err, producer.ErrEmptyRecord):
			code = http.StatusBadRequest
		case errors.Is(err, producer.ErrTooLarge):
			code = http.StatusRequestEntityTooLarge
		case errors.Is(err, producer.ErrQueueFull), errors.Is(err, ErrUnavailable):
			code = http.StatusServiceUnavailable
			w.Header().Set("Retry-After", "2")
		case errors.Is(err, ErrNotSupported):
			code = http.StatusNotFound
		}
		s.metrics.blob(code)
		if code == http.StatusInternalServerError {
			s.log.Error("blob submission failed", "size", len(data), "err", err)
		}
		writeError(w, code, err.Error())
		return
	}
	s.metrics.blob(http.StatusAccepted)
	sum := sha256.Sum256(data)
	writeJSON(w, http.StatusAccepted, BlobAccepted{Size: len(data), SHA256: hex.EncodeToString(sum[:])})
}

// backendError maps a backend error to a status code.
func (s *Server) backendError(w http.ResponseWriter, what string, err error) {
	switch {
	case errors.Is(err, ErrNotFound):
		writeError(w, http.StatusNotFound, err.Error())
	case errors.Is(err, ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		writeError(w, http.StatusServiceUnavailable, err.Error())
	case errors.Is(err, context.Canceled):
		// The client went away; nobody reads the answer.
		writeError(w, http.StatusServiceUnavailable, err.Error())
	default:
		s.log.Error("backend failed", "what", what, "err", err)
		writeError(w, http.StatusInternalServerError, what+": "+err.Error())
	}
}

// Head is the JSON form of a verified header for GET /v1/head.
type Head struct {
	ChainID            string    `json:"chain_id"`
	Height             uint64    `json:"height"`
	Hash               string    `json:"hash"`
	Time               time.Time `json:"time"`
	ParentHash         string    `json:"parent_hash"`
	ValidatorsHash     string    `json:"validators_hash"`
	NextValidatorsHash string    `json:"next_validators_hash"`
	K                  int       `json:"k"`
	Blobs              int       `json:"blobs"`
	Commitments        []string  `json:"commitments"` // hex, 48 bytes each
	Commit             *Commit   `json:"commit,omitempty"`
}

// Commit summarises the commit that signs the head.
type Commit struct {
	Signers     int    `json:"signers"`
	Validators  int    `json:"validators"`
	SignedPower uint64 `json:"signed_power"`
	TotalPower  uint64 `json:"total_power"`
	Signature   string `json:"signature"` // hex, compressed G2
}

// HeadFor converts a light block (with a non-nil header).
func HeadFor(lb *headers.LightBlock) Head {
	h := lb.Header
	out := Head{
		ChainID: h.ChainID, Height: h.Height, Hash: h.Hash().String(), Time: h.Time,
		ParentHash: h.ParentHash.String(), ValidatorsHash: h.ValidatorsHash.String(),
		NextValidatorsHash: h.NextValidatorsHash.String(), K: h.K(), Blobs: h.Blobs,
		Commitments: make([]string, len(h.Commitments)),
	}
	for i, c := range h.Commitments {
		out.Commitments[i] = hex.EncodeToString(c[:])
	}
	if c := lb.Commit; c != nil {
		oc := &Commit{Signers: c.Signers.Count()}
		if c.Signature != nil {
			sig := c.Signature.Bytes()
			oc.Signature = hex.EncodeToString(sig[:])
		}
		if vs := lb.Validators; vs != nil {
			oc.Validators, oc.TotalPower = vs.Size(), vs.TotalPower()
			for i := 0; i < vs.Size() && i < c.Signers.Len(); i++ {
				if c.Signers.Get(i) {
					oc.SignedPower += vs.Power(i)
				}
			}
		}
		out.Commit = oc
	}
	return out
}

// ErrBadHeight: a height that is not a canonical decimal uint64.
var ErrBadHeight = errors.New("api: height must be a decimal unsigned 64-bit integer")

// ParseHeight parses a height strictly: ASCII decimal digits only, no
// sign, no leading zeros (except "0"), no overflow.
func ParseHeight(s string) (uint64, error) {
	if s == "" || len(s) > 20 || (len(s) > 1 && s[0] == '0') {
		return 0, fmt.Errorf("%w: %q", ErrBadHeight, truncate(s))
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("%w: %q", ErrBadHeight, truncate(s))
		}
		d := uint64(c - '0')
		if v > (1<<64-1-d)/10 {
			return 0, fmt.Errorf("%w: %q overflows", ErrBadHeight, s)
		}
		v = v*10 + d
	}
	return v, nil
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

type errorBody struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, errorBody{Error: msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		code = http.StatusInternalServerError
		body, _ = json.Marshal(errorBody{Error: "encoding response: " + err.Error()})
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = w.Write(append(body, '\n'))
}

// recorder captures the status and size for logs and metrics; Unwrap keeps
// http.ResponseController (flush, deadlines) working through it.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int
	wrote  bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
