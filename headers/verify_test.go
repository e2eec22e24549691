package headers_test

import (
	"bytes"
	"errors"
	"runtime"
	"testing"
	"time"

	"lightdas/headers"
	"lightdas/headers/bls"
	"lightdas/headers/headertest"
)

// heavy scales sizes down under wasm (10-20x slower); no path is skipped.
const heavy = runtime.GOARCH != "wasm"

// forgeryErrors are the sentinels of the listed forgeries; each forgery
// must match its own and none of the others.
var forgeryErrors = []error{
	headers.ErrInvalidSignature,
	headers.ErrInsufficientPower,
	headers.ErrUnknownSigner,
	headers.ErrDuplicateValidator,
	headers.ErrParentHashMismatch,
	headers.ErrHeightGap,
	headers.ErrTimeNotIncreasing,
	headers.ErrChainIDMismatch,
	headers.ErrValidatorSetHashMismatch,
	headers.ErrInvalidPossession,
	headers.ErrEquivocation,
}

func expectOnly(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("err = %v, want %v", err, want)
	}
	for _, other := range forgeryErrors {
		if other != want && errors.Is(err, other) {
			t.Fatalf("err = %v also matches %v", err, other)
		}
	}
}

// fixture: a 4-validator chain of 3 blocks; block 3 is the candidate,
// block 2 the trusted state.
type fixture struct {
	chain   *headertest.Chain
	v       *headers.Verifier
	trusted headers.Trusted
	next    *headers.LightBlock
	signers *headertest.Signers
}

func newFixture(t *testing.T, cfg headertest.Config) *fixture {
	t.Helper()
	c, err := headertest.NewChain(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.Extend(3)
	v, err := headers.NewGenesisVerifier(c.Genesis, headers.Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{chain: c, v: v, trusted: c.Block(2).Trusted(), next: c.Block(3), signers: c.Signers()}
}

func TestVerifyAdjacentValid(t *testing.T) {
	f := newFixture(t, headertest.Config{})
	if err := f.v.VerifyAdjacent(f.trusted, f.next); err != nil {
		t.Fatal(err)
	}
	if err := f.v.VerifyAdjacent(f.chain.Genesis.Trusted(), f.chain.Block(1)); err != nil {
		t.Fatalf("height 1 from genesis: %v", err)
	}
	if err := f.v.Verify(f.chain.Genesis.Trusted(), f.next); err != nil {
		t.Fatalf("skipping from genesis: %v", err)
	}
}

func TestForgeryBadSignature(t *testing.T) {
	f := newFixture(t, headertest.Config{})
	err := f.v.VerifyAdjacent(f.trusted, headertest.BadSignature(f.signers, f.next))
	expectOnly(t, err, headers.ErrInvalidSignature)
	if !errors.Is(err, bls.ErrBadSignature) {
		t.Fatalf("cause should be the pairing check: %v", err)
	}
}

func TestForgeryInsufficientPower(t *testing.T) {
	f := newFixture(t, headertest.Config{})
	// 2 of 4 equal validators: 1/2.
	err := f.v.VerifyAdjacent(f.trusted, headertest.WithSigners(f.signers, f.next, []int{0, 3}))
	expectOnly(t, err, headers.ErrInsufficientPower)
	var pe *headers.PowerError
	if !errors.As(err, &pe) || pe.Signed != 20 || pe.Total != 40 {
		t.Fatalf("power error = %+v", pe)
	}
	// Exactly 2/3 is not more than 2/3.
	f3 := newFixture(t, headertest.Config{Validators: 3})
	err = f3.v.VerifyAdjacent(f3.trusted, headertest.WithSigners(f3.signers, f3.next, []int{0, 1}))
	expectOnly(t, err, headers.ErrInsufficientPower)
	// 3 of 4 is enough.
	if err := f.v.VerifyAdjacent(f.trusted, headertest.WithSigners(f.signers, f.next, []int{0, 1, 2})); err != nil {
		t.Fatal(err)
	}
}

func TestForgeryUnknownSignerBit(t *testing.T) {
	f := newFixture(t, headertest.Config{})
	expectOnly(t, f.v.VerifyAdjacent(f.trusted, headertest.ExtraSignerBit(f.next)), headers.ErrUnknownSigner)
	// The same forgery on the wire: a padding bit set in the last byte.
	enc, err := f.next.Commit.Encode()
	if err != nil {
		t.Fatal(err)
	}
	bitsAt := 1 + 8 + headers.HashSize + 2 // 4-bit field: one byte
	enc[bitsAt] |= 1 << 4
	_, err = headers.DecodeCommit(enc)
	expectOnly(t, err, headers.ErrUnknownSigner)
}

// A set that lists one key twice lets one signature count twice: with
// keys A, A, B, C of power 10, bits for both A's and B claim 30 of 40
// (> 2/3) although only A and B (20 of 30 distinct power) signed, and the
// aggregate 2*sig_A + sig_B verifies against 2*pk_A + pk_B. Such sets are
// rejected wherever a set is built.
func TestForgeryDuplicateSigner(t *testing.T) {
	scheme := bls.NewScheme()
	a, b, c := headertest.Key("dup", 0), headertest.Key("dup", 1), headertest.Key("dup", 2)
	val := func(sk *bls.SecretKey) headers.Validator {
		return headers.Validator{PublicKey: sk.PublicKey(), Power: 10, Possession: scheme.ProvePossession(sk)}
	}
	vals := []headers.Validator{val(a), val(a), val(b), val(c)}

	// Without the check, the double-counted commit would verify.
	msg := []byte("sign bytes")
	var agg bls.Aggregator
	agg.Add(a.PublicKey())
	agg.Add(a.PublicKey())
	agg.Add(b.PublicKey())
	sigA := scheme.Sign(a, msg)
	forged := bls.AggregateSignatures(sigA, sigA, scheme.Sign(b, msg))
	if err := scheme.VerifyAggregate(&agg, msg, forged); err != nil {
		t.Fatalf("premise: %v", err)
	}

	_, err := headers.NewValidatorSet(vals)
	expectOnly(t, err, headers.ErrDuplicateValidator)

	// On the wire, sorted so that the copies are adjacent.
	sorted := []headers.Validator{val(a), val(b), val(c)}
	set, err := headers.NewValidatorSet(sorted)
	if err != nil {
		t.Fatal(err)
	}
	canon, err := set.Validators()
	if err != nil {
		t.Fatal(err)
	}
	dup := append([]headers.Validator{canon[0]}, canon...)
	_, err = headers.DecodeValidatorSet(headers.EncodeValidators(dup))
	expectOnly(t, err, headers.ErrDuplicateValidator)
}

func TestForgeryWrongParent(t *testing.T) {
	f := newFixture(t, headertest.Config{})
	forged := headertest.Resign(f.signers, f.next, func(h *headers.Header) { h.ParentHash = f.chain.Block(1).Hash() })
	expectOnly(t, f.v.VerifyAdjacent(f.trusted, forged), headers.ErrParentHashMismatch)
}

func TestForgeryHeightGap(t *testing.T) {
	f := newFixture(t, headertest.Config{})
	forged := headertest.Resign(f.signers, f.next, func(h *headers.Header) { h.Height++ })
	expectOnly(t, f.v.VerifyAdjacent(f.trusted, forged), headers.ErrHeightGap)
	// A real block two heights up is no adjacent successor either.
	expectOnly(t, f.v.VerifyAdjacent(f.chain.Block(1).Trusted(), f.next), headers.ErrHeightGap)
	// Nor is an old one.
	err := f.v.VerifyAdjacent(f.trusted, f.chain.Block(2))
	if !errors.Is(err, headers.ErrHeightNotIncreasing) {
		t.Fatalf("same height: %v", err)
	}
}

func TestForgeryTimeGoingBack(t *testing.T) {
	f := newFixture(t, headertest.Config{})
	for name, d := range map[string]time.Duration{"earlier": -time.Nanosecond, "equal": 0} {
		t.Run(name, func(t *testing.T) {
			forged := headertest.Resign(f.signers, f.next, func(h *headers.Header) { h.Time = f.trusted.Time.Add(d) })
			expectOnly(t, f.v.VerifyAdjacent(f.trusted, forged), headers.ErrTimeNotIncreasing)
		})
	}
	forged := headertest.Resign(f.signers, f.next, func(h *headers.Header) { h.Time = f.trusted.Time.Add(-time.Hour) })
	expectOnly(t, f.v.VerifySkipping(f.chain.Block(1).Trusted(), forged), headers.ErrTimeNotIncreasing)
}

func TestForgeryWrongChainID(t *testing.T) {
	f := newFixture(t, headertest.Config{})
	forged := headertest.Resign(f.signers, f.next, func(h *headers.Header) { h.ChainID = "other-chain" })
	expectOnly(t, f.v.VerifyAdjacent(f.trusted, forged), headers.ErrChainIDMismatch)
}

func TestForgeryValidatorSetHashMismatch(t *testing.T) {
	f := newFixture(t, headertest.Config{})
	t.Run("header names another set", func(t *testing.T) {
		// Strangers sign a header that names their own set: internally
		// consistent, but not the set the trusted header named as next.
		keys := []*bls.SecretKey{headertest.Key("strangers", 0), headertest.Key("strangers", 1), headertest.Key("strangers", 2)}
		s, err := headertest.NewSigners(keys, 10)
		if err != nil {
			t.Fatal(err)
		}
		h := headertest.CopyHeader(f.next.Header)
		h.ValidatorsHash = s.Set.Hash()
		expectOnly(t, f.v.VerifyAdjacent(f.trusted, s.Block(h)), headers.ErrValidatorSetHashMismatch)
	})
	t.Run("attached set is not the named one", func(t *testing.T) {
		other, err := headertest.NewSigners([]*bls.SecretKey{headertest.Key("x", 0)}, 1)
		if err != nil {
			t.Fatal(err)
		}
		b := &headers.LightBlock{Header: f.next.Header, Commit: f.next.Commit, Validators: other.Set}
		expectOnly(t, f.v.VerifyAdjacent(f.trusted, b), headers.ErrValidatorSetHashMismatch)
	})
}

func TestForgeryRogueKey(t *testing.T) {
	victim, attacker := headertest.Key("rogue", 0), headertest.Key("rogue", 1)
	vals := headertest.RogueValidators(victim, attacker, 10)
	_, err := headers.NewValidatorSet(vals)
	expectOnly(t, err, headers.ErrInvalidPossession)
	if !errors.Is(err, bls.ErrBadPossession) {
		t.Fatalf("cause: %v", err)
	}
	// The same set from the wire.
	sorted := vals
	if a, b := vals[0].PublicKey.Bytes(), vals[1].PublicKey.Bytes(); bytes.Compare(a[:], b[:]) > 0 {
		sorted = []headers.Validator{vals[1], vals[0]}
	}
	_, err = headers.DecodeValidatorSet(headers.EncodeValidators(sorted))
	expectOnly(t, err, headers.ErrInvalidPossession)
}

func TestCommitMismatch(t *testing.T) {
	f := newFixture(t, headertest.Config{})
	b := &headers.LightBlock{Header: f.next.Header, Commit: f.chain.Block(2).Commit, Validators: f.next.Validators}
	if err := f.v.VerifyAdjacent(f.trusted, b); !errors.Is(err, headers.ErrCommitMismatch) {
		t.Fatalf("commit of another header: %v", err)
	}
}

func TestClockDriftAndTrustingPeriod(t *testing.T) {
	c := headertest.MustChain(headertest.Config{}, 3)
	trusted, next := c.Block(2).Trusted(), c.Block(3)
	mk := func(now time.Time, o headers.Options) *headers.Verifier {
		o.Now = func() time.Time { return now }
		v, err := headers.NewVerifier(c.Config.ChainID, o)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	// Header 1 ns beyond now + drift.
	v := mk(next.Header.Time.Add(-headers.DefaultMaxClockDrift-time.Nanosecond), headers.Options{})
	if err := v.VerifyAdjacent(trusted, next); !errors.Is(err, headers.ErrHeaderFromFuture) {
		t.Fatalf("future: %v", err)
	}
	v = mk(next.Header.Time.Add(-headers.DefaultMaxClockDrift), headers.Options{})
	if err := v.VerifyAdjacent(trusted, next); err != nil {
		t.Fatalf("at the drift bound: %v", err)
	}
	// Trusted header exactly one trusting period old.
	v = mk(trusted.Time.Add(time.Hour), headers.Options{TrustingPeriod: time.Hour})
	if err := v.VerifyAdjacent(trusted, next); !errors.Is(err, headers.ErrTrustExpired) {
		t.Fatalf("expired: %v", err)
	}
	if err := v.VerifySkipping(c.Block(1).Trusted(), next); !errors.Is(err, headers.ErrTrustExpired) {
		t.Fatalf("expired skipping: %v", err)
	}
	v = mk(trusted.Time.Add(time.Hour-time.Nanosecond), headers.Options{TrustingPeriod: time.Hour})
	if err := v.VerifyAdjacent(trusted, next); err != nil {
		t.Fatalf("just inside the period: %v", err)
	}
}

func TestMaxK(t *testing.T) {
	c := headertest.MustChain(headertest.Config{K: 8, MaxK: 4}, 1)
	v, err := headers.NewGenesisVerifier(c.Genesis, headers.Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := v.VerifyAdjacent(c.Genesis.Trusted(), c.Block(1)); !errors.Is(err, headers.ErrInvalidDA) {
		t.Fatalf("k above max_k: %v", err)
	}
}

// Skipping: after a validator-set change, the old set can vouch for a later
// header only while its members signing it hold more than 1/3 of its power.
func TestVerifySkipping(t *testing.T) {
	c, err := headertest.NewChain(headertest.Config{Validators: 6})
	if err != nil {
		t.Fatal(err)
	}
	c.Extend(2)
	root := c.Block(1).Trusted()
	orig := c.Signers().Keys
	// Keep 3 of 6 (1/2 of the old power): still enough trust.
	fresh := c.FreshKeys(3)
	if _, err := c.ChangeValidators(append(orig[:3:3], fresh...)); err != nil {
		t.Fatal(err)
	}
	c.Extend(3) // block 3 announces the change, 4.. are signed by the new set
	v, _ := headers.NewGenesisVerifier(c.Genesis, headers.Options{Now: c.Now})
	if err := v.VerifySkipping(root, c.Block(5)); err != nil {
		t.Fatalf("half the old set signs: %v", err)
	}
	// Keep 2 of the 6 original (exactly 1/3 of the old power): not enough
	// from the root, but 4 of the intermediate set's 6.
	third := append(append(orig[:2:2], fresh[:2]...), c.FreshKeys(2)...)
	if _, err := c.ChangeValidators(third); err != nil {
		t.Fatal(err)
	}
	c.Extend(3)
	err = v.VerifySkipping(root, c.Block(8))
	var pe *headers.PowerError
	if !errors.Is(err, headers.ErrInsufficientTrust) || !errors.As(err, &pe) || pe.Signed != 20 || pe.Total != 60 {
		t.Fatalf("one third of the old set: %v", err)
	}
	// Stepping through the intermediate header works.
	if err := v.VerifySkipping(root, c.Block(5)); err != nil {
		t.Fatal(err)
	}
	if err := v.VerifySkipping(c.Block(5).Trusted(), c.Block(8)); err != nil {
		t.Fatalf("from the intermediate header: %v", err)
	}
	// The new set still needs > 2/3 of its own power.
	weak := headertest.WithSigners(c.Signers(), c.Block(8), []int{0, 1, 2, 3})
	if err := v.VerifySkipping(c.Block(5).Trusted(), weak); !errors.Is(err, headers.ErrInsufficientPower) {
		t.Fatalf("4 of 6 of the new set: %v", err)
	}
	// And a forged signature is caught on the skipping path too.
	if err := v.VerifySkipping(c.Block(5).Trusted(), headertest.BadSignature(c.Signers(), c.Block(8))); !errors.Is(err, headers.ErrInvalidSignature) {
		t.Fatalf("bad signature: %v", err)
	}
	// Adjacent verification follows the change step by step.
	tr := c.Genesis.Trusted()
	for _, b := range c.Blocks {
		if err := v.VerifyAdjacent(tr, b); err != nil {
			t.Fatalf("height %d: %v", b.Height(), err)
		}
		tr = b.Trusted()
	}
}

func TestVerifyRange(t *testing.T) {
	n := 40
	if !heavy {
		n = 10
	}
	c := headertest.MustChain(headertest.Config{}, n)
	v, _ := headers.NewGenesisVerifier(c.Genesis, headers.Options{Now: c.Now})
	if err := v.VerifyRange(c.Genesis.Trusted(), c.Blocks); err != nil {
		t.Fatal(err)
	}
	bad := append([]*headers.LightBlock(nil), c.Blocks...)
	bad[n/2] = headertest.BadSignature(c.Signers(), bad[n/2])
	err := v.VerifyRange(c.Genesis.Trusted(), bad)
	var re *headers.RangeError
	if !errors.As(err, &re) || re.Index != n/2 || !errors.Is(err, headers.ErrInvalidSignature) {
		t.Fatalf("bad signature in range: %v", err)
	}
	bad = append([]*headers.LightBlock(nil), c.Blocks...)
	bad[3] = bad[4]
	if err := v.VerifyRange(c.Genesis.Trusted(), bad); !errors.As(err, &re) || re.Index != 3 || !errors.Is(err, headers.ErrHeightGap) {
		t.Fatalf("gap in range: %v", err)
	}
}

// Fork blocks are signed by the set in force at the fork point, so each is
// valid on its own (equivocation), also after a validator-set change.
func TestForkIsValidEquivocation(t *testing.T) {
	c := headertest.MustChain(headertest.Config{}, 3)
	if _, err := c.ChangeValidators(c.FreshKeys(4)); err != nil {
		t.Fatal(err)
	}
	c.Extend(4)
	v, _ := headers.NewGenesisVerifier(c.Genesis, headers.Options{Now: c.Now})
	for _, at := range []uint64{1, 4, 5, 7} {
		f := c.Fork(at)
		f.Extend(2)
		tr := c.Genesis.Trusted()
		if at > 1 {
			tr = c.Block(at - 1).Trusted()
		}
		for _, b := range f.Blocks[at-1:] {
			if err := v.VerifyAdjacent(tr, b); err != nil {
				t.Fatalf("fork at %d, height %d: %v", at, b.Height(), err)
			}
			tr = b.Trusted()
		}
		if f.Block(at).Hash() == c.Block(at).Hash() {
			t.Fatalf("fork at %d did not diverge", at)
		}
	}
}
