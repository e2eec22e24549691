package node

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
)

// lifecycle is the bookkeeping both nodes share: background work to cancel
// and wait for, the last problem to report, and closing once.
type lifecycle struct {
	log    *slog.Logger
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex // also guards the embedding node's own state
	lastErr string
	closed  bool
}

// setErr logs a problem and keeps it for the status report.
func (l *lifecycle) setErr(err error) {
	l.log.Warn("node problem", "err", err)
	l.mu.Lock()
	l.lastErr = err.Error()
	l.mu.Unlock()
}

// stop cancels the background work, waits for it (bounded by ctx), then
// releases what Start acquired. Only the first call does anything.
func (l *lifecycle) stop(ctx context.Context, shutdown func() error) error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.mu.Unlock()
	if l.cancel != nil {
		l.cancel()
	}
	done := make(chan struct{})
	go func() { l.wg.Wait(); close(done) }()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = fmt.Errorf("node: close: %w", ctx.Err())
	}
	if cerr := shutdown(); err == nil {
		err = cerr
	}
	return err
}
