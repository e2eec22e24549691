//go:build !js

package main

import (
	"context"
	"fmt"
	"time"

	"lightdas/node"
	"lightdas/node/producer"
)

type fullOpts struct {
	svc       node.FullService
	genesis   string
	keystore  string
	interval  time.Duration
	blobs     int
	misbehave string
}

func parseFull(e *env, args []string) (fullOpts, int, bool) {
	var o fullOpts
	fs := e.newFlagSet("full", "--genesis FILE [--keystore DIR | --bootstrap ADDR...] [flags]", "misbehave")
	c := &o.svc.Config
	fs.StringVar(&c.DataDir, "data-dir", ".lightdas-full", "data directory (database, libp2p identity)")
	fs.StringVar(&o.genesis, "genesis", "", "genesis file (required)")
	fs.StringVar(&o.keystore, "keystore", "", "validator keystore: produce blocks with its keys instead of following")
	var bootstrap, listen listFlag
	fs.Var(&bootstrap, "bootstrap", "full multiaddrs of nodes to follow, repeatable or comma-separated")
	fs.Var(&listen, "listen", "libp2p listen multiaddrs, repeatable or comma-separated (default: every transport on 127.0.0.1, random ports)")
	fs.StringVar(&o.svc.APIAddr, "api", "127.0.0.1:7782", `HTTP API address ("off" disables it)`)
	fs.StringVar(&o.svc.AllowedOrigin, "cors", "", "origin allowed to call the API from a browser (\"*\" for any)")
	fs.Uint64Var(&c.KeepBlocks, "keep", 256, "blocks kept before pruning")
	fs.DurationVar(&o.interval, "interval", 2*time.Second, "block interval (producing)")
	fs.IntVar(&o.blobs, "blobs", 4, "random blobs per block besides submitted data (producing; negative: empty blocks)")
	fs.StringVar(&o.misbehave, "misbehave", "", "testing only: withhold or corrupt what the node serves")
	if code, done := parse(fs, args); done {
		return o, code, true
	}
	c.Bootstrap, c.ListenAddrs = bootstrap, listen
	if o.genesis == "" {
		return o, e.fail("full", usageErrorf("--genesis is required")), true
	}
	if o.keystore == "" && len(bootstrap) == 0 {
		return o, e.fail("full", usageErrorf("a following node needs --bootstrap (or --keystore to produce)")), true
	}
	var err error
	if c.Misbehavior, err = node.ParseMisbehavior(o.misbehave); err != nil {
		return o, e.fail("full", err), true
	}
	return o, 0, false
}

func runFull(ctx context.Context, e *env, args []string) int {
	o, code, done := parseFull(e, args)
	if done {
		return code
	}
	log, err := e.logger("info")
	if err != nil {
		return e.fail("full", err)
	}
	c := &o.svc.Config
	c.Logger = log
	if c.Genesis, err = node.ReadGenesis(o.genesis); err != nil {
		return e.fail("full", err)
	}
	if o.keystore != "" {
		keys, err := producer.LoadKeys(o.keystore)
		if err != nil {
			return e.fail("full", err)
		}
		c.Producer = &node.ProducerConfig{Keys: keys, Interval: o.interval, SyntheticBlobs: o.blobs}
	}
	if o.misbehave != "" {
		log.Warn("misbehaving on purpose", "mode", o.misbehave)
	}
	svc, n, err := node.StartFull(ctx, o.svc)
	if err != nil {
		return e.fail("full", err)
	}
	for _, a := range n.Addrs() {
		fmt.Fprintf(e.stdout, "listening: %s\n", a)
	}
	if svc.APIURL != "" {
		fmt.Fprintf(e.stdout, "API:       %s/v1/status\n", svc.APIURL)
	}
	if err := svc.Wait(ctx); err != nil {
		return e.fail("full", err)
	}
	return exitOK
}
