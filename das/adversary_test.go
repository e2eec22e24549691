package das

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"
	"time"

	"lightdas/erasure"
	"lightdas/headers"
	"lightdas/kzg"
	"lightdas/p2p"
)

// Withholding patterns on a 2k x 128 grid.
func undecodablePattern(k int) func(Coord) bool {
	// (k+1) rows x 65 columns: each of those rows keeps 63 cells (< 64) and
	// each of those columns keeps k-1 cells (< k): peeling is stuck.
	return func(c Coord) bool { return c.Row <= k && c.Col <= 64 }
}

func decodablePatternRows(k int) func(Coord) bool {
	// (k+1) rows x 64 columns: every row keeps 64 cells, enough to recover.
	return func(c Coord) bool { return c.Row <= k && c.Col < 64 }
}

func decodablePatternTail(k int) func(Coord) bool {
	// The k-1 last rows whole: every column keeps k+1 >= k cells.
	return func(c Coord) bool { return c.Row > k }
}

func withheldCount(k int, withheld func(Coord) bool) int {
	n := 0
	for r := 0; r < 2*k; r++ {
		for c := 0; c < kzg.CellsPerRow; c++ {
			if withheld(Coord{r, c}) {
				n++
			}
		}
	}
	return n
}

func decodable(k int, withheld func(Coord) bool) error {
	return erasure.Decodable(k, func(r, c int) bool { return !withheld(Coord{r, c}) })
}

// TestWithholdingPatterns ties the patterns (and the bound's W) to the
// erasure code.
func TestWithholdingPatterns(t *testing.T) {
	for k := 1; k <= kzg.MaxRows; k *= 2 {
		und := undecodablePattern(k)
		if got := withheldCount(k, und); got != minWithheld(k) {
			t.Fatalf("k=%d: pattern withholds %d cells, want %d", k, got, minWithheld(k))
		}
		if err := decodable(k, und); !errors.Is(err, erasure.ErrUndecodable) {
			t.Fatalf("k=%d: minimal pattern decodable: %v", k, err)
		}
		// Minimal: giving back any one withheld cell makes it decodable.
		for _, back := range []Coord{{0, 0}, {k, 64}, {k / 2, 31}} {
			if err := decodable(k, func(c Coord) bool { return c != back && und(c) }); err != nil {
				t.Fatalf("k=%d: pattern minus %v: %v", k, back, err)
			}
		}
		for _, p := range []func(Coord) bool{decodablePatternRows(k), decodablePatternTail(k)} {
			if err := decodable(k, p); err != nil {
				t.Fatalf("k=%d: decodable pattern: %v", k, err)
			}
		}
	}
}

// withholding returns a server configuration that withholds a pattern.
func withholding(p func(Coord) bool) ServerConfig {
	cfg := permissive()
	cfg.Misbehavior = &Misbehavior{Withhold: func(_ uint64, c Coord) bool { return p(c) }}
	return cfg
}

// withholdTrials is 2000 everywhere: the never-available property is the
// point of the test, so wasm runs it in full (about 7 ms a trial there).
const withholdTrials = 2000

// rateTrials: the rate test is statistical; under wasm (10x slower) it
// runs fewer trials, with bounds that scale with the count.
func rateTrials() int {
	if heavy {
		return 2000
	}
	return 600
}

// TestWithholdingUndecodableNeverAvailable: every server withholds the
// minimal undecodable pattern; over 2000 trials the sampler never says
// available. The trials run at confidence 1 - 1e-9: at the default 0.9999
// each trial may (correctly, by the bound) be fooled with probability
// P(n) ~ 8e-5, i.e. once in ~14% of 2000-trial runs, so a "never" test
// there would be flaky by design. TestWithholdingFalseAvailableRate checks
// the bound's exactness instead.
func TestWithholdingUndecodableNeverAvailable(t *testing.T) {
	for _, k := range []int{2, 8} {
		t.Run(fmt.Sprintf("k=%d", k), func(t *testing.T) {
			ctx := testCtx(t)
			fx := loadFixture(t, k)
			n := newTestNet(t)
			h := headerFor(fx, 7)
			n.put(fx, h)
			pattern := undecodablePattern(k)
			for i := 0; i < 3; i++ {
				n.addServer(p2p.PeerID(fmt.Sprintf("withholder-%d", i)), nil, withholding(pattern))
			}
			s, log := n.sampler(nil, WithConfidence(1-1e-9), WithRetryRounds(1, time.Millisecond))
			trials := withholdTrials
			for i := 0; i < trials; i++ {
				res, err := s.Sample(ctx, h)
				if err != nil {
					t.Fatal(err)
				}
				if res.Status != Unavailable {
					t.Fatalf("trial %d: %v (%d of %d verified)", i, res.Status, res.Verified, res.Samples)
				}
				hit := false
				for _, c := range res.Missing {
					hit = hit || pattern(c)
				}
				if !hit {
					t.Fatalf("trial %d: unavailable without a withheld cell among %v", i, res.Missing)
				}
			}
			for _, p := range log.penalties() {
				if !p.BannedUntil.IsZero() {
					t.Fatalf("withholding peer banned: %+v", p)
				}
			}
		})
	}
}

// TestWithholdingFalseAvailableRate: against the minimal undecodable
// pattern, a sampler at target c is fooled (reports available) with
// probability exactly P(n) <= 1 - c. At c = 0.9 (k = 2: n = 5, P ~ 0.085)
// the observed rate over the trials must match P(n) within 5 standard
// deviations, and not exceed 1 - c beyond that margin.
func TestWithholdingFalseAvailableRate(t *testing.T) {
	const k, target = 2, 0.9
	ctx := testCtx(t)
	fx := loadFixture(t, k)
	n := newTestNet(t)
	h := headerFor(fx, 3)
	n.put(fx, h)
	for i := 0; i < 3; i++ {
		n.addServer(p2p.PeerID(fmt.Sprintf("withholder-%d", i)), nil, withholding(undecodablePattern(k)))
	}
	s, _ := n.sampler(nil, WithConfidence(target), WithRetryRounds(1, time.Millisecond))
	samples, _ := SamplesFor(k, target)
	conf, _ := Confidence(k, samples)
	p := 1 - conf
	trials := rateTrials()
	fooled := 0
	for i := 0; i < trials; i++ {
		res, err := s.Sample(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		switch res.Status {
		case Available:
			fooled++
		case Unavailable:
		default:
			t.Fatalf("trial %d: %v", i, res.Status)
		}
	}
	mean := p * float64(trials)
	sd := math.Sqrt(float64(trials) * p * (1 - p))
	t.Logf("n = %d, P(n) = %.4f: fooled %d of %d (expected %.1f +- %.1f)", samples, p, fooled, trials, mean, sd)
	if math.Abs(float64(fooled)-mean) > 5*sd {
		t.Fatalf("fooled %d times in %d trials, expected %.1f +- %.1f", fooled, trials, mean, sd)
	}
	if p > 1-target {
		t.Fatalf("P(n) = %v above 1 - target", p)
	}
}

// TestWithholdingDecodable: two servers each withhold a different
// decodable pattern (disjoint, together everything is served) and a third
// withholds the first pattern too; no server is honest, yet every block
// ends available, and withholding is not punished as invalid data.
func TestWithholdingDecodable(t *testing.T) {
	const k = 4
	ctx := testCtx(t)
	fx := loadFixture(t, k)
	n := newTestNet(t)
	n.addServer("rows", nil, withholding(decodablePatternRows(k)))
	n.addServer("tail", nil, withholding(decodablePatternTail(k)))
	n.addServer("rows-2", nil, withholding(decodablePatternRows(k)))
	s, log := n.sampler(nil)
	trials := 50
	if !heavy {
		trials = 10
	}
	for i := 0; i < trials; i++ {
		h := headerFor(fx, uint64(i+1))
		n.put(fx, h)
		res, err := s.Sample(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != Available || res.Confidence < DefaultConfidence {
			t.Fatalf("trial %d: %v, confidence %v: %v", i, res.Status, res.Confidence, res.Err)
		}
	}
	for _, p := range log.penalties() {
		if !p.BannedUntil.IsZero() {
			t.Fatalf("withholding peer banned: %+v", p)
		}
	}
}

// tamper returns a server configuration whose answers tamper edits.
func tamper(f func(q *Request, r *Response)) ServerConfig {
	cfg := permissive()
	cfg.Misbehavior = &Misbehavior{Tamper: f}
	return cfg
}

// eachFound applies f to every found entry.
func eachFound(f func(e *Entry)) func(q *Request, r *Response) {
	return func(_ *Request, r *Response) {
		for i := range r.Entries {
			if r.Entries[i].Found {
				f(&r.Entries[i])
			}
		}
	}
}

// TestInvalidData: a server that answers with wrong cells or proofs is
// penalised (banned), its cells are rejected and asked elsewhere, and
// every block completes from the honest servers.
func TestInvalidData(t *testing.T) {
	fx := loadFixture(t, 4)
	other := func(e *Entry) (kzg.Cell, kzg.Proof) {
		c := (e.Col + 1) % kzg.CellsPerRow
		return fx.block.Cells[e.Row][c], fx.block.Proofs[e.Row][c]
	}
	cases := []struct {
		name   string
		tamper func(q *Request, r *Response)
		want   error
	}{
		{"flipped cell bit", eachFound(func(e *Entry) { e.Cell[1000] ^= 1 }), kzg.ErrVerify},
		{"non-canonical element", eachFound(func(e *Entry) { e.Cell[64] = 0xff }), kzg.ErrNonCanonical},
		{"proof of another cell", eachFound(func(e *Entry) { _, e.Proof = other(e) }), kzg.ErrVerify},
		{"cell of another column", eachFound(func(e *Entry) { e.Cell, _ = other(e) }), kzg.ErrVerify},
		{"proof off the curve", eachFound(func(e *Entry) { e.Proof = kzg.Proof{0x80, 1} }), kzg.ErrInvalidPoint},
		{"identity proof", eachFound(func(e *Entry) { e.Proof = kzg.Proof{0xc0} }), kzg.ErrVerify},
		// Every other entry of each answer (the first always) is wrong,
		// so no answer is clean, yet half its cells would verify alone.
		{"half the cells wrong", func(_ *Request, r *Response) {
			for i := range r.Entries {
				if r.Entries[i].Found && i%2 == 0 {
					r.Entries[i].Cell[5] ^= 0x10
				}
			}
		}, kzg.ErrVerify},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testCtx(t)
			n := newTestNet(t)
			n.honest(2)
			n.addServer("evil", nil, tamper(tc.tamper))
			s, log := n.sampler(nil)
			for height := uint64(1); height <= 3; height++ {
				h := headerFor(fx, height)
				n.put(fx, h)
				res, err := s.Sample(ctx, h)
				if err != nil {
					t.Fatal(err)
				}
				if res.Status != Available || res.Confidence < DefaultConfidence {
					t.Fatalf("height %d: %v: %v", height, res.Status, res.Err)
				}
			}
			pens := log.penalties()
			if len(pens) == 0 {
				t.Fatal("evil peer not penalised")
			}
			for _, p := range pens {
				if p.Peer != "evil" {
					t.Fatalf("honest peer penalised: %+v", p)
				}
			}
			if pens[0].BannedUntil.IsZero() || !errors.Is(pens[0].Reason, tc.want) {
				t.Fatalf("penalty %+v, want a ban for %v", pens[0], tc.want)
			}
			invalid := 0
			for _, c := range log.cells() {
				switch {
				case c.Outcome == CellInvalid && c.Peer == "evil":
					invalid++
				case c.Outcome == CellVerified && c.Peer == "evil":
					t.Fatalf("cell %+v from the evil peer verified", c.Coord)
				case c.Outcome != CellVerified:
					t.Fatalf("cell %+v from %s: %v", c.Coord, c.Peer, c.Outcome)
				}
			}
			if invalid == 0 {
				t.Fatal("no invalid cell reported")
			}
			// Banned: the later blocks did not ask it.
			for _, c := range log.cells() {
				if c.Peer == "evil" && c.Height != 1 {
					t.Fatalf("banned peer asked for height %d", c.Height)
				}
			}
			for _, p := range s.Status().Peers {
				if (p.ID == "evil") == p.BannedUntil.IsZero() {
					t.Fatalf("peer %s banned until %v", p.ID, p.BannedUntil)
				}
			}
		})
	}
}

// TestOnlyInvalidPeers: when every server lies, the block is invalid,
// never available.
func TestOnlyInvalidPeers(t *testing.T) {
	ctx := testCtx(t)
	fx := loadFixture(t, 2)
	n := newTestNet(t)
	for i := 0; i < 3; i++ {
		n.addServer(p2p.PeerID(fmt.Sprintf("evil-%d", i)), nil, tamper(eachFound(func(e *Entry) { e.Cell[77] ^= 4 })))
	}
	s, log := n.sampler(nil, WithRetryRounds(1, time.Millisecond))
	h := headerFor(fx, 1)
	n.put(fx, h)
	res, err := s.Sample(ctx, h)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != Invalid || res.Confidence != 0 || res.Verified != 0 || !errors.Is(res.Err, kzg.ErrVerify) {
		t.Fatalf("%v, confidence %v, %d verified: %v", res.Status, res.Confidence, res.Verified, res.Err)
	}
	if got := len(log.penalties()); got != 3 {
		t.Fatalf("%d penalties, want 3", got)
	}
}

// TestProtocolViolations: responses with other, more or fewer cells than
// asked, for another block, or not parseable are rejected; the peer is
// banned and the block completes from the honest servers.
func TestProtocolViolations(t *testing.T) {
	fx := loadFixture(t, 2)
	cases := []struct {
		name string
		cfg  ServerConfig
		want error
	}{
		{"extra cell", tamper(func(q *Request, r *Response) {
			c := Coord{Row: 3, Col: 127}
			if q.Cells[len(q.Cells)-1] == c {
				c = Coord{Row: 3, Col: 126}
			}
			r.Entries = append(r.Entries, Entry{Coord: c, Found: true, Cell: fx.block.Cells[c.Row][c.Col], Proof: fx.block.Proofs[c.Row][c.Col]})
		}), ErrUnexpectedCells},
		{"other cell", tamper(func(q *Request, r *Response) {
			e := &r.Entries[0]
			e.Col = (e.Col + 1) % kzg.CellsPerRow
			e.Found, e.Cell, e.Proof = true, fx.block.Cells[e.Row][e.Col], fx.block.Proofs[e.Row][e.Col]
		}), ErrUnexpectedCells},
		{"fewer cells", tamper(func(q *Request, r *Response) { r.Entries = r.Entries[:len(r.Entries)-1] }), ErrUnexpectedCells},
		{"other block", tamper(func(q *Request, r *Response) { r.Height++ }), ErrUnexpectedCells},
		{"garbage", func() ServerConfig {
			cfg := permissive()
			cfg.Misbehavior = &Misbehavior{Send: func(st p2p.Stream, frame []byte) error {
				frame[4] = 9 // unknown version
				_, err := st.Write(frame)
				return err
			}}
			return cfg
		}(), ErrMalformed},
		{"oversized frame", func() ServerConfig {
			cfg := permissive()
			cfg.Misbehavior = &Misbehavior{Send: func(st p2p.Stream, frame []byte) error {
				_, err := st.Write([]byte{0, 0x10, 0, 0}) // 1 MiB announced
				return err
			}}
			return cfg
		}(), ErrTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testCtx(t)
			n := newTestNet(t)
			n.honest(2)
			n.addServer("evil", nil, tc.cfg)
			s, log := n.sampler(nil)
			h := headerFor(fx, 1)
			n.put(fx, h)
			res, err := s.Sample(ctx, h)
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != Available {
				t.Fatalf("%v: %v", res.Status, res.Err)
			}
			pens := log.penalties()
			if len(pens) != 1 || pens[0].Peer != "evil" || pens[0].BannedUntil.IsZero() || !errors.Is(pens[0].Reason, tc.want) {
				t.Fatalf("penalties %+v, want one ban of evil for %v", pens, tc.want)
			}
		})
	}
}

// TestStallsAndDisconnects: a server that stalls or goes away in the
// middle of its response is given up on at the request deadline (or at
// once) and its cells are asked elsewhere.
func TestStallsAndDisconnects(t *testing.T) {
	fx := loadFixture(t, 2)
	half := func(st p2p.Stream, frame []byte) error {
		_, err := st.Write(frame[:len(frame)/2])
		return err
	}
	cases := []struct {
		name  string
		setup func(n *testNet, unstall <-chan struct{}) ServerConfig
	}{
		{"stall mid-response", func(n *testNet, unstall <-chan struct{}) ServerConfig {
			cfg := permissive()
			cfg.Misbehavior = &Misbehavior{Send: func(st p2p.Stream, frame []byte) error {
				if err := half(st, frame); err != nil {
					return err
				}
				<-unstall
				return errors.New("stalled")
			}}
			return cfg
		}},
		{"reset mid-response", func(n *testNet, _ <-chan struct{}) ServerConfig {
			cfg := permissive()
			cfg.Misbehavior = &Misbehavior{Send: func(st p2p.Stream, frame []byte) error {
				if err := half(st, frame); err != nil {
					return err
				}
				return errors.New("reset") // the server resets the stream
			}}
			return cfg
		}},
		{"disconnect mid-response", func(n *testNet, _ <-chan struct{}) ServerConfig {
			cfg := permissive()
			cfg.Misbehavior = &Misbehavior{Send: func(st p2p.Stream, frame []byte) error {
				if err := half(st, frame); err != nil {
					return err
				}
				return n.net.Disconnect("light", "evil")
			}}
			return cfg
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testCtx(t)
			n := newTestNet(t)
			unstall := make(chan struct{})
			t.Cleanup(func() { close(unstall) }) // runs before the network closes
			n.honest(2)
			n.addServer("evil", nil, tc.setup(n, unstall))
			// The request deadline is what gives up on the staller; it is
			// long enough that the honest servers never miss it.
			s, log := n.sampler(nil, WithTimeouts(30*time.Second, time.Second))
			h := headerFor(fx, 1)
			n.put(fx, h)
			res, err := s.Sample(ctx, h)
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != Available {
				t.Fatalf("%v: %v", res.Status, res.Err)
			}
			failed := 0
			for _, c := range log.cells() {
				if c.Peer == "evil" {
					if c.Outcome != CellFailed {
						t.Fatalf("evil cell %+v: %v", c.Coord, c.Outcome)
					}
					failed++
				}
			}
			if failed == 0 {
				t.Fatal("the evil peer was never asked")
			}
			for _, p := range log.penalties() {
				if p.Peer != "evil" || !p.BannedUntil.IsZero() {
					t.Fatalf("penalty %+v, want a light one for evil", p)
				}
			}
		})
	}
}

// TestBlackHoledLink: a link that silently drops everything (memnet's
// stall condition) costs a request timeout, then the cells come from the
// other servers; the silent peer's cells all fail and it is penalised
// lightly (it may just be far away), not banned.
func TestBlackHoledLink(t *testing.T) {
	ctx := testCtx(t)
	fx := loadFixture(t, 2)
	n := newTestNet(t)
	n.honest(3)
	if err := n.net.SetLinkConditions("light", "full-0", memnetStall()); err != nil {
		t.Fatal(err)
	}
	s, log := n.sampler(nil, WithTimeouts(30*time.Second, 200*time.Millisecond))
	for height := uint64(1); height <= 2; height++ {
		h := headerFor(fx, height)
		n.put(fx, h)
		res, err := s.Sample(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != Available {
			t.Fatalf("%v: %v", res.Status, res.Err)
		}
	}
	failed := 0
	for _, c := range log.cells() {
		if c.Peer != "full-0" {
			continue
		}
		if c.Outcome != CellFailed {
			t.Fatalf("cell %+v over the black-holed link: %v", c.Coord, c.Outcome)
		}
		failed++
	}
	if failed == 0 {
		t.Fatal("the black-holed peer was never asked")
	}
	penalised := false
	for _, p := range log.penalties() {
		if p.Peer == "full-0" {
			penalised = true
			if !p.BannedUntil.IsZero() || p.Penalty != penaltyTimeout {
				t.Fatalf("penalty %+v, want a timeout penalty", p)
			}
		}
	}
	if !penalised {
		t.Fatal("the black-holed peer was not penalised")
	}
}

// TestLossyNetwork: every link resets a fraction of its writes and has
// latency; every block still ends available.
func TestLossyNetwork(t *testing.T) {
	ctx := testCtx(t)
	fx := loadFixture(t, 2)
	n := newTestNet(t, memnetLossy())
	n.honest(3)
	s, log := n.sampler(nil, WithTimeouts(60*time.Second, time.Second))
	blocks := 6
	if !heavy {
		blocks = 3
	}
	for height := uint64(1); height <= uint64(blocks); height++ {
		h := headerFor(fx, height)
		n.put(fx, h)
		res, err := s.Sample(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != Available {
			t.Fatalf("height %d: %v: %v", height, res.Status, res.Err)
		}
	}
	t.Logf("%d penalties for lost requests", len(log.penalties()))
}

// TestUnknownBlockPeer: a server that does not have the block answers
// "unknown block"; the cells come from the others without a ban.
func TestUnknownBlockPeer(t *testing.T) {
	ctx := testCtx(t)
	fx := loadFixture(t, 2)
	n := newTestNet(t)
	n.honest(2)
	n.addServer("behind", NewMemBlockStore(), permissive())
	s, log := n.sampler(nil)
	h := headerFor(fx, 1)
	n.put(fx, h)
	res, err := s.Sample(ctx, h)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != Available {
		t.Fatalf("%v: %v", res.Status, res.Err)
	}
	notFound := 0
	for _, c := range log.cells() {
		if c.Peer == "behind" {
			if c.Outcome != CellNotFound {
				t.Fatalf("cell from the peer without the block: %v", c.Outcome)
			}
			notFound++
		}
	}
	if notFound == 0 {
		t.Fatal("peer without the block never asked")
	}
	for _, p := range log.penalties() {
		if !p.BannedUntil.IsZero() || !errors.Is(p.Reason, ErrPeerStatus) {
			t.Fatalf("penalty %+v", p)
		}
	}
}

// TestDeadlineUnavailable: when the sampled cells cannot be had (no
// peers, or every peer withholding everything), the sampler keeps asking
// in rounds until the block deadline, then reports the block unavailable
// with every sampled cell missing.
func TestDeadlineUnavailable(t *testing.T) {
	withholdAll := withholding(func(Coord) bool { return true })
	for _, tc := range []struct {
		name    string
		servers int
		want    error
	}{
		{"no peers", 0, context.DeadlineExceeded},
		{"every peer withholds", 3, ErrCellNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testCtx(t)
			fx := loadFixture(t, 2)
			n := newTestNet(t)
			for i := 0; i < tc.servers; i++ {
				n.addServer(p2p.PeerID(fmt.Sprintf("withholder-%d", i)), nil, withholdAll)
			}
			h := headerFor(fx, 1)
			n.put(fx, h)
			s, log := n.sampler(nil, WithTimeouts(time.Second, 500*time.Millisecond), WithRetryRounds(0, 20*time.Millisecond))
			res, err := s.Sample(ctx, h)
			if err != nil {
				t.Fatal(err)
			}
			if res.Status != Unavailable || len(res.Missing) != res.Samples || res.Verified != 0 || res.Confidence != 0 || !errors.Is(res.Err, tc.want) {
				t.Fatalf("%v, %d missing of %d, confidence %v: %v", res.Status, len(res.Missing), res.Samples, res.Confidence, res.Err)
			}
			for _, p := range log.penalties() {
				if !p.BannedUntil.IsZero() {
					t.Fatalf("withholding peer banned: %+v", p)
				}
			}
		})
	}
}

// TestInvalidCommitments: a header whose commitment is not a valid point
// makes the block invalid without blaming any peer.
func TestInvalidCommitments(t *testing.T) {
	ctx := testCtx(t)
	fx := loadFixture(t, 2)
	n := newTestNet(t)
	n.honest(3)
	h := headerFor(fx, 1)
	h.Commitments[1] = headers.Commitment{0: 0xc0, 47: 1} // non-canonical infinity
	n.put(fx, h)
	s, log := n.sampler(nil)
	res, err := s.Sample(ctx, h)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != Invalid || !errors.Is(res.Err, ErrHeader) || !errors.Is(res.Err, kzg.ErrInvalidPoint) {
		t.Fatalf("%v: %v", res.Status, res.Err)
	}
	if len(log.penalties()) != 0 {
		t.Fatalf("peers penalised for the header's fault: %+v", log.penalties())
	}
}
