package light

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"lightdas/das"
	"lightdas/headers"
	"lightdas/kzg"
	"lightdas/p2p"
)

// Dialer connects the client's host to a peer at a full multiaddr (one
// ending in /p2p/<id>) and returns the peer id it reached. The WebRTC
// host of the browser build, libp2phost (through a small adapter) and a
// memnet adapter in tests implement it.
type Dialer interface {
	Connect(ctx context.Context, addr string) (p2p.PeerID, error)
}

// Config configures a Client. Host, Dialer, the stores and a trust root
// (Genesis or Checkpoint) are required; zero fields take the defaults
// documented beside them.
type Config struct {
	// Host carries the header, sample and peer-exchange protocols; Dialer
	// connects it. The client does not close either.
	Host   p2p.Host
	Dialer Dialer
	// ChainID names the chain; it may be left empty when Genesis is set.
	ChainID string
	// Genesis is the trust root when the header store is empty, unless
	// Checkpoint is set (then the checkpoint's header is fetched by hash
	// and becomes the root). One of them is required.
	Genesis    *headers.Genesis
	Checkpoint *headers.Checkpoint
	// Bootstrap are full multiaddrs of full nodes; they are dialled at
	// start and again, with backoff, whenever they are not connected.
	Bootstrap []string
	// Dialable filters the addresses learned by peer exchange (e.g. a
	// browser can dial only WebRTC-direct ones). Nil accepts every
	// address.
	Dialable func(addr string) bool

	// Headers, Checkpoints and Results persist the verified headers, the
	// sampler's progress and the per-height verdicts. The client does not
	// close them.
	Headers     headers.Store
	Checkpoints das.CheckpointStore
	Results     ResultStore

	// Confidence is the sampler's target (default das.DefaultConfidence);
	// Window the heights below the head it catches up on (default 100).
	Confidence float64
	Window     int
	// Blocks and Requests bound the blocks sampled at once and the
	// requests in flight (das defaults 4 and 16).
	Blocks, Requests int
	// SamplerOptions are passed to das.NewSampler after the client's own.
	SamplerOptions []das.Option
	// HeaderOptions tune header verification (trusting period, clock).
	HeaderOptions headers.Options
	// HistoryAge and SettleTime: a head whose header time is older than
	// HistoryAge means header sync is catching up; the sampler is handed
	// such a head only once no newer one came for SettleTime (defaults
	// 30 s and 1 s).
	HistoryAge, SettleTime time.Duration
	// KeepHeaders and KeepResults: how many heights below the head the
	// stores keep (defaults 4*Window+64 and 2*Window+64).
	KeepHeaders, KeepResults int

	// MaxPeers caps the connections the client makes to peers learned by
	// peer exchange (bootstrap peers are always dialled). Default 8.
	MaxPeers int
	// PexInterval: how often connected peers are asked for more peers
	// (also once right after each connection). Default 30 s.
	PexInterval time.Duration
	// MinBackoff and MaxBackoff bound the wait before dialling an address
	// again after it failed or its peer disconnected: it doubles from
	// MinBackoff with every failure. Defaults 1 s and 60 s.
	MinBackoff, MaxBackoff time.Duration
	// DialTimeout bounds one dial (default 15 s); MaxDials the dials in
	// flight (default 4).
	DialTimeout time.Duration
	MaxDials    int
	// MaxAddrs bounds the addresses learned by peer exchange (default
	// 256).
	MaxAddrs int

	// Verifier may be shared between clients of one process; nil makes
	// one.
	Verifier *kzg.Verifier
	Logger   *slog.Logger
}

// Defaults.
const (
	DefaultWindow      = 100
	DefaultMaxPeers    = 8
	DefaultPexInterval = 30 * time.Second
	DefaultMinBackoff  = time.Second
	DefaultMaxBackoff  = time.Minute
	DefaultDialTimeout = 15 * time.Second
	DefaultMaxDials    = 4
	DefaultMaxAddrs    = 256
	DefaultHistoryAge  = 30 * time.Second
	DefaultSettleTime  = time.Second
)

// check validates cfg and fills in the defaults.
func (cfg *Config) check() error {
	if cfg.Host == nil || cfg.Dialer == nil {
		return fmt.Errorf("%w: a host and a dialer are required", ErrConfig)
	}
	if cfg.Headers == nil || cfg.Checkpoints == nil || cfg.Results == nil {
		return fmt.Errorf("%w: header, checkpoint and result stores are required", ErrConfig)
	}
	if cfg.Genesis == nil && cfg.Checkpoint == nil {
		return fmt.Errorf("%w: a genesis or a checkpoint is required", ErrConfig)
	}
	if cfg.Genesis != nil {
		if err := cfg.Genesis.Validate(); err != nil {
			return fmt.Errorf("%w: %w", ErrConfig, err)
		}
		if cfg.ChainID == "" {
			cfg.ChainID = cfg.Genesis.ChainID
		}
		if cfg.ChainID != cfg.Genesis.ChainID {
			return fmt.Errorf("%w: chain id %q, genesis of %q", ErrConfig, cfg.ChainID, cfg.Genesis.ChainID)
		}
	}
	if err := headers.ValidateChainID(cfg.ChainID); err != nil {
		return fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if cfg.Checkpoint != nil {
		if err := cfg.Checkpoint.Validate(); err != nil {
			return fmt.Errorf("%w: %w", ErrConfig, err)
		}
	}
	for _, a := range cfg.Bootstrap {
		if _, err := PeerOf(a); err != nil {
			return fmt.Errorf("%w: bootstrap: %w", ErrConfig, err)
		}
	}
	if cfg.Confidence == 0 {
		cfg.Confidence = das.DefaultConfidence
	}
	if cfg.Confidence <= 0 || cfg.Confidence >= 1 {
		return fmt.Errorf("%w: confidence %v not in (0, 1)", ErrConfig, cfg.Confidence)
	}
	if cfg.Window == 0 {
		cfg.Window = DefaultWindow
	}
	if cfg.Window < 1 || cfg.Window > das.MaxCheckpointEntries {
		return fmt.Errorf("%w: window %d not in 1..%d", ErrConfig, cfg.Window, das.MaxCheckpointEntries)
	}
	if cfg.KeepHeaders == 0 {
		cfg.KeepHeaders = 4*cfg.Window + 64
	}
	if cfg.KeepResults == 0 {
		cfg.KeepResults = 2*cfg.Window + 64
	}
	if cfg.KeepHeaders < cfg.Window || cfg.KeepResults < 1 {
		return fmt.Errorf("%w: keep %d headers and %d results with a window of %d", ErrConfig, cfg.KeepHeaders, cfg.KeepResults, cfg.Window)
	}
	if cfg.Blocks < 0 || cfg.Requests < 0 || cfg.MaxPeers < 0 || cfg.MaxDials < 0 || cfg.MaxAddrs < 0 ||
		cfg.PexInterval < 0 || cfg.MinBackoff < 0 || cfg.MaxBackoff < 0 || cfg.DialTimeout < 0 {
		return fmt.Errorf("%w: negative limit", ErrConfig)
	}
	if cfg.HistoryAge < 0 || cfg.SettleTime < 0 {
		return fmt.Errorf("%w: negative history age or settle time", ErrConfig)
	}
	if cfg.HistoryAge == 0 {
		cfg.HistoryAge = DefaultHistoryAge
	}
	if cfg.SettleTime == 0 {
		cfg.SettleTime = DefaultSettleTime
	}
	if cfg.MaxPeers == 0 {
		cfg.MaxPeers = DefaultMaxPeers
	}
	if cfg.PexInterval == 0 {
		cfg.PexInterval = DefaultPexInterval
	}
	if cfg.MinBackoff == 0 {
		cfg.MinBackoff = DefaultMinBackoff
	}
	if cfg.MaxBackoff == 0 {
		cfg.MaxBackoff = max(DefaultMaxBackoff, cfg.MinBackoff)
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		return fmt.Errorf("%w: max backoff %v below min backoff %v", ErrConfig, cfg.MaxBackoff, cfg.MinBackoff)
	}
	if cfg.DialTimeout == 0 {
		cfg.DialTimeout = DefaultDialTimeout
	}
	if cfg.MaxDials == 0 {
		cfg.MaxDials = DefaultMaxDials
	}
	if cfg.MaxAddrs == 0 {
		cfg.MaxAddrs = DefaultMaxAddrs
	}
	if cfg.Dialable == nil {
		cfg.Dialable = func(string) bool { return true }
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return nil
}
