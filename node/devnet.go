//go:build !js

package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"lightdas/headers"
	"lightdas/node/api"
	"lightdas/node/producer"
	"lightdas/p2p/libp2phost"
)

// Devnet defaults: fixed loopback ports, so that a page reloaded after a
// restart finds the node where it was.
const (
	DevnetChainID    = "lightdas-devnet"
	DevnetValidators = 4
	DefaultDevnetDir = ".lightdas-devnet"
	// DefaultDevnetPort: TCP and QUIC listen on it, WebSocket on +1,
	// WebRTC-direct on +2.
	DefaultDevnetPort = 4001
	DefaultWebAddr    = "127.0.0.1:8080"
	DefaultWebDir     = "web"
	// NodeSubdir holds the devnet node's data inside the devnet dir.
	NodeSubdir = "node"
)

// DevnetListenAddrs are the devnet node's listen addresses on ip: TCP and
// QUIC on port, WebSocket on port+1, WebRTC-direct on port+2. Port 0
// means random ports for all.
func DevnetListenAddrs(ip string, port int) ([]string, error) {
	if port == 0 {
		return libp2phost.DefaultListenAddrs(ip), nil
	}
	if port < 1 || port > 65533 {
		return nil, fmt.Errorf("%w: port %d not in 0..65533", ErrConfig, port)
	}
	proto := "ip4"
	if strings.Contains(ip, ":") {
		proto = "ip6"
	}
	return []string{
		fmt.Sprintf("/%s/%s/tcp/%d", proto, ip, port),
		fmt.Sprintf("/%s/%s/udp/%d/quic-v1", proto, ip, port),
		fmt.Sprintf("/%s/%s/tcp/%d/ws", proto, ip, port+1),
		fmt.Sprintf("/%s/%s/udp/%d/webrtc-direct", proto, ip, port+2),
	}, nil
}

// DevnetConfig configures StartDevnet; zero fields take the defaults above.
type DevnetConfig struct {
	// Dir holds genesis.json, keystore/ and the node's data (NodeSubdir).
	// Keys and genesis are made on first use.
	Dir        string
	ChainID    string
	Validators int
	// ListenAddrs of the producing node (DevnetListenAddrs on 127.0.0.1
	// and DefaultDevnetPort when nil).
	ListenAddrs []string
	// APIAddr (api.DefaultAddr when empty) and WebAddr (DefaultWebAddr)
	// are the HTTP listen addresses of the API and of the page.
	APIAddr string
	WebAddr string
	// WebDir is served at / when it exists (DefaultWebDir); otherwise a
	// built-in page is.
	WebDir string
	// Interval, SyntheticBlobs and KeepBlocks: see ProducerConfig and
	// FullConfig.
	Interval       time.Duration
	SyntheticBlobs int
	KeepBlocks     uint64
	Logger         *slog.Logger
}

// Devnet is a running local chain: a producing full node, its API and the
// web page.
type Devnet struct {
	*Service
	Node        *FullNode
	Genesis     *headers.Genesis
	GenesisPath string
	// Created reports whether keys and genesis were made by this start.
	Created bool
}

// StartDevnet makes (or loads) the devnet in cfg.Dir and starts it.
func StartDevnet(ctx context.Context, cfg DevnetConfig) (*Devnet, error) {
	if cfg.Dir == "" {
		cfg.Dir = DefaultDevnetDir
	}
	if cfg.ChainID == "" {
		cfg.ChainID = DevnetChainID
	}
	if cfg.Validators == 0 {
		cfg.Validators = DevnetValidators
	}
	if cfg.WebAddr == "" {
		cfg.WebAddr = DefaultWebAddr
	}
	if cfg.WebDir == "" {
		cfg.WebDir = DefaultWebDir
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.ListenAddrs == nil {
		cfg.ListenAddrs, _ = DevnetListenAddrs("127.0.0.1", DefaultDevnetPort)
	}
	d := &Devnet{GenesisPath: filepath.Join(cfg.Dir, producer.GenesisFile)}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("node: devnet dir: %w", err)
	}
	if _, err := os.Stat(d.GenesisPath); errors.Is(err, os.ErrNotExist) {
		if _, err := producer.NewDevnet(producer.DevnetConfig{ChainID: cfg.ChainID, Validators: cfg.Validators}, cfg.Dir); err != nil {
			return nil, fmt.Errorf("node: devnet: %w", err)
		}
		d.Created = true
		cfg.Logger.Info("devnet created", "dir", cfg.Dir, "chain", cfg.ChainID, "validators", cfg.Validators)
	}
	g, keys, err := producer.LoadDevnet(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("node: devnet: %w", err)
	}
	d.Genesis = g
	genesisJSON, err := os.ReadFile(d.GenesisPath)
	if err != nil {
		return nil, fmt.Errorf("node: devnet: %w", err)
	}

	// Bind both HTTP ports before the node starts: a port in use fails
	// fast, and random ports are known before anything is printed.
	apiL, err := listen(ctx, "API", orDefault(cfg.APIAddr, api.DefaultAddr))
	if err != nil {
		return nil, err
	}
	webL, err := listen(ctx, "web page", cfg.WebAddr)
	if err != nil {
		apiL.Close()
		return nil, err
	}
	n, err := NewFullNode(FullConfig{
		DataDir:     filepath.Join(cfg.Dir, NodeSubdir),
		Genesis:     g,
		ListenAddrs: cfg.ListenAddrs,
		Producer:    &ProducerConfig{Keys: keys, Interval: cfg.Interval, SyntheticBlobs: cfg.SyntheticBlobs},
		KeepBlocks:  cfg.KeepBlocks,
		Logger:      cfg.Logger,
	})
	if err == nil {
		err = n.Start(ctx)
	}
	if err != nil {
		apiL.Close()
		webL.Close()
		return nil, err
	}
	d.Node = n
	d.Service = newService(n, cfg.Logger)
	webURL := "http://" + webL.Addr().String()
	// The page (another origin) calls the API from the browser.
	d.serveAPI(apiL, apiAllowOrigin(webL.Addr()))
	d.WebURL = webURL + "/"
	d.serveHTTP("web page", webL, newWebHandler(webConfig{
		dir:         cfg.WebDir,
		genesisJSON: genesisJSON,
		apiURL:      d.APIURL,
		bootstrap:   func() BootstrapInfo { return d.Bootstrap() },
		log:         cfg.Logger,
	}))
	return d, nil
}

// BootstrapInfo is /bootstrap.json: what a browser client needs to join.
type BootstrapInfo struct {
	ChainID     string `json:"chain_id"`
	GenesisHash string `json:"genesis_hash"`
	PeerID      string `json:"peer_id"`
	// Bootstrap are the node's full multiaddrs, WebRTC-direct ones (the
	// only ones a browser can dial without TLS) first.
	Bootstrap []string `json:"bootstrap"`
	API       string   `json:"api"`
	Genesis   string   `json:"genesis"` // path of the genesis file on the page's server
}

// Bootstrap describes how to reach the devnet node.
func (d *Devnet) Bootstrap() BootstrapInfo {
	return BootstrapInfo{
		ChainID:     d.Genesis.ChainID,
		GenesisHash: d.Genesis.Hash().String(),
		PeerID:      string(d.Node.Host().ID()),
		Bootstrap:   BrowserFirst(d.Node.Addrs()),
		API:         d.APIURL,
		Genesis:     "/genesis.json",
	}
}

// BrowserFirst orders multiaddrs for browsers: WebRTC-direct, then
// WebSocket, then the rest, each group in its original order.
func BrowserFirst(addrs []string) []string {
	rank := func(a string) int {
		switch {
		case strings.Contains(a, "/webrtc-direct"):
			return 0
		case strings.Contains(a, "/ws"):
			return 1
		}
		return 2
	}
	out := make([]string, 0, len(addrs))
	for r := range 3 {
		for _, a := range addrs {
			if rank(a) == r {
				out = append(out, a)
			}
		}
	}
	return out
}

// NativeBootstrap picks the address a native client dials most simply: the
// first TCP one (no WebSocket), else the first one.
func NativeBootstrap(addrs []string) string {
	for _, a := range addrs {
		if strings.Contains(a, "/tcp/") && !strings.Contains(a, "/ws") {
			return a
		}
	}
	if len(addrs) > 0 {
		return addrs[0]
	}
	return ""
}

// Instructions is what the devnet command prints once started: where the
// page and API are and how to point a light client at the node. bin names
// the command (e.g. "lightnative").
func (d *Devnet) Instructions(bin string) string {
	boot := NativeBootstrap(d.Node.Addrs())
	var b strings.Builder
	fmt.Fprintf(&b, "lightdas devnet %q is running (genesis %s)\n", d.Genesis.ChainID, d.Genesis.Hash())
	fmt.Fprintf(&b, "  page:       %s\n", d.WebURL)
	fmt.Fprintf(&b, "  API:        %s/v1/status\n", d.APIURL)
	fmt.Fprintf(&b, "  genesis:    %s\n", d.GenesisPath)
	for _, a := range BrowserFirst(d.Node.Addrs()) {
		fmt.Fprintf(&b, "  listening:  %s\n", a)
	}
	fmt.Fprintf(&b, "\nStart a light client:\n  %s light --genesis %s --bootstrap %s\n", bin, d.GenesisPath, boot)
	fmt.Fprintf(&b, "\nCheck that a height is available (exit code 0):\n  %s verify --height 3 --genesis %s --bootstrap %s\n", bin, d.GenesisPath, boot)
	fmt.Fprintf(&b, "\nPress Ctrl-C to stop.\n")
	return b.String()
}

func apiAllowOrigin(web net.Addr) api.Option { return api.WithAllowedOrigin("http://" + web.String()) }
