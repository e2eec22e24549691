//go:build !js

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"lightdas/node"
	"lightdas/node/api"
)

type verifyOpts struct {
	cfg     node.VerifyConfig
	lf      lightFlags
	timeout time.Duration
	json    bool
}

func parseVerify(e *env, args []string) (verifyOpts, int, bool) {
	var o verifyOpts
	fs := e.newFlagSet("verify", "--height N --genesis FILE --bootstrap ADDR [flags]")
	c := &o.cfg.Light
	fs.Uint64Var(&o.cfg.Height, "height", 0, "height to check (required)")
	o.lf.register(fs, c, 1, "heights below the head the light node samples besides --height (a height below them is sampled on its own)")
	fs.StringVar(&c.DataDir, "data-dir", "", "data directory (default: a temporary one, removed afterwards)")
	fs.DurationVar(&o.timeout, "timeout", 2*time.Minute, "give up (exit 2) when there is no verdict by then")
	fs.DurationVar(&o.cfg.SampleTimeout, "sample-timeout", 30*time.Second, "deadline of the block's sampling; cells missing then make it unavailable")
	fs.BoolVar(&o.json, "json", false, "print the result as JSON (the API's BlockResult)")
	if code, done := parse(fs, args); done {
		return o, code, true
	}
	if o.cfg.Height == 0 {
		return o, e.fail("verify", usageErrorf("--height (at least 1) is required")), true
	}
	if o.timeout <= 0 || o.cfg.SampleTimeout <= 0 {
		return o, e.fail("verify", usageErrorf("--timeout and --sample-timeout must be positive")), true
	}
	if err := o.lf.check(c); err != nil {
		return o, e.fail("verify", err), true
	}
	return o, 0, false
}

// runVerify exits 0 when the height is available, 1 when it is
// unavailable or invalid, 2 on any error (bad flags included).
func runVerify(ctx context.Context, e *env, args []string) int {
	o, code, done := parseVerify(e, args)
	if done {
		if code != exitOK {
			return exitUsage // every error is 2 for verify
		}
		return exitOK
	}
	log, err := e.logger("warn")
	if err != nil {
		fmt.Fprintf(e.stderr, "lightnative verify: %v\n", err)
		return 2
	}
	o.cfg.Light.Logger = log
	if err := o.lf.load(&o.cfg.Light); err != nil {
		fmt.Fprintf(e.stderr, "lightnative verify: %v\n", err)
		return 2
	}
	vctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	res, err := node.Verify(vctx, o.cfg)
	code = node.VerifyExitCode(res, err)
	switch {
	case err != nil:
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("timed out after %v: %w", o.timeout, err)
		}
		fmt.Fprintf(e.stderr, "lightnative verify: %v\n", err)
	case o.json:
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		enc.Encode(res)
	default:
		fmt.Fprintln(e.stdout, describe(res))
	}
	return code
}

// describe is the one-line answer verify prints.
func describe(r api.BlockResult) string {
	s := fmt.Sprintf("height %d: %s", r.Height, r.Status)
	if r.Status == api.StatusAvailable {
		s += fmt.Sprintf(" (confidence %.6f, %d/%d sampled cells verified", r.Confidence, r.Verified, r.Samples)
	} else {
		s += fmt.Sprintf(" (%d/%d sampled cells verified", r.Verified, r.Samples)
	}
	s += fmt.Sprintf(", k=%d, hash %s)", r.K, r.Hash)
	if r.Error != "" {
		s += ": " + r.Error
	}
	return s
}
