//go:build js && wasm

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"syscall/js"
	"time"

	"lightdas/cmd/lightwasm/config"
	"lightdas/cmd/lightwasm/idb"
	"lightdas/das"
	"lightdas/headers"
	"lightdas/kzg"
	"lightdas/light"
	"lightdas/p2p"
)

// transport is what a session runs over: a host, its dialer, which
// learned addresses it can dial, and how to shut it down.
type transport struct {
	host     p2p.Host
	dialer   light.Dialer
	dialable func(addr string) bool
	close    func() error
}

// transportFactory makes a session's transport (WebRTC-direct in the
// page; memnet in tests).
type transportFactory func(log *slog.Logger) (*transport, error)

// session is one started client with its stores, transport and the
// event pipe to JavaScript.
type session struct {
	opts   *config.Options
	client *light.Client
	db     *idb.DB // nil with memory storage
	tr     *transport
	log    *slog.Logger

	events  *eventQueue
	status  atomic.Pointer[string] // the latest Status as JSON
	kick    chan struct{}          // refresh the status soon
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	unsub   func()
	storage string // the storage in use: indexeddb or memory

	stopOnce sync.Once
	stopErr  error
}

// openSession opens the stores, makes the transport and starts the
// client. deliver receives batches of events as a JS array; it runs on a
// goroutine of the session, never inside a JS callback.
func openSession(ctx context.Context, o *config.Options, newTransport transportFactory, verifier *kzg.Verifier, deliver func(js.Value)) (_ *session, err error) {
	log := slog.New(newConsoleHandler(o.LogLevel)).With("chain", o.ChainID)
	s := &session{opts: o, log: log, kick: make(chan struct{}, 1)}
	defer func() {
		if err != nil {
			s.closeResources()
		}
	}()
	var hs headers.Store
	var cps das.CheckpointStore
	var rs light.ResultStore
	if o.Storage != config.StorageMemory {
		s.db, err = idb.Open(ctx, o.DBName)
		switch {
		case err == nil:
			if err := s.adopt(ctx); err != nil {
				return nil, err
			}
			hs, cps, rs = s.db.Headers(), s.db.Checkpoints(), s.db.Results()
			s.storage = config.StorageIndexedDB
		case o.Storage == config.StorageIndexedDB:
			return nil, err
		default:
			log.Warn("IndexedDB unavailable; progress is kept in memory only", "err", err)
		}
	}
	if hs == nil {
		hs, cps, rs = headers.NewMemStore(), das.NewMemCheckpointStore(), light.NewMemResultStore()
		s.storage = config.StorageMemory
	}
	if s.tr, err = newTransport(log); err != nil {
		return nil, fmt.Errorf("lightwasm: transport: %w", err)
	}
	// A node lists every transport it listens on; only some can be
	// dialled from here (WebRTC-direct in a page).
	var bootstrap []string
	for _, a := range o.Bootstrap {
		if s.tr.dialable(a) {
			bootstrap = append(bootstrap, a)
		} else {
			log.Debug("skipping a bootstrap address this transport cannot dial", "addr", a)
		}
	}
	if len(bootstrap) == 0 {
		return nil, fmt.Errorf("%w: none of the %d bootstrap addresses can be dialled from here (a browser needs /webrtc-direct/certhash/.../p2p/... addresses)", config.ErrConfig, len(o.Bootstrap))
	}
	s.client, err = light.New(light.Config{
		Host: s.tr.host, Dialer: s.tr.dialer, Dialable: s.tr.dialable,
		ChainID: o.ChainID, Genesis: o.Genesis, Checkpoint: o.Checkpoint, Bootstrap: bootstrap,
		Headers: hs, Checkpoints: cps, Results: rs,
		Confidence: o.Confidence, Window: o.Window, MaxPeers: o.MaxPeers,
		Verifier: verifier, Logger: log,
	})
	if err != nil {
		return nil, err
	}
	s.events = newEventQueue(maxQueuedEvents)
	s.unsub = s.client.Subscribe(func(e light.Event) {
		b, err := light.MarshalEvent(e)
		if err != nil {
			return
		}
		s.events.push(b, e.Kind() == "cell")
		select {
		case s.kick <- struct{}{}:
		default:
		}
	})
	rctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.refreshStatus()
	s.wg.Go(func() { s.deliverLoop(rctx, deliver) })
	s.wg.Go(func() { s.statusLoop(rctx) })
	if err := s.client.Start(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// adopt makes the database this chain's: data stored for another chain
// or genesis (a devnet made anew under the same chain id) is dropped.
func (s *session) adopt(ctx context.Context) error {
	id, err := s.db.Identity(ctx)
	if err != nil {
		return err
	}
	if id == s.opts.Identity {
		return nil
	}
	if id != "" {
		s.log.Warn("stored data belongs to another chain; starting afresh", "stored", id, "now", s.opts.Identity)
		if err := s.db.Reset(ctx); err != nil {
			return err
		}
	}
	return s.db.SetIdentity(ctx, s.opts.Identity)
}

// statusLoop keeps the status snapshot fresh: after events (at most every
// 100 ms) and every statusTick.
func (s *session) statusLoop(ctx context.Context) {
	tick := time.NewTicker(s.opts.StatusTick)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-s.kick:
			select {
			case <-ctx.Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
		s.refreshStatus()
	}
}

// sessionStatus is status(): the client's snapshot plus what only the
// bindings know.
type sessionStatus struct {
	light.Status
	Storage       string `json:"storage"`
	DroppedEvents uint64 `json:"dropped_events"`
}

func (s *session) refreshStatus() {
	st := sessionStatus{Status: s.client.Status(), Storage: s.storage, DroppedEvents: s.events.droppedCount()}
	b, err := json.Marshal(st)
	if err != nil {
		return
	}
	str := string(b)
	s.status.Store(&str)
}

// deliverLoop hands queued events to JavaScript in batches: one
// JSON.parse and one call per batch, from this goroutine.
func (s *session) deliverLoop(ctx context.Context, deliver func(js.Value)) {
	for {
		batch, ok := s.events.wait(ctx)
		if !ok {
			return
		}
		var buf bytes.Buffer
		buf.WriteByte('[')
		for i, b := range batch {
			if i > 0 {
				buf.WriteByte(',')
			}
			buf.Write(b)
		}
		buf.WriteByte(']')
		arr := js.Global().Get("JSON").Call("parse", buf.String())
		deliver(arr)
	}
}

// stop closes the client, the transport and the database, once.
func (s *session) stop(ctx context.Context) error {
	s.stopOnce.Do(func() {
		var errs []error
		if s.client != nil {
			errs = append(errs, s.client.Close(ctx))
			s.refreshStatus()
		}
		if s.unsub != nil {
			s.unsub()
		}
		if s.cancel != nil {
			s.cancel()
		}
		s.wg.Wait()
		errs = append(errs, s.closeResources())
		s.stopErr = errors.Join(errs...)
	})
	return s.stopErr
}

func (s *session) closeResources() error {
	var errs []error
	if s.tr != nil {
		errs = append(errs, s.tr.close())
	}
	if s.db != nil {
		errs = append(errs, s.db.Close())
	}
	return errors.Join(errs...)
}

// maxQueuedEvents bounds the events waiting for JavaScript.
const maxQueuedEvents = 4096

// eventQueue is a bounded FIFO of encoded events. When full, cell events
// are dropped first (the block verdict carries every cell's outcome), then
// the oldest events; drops are counted.
type eventQueue struct {
	max int

	mu      sync.Mutex
	items   [][]byte
	cell    []bool
	dropped uint64
	ready   chan struct{}
}

func newEventQueue(max int) *eventQueue {
	return &eventQueue{max: max, ready: make(chan struct{}, 1)}
}

func (q *eventQueue) push(b []byte, isCell bool) {
	q.mu.Lock()
	if len(q.items) >= q.max {
		if isCell {
			q.dropped++
			q.mu.Unlock()
			return
		}
		drop := 0
		for i, c := range q.cell {
			if c {
				drop = i
				break
			}
		}
		q.items = append(q.items[:drop], q.items[drop+1:]...)
		q.cell = append(q.cell[:drop], q.cell[drop+1:]...)
		q.dropped++
	}
	q.items = append(q.items, b)
	q.cell = append(q.cell, isCell)
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// wait returns every queued event once some are there; false when ctx
// ends.
func (q *eventQueue) wait(ctx context.Context) ([][]byte, bool) {
	for {
		q.mu.Lock()
		if len(q.items) > 0 {
			out := q.items
			q.items, q.cell = nil, nil
			q.mu.Unlock()
			return out, true
		}
		q.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, false
		case <-q.ready:
		}
	}
}

func (q *eventQueue) droppedCount() uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.dropped
}

// consoleHandler logs to the browser console (console.debug/info/warn/
// error by level), as "msg key=value ...".
type consoleHandler struct {
	slog.Handler
	buf *bytes.Buffer
	mu  *sync.Mutex
}

func newConsoleHandler(level slog.Level) slog.Handler {
	buf := &bytes.Buffer{}
	return &consoleHandler{
		Handler: slog.NewTextHandler(buf, &slog.HandlerOptions{Level: level, ReplaceAttr: dropTime}),
		buf:     buf, mu: &sync.Mutex{},
	}
}

func dropTime(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && a.Key == slog.TimeKey {
		return slog.Attr{}
	}
	return a
}

func (h *consoleHandler) Handle(ctx context.Context, r slog.Record) error {
	h.mu.Lock()
	h.buf.Reset()
	err := h.Handler.Handle(ctx, r)
	line := h.buf.String()
	h.mu.Unlock()
	if err != nil {
		return err
	}
	method := "log"
	switch {
	case r.Level >= slog.LevelError:
		method = "error"
	case r.Level >= slog.LevelWarn:
		method = "warn"
	case r.Level >= slog.LevelInfo:
		method = "info"
	default:
		method = "debug"
	}
	js.Global().Get("console").Call(method, "lightdas: "+line)
	return nil
}

func (h *consoleHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &consoleHandler{Handler: h.Handler.WithAttrs(attrs), buf: h.buf, mu: h.mu}
}

func (h *consoleHandler) WithGroup(name string) slog.Handler {
	return &consoleHandler{Handler: h.Handler.WithGroup(name), buf: h.buf, mu: h.mu}
}
