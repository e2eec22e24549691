//go:build !js

package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"lightdas/das"
	"lightdas/headers"
	"lightdas/node"
)

// lightFlags are the flags light and verify share.
type lightFlags struct {
	genesis    string
	checkpoint string
	bootstrap  listFlag
}

func (l *lightFlags) register(fs *flag.FlagSet, c *node.LightConfig, window int, windowHelp string) {
	fs.StringVar(&l.genesis, "genesis", "", "genesis file (required)")
	fs.StringVar(&l.checkpoint, "checkpoint", "", "trusted header HEIGHT:HASH to sync from instead of the genesis")
	fs.Var(&l.bootstrap, "bootstrap", "full multiaddrs of full nodes, repeatable or comma-separated (required)")
	fs.Float64Var(&c.Confidence, "confidence", das.DefaultConfidence, "target confidence per block, in (0, 1]")
	fs.IntVar(&c.Window, "window", window, windowHelp)
}

// check validates what the flag package cannot and fills c.
func (l *lightFlags) check(c *node.LightConfig) error {
	if l.genesis == "" {
		return usageErrorf("--genesis is required")
	}
	if len(l.bootstrap) == 0 {
		return usageErrorf("--bootstrap is required")
	}
	if !(c.Confidence > 0 && c.Confidence <= 1) {
		return usageErrorf("--confidence %v not in (0, 1]", c.Confidence)
	}
	if c.Window < 1 || c.Window > das.MaxCheckpointEntries {
		return usageErrorf("--window %d not in 1..%d", c.Window, das.MaxCheckpointEntries)
	}
	if l.checkpoint != "" {
		cp, err := headers.ParseCheckpoint(l.checkpoint)
		if err != nil {
			return usageErrorf("--checkpoint: %v", err)
		}
		c.Checkpoint = &cp
	}
	c.Bootstrap = l.bootstrap
	return nil
}

// load reads the genesis into c.
func (l *lightFlags) load(c *node.LightConfig) (err error) {
	c.Genesis, err = node.ReadGenesis(l.genesis)
	return err
}

type lightOpts struct {
	svc      node.LightService
	lf       lightFlags
	progress string
}

func parseLight(e *env, args []string) (lightOpts, int, bool) {
	var o lightOpts
	fs := e.newFlagSet("light", "--genesis FILE --bootstrap ADDR [flags]")
	c := &o.svc.Config
	fs.StringVar(&c.DataDir, "data-dir", ".lightdas-light", "data directory (headers, sampling checkpoint, results, identity)")
	o.lf.register(fs, c, 100, "heights below the head to catch up on")
	fs.StringVar(&o.svc.APIAddr, "api", "127.0.0.1:7781", `HTTP API address ("off" disables it)`)
	fs.StringVar(&o.progress, "progress", "auto", "catch-up progress bar on stderr: auto (when a terminal), on or off")
	if code, done := parse(fs, args); done {
		return o, code, true
	}
	if err := o.lf.check(c); err != nil {
		return o, e.fail("light", err), true
	}
	switch o.progress {
	case "auto", "on", "off":
	default:
		return o, e.fail("light", usageErrorf("--progress %q (want auto, on or off)", o.progress)), true
	}
	return o, 0, false
}

func runLight(ctx context.Context, e *env, args []string) int {
	o, code, done := parseLight(e, args)
	if done {
		return code
	}
	log, err := e.logger("info")
	if err != nil {
		return e.fail("light", err)
	}
	c := &o.svc.Config
	c.Logger = log
	if err := o.lf.load(c); err != nil {
		return e.fail("light", err)
	}
	svc, n, err := node.StartLight(ctx, o.svc)
	if err != nil {
		return e.fail("light", err)
	}
	if svc.APIURL != "" {
		fmt.Fprintf(e.stdout, "API: %s/v1/status\n", svc.APIURL)
	}
	if o.progress == "on" || (o.progress == "auto" && e.stderr == os.Stderr && isTerminal(os.Stderr)) {
		pctx, cancel := context.WithCancel(ctx)
		defer cancel()
		go node.ShowProgress(pctx, n, e.stderr, 500*time.Millisecond)
	}
	if err := svc.Wait(ctx); err != nil {
		return e.fail("light", err)
	}
	return exitOK
}
