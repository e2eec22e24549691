package das

import (
	"testing"

	"lightdas/p2p"
)

// TestHonestNetwork: blocks of every fixture size, handed over as new
// heads and caught up, all end available with at least the target
// confidence, with each block's cells spread over the three servers.
func TestHonestNetwork(t *testing.T) {
	ctx := testCtx(t)
	n := newTestNet(t)
	n.honest(3)
	var blocks []*fixture
	for _, k := range []int{2, 4, 8} {
		blocks = append(blocks, repeat(loadFixture(t, k), 2)...)
	}
	chain, store := n.signedChain(blocks...)
	s, log := n.sampler(nil, WithHeaders(store))
	runSampler(t, ctx, s)
	// The head first; the rest is catch-up from the header store.
	if err := s.HeaderVerified(chain.Head().Header); err != nil {
		t.Fatal(err)
	}
	results := log.waitBlocks(ctx, t, len(blocks))
	seen := map[uint64]bool{}
	for _, r := range results {
		if seen[r.Height] {
			t.Fatalf("height %d sampled twice", r.Height)
		}
		seen[r.Height] = true
		if r.Status != Available || r.Confidence < DefaultConfidence || r.Verified != r.Samples {
			t.Fatalf("height %d: %v, confidence %v, %d/%d verified (%v)", r.Height, r.Status, r.Confidence, r.Verified, r.Samples, r.Err)
		}
		want, _ := SamplesFor(r.K, DefaultConfidence)
		if r.Samples != want {
			t.Fatalf("height %d: %d samples, want %d", r.Height, r.Samples, want)
		}
		if r.Peers != 3 {
			t.Fatalf("height %d: cells from %d peers, want 3", r.Height, r.Peers)
		}
	}
	// Spread: no server saw more than ceil(n/3) of a block's cells.
	per := map[uint64]map[p2p.PeerID]int{}
	for _, c := range log.cells() {
		if c.Outcome != CellVerified {
			t.Fatalf("cell %+v at %s: %v (%v)", c.Coord, c.Peer, c.Outcome, c.Err)
		}
		if per[c.Height] == nil {
			per[c.Height] = map[p2p.PeerID]int{}
		}
		per[c.Height][c.Peer]++
	}
	for _, r := range results {
		limit := (r.Samples + 2) / 3
		for p, got := range per[r.Height] {
			if got > limit {
				t.Fatalf("height %d: peer %s got %d of %d cells, limit %d", r.Height, p, got, r.Samples, limit)
			}
		}
	}
	if len(log.penalties()) != 0 {
		t.Fatalf("honest peers penalised: %+v", log.penalties()[0])
	}
	head := uint64(len(blocks))
	st := s.Status()
	if st.NetworkHead != head || st.SampledHead != head || st.DoneUpTo != head || st.Available != len(blocks) || st.CatchUpPending != 0 || len(st.Failures) != 0 {
		t.Fatalf("status %+v", st)
	}
}
