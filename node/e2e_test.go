//go:build !js

package node

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"lightdas/das"
	"lightdas/node/api"
	"lightdas/p2p"
)

const blocks = 8 // consecutive heights every end-to-end test waits for

// TestProducerFollowerLight: a producing full node, a following full node
// that completes every block over the rows protocol, and a light node that
// bootstraps from the producer only, learns the follower by peer exchange,
// and samples 8 consecutive blocks to 99.99%.
func TestProducerFollowerLight(t *testing.T) {
	ctx := testCtx(t, 3*time.Minute)
	g, keys := devnet(t, "e2e-tcp")
	prod := startFull(t, ctx, g, keys, fullOpts{produce: true})
	prodRec := record(prod)
	follower := startFull(t, ctx, g, nil, fullOpts{bootstrap: prod.Addrs()})
	folRec := record(follower)
	light := startLight(t, ctx, g, lightOpts{bootstrap: prod.Addrs()})
	lightRec := record(light)

	lightRec.waitFor(t, ctx, "light node sampling 8 blocks", func() bool {
		return lightRec.available(1, blocks, das.DefaultConfidence)
	})
	folRec.waitFor(t, ctx, "follower completing 8 blocks", func() bool {
		return folRec.available(1, blocks, 1)
	})
	lightRec.waitFor(t, ctx, "light node connected to the follower through peer exchange", func() bool {
		return slices.Contains(light.Host().Peers(), follower.Host().ID())
	})
	if !prodRec.available(1, blocks, 1) {
		t.Fatal("the producer did not report its blocks")
	}
	if prod.RowsServed() == 0 {
		t.Fatal("the follower fetched no rows from the producer")
	}
	for h := uint64(1); h <= blocks; h++ {
		res, err := light.BlockResult(ctx, h)
		if err != nil || res.Status != "available" || res.Samples < 19 {
			t.Fatalf("light BlockResult(%d) = %+v, %v", h, res, err)
		}
		fres, err := follower.BlockResult(ctx, h)
		if err != nil || fres.Status != "available" {
			t.Fatalf("follower BlockResult(%d) = %+v, %v", h, fres, err)
		}
	}
	st, err := light.Status(ctx)
	if err != nil || st.SampledHead < blocks || st.Peers < 2 {
		t.Fatalf("light status %+v, %v", st, err)
	}
	t.Logf("light: %+v", st)

	// The HTTP API serves both nodes.
	lightAPI := api.New(light)
	defer lightAPI.Close()
	get := func(h http.Handler, path string) (int, string) {
		rr := httptest.NewRecorder()
		h.ServeHTTP(rr, httptest.NewRequest(http.MethodGet, path, nil))
		return rr.Code, rr.Body.String()
	}
	if code, body := get(lightAPI.Handler(), "/v1/blocks/1"); code != http.StatusOK || !strings.Contains(body, `"status":"available"`) {
		t.Fatalf("GET /v1/blocks/1: %d %s", code, body)
	}
	if code, body := get(lightAPI.Handler(), "/v1/status"); code != http.StatusOK || !strings.Contains(body, `"role":"light"`) {
		t.Fatalf("GET /v1/status: %d %s", code, body)
	}
	prodAPI := api.New(prod)
	defer prodAPI.Close()
	rr := httptest.NewRecorder()
	prodAPI.Handler().ServeHTTP(rr, httptest.NewRequest(http.MethodPost, "/v1/blobs", strings.NewReader("hello lightdas")))
	if rr.Code != http.StatusAccepted {
		t.Fatalf("POST /v1/blobs: %d %s", rr.Code, rr.Body)
	}
	if err := follower.Submit([]byte("x")); !errors.Is(err, api.ErrNotSupported) {
		t.Fatalf("Submit on a following node: %v", err)
	}
}

// TestLightOverQUIC: a dial-only light node samples a producer that
// listens on QUIC only.
func TestLightOverQUIC(t *testing.T) {
	ctx := testCtx(t, 2*time.Minute)
	g, keys := devnet(t, "e2e-quic")
	prod := startFull(t, ctx, g, keys, fullOpts{produce: true, listen: []string{"/ip4/127.0.0.1/udp/0/quic-v1"}})
	for _, a := range prod.Addrs() {
		if !strings.Contains(a, "/quic-v1/") {
			t.Fatalf("producer address %s is not QUIC", a)
		}
	}
	light := startLight(t, ctx, g, lightOpts{bootstrap: prod.Addrs()})
	rec := record(light)
	rec.waitFor(t, ctx, "light node sampling 8 blocks over QUIC", func() bool {
		return rec.available(1, blocks, das.DefaultConfidence)
	})
	if n := prod.samples.CellsServed(); n < blocks*19 {
		t.Fatalf("producer served %d cells, want at least %d", n, blocks*19)
	}
}

// TestFollowerKilled: the light node samples from a producer and a
// follower; closing the follower mid-run does not stop it.
func TestFollowerKilled(t *testing.T) {
	ctx := testCtx(t, 2*time.Minute)
	g, keys := devnet(t, "e2e-kill")
	prod := startFull(t, ctx, g, keys, fullOpts{produce: true})
	follower := startFull(t, ctx, g, nil, fullOpts{bootstrap: prod.Addrs()})
	folRec := record(follower)
	light := startLight(t, ctx, g, lightOpts{bootstrap: append(prod.Addrs(), follower.Addrs()...)})
	rec := record(light)
	rec.waitFor(t, ctx, "first blocks", func() bool {
		return rec.available(1, 3, das.DefaultConfidence) && folRec.available(1, 3, 1)
	})
	closeNode(t, follower)
	head := light.SamplerStatus().NetworkHead
	rec.waitFor(t, ctx, "blocks after the follower left", func() bool {
		return rec.available(1, head+blocks, das.DefaultConfidence)
	})
	if slices.Contains(light.Host().Peers(), follower.Host().ID()) {
		t.Fatal("still connected to the closed follower")
	}
}

// TestMisbehavingFullNode: a full node that corrupts (or withholds) what
// it serves is penalised by light nodes (samples) and by following full
// nodes (rows), and blocks still complete from the honest producer.
func TestMisbehavingFullNode(t *testing.T) {
	cases := []struct {
		name   string
		mis    *das.Misbehavior
		banned bool // invalid data bans; withholding only lowers the score
	}{
		{"corrupt", &das.Misbehavior{Tamper: func(q *das.Request, r *das.Response) {
			for i := range r.Entries {
				if r.Entries[i].Found {
					r.Entries[i].Cell[100] ^= 1
				}
			}
		}}, true},
		{"withhold", &das.Misbehavior{Withhold: func(uint64, das.Coord) bool { return true }}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testCtx(t, 2*time.Minute)
			g, keys := devnet(t, "e2e-bad")
			prod := startFull(t, ctx, g, keys, fullOpts{produce: true})
			bad := startFull(t, ctx, g, nil, fullOpts{bootstrap: prod.Addrs(), mis: tc.mis})
			badRec := record(bad)
			// The bad node must hold blocks before anyone asks it.
			badRec.waitFor(t, ctx, "bad node holding blocks", func() bool { return badRec.available(1, 2, 1) })
			honest := startFull(t, ctx, g, nil, fullOpts{bootstrap: append(bad.Addrs(), prod.Addrs()...)})
			honestRec := record(honest)
			light := startLight(t, ctx, g, lightOpts{bootstrap: append(bad.Addrs(), prod.Addrs()...)})
			rec := record(light)
			badID := string(bad.Host().ID())
			penalised := func(r *recorder) bool {
				r.mu.Lock()
				defer r.mu.Unlock()
				for _, p := range r.penalties {
					if p.Peer == badID && (!tc.banned || p.BannedUntil != nil) {
						return true
					}
				}
				return false
			}
			rec.waitFor(t, ctx, "light node penalising the bad node and sampling 8 blocks", func() bool {
				return penalised(rec) && rec.available(1, blocks, das.DefaultConfidence)
			})
			honestRec.waitFor(t, ctx, "follower penalising the bad node and completing 8 blocks", func() bool {
				return honestRec.available(1, blocks, 1) && (!tc.banned || penalised(honestRec))
			})
			if tc.banned {
				if _, ok := honest.BannedRowPeers()[p2p.PeerID(badID)]; !ok {
					t.Fatal("the follower did not ban the bad node")
				}
				var banned bool
				for _, p := range light.SamplerStatus().Peers {
					if string(p.ID) == badID && p.BannedUntil.After(time.Now()) {
						banned = true
					}
				}
				if !banned {
					t.Fatal("the light node's sampler does not list the bad node as banned")
				}
			}
			for h := uint64(1); h <= blocks; h++ {
				for _, r := range rec.results(h) {
					if r.Status != api.StatusAvailable {
						t.Fatalf("height %d: %s (%s)", h, r.Status, r.Error)
					}
				}
			}
		})
	}
}

// TestLightRestart: a light node restarted on its data dir resumes where
// it stopped: no settled height is sampled again, no height is left out,
// and results of the first run are still answered.
func TestLightRestart(t *testing.T) {
	ctx := testCtx(t, 2*time.Minute)
	g, keys := devnet(t, "e2e-restart")
	prod := startFull(t, ctx, g, keys, fullOpts{produce: true})
	dir := dataDir(t)
	first := startLight(t, ctx, g, lightOpts{dir: dir, bootstrap: prod.Addrs()})
	rec1 := record(first)
	rec1.waitFor(t, ctx, "first run", func() bool { return rec1.available(1, 4, das.DefaultConfidence) })
	closeNode(t, first)
	cp := first.Checkpoint()
	if !cp.Settled(4) {
		t.Fatalf("checkpoint %+v does not settle height 4", cp)
	}
	settled := func(h uint64) bool { return cp.Settled(h) }

	second := startLight(t, ctx, g, lightOpts{dir: dir, bootstrap: prod.Addrs()})
	rec2 := record(second)
	if second.Host().ID() != first.Host().ID() {
		t.Fatal("the identity was not kept")
	}
	var top uint64
	for h := uint64(1); settled(h); h++ {
		top = h
	}
	target := top + blocks
	rec2.waitFor(t, ctx, "second run", func() bool {
		for h := uint64(1); h <= target; h++ {
			if settled(h) {
				continue
			}
			if !rec2.available(h, h, das.DefaultConfidence) {
				return false
			}
		}
		return true
	})
	rec2.mu.Lock()
	for h := range rec2.blocks {
		if settled(h) {
			t.Errorf("height %d, settled before the restart, was sampled again", h)
		}
	}
	rec2.mu.Unlock()
	for h := uint64(1); h <= target; h++ {
		res, err := second.BlockResult(ctx, h)
		if err != nil || res.Status != api.StatusAvailable {
			t.Fatalf("BlockResult(%d) after restart = %+v, %v", h, res, err)
		}
	}
}

// TestFollowerRetriesGivenUpBlocks: a block the follower gave up on (its
// only source withheld it) is completed once the data comes back, its
// verdict turns available and it leaves the failures.
func TestFollowerRetriesGivenUpBlocks(t *testing.T) {
	ctx := testCtx(t, 2*time.Minute)
	g, keys := devnet(t, "e2e-retry")
	var withholding atomic.Bool
	withholding.Store(true)
	mis := &das.Misbehavior{Withhold: func(h uint64, _ das.Coord) bool { return h == 2 && withholding.Load() }}
	prod := startFull(t, ctx, g, keys, fullOpts{produce: true, mis: mis})
	fol := startFull(t, ctx, g, nil, fullOpts{bootstrap: prod.Addrs(), giveUp: time.Second, retry: 300 * time.Millisecond})
	rec := record(fol)
	gaveUp := func() bool {
		for _, r := range rec.results(2) {
			if r.Status == api.StatusUnavailable {
				return true
			}
		}
		return false
	}
	rec.waitFor(t, ctx, "follower giving up block 2 and completing 3..4", func() bool {
		return gaveUp() && rec.available(3, 4, 1)
	})
	if st, err := fol.Status(ctx); err != nil || !slices.Contains(st.Failures, 2) {
		t.Fatalf("status %+v, %v: want height 2 among the failures", st, err)
	}
	withholding.Store(false)
	rec.waitFor(t, ctx, "block 2 completed on a retry", func() bool {
		rs := rec.results(2)
		return len(rs) > 0 && rs[len(rs)-1].Status == api.StatusAvailable
	})
	st, err := fol.Status(ctx)
	if err != nil || slices.Contains(st.Failures, 2) {
		t.Fatalf("status %+v, %v: height 2 still a failure", st, err)
	}
	if res, err := fol.BlockResult(ctx, 2); err != nil || res.Status != api.StatusAvailable {
		t.Fatalf("BlockResult(2) = %+v, %v", res, err)
	}
}
