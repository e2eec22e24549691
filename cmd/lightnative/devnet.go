//go:build !js

package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"lightdas/node"
)

type devnetOpts struct {
	cfg  node.DevnetConfig
	temp bool // a fresh temporary dir, removed on exit
}

func parseDevnet(e *env, args []string) (devnetOpts, int, bool) {
	var o devnetOpts
	fs := e.newFlagSet("devnet", "[flags]")
	fs.StringVar(&o.cfg.Dir, "dir", node.DefaultDevnetDir, "devnet directory: genesis.json, keystore/ and node data (made on first use)")
	fs.BoolVar(&o.temp, "temp", false, "use a fresh temporary directory, removed on exit (overrides --dir)")
	port := fs.Int("port", node.DefaultDevnetPort, "libp2p port on 127.0.0.1: TCP and QUIC on it, WebSocket on +1, WebRTC-direct on +2; 0 = random ports")
	var listen listFlag
	fs.Var(&listen, "listen", "libp2p listen multiaddrs, repeatable or comma-separated (overrides --port)")
	fs.StringVar(&o.cfg.APIAddr, "api", "127.0.0.1:7780", "HTTP API address")
	fs.StringVar(&o.cfg.WebAddr, "http", node.DefaultWebAddr, "web page address (serves --web, /bootstrap.json and /genesis.json)")
	fs.StringVar(&o.cfg.WebDir, "web", node.DefaultWebDir, "directory served as the web page, when it exists")
	fs.StringVar(&o.cfg.ChainID, "chain-id", node.DevnetChainID, "chain id of a new devnet")
	fs.IntVar(&o.cfg.Validators, "validators", node.DevnetValidators, "validators of a new devnet")
	fs.DurationVar(&o.cfg.Interval, "interval", 2*time.Second, "block interval")
	fs.IntVar(&o.cfg.SyntheticBlobs, "blobs", 4, "random blobs per block besides submitted data (negative: empty blocks)")
	fs.Uint64Var(&o.cfg.KeepBlocks, "keep", 256, "blocks kept before pruning")
	if code, done := parse(fs, args); done {
		return o, code, true
	}
	if listen != nil {
		o.cfg.ListenAddrs = listen
	} else {
		addrs, err := node.DevnetListenAddrs("127.0.0.1", *port)
		if err != nil {
			return o, e.fail("devnet", err), true
		}
		o.cfg.ListenAddrs = addrs
	}
	if o.cfg.Interval <= 0 {
		return o, e.fail("devnet", usageErrorf("--interval must be positive")), true
	}
	return o, 0, false
}

func runDevnet(ctx context.Context, e *env, args []string) int {
	o, code, done := parseDevnet(e, args)
	if done {
		return code
	}
	log, err := e.logger("info")
	if err != nil {
		return e.fail("devnet", err)
	}
	o.cfg.Logger = log
	if o.temp {
		dir, err := os.MkdirTemp("", "lightdas-devnet-")
		if err != nil {
			return e.fail("devnet", err)
		}
		defer os.RemoveAll(dir)
		o.cfg.Dir = dir
	}
	d, err := node.StartDevnet(ctx, o.cfg)
	if err != nil {
		return e.fail("devnet", err)
	}
	fmt.Fprint(e.stdout, d.Instructions("lightnative"))
	if err := d.Wait(ctx); err != nil {
		return e.fail("devnet", err)
	}
	return exitOK
}
