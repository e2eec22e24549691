//go:build !js

package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"lightdas/node/api"
)

// runner is what a Service runs: a started node.
type runner interface {
	api.Backend
	Close(ctx context.Context) error
}

// Service is a started node with its HTTP servers (the API, and for a
// devnet the web page): what a command runs until it is told to stop.
type Service struct {
	node runner
	log  *slog.Logger

	// APIURL is the API's base URL ("http://127.0.0.1:7780"), empty when
	// the API is off.
	APIURL string
	// WebURL is the page's URL (devnet only).
	WebURL string

	ctx    context.Context // the servers' lifetime
	cancel context.CancelFunc
	wg     sync.WaitGroup
	errc   chan error // a server that stopped on its own
	once   sync.Once
	err    error
}

func newService(n runner, log *slog.Logger) *Service {
	ctx, cancel := context.WithCancel(context.Background())
	return &Service{node: n, log: log, ctx: ctx, cancel: cancel, errc: make(chan error, 4)}
}

// listen binds a TCP address now, so that a port in use fails the start
// and a random port (":0") is known before anything is printed.
func listen(ctx context.Context, what, addr string) (net.Listener, error) {
	var lc net.ListenConfig
	l, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("node: %s: %w", what, err)
	}
	return l, nil
}

// serveAPI serves the node's HTTP API on l until the service stops.
func (s *Service) serveAPI(l net.Listener, opts ...api.Option) {
	srv := api.New(s.node, append([]api.Option{api.WithLogger(s.log)}, opts...)...)
	s.APIURL = "http://" + l.Addr().String()
	s.wg.Go(func() {
		if err := srv.Serve(s.ctx, l); err != nil {
			s.errc <- err
		}
	})
}

// serveHTTP serves h on l until the service stops.
func (s *Service) serveHTTP(what string, l net.Listener, h http.Handler) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 60 * time.Second,
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelDebug)}
	s.log.Info("HTTP server listening", "what", what, "addr", "http://"+l.Addr().String())
	s.wg.Go(func() {
		errc := make(chan error, 1)
		go func() { errc <- srv.Serve(l) }()
		select {
		case err := <-errc:
			s.errc <- fmt.Errorf("node: %s: %w", what, err)
			return
		case <-s.ctx.Done():
		}
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			srv.Close()
		}
		<-errc
	})
}

// Wait runs until ctx ends (nil) or a server fails (its error), then
// closes the service.
func (s *Service) Wait(ctx context.Context) error {
	var err error
	select {
	case <-ctx.Done():
	case err = <-s.errc:
		s.log.Error("server failed; shutting down", "err", err)
	}
	cctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return errors.Join(err, s.Close(cctx))
}

// Close stops the HTTP servers, then the node (bounded by ctx). It is
// idempotent.
func (s *Service) Close(ctx context.Context) error {
	s.once.Do(func() {
		s.cancel()
		s.wg.Wait()
		s.err = s.node.Close(ctx)
		if s.err == nil {
			s.log.Info("stopped cleanly")
		}
	})
	return s.err
}

// FullService configures StartFull.
type FullService struct {
	Config FullConfig
	// APIAddr is the HTTP API's address ("" = api.DefaultAddr, "off" =
	// no API).
	APIAddr string
	// AllowedOrigin enables CORS on the API for one origin ("*" for
	// any).
	AllowedOrigin string
}

// APIOff disables a service's HTTP API.
const APIOff = "off"

// StartFull starts a full node and its API; the node is returned too.
func StartFull(ctx context.Context, fs FullService) (*Service, *FullNode, error) {
	n, err := NewFullNode(fs.Config)
	if err != nil {
		return nil, nil, err
	}
	var opts []api.Option
	if fs.AllowedOrigin != "" {
		opts = append(opts, api.WithAllowedOrigin(fs.AllowedOrigin))
	}
	s, err := startService(ctx, n, n.cfg.Logger, fs.APIAddr, opts...)
	if err != nil {
		return nil, nil, err
	}
	return s, n, nil
}

// LightService configures StartLight.
type LightService struct {
	Config  LightConfig
	APIAddr string // as FullService.APIAddr
}

// StartLight starts a light node and its API; the node is returned too
// (for progress reports).
func StartLight(ctx context.Context, ls LightService) (*Service, *LightNode, error) {
	n, err := NewLightNode(ls.Config)
	if err != nil {
		return nil, nil, err
	}
	s, err := startService(ctx, n, n.cfg.Logger, ls.APIAddr)
	if err != nil {
		return nil, nil, err
	}
	return s, n, nil
}

// startService binds the API's address first (a port in use fails before
// the node starts), starts n, then serves the API unless apiAddr is
// APIOff.
func startService(ctx context.Context, n interface {
	runner
	Start(context.Context) error
}, log *slog.Logger, apiAddr string, opts ...api.Option) (*Service, error) {
	var l net.Listener
	if apiAddr != APIOff {
		var err error
		if l, err = listen(ctx, "API", orDefault(apiAddr, api.DefaultAddr)); err != nil {
			return nil, err
		}
	}
	if err := n.Start(ctx); err != nil {
		if l != nil {
			l.Close()
		}
		return nil, err
	}
	s := newService(n, log)
	if l != nil {
		s.serveAPI(l, opts...)
	}
	return s, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
