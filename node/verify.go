//go:build !js

package node

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"lightdas/das"
	"lightdas/headers"
	"lightdas/node/api"
)

// ErrNoVerdict: Verify ended (timeout or cancellation) before the height
// had a verdict.
var ErrNoVerdict = errors.New("node: no verdict for the height")

// VerifyConfig configures Verify.
type VerifyConfig struct {
	// Light configures the light node; an empty DataDir means a temporary
	// one, removed afterwards.
	Light  LightConfig
	Height uint64
	// SampleTimeout bounds one sampling of the block (das default 30 s):
	// cells still missing then make it unavailable.
	SampleTimeout time.Duration
}

// Verify starts a light node, waits until Height has a verdict (the first
// settled one: available, unavailable or invalid) and stops the node. A
// height already below the node's sampling window when its header
// arrives is sampled once on purpose. It fails with ErrNoVerdict when ctx
// ends first.
func Verify(ctx context.Context, cfg VerifyConfig) (api.BlockResult, error) {
	if cfg.Height == 0 {
		return api.BlockResult{}, fmt.Errorf("%w: height must be at least 1", ErrConfig)
	}
	lc := cfg.Light
	if lc.DataDir == "" {
		dir, err := os.MkdirTemp("", "lightdas-verify-")
		if err != nil {
			return api.BlockResult{}, fmt.Errorf("node: verify: %w", err)
		}
		defer os.RemoveAll(dir)
		lc.DataDir = dir
	}
	if cfg.SampleTimeout > 0 {
		lc.SamplerOptions = append(lc.SamplerOptions, das.WithTimeouts(cfg.SampleTimeout, min(cfg.SampleTimeout, 5*time.Second)))
	}
	n, err := NewLightNode(lc)
	if err != nil {
		return api.BlockResult{}, err
	}
	// Events only wake the loop below; the verdict is read back from the
	// node, which persisted it before announcing it.
	wake := make(chan struct{}, 1)
	unsub := n.Subscribe(func(ev api.Event) {
		select {
		case wake <- struct{}{}:
		default:
		}
	})
	defer unsub()
	if err := n.Start(ctx); err != nil {
		return api.BlockResult{}, err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		n.Close(cctx)
	}()
	res, err := waitVerdict(ctx, n, cfg.Height, wake)
	if err != nil {
		return api.BlockResult{}, err
	}
	return res, nil
}

// waitVerdict polls the node (on every event, and every 250 ms for
// heights whose events went elsewhere) until height has a verdict.
func waitVerdict(ctx context.Context, n *LightNode, height uint64, wake <-chan struct{}) (api.BlockResult, error) {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		if res, done, err := verdictOf(ctx, n, height); err != nil || done {
			return res, err
		}
		select {
		case <-ctx.Done():
			st, _ := n.Status(context.Background())
			return api.BlockResult{}, fmt.Errorf("%w %d (header head %d, sampled head %d): %w",
				ErrNoVerdict, height, st.HeaderHead, st.SampledHead, ctx.Err())
		case <-wake:
		case <-tick.C:
		}
	}
}

// verdictOf checks height once: done with its verdict, or not yet.
func verdictOf(ctx context.Context, n *LightNode, height uint64) (api.BlockResult, bool, error) {
	res, err := n.BlockResult(ctx, height)
	switch {
	case err == nil && res.Status != api.StatusPending:
		return res, true, nil
	case err == nil, errors.Is(err, api.ErrNotFound):
	default:
		return api.BlockResult{}, false, err
	}
	// The header is known, yet the sampler will not take the height: it
	// is below the window. Sample it once, outside the schedule.
	lb, herr := n.db.Headers().GetByHeight(ctx, height)
	if herr != nil {
		if errors.Is(herr, headers.ErrNotFound) {
			return api.BlockResult{}, false, nil
		}
		return api.BlockResult{}, false, herr
	}
	st := n.SamplerStatus()
	if head, window := st.NetworkHead, uint64(n.cfg.Window); head < window || height > head-window {
		return api.BlockResult{}, false, nil
	}
	r, err := n.sampleOnce(ctx, lb.Height())
	if err != nil {
		return api.BlockResult{}, false, err
	}
	return r, true, nil
}

// VerifyExitCode maps Verify's outcome to the exit code of
// `lightnative verify`: 0 available, 1 unavailable or invalid, 2 anything
// else (no verdict, bad configuration, I/O).
func VerifyExitCode(res api.BlockResult, err error) int {
	if err != nil {
		return 2
	}
	switch res.Status {
	case api.StatusAvailable:
		return 0
	case api.StatusUnavailable, api.StatusInvalid:
		return 1
	}
	return 2
}
