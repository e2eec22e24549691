package light_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"lightdas/das"
	"lightdas/headers"
	"lightdas/light"
	"lightdas/light/lighttest"
)

// TestFollowDiscoverSample: a client bootstrapped from one full node
// learns the two others by peer exchange, connects to them, follows the
// head and samples every block to the target confidence, reporting the
// drawn cells, each cell's outcome and the verdict, which it persists.
func TestFollowDiscoverSample(t *testing.T) {
	ctx := testCtx(t)
	n := newNet(t)
	a, b, c := addNode(t, n), addNode(t, n), addNode(t, n)
	produce(t, n, 3)
	s := newStores()
	cl := start(t, ctx, newConfig(t, n, s, a.Addr))

	evs := cl.rec.waitFor(t, ctx, "three peers", func(evs []light.Event) bool {
		return len(cl.host.Peers()) == 3
	})
	for _, f := range []*lighttest.FullNode{a, b, c} {
		if !slices.Contains(cl.host.Peers(), f.ID) {
			t.Fatalf("not connected to %s", f.ID)
		}
	}
	produce(t, n, 3)
	evs = cl.rec.waitFor(t, ctx, "heights 1-6 available", availableUpTo(1, 6))

	sampling := map[uint64][]light.Cell{}
	for _, e := range of[*light.SamplingEvent](evs) {
		sampling[e.Height] = e.Cells
	}
	target := das.DefaultConfidence
	for h, v := range verdicts(evs) {
		if v.Confidence < target || v.Samples != len(v.Cells) || v.Verified != v.Samples || v.K != lighttest.FixtureK {
			t.Fatalf("height %d: %+v", h, v.BlockResult)
		}
		drawn := sampling[h]
		if len(drawn) != v.Samples {
			t.Fatalf("height %d: sampling event drew %d cells, verdict has %d", h, len(drawn), v.Samples)
		}
		for i, cell := range v.Cells {
			if cell.Row != drawn[i].Row || cell.Col != drawn[i].Col || cell.Outcome != light.OutcomeVerified {
				t.Fatalf("height %d: cell %d is %+v, drawn %+v", h, i, cell, drawn[i])
			}
		}
		stored, err := s.results.Result(ctx, h)
		if err != nil || stored.Status != light.StatusAvailable || len(stored.Cells) != v.Samples {
			t.Fatalf("height %d: stored %+v, %v", h, stored, err)
		}
	}
	// Every verified cell was reported with its peer and a time.
	verified := 0
	for _, e := range of[*light.CellEvent](evs) {
		if e.Outcome == light.OutcomeVerified {
			verified++
			if e.Peer == "" || e.ElapsedMs <= 0 {
				t.Fatalf("cell event %+v", e)
			}
		}
	}
	samples := 0
	for _, v := range verdicts(evs) {
		samples += v.Samples
	}
	if verified != samples {
		t.Fatalf("%d verified cell events for %d samples", verified, samples)
	}
	headerEvents := of[*light.HeaderEvent](evs)
	if len(headerEvents) == 0 || headerEvents[len(headerEvents)-1].Time.IsZero() {
		t.Fatalf("header events %v", headerEvents)
	}

	st := cl.Status()
	if st.State != light.StateFollowing || len(st.Peers) != 3 || st.HeaderHead != 6 || st.NetworkHead != 6 ||
		st.SampledHead != 6 || st.DoneUpTo != 6 || st.Available < 6 || st.ChainID != n.ChainID || st.PeerID != string(cl.host.ID()) {
		t.Fatalf("status %+v", st)
	}
	withAddr := 0
	for _, p := range st.Peers {
		if p.Addr != "" {
			withAddr++
		}
		if p.Verified == 0 {
			t.Errorf("peer %s served no verified cell: %+v", p.ID, p)
		}
	}
	if withAddr != 3 || len(st.Addrs) != 3 || !st.Addrs[0].Bootstrap || st.Addrs[0].Addr != a.Addr {
		t.Fatalf("peers %+v, addrs %+v", st.Peers, st.Addrs)
	}
	rs, err := cl.Results(ctx, 1, 6)
	if err != nil || len(rs) != 6 || rs[0].Height != 1 || rs[5].Height != 6 {
		t.Fatalf("results: %d, %v", len(rs), err)
	}
	if r, err := cl.Result(ctx, 4); err != nil || r.Status != light.StatusAvailable {
		t.Fatalf("result 4: %+v, %v", r, err)
	}
	if _, err := cl.Result(ctx, 99); !errors.Is(err, light.ErrNotFound) {
		t.Fatalf("result 99: %v", err)
	}
	// States went connecting/syncing -> following, in order.
	var states []light.State
	for _, e := range of[*light.StateEvent](evs) {
		states = append(states, e.State)
	}
	if len(states) == 0 || states[len(states)-1] != light.StateFollowing {
		t.Fatalf("states %v", states)
	}
	// The status encodes to JSON (what the wasm bindings hand to JS).
	if _, err := json.Marshal(st); err != nil {
		t.Fatal(err)
	}
}

// TestReconnectBackoff: a bootstrap node that is down is dialled again
// with growing waits, reported by error events; once up, the client
// connects and syncs; when the node drops, the client reconnects.
func TestReconnectBackoff(t *testing.T) {
	ctx := testCtx(t)
	n := newNet(t)
	a := addNode(t, n)
	produce(t, n, 2)
	n.SetDown(a.ID, true)
	cfg := newConfig(t, n, newStores(), a.Addr)
	cl := start(t, ctx, cfg)

	evs := cl.rec.waitFor(t, ctx, "four failed dials", func(evs []light.Event) bool {
		return len(dialErrors(evs)) >= 4
	})
	errs := dialErrors(evs)
	for i, e := range errs[:4] {
		// The backoff doubles from MinBackoff up to MaxBackoff, with
		// ±20% jitter.
		want := min(cfg.MinBackoff<<i, cfg.MaxBackoff)
		lo, hi := 0.8*ms(want), 1.2*ms(want)
		if e.RetryInMs < lo || e.RetryInMs > hi || e.Addr != a.Addr || e.Peer != string(a.ID) {
			t.Fatalf("dial error %d: %+v, want a retry in [%v, %v] ms", i, e, lo, hi)
		}
	}
	if st := cl.Status(); st.State != light.StateConnecting || st.Addrs[0].Failures < 4 || st.Addrs[0].LastError == "" {
		t.Fatalf("status while down: %+v", st)
	}
	// Failed dials came no faster than the backoff allows.
	var times []int64
	for _, d := range n.Dials() {
		times = append(times, d.Time.UnixMilli())
	}
	for i := 1; i < len(times) && i < 4; i++ {
		if gap := times[i] - times[i-1]; float64(gap) < 0.8*ms(cfg.MinBackoff<<(i-1))-5 {
			t.Fatalf("dial %d came %d ms after the previous one", i, gap)
		}
	}

	n.SetDown(a.ID, false)
	cl.rec.waitFor(t, ctx, "heights 1-2 available after the node came up", availableUpTo(1, 2))

	// The node drops the client: it reconnects and keeps sampling.
	before := len(of[*light.PeerEvent](cl.rec.snapshot()))
	n.Mem.Disconnect(cl.host.ID(), a.ID)
	evs = cl.rec.waitFor(t, ctx, "a reconnect", func(evs []light.Event) bool {
		pe := of[*light.PeerEvent](evs)[before:]
		return len(pe) >= 2 && !pe[0].Connected && pe[len(pe)-1].Connected
	})
	produce(t, n, 1)
	cl.rec.waitFor(t, ctx, "height 3 available", availableUpTo(3, 3))
	if pe := of[*light.PeerEvent](evs); pe[len(pe)-1].Addr != a.Addr {
		t.Fatalf("reconnect event %+v", pe[len(pe)-1])
	}
}

func dialErrors(evs []light.Event) []*light.ErrorEvent {
	var out []*light.ErrorEvent
	for _, e := range of[*light.ErrorEvent](evs) {
		if e.Source == light.SourceDial {
			out = append(out, e)
		}
	}
	return out
}

// TestResumeWithoutResampling: a client restarted on its stores samples
// only the heights it had not settled, and still has the earlier verdicts.
func TestResumeWithoutResampling(t *testing.T) {
	ctx := testCtx(t)
	n := newNet(t)
	a := addNode(t, n)
	produce(t, n, 4)
	s := newStores()
	first := start(t, ctx, newConfig(t, n, s, a.Addr))
	first.rec.waitFor(t, ctx, "heights 1-4 available", availableUpTo(1, 4))
	first.stop(t)

	produce(t, n, 2)
	second := start(t, ctx, newConfig(t, n, s, a.Addr))
	evs := second.rec.waitFor(t, ctx, "heights 5-6 available", availableUpTo(5, 6))
	for _, e := range of[*light.SamplingEvent](evs) {
		if e.Height <= 4 {
			t.Fatalf("height %d sampled again after the restart", e.Height)
		}
	}
	rs, err := second.Results(ctx, 1, 6)
	if err != nil || len(rs) != 6 {
		t.Fatalf("results after restart: %d, %v", len(rs), err)
	}
	if st := second.Status(); st.DoneUpTo != 6 || st.HeaderHead != 6 {
		t.Fatalf("status %+v", st)
	}
}

// TestCheckpointStart: a client given only a checkpoint (chain id, height
// and hash) fetches that header, syncs on from it and samples the window
// above it; it never asks for heights below.
func TestCheckpointStart(t *testing.T) {
	ctx := testCtx(t)
	n := newNet(t)
	a := addNode(t, n)
	blocks := produce(t, n, 10)
	cfg := newConfig(t, n, newStores(), a.Addr)
	cfg.Genesis, cfg.ChainID = nil, n.ChainID
	cfg.Checkpoint = &headers.Checkpoint{Height: 8, Hash: blocks[7].Hash()}
	cl := start(t, ctx, cfg)
	evs := cl.rec.waitFor(t, ctx, "heights 8-10 available", availableUpTo(8, 10))
	tail, err := cfg.Headers.Tail(ctx)
	if err != nil || tail.Height() != 8 {
		t.Fatalf("tail %v, %v", tail, err)
	}
	for h := range verdicts(evs) {
		if h < 8 {
			t.Fatalf("sampled height %d below the checkpoint", h)
		}
	}
}

// TestBadPeerCannotFoolTheClient: a node that serves corrupted cells is
// banned and its cells asked elsewhere; the verdicts stay available and
// report the invalid answers.
func TestBadPeerCannotFoolTheClient(t *testing.T) {
	ctx := testCtx(t)
	n := newNet(t)
	good1, good2 := addNode(t, n, lighttest.WithoutPex()), addNode(t, n, lighttest.WithoutPex())
	evil := addNode(t, n, lighttest.WithoutPex(), lighttest.WithMisbehavior(&das.Misbehavior{
		Tamper: func(q *das.Request, r *das.Response) {
			for i := range r.Entries {
				if r.Entries[i].Found {
					r.Entries[i].Cell[0] ^= 0x01
				}
			}
		},
	}))
	// Headers first, so the first block is sampled with all three peers.
	cl := start(t, ctx, newConfig(t, n, newStores(), good1.Addr, good2.Addr, evil.Addr))
	cl.rec.waitFor(t, ctx, "three peers", func([]light.Event) bool { return len(cl.host.Peers()) == 3 })
	produce(t, n, 2)
	evs := cl.rec.waitFor(t, ctx, "heights 1-2 available", availableUpTo(1, 2))

	banned := false
	for _, p := range of[*light.PeerPenalisedEvent](evs) {
		if p.Peer == string(evil.ID) && p.BannedUntil != nil {
			banned = true
		}
		if p.Peer != string(evil.ID) {
			t.Fatalf("an honest peer was penalised: %+v", p)
		}
	}
	if !banned {
		t.Fatal("the peer serving corrupted cells was not banned")
	}
	invalid := 0
	for _, e := range of[*light.CellEvent](evs) {
		if e.Outcome == light.OutcomeInvalid {
			invalid++
			if e.Peer != string(evil.ID) || e.Error == "" {
				t.Fatalf("invalid cell event %+v", e)
			}
		}
		if e.Outcome == light.OutcomeVerified && e.Peer == string(evil.ID) {
			t.Fatalf("a corrupted cell verified: %+v", e)
		}
	}
	if invalid == 0 {
		t.Fatal("no invalid cell reported")
	}
}

// TestWithheldBlockIsUnavailable: when every node withholds one block's
// cells, that height ends unavailable with its cells marked missing,
// and the others stay available.
func TestWithheldBlockIsUnavailable(t *testing.T) {
	ctx := testCtx(t)
	n := newNet(t)
	withhold := func(height uint64, _ das.Coord) bool { return height == 2 }
	a := addNode(t, n, lighttest.WithMisbehavior(&das.Misbehavior{Withhold: withhold}))
	cfg := newConfig(t, n, newStores(), a.Addr)
	cfg.SamplerOptions = []das.Option{das.WithRetryRounds(1, 10e6)}
	cl := start(t, ctx, cfg)
	produce(t, n, 3)
	evs := cl.rec.waitFor(t, ctx, "verdicts for 1-3", func(evs []light.Event) bool { return len(verdicts(evs)) >= 3 })
	v := verdicts(evs)
	if v[1].Status != light.StatusAvailable || v[3].Status != light.StatusAvailable {
		t.Fatalf("verdicts 1 and 3: %+v %+v", v[1].BlockResult, v[3].BlockResult)
	}
	u := v[2]
	if u.Status != light.StatusUnavailable || u.Confidence != 0 || len(u.Missing) != u.Samples || u.Error == "" {
		t.Fatalf("verdict 2: %+v", u.BlockResult)
	}
	for _, c := range u.Cells {
		if c.Outcome != light.OutcomeMissing {
			t.Fatalf("cell %+v of a withheld block", c)
		}
	}
	if st := cl.Status(); st.Unavailable != 1 || !slices.Contains(st.Failures, 2) {
		t.Fatalf("status %+v", st)
	}
}

// TestEquivocationHalts: a node serving another chain signed by the same
// validators makes the client halt header sync and say why.
func TestEquivocationHalts(t *testing.T) {
	ctx := testCtx(t)
	n := newNet(t)
	a := addNode(t, n, lighttest.WithoutPex())
	produce(t, n, 4)
	f, err := n.AddForkNode(3)
	if err != nil {
		t.Fatal(err)
	}
	cl := start(t, ctx, newConfig(t, n, newStores(), a.Addr, f.Addr))
	evs := cl.rec.waitFor(t, ctx, "the halted state", func(evs []light.Event) bool {
		for _, e := range of[*light.StateEvent](evs) {
			if e.State == light.StateHalted {
				return true
			}
		}
		return false
	})
	fatal := false
	for _, e := range of[*light.ErrorEvent](evs) {
		if e.Fatal && e.Source == light.SourceSync && strings.Contains(e.Message, "two valid headers") {
			fatal = true
		}
	}
	if !fatal {
		for _, e := range of[*light.ErrorEvent](evs) {
			t.Logf("error event %+v", e)
		}
		t.Fatal("no fatal sync error about the equivocation")
	}
	st := cl.Status()
	if st.State != light.StateHalted || !strings.Contains(st.Error, "two valid headers") || st.HeaderHead > 4 {
		t.Fatalf("status %+v", st)
	}
}

// TestCatchUpSamplesTheFinalWindow: a client that joins a chain with a
// long history (header sync catches up in batches of 64) places its
// sampling window at the end of the catch-up: it samples the last Window
// heights, none of the intermediate batches' heads, then follows.
func TestCatchUpSamplesTheFinalWindow(t *testing.T) {
	ctx := testCtx(t)
	n := newNet(t)
	a := addNode(t, n)
	if _, err := n.ProduceHistory(150, time.Now().Add(-time.Hour), time.Second); err != nil {
		t.Fatal(err)
	}
	cfg := newConfig(t, n, newStores(), a.Addr)
	cfg.Window = 8
	cfg.SettleTime = 300 * time.Millisecond
	cl := start(t, ctx, cfg)
	cl.rec.waitFor(t, ctx, "heights 143-150 available", availableUpTo(143, 150))
	produce(t, n, 1) // a fresh head is sampled at once
	evs := cl.rec.waitFor(t, ctx, "height 151 available", availableUpTo(151, 151))
	for _, e := range of[*light.SamplingEvent](evs) {
		if e.Height < 143 {
			t.Fatalf("sampled height %d of the catch-up", e.Height)
		}
	}
	if st := cl.Status(); st.DoneUpTo != 151 || st.Available != 9 {
		t.Fatalf("status %+v", st)
	}
}

// TestConfigErrors: a bad configuration fails New with ErrConfig.
func TestConfigErrors(t *testing.T) {
	n := newNet(t)
	a := addNode(t, n)
	good := func() light.Config { return newConfig(t, n, newStores(), a.Addr) }
	for _, tc := range []struct {
		name string
		mut  func(*light.Config)
	}{
		{"no host", func(c *light.Config) { c.Host = nil }},
		{"no dialer", func(c *light.Config) { c.Dialer = nil }},
		{"no header store", func(c *light.Config) { c.Headers = nil }},
		{"no checkpoint store", func(c *light.Config) { c.Checkpoints = nil }},
		{"no result store", func(c *light.Config) { c.Results = nil }},
		{"no trust root", func(c *light.Config) { c.Genesis = nil }},
		{"checkpoint without chain id", func(c *light.Config) {
			c.Genesis, c.Checkpoint = nil, &headers.Checkpoint{Height: 1, Hash: headers.Hash{1}}
		}},
		{"bad checkpoint", func(c *light.Config) { c.Checkpoint = &headers.Checkpoint{Height: 0, Hash: headers.Hash{1}} }},
		{"other chain id", func(c *light.Config) { c.ChainID = "other" }},
		{"bootstrap without /p2p", func(c *light.Config) { c.Bootstrap = []string{"/ip4/127.0.0.1/tcp/1"} }},
		{"bootstrap garbage", func(c *light.Config) { c.Bootstrap = []string{"not a multiaddr"} }},
		{"confidence 1", func(c *light.Config) { c.Confidence = 1 }},
		{"negative confidence", func(c *light.Config) { c.Confidence = -0.5 }},
		{"window too large", func(c *light.Config) { c.Window = das.MaxCheckpointEntries + 1 }},
		{"negative max peers", func(c *light.Config) { c.MaxPeers = -1 }},
		{"backoff max below min", func(c *light.Config) { c.MaxBackoff = c.MinBackoff / 2 }},
		{"negative settle time", func(c *light.Config) { c.SettleTime = -1 }},
		{"keep fewer headers than the window", func(c *light.Config) { c.KeepHeaders = c.Window - 1 }},
		{"bad sampler option", func(c *light.Config) { c.SamplerOptions = []das.Option{das.WithSpread(1)} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good()
			tc.mut(&cfg)
			if _, err := light.New(cfg); !errors.Is(err, light.ErrConfig) {
				t.Fatalf("New: %v, want ErrConfig", err)
			}
		})
	}
	if _, err := light.New(good()); err != nil {
		t.Fatalf("the good configuration: %v", err)
	}
}

// TestStartClose: Start twice fails, Close is idempotent, Start after
// Close fails with ErrClosed, and a closed client reports StateStopped.
func TestStartClose(t *testing.T) {
	ctx := testCtx(t)
	n := newNet(t)
	a := addNode(t, n)
	cl := start(t, ctx, newConfig(t, n, newStores(), a.Addr))
	if err := cl.Start(ctx); !errors.Is(err, light.ErrConfig) {
		t.Fatalf("second Start: %v", err)
	}
	cl.stop(t)
	if err := cl.Close(ctx); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := cl.Start(ctx); !errors.Is(err, light.ErrClosed) {
		t.Fatalf("Start after Close: %v", err)
	}
	if st := cl.Status(); st.State != light.StateStopped {
		t.Fatalf("state %q after Close", st.State)
	}
	evs := cl.rec.snapshot()
	if se := of[*light.StateEvent](evs); se[len(se)-1].State != light.StateStopped {
		t.Fatalf("last state event %+v", se[len(se)-1])
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
