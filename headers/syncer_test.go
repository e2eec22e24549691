package headers_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"lightdas/headers"
	"lightdas/headers/bls"
	"lightdas/headers/headertest"
)

// testTimeout only keeps a broken test from hanging; nothing asserts on time.
const testTimeout = 2 * time.Minute

// clock is a fixed reading a day after genesis: fresh for every test chain.
func clock(c *headertest.Chain) func() time.Time {
	now := c.Config.Start.Add(24 * time.Hour)
	return func() time.Time { return now }
}

func newSyncer(t testing.TB, c *headertest.Chain, store headers.Store, peers []headers.Peer, mod func(*headers.SyncerConfig)) *headers.Syncer {
	t.Helper()
	v, err := headers.NewGenesisVerifier(c.Genesis, headers.Options{Now: clock(c)})
	if err != nil {
		t.Fatal(err)
	}
	cfg := headers.SyncerConfig{Store: store, Verifier: v, Genesis: c.Genesis, Peers: peers}
	if mod != nil {
		mod(&cfg)
	}
	s, err := headers.NewSyncer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// sameChain checks that store holds exactly c's blocks from..to.
func sameChain(t *testing.T, store headers.Store, c *headertest.Chain, from, to uint64) {
	t.Helper()
	ctx := context.Background()
	head, err := store.Head(ctx)
	if err != nil || head.Height() != to {
		t.Fatalf("head: %v %v", head, err)
	}
	tail, err := store.Tail(ctx)
	if err != nil || tail.Height() != from {
		t.Fatalf("tail: %v", err)
	}
	for h := from; h <= to; h++ {
		b, err := store.GetByHeight(ctx, h)
		if err != nil || b.Hash() != c.Block(h).Hash() {
			t.Fatalf("height %d: %v", h, err)
		}
	}
}

func TestSyncFromGenesis(t *testing.T) {
	n := 150
	if !heavy {
		n = 70
	}
	c := headertest.MustChain(headertest.Config{}, n)
	p := headertest.NewPeer("honest", c.Blocks, nil)
	store := headers.NewMemStore()
	s := newSyncer(t, c, store, []headers.Peer{p}, nil)
	ctx := testCtx(t)
	if err := s.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	sameChain(t, store, c, 1, uint64(n))
	// Up to date: only the head is asked for.
	before := p.Requests()
	if err := s.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if p.Requests() != before+1 {
		t.Fatalf("%d requests when up to date", p.Requests()-before)
	}
	// Resume from the store in a new syncer, without a trust root.
	c.Extend(10)
	if err := p.Serve(c.Blocks[n:]...); err != nil {
		t.Fatal(err)
	}
	s2 := newSyncer(t, c, store, []headers.Peer{p}, func(cfg *headers.SyncerConfig) { cfg.Genesis = nil })
	if err := s2.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	sameChain(t, store, c, 1, uint64(n+10))
}

func TestSyncNeedsTrustRoot(t *testing.T) {
	c := headertest.MustChain(headertest.Config{}, 3)
	s := newSyncer(t, c, headers.NewMemStore(), []headers.Peer{headertest.NewPeer("p", c.Blocks, nil)},
		func(cfg *headers.SyncerConfig) { cfg.Genesis = nil })
	if err := s.SyncOnce(testCtx(t)); !errors.Is(err, headers.ErrNoTrustRoot) {
		t.Fatalf("err = %v", err)
	}
}

func TestSyncTrustExpired(t *testing.T) {
	c := headertest.MustChain(headertest.Config{}, 3)
	late := c.Config.Start.Add(headers.DefaultTrustingPeriod)
	v, _ := headers.NewGenesisVerifier(c.Genesis, headers.Options{Now: func() time.Time { return late }})
	s, err := headers.NewSyncer(headers.SyncerConfig{Store: headers.NewMemStore(), Verifier: v, Genesis: c.Genesis,
		Peers: []headers.Peer{headertest.NewPeer("p", c.Blocks, nil)}})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SyncOnce(testCtx(t)); !errors.Is(err, headers.ErrTrustExpired) {
		t.Fatalf("err = %v", err)
	}
	if err := s.Run(testCtx(t)); !errors.Is(err, headers.ErrTrustExpired) {
		t.Fatalf("run: %v", err)
	}
}

func TestSyncFromCheckpoint(t *testing.T) {
	c := headertest.MustChain(headertest.Config{}, 90)
	cp := headers.Checkpoint{Height: 30, Hash: c.Block(30).Hash()}
	honest := headertest.NewPeer("honest", c.Blocks, nil)
	liar := headertest.NewPeer("liar", c.Blocks, nil)
	liar.SetLie(func(q headers.Request, r headers.Response) headers.Response {
		if q.Kind == headers.RequestByHash {
			r.Blocks = []*headers.LightBlock{c.Block(31)}
		}
		return r
	})
	store := headers.NewMemStore()
	s := newSyncer(t, c, store, []headers.Peer{liar, honest}, func(cfg *headers.SyncerConfig) {
		cfg.Genesis = nil
		cfg.Checkpoint = &cp
	})
	if err := s.SyncOnce(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	sameChain(t, store, c, 30, 90)
	if err := s.Banned()["liar"]; !errors.Is(err, headers.ErrUnexpectedBlock) {
		t.Fatalf("liar: %v", err)
	}

	wrong := headers.Checkpoint{Height: 31, Hash: c.Block(30).Hash()}
	s = newSyncer(t, c, headers.NewMemStore(), []headers.Peer{honest}, func(cfg *headers.SyncerConfig) {
		cfg.Genesis = nil
		cfg.Checkpoint = &wrong
	})
	if err := s.SyncOnce(testCtx(t)); !errors.Is(err, headers.ErrUnexpectedBlock) {
		t.Fatalf("checkpoint with the wrong height: %v", err)
	}
}

// setHash computes a validator set hash from its documented layout, for
// sets NewValidatorSet refuses to build.
func setHash(vals []headers.Validator) headers.Hash {
	b := binary.BigEndian.AppendUint16(nil, uint16(len(vals)))
	for _, v := range vals {
		pk := v.PublicKey.Bytes()
		b = append(b, pk[:]...)
		b = binary.BigEndian.AppendUint64(b, v.Power)
	}
	return sha256.Sum256(b)
}

// rawForgery answers every range with one block that names and carries
// vals, signed by whoever can: the header is otherwise the honest one.
func rawForgery(c *headertest.Chain, vals []headers.Validator, sign func(msg []byte) *bls.Signature) headertest.RawLie {
	return func(q headers.Request, raw []byte) []byte {
		if q.Kind != headers.RequestRange {
			return raw
		}
		h := headertest.CopyHeader(c.Block(q.From).Header)
		h.ValidatorsHash = setHash(vals)
		bits := headers.NewBitfield(len(vals))
		for i := range vals {
			bits.Set(i, true)
		}
		cm := &headers.Commit{Height: h.Height, HeaderHash: h.Hash(), Signers: bits,
			Signature: sign(headers.SignBytes(h.ChainID, h.Height, h.Hash()))}
		return headertest.RawResponse(headertest.RawBlockEntry(h, cm, vals))
	}
}

// rogueRange answers a range with the honest blocks except the last two:
// the validators commit (as next set) to a set holding a rogue key, and the
// last block is signed by the attacker alone, an aggregate that verifies
// for victim + rogue key. Only the missing proof of possession stops it.
func rogueRange(t *testing.T, c *headertest.Chain, rogue []headers.Validator, attacker *bls.SecretKey) headertest.RawLie {
	scheme := bls.NewScheme()
	signers := c.Signers()
	honestVals, err := signers.Set.Validators()
	if err != nil {
		t.Fatal(err)
	}
	rogueHash := setHash(rogue)
	return func(q headers.Request, raw []byte) []byte {
		if q.Kind != headers.RequestRange || q.Count < 2 {
			return raw
		}
		var entries [][]byte
		var prev *headers.Header
		for h := q.From; h < q.From+uint64(q.Count); h++ {
			hdr := headertest.CopyHeader(c.Block(h).Header)
			vals := honestVals
			if h > q.From {
				vals = nil
				hdr.ParentHash = prev.Hash()
			}
			last := h == q.From+uint64(q.Count)-1
			switch {
			case h == q.From+uint64(q.Count)-2:
				hdr.NextValidatorsHash = rogueHash
			case last:
				hdr.ValidatorsHash, hdr.NextValidatorsHash = rogueHash, rogueHash
				vals = rogue
			}
			var cm *headers.Commit
			if last {
				bits := headers.NewBitfield(len(rogue))
				bits.Set(0, true)
				bits.Set(1, true)
				cm = &headers.Commit{Height: h, HeaderHash: hdr.Hash(), Signers: bits,
					Signature: scheme.Sign(attacker, headers.SignBytes(hdr.ChainID, h, hdr.Hash()))}
			} else {
				cm = signers.Commit(hdr, signers.All())
			}
			entries = append(entries, headertest.RawBlockEntry(hdr, cm, vals))
			prev = hdr
		}
		return headertest.RawResponse(entries...)
	}
}

func sortedVals(vals []headers.Validator) []headers.Validator {
	a, b := vals[0].PublicKey.Bytes(), vals[1].PublicKey.Bytes()
	if string(a[:]) > string(b[:]) {
		return []headers.Validator{vals[1], vals[0]}
	}
	return vals
}

// Every kind of lie: the syncer stops asking the liar (with the typed
// reason), takes the range from the honest peer, and stores only the
// honest chain.
func TestSyncRejectsLyingPeers(t *testing.T) {
	c := headertest.MustChain(headertest.Config{}, 70)
	signers := c.Signers()
	strangers, err := headertest.NewSigners([]*bls.SecretKey{headertest.Key("s", 0), headertest.Key("s", 1)}, 10)
	if err != nil {
		t.Fatal(err)
	}
	scheme := bls.NewScheme()
	victim, attacker := headertest.Key("rogue", 0), headertest.Key("rogue", 1)
	rogue := sortedVals(headertest.RogueValidators(victim, attacker, 10))
	dupKey := headertest.Key("dup", 0)
	dupVal := headers.Validator{PublicKey: dupKey.PublicKey(), Power: 10, Possession: scheme.ProvePossession(dupKey)}
	doubled := bls.AggregateSignatures

	cases := []struct {
		name string
		lie  headertest.Lie
		raw  headertest.RawLie
		want error
	}{
		{name: "short range", lie: headertest.ShortRange, want: headers.ErrShortRange},
		{name: "out of order", lie: headertest.OutOfOrderRange, want: headers.ErrOutOfOrder},
		{name: "height gap", lie: func(q headers.Request, r headers.Response) headers.Response {
			if q.Kind == headers.RequestRange && len(r.Blocks) > 2 {
				r.Blocks = append(append([]*headers.LightBlock{}, r.Blocks[:1]...), r.Blocks[2:]...)
				r.Blocks = append(r.Blocks, c.Block(r.Blocks[len(r.Blocks)-1].Height()+1))
			}
			return r
		}, want: headers.ErrOutOfOrder},
		{name: "bad signature", lie: headertest.ForgeRange(func(b *headers.LightBlock) *headers.LightBlock {
			return headertest.BadSignature(signers, b)
		}), want: headers.ErrInvalidSignature},
		{name: "insufficient power", lie: headertest.ForgeRange(func(b *headers.LightBlock) *headers.LightBlock {
			return headertest.WithSigners(signers, b, []int{1, 2})
		}), want: headers.ErrInsufficientPower},
		{name: "unknown signer bit", lie: headertest.ForgeRange(headertest.ExtraSignerBit), want: headers.ErrUnknownSigner},
		{name: "wrong parent", lie: headertest.ForgeRange(func(b *headers.LightBlock) *headers.LightBlock {
			return headertest.Resign(signers, b, func(h *headers.Header) { h.ParentHash = headers.Hash{0xee} })
		}), want: headers.ErrParentHashMismatch},
		{name: "time going back", lie: headertest.ForgeRange(func(b *headers.LightBlock) *headers.LightBlock {
			return headertest.Resign(signers, b, func(h *headers.Header) { h.Time = h.Time.Add(-c.Config.Interval) })
		}), want: headers.ErrTimeNotIncreasing},
		{name: "wrong chain id", lie: headertest.ForgeRange(func(b *headers.LightBlock) *headers.LightBlock {
			return headertest.Resign(signers, b, func(h *headers.Header) { h.ChainID = "evil-chain" })
		}), want: headers.ErrChainIDMismatch},
		{name: "validator set hash mismatch", lie: headertest.ForgeRange(func(b *headers.LightBlock) *headers.LightBlock {
			h := headertest.CopyHeader(b.Header)
			h.ValidatorsHash = strangers.Set.Hash()
			return strangers.Block(h)
		}), want: headers.ErrValidatorSetHashMismatch},
		{name: "rogue key", raw: rogueRange(t, c, rogue, attacker), want: headers.ErrInvalidPossession},
		{name: "duplicate signer", raw: rawForgery(c, []headers.Validator{dupVal, dupVal}, func(msg []byte) *bls.Signature {
			sig := scheme.Sign(dupKey, msg)
			return doubled(sig, sig)
		}), want: headers.ErrDuplicateValidator},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			honest := headertest.NewPeer("honest", c.Blocks, nil)
			liar := headertest.NewPeer("liar", c.Blocks, nil)
			liar.SetLie(tc.lie)
			liar.SetRawLie(tc.raw)
			var reported []string
			store := headers.NewMemStore()
			// Order: the first range request goes to the liar.
			s := newSyncer(t, c, store, []headers.Peer{honest, liar}, func(cfg *headers.SyncerConfig) {
				cfg.OnMisbehavior = func(peer string, err error) { reported = append(reported, peer) }
			})
			if err := s.SyncOnce(testCtx(t)); err != nil {
				t.Fatal(err)
			}
			sameChain(t, store, c, 1, 70)
			banned := s.Banned()
			t.Logf("liar banned: %v", banned["liar"])
			expectOnly(t, banned["liar"], tc.want)
			if _, bad := banned["honest"]; bad || len(reported) != 1 || reported[0] != "liar" {
				t.Fatalf("banned %v, reported %v", banned, reported)
			}
		})
	}
}

func TestSyncAllPeersLie(t *testing.T) {
	c := headertest.MustChain(headertest.Config{}, 20)
	a := headertest.NewPeer("a", c.Blocks, nil)
	a.SetLie(headertest.ShortRange)
	b := headertest.NewPeer("b", c.Blocks, nil)
	b.SetLie(headertest.ForgeRange(func(lb *headers.LightBlock) *headers.LightBlock { return headertest.BadSignature(c.Signers(), lb) }))
	store := headers.NewMemStore()
	s := newSyncer(t, c, store, []headers.Peer{a, b}, nil)
	ctx := testCtx(t)
	var pe *headers.PeerError
	if err := s.SyncOnce(ctx); !errors.As(err, &pe) {
		t.Fatalf("err = %v", err)
	}
	if _, err := store.Head(ctx); !errors.Is(err, headers.ErrNotFound) {
		t.Fatal("a forged range was stored")
	}
	if err := s.SyncOnce(ctx); !errors.Is(err, headers.ErrNoPeers) {
		t.Fatalf("second run: %v", err)
	}
}

func checkEvidence(t *testing.T, c *headertest.Chain, err error) *headers.Evidence {
	t.Helper()
	var eq *headers.EquivocationError
	if !errors.As(err, &eq) || !errors.Is(err, headers.ErrEquivocation) {
		t.Fatalf("err = %v, want equivocation", err)
	}
	ev := eq.Evidence
	if ev.Trusted.Height() != ev.Conflicting.Height() || ev.Trusted.Hash() == ev.Conflicting.Hash() {
		t.Fatalf("evidence heights %d/%d", ev.Trusted.Height(), ev.Conflicting.Height())
	}
	// Both headers are valid for the genesis validators.
	v, _ := headers.NewGenesisVerifier(c.Genesis, headers.Options{Now: clock(c)})
	for _, b := range []*headers.LightBlock{ev.Trusted, ev.Conflicting} {
		if err := v.Verify(c.Genesis.Trusted(), b); err != nil {
			t.Fatalf("evidence block %d does not verify: %v", b.Height(), err)
		}
	}
	return &ev
}

// Two peers on two forks signed by the same validators: their heads are
// both valid at one height. The syncer stops with the evidence and stays
// stopped.
func TestEquivocationStopsSyncer(t *testing.T) {
	c := headertest.MustChain(headertest.Config{}, 40)
	fork := c.Fork(35)
	fork.Extend(6)
	honest := headertest.NewPeer("honest", c.Blocks, nil)
	evil := headertest.NewPeer("evil", fork.Blocks, nil)
	s := newSyncer(t, c, headers.NewMemStore(), []headers.Peer{honest, evil}, nil)
	ctx := testCtx(t)
	err := s.SyncOnce(ctx)
	ev := checkEvidence(t, c, err)
	if ev.Peer != "evil" || s.Evidence() == nil {
		t.Fatalf("evidence from %q", ev.Peer)
	}
	if err := s.SyncOnce(ctx); !errors.Is(err, headers.ErrEquivocation) {
		t.Fatalf("halted syncer ran again: %v", err)
	}
	if err := s.Run(ctx); !errors.Is(err, headers.ErrEquivocation) {
		t.Fatalf("halted syncer ran: %v", err)
	}
}

// Run follows announcements; a fork block announced below the head is
// evidence and ends Run.
func TestRunFollowsHeadsAndHaltsOnEvidence(t *testing.T) {
	c := headertest.MustChain(headertest.Config{}, 10)
	fork := c.Fork(8)
	fork.Extend(5)
	honest := headertest.NewPeer("honest", c.Blocks, nil)
	store := headers.NewMemStore()
	s := newSyncer(t, c, store, []headers.Peer{honest}, func(cfg *headers.SyncerConfig) {
		cfg.PollInterval = time.Hour // only the first poll; then announcements
	})
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	if _, err := s.WaitForHeight(ctx, 10); err != nil {
		t.Fatal(err)
	}
	waitSubscribed(t, ctx, honest)

	// Adjacent announcements are stored one by one.
	for _, b := range c.Extend(3) {
		if err := honest.Publish(b); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.WaitForHeight(ctx, 13); err != nil {
		t.Fatal(err)
	}
	// A head several heights up is verified by skipping, then the gap is
	// fetched as a range.
	more := c.Extend(6)
	if err := honest.Serve(more[:5]...); err != nil {
		t.Fatal(err)
	}
	if err := honest.Publish(more[5]); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WaitForHeight(ctx, 19); err != nil {
		t.Fatal(err)
	}
	sameChain(t, store, c, 1, 19)

	// A peer joins the running syncer and announces the fork's block 9,
	// which conflicts with the stored one.
	evil := headertest.NewPeer("evil", fork.Blocks, nil)
	s.AddPeer(evil)
	waitSubscribed(t, ctx, evil)
	if err := evil.Announce(fork.Block(9)); err != nil {
		t.Fatal(err)
	}
	err := <-done
	ev := checkEvidence(t, c, err)
	if ev.Trusted.Hash() != c.Block(9).Hash() || ev.Conflicting.Hash() != fork.Block(9).Hash() || ev.Peer != "evil" {
		t.Fatal("wrong evidence")
	}
}

// waitSubscribed waits until Run has subscribed to p (subscriptions start
// asynchronously).
func waitSubscribed(t *testing.T, ctx context.Context, p *headertest.Peer) {
	t.Helper()
	for p.Subscribers() == 0 {
		select {
		case <-ctx.Done():
			t.Fatal("no subscription")
		case <-time.After(time.Millisecond):
		}
	}
}

// After a complete change of validators the genesis set cannot vouch for
// the head (insufficient trust): the syncer walks there header by header.
// A head that a peer merely claims is checked when the chain gets there.
func TestSyncAcrossValidatorRotation(t *testing.T) {
	c := headertest.MustChain(headertest.Config{}, 5)
	if _, err := c.ChangeValidators(c.FreshKeys(4)); err != nil {
		t.Fatal(err)
	}
	c.Extend(10)
	if _, err := c.ChangeValidators(c.FreshKeys(5)); err != nil {
		t.Fatal(err)
	}
	c.Extend(10)
	n := c.Head().Height()

	v, _ := headers.NewGenesisVerifier(c.Genesis, headers.Options{Now: clock(c)})
	if err := v.Verify(c.Genesis.Trusted(), c.Head()); !errors.Is(err, headers.ErrInsufficientTrust) {
		t.Fatalf("premise: %v", err)
	}

	strangers, _ := headertest.NewSigners([]*bls.SecretKey{headertest.Key("s", 0), headertest.Key("s", 1)}, 10)
	claim := headertest.CopyHeader(c.Head().Header)
	claim.ValidatorsHash = strangers.Set.Hash()
	claimed := strangers.Block(claim)

	honest := headertest.NewPeer("honest", c.Blocks, nil)
	honest.SetLie(func(q headers.Request, r headers.Response) headers.Response {
		if q.Kind == headers.RequestHead {
			return headers.Response{Status: headers.StatusNotFound}
		}
		return r
	})
	claimer := headertest.NewPeer("claimer", c.Blocks, nil)
	claimer.SetLie(func(q headers.Request, r headers.Response) headers.Response {
		if q.Kind == headers.RequestHead {
			r.Blocks = []*headers.LightBlock{claimed}
		}
		return r
	})
	store := headers.NewMemStore()
	s := newSyncer(t, c, store, []headers.Peer{honest, claimer}, nil)
	if err := s.SyncOnce(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	sameChain(t, store, c, 1, n)
	t.Logf("claimer banned: %v", s.Banned()["claimer"])
	if err := s.Banned()["claimer"]; !errors.Is(err, headers.ErrValidatorSetHashMismatch) {
		t.Fatalf("claimer: %v", err)
	}
}

func TestMemStore(t *testing.T) {
	c := headertest.MustChain(headertest.Config{}, 10)
	ctx := context.Background()
	s := headers.NewMemStore()
	if _, err := s.Head(ctx); !errors.Is(err, headers.ErrNotFound) {
		t.Fatal("empty head")
	}
	if err := s.Append(ctx, c.Blocks[3:6]...); err != nil {
		t.Fatal(err)
	}
	if err := s.Append(ctx, c.Block(8)); !errors.Is(err, headers.ErrNotContiguous) {
		t.Fatalf("gap: %v", err)
	}
	fork := c.Fork(7)
	fork.Extend(1)
	if err := s.Append(ctx, c.Block(7), fork.Block(7)); !errors.Is(err, headers.ErrNotContiguous) {
		t.Fatalf("wrong parent: %v", err)
	}
	if h, _ := s.Head(ctx); h.Height() != 6 {
		t.Fatal("failed append changed the store")
	}
	if err := s.Append(ctx, c.Blocks[6:]...); err != nil {
		t.Fatal(err)
	}
	if b, err := s.GetByHash(ctx, c.Block(5).Hash()); err != nil || b.Height() != 5 {
		t.Fatalf("by hash: %v", err)
	}
	if err := s.Prune(ctx, 8); err != nil {
		t.Fatal(err)
	}
	if tail, _ := s.Tail(ctx); tail.Height() != 8 {
		t.Fatalf("tail %d", tail.Height())
	}
	if _, err := s.GetByHash(ctx, c.Block(5).Hash()); !errors.Is(err, headers.ErrNotFound) {
		t.Fatal("pruned block by hash")
	}
	if _, err := s.GetByHeight(ctx, 7); !errors.Is(err, headers.ErrNotFound) {
		t.Fatal("pruned block by height")
	}
	if err := s.Prune(ctx, 100); err != nil {
		t.Fatal(err)
	}
	if tail, _ := s.Tail(ctx); tail.Height() != 10 {
		t.Fatal("prune removed the head")
	}
}
