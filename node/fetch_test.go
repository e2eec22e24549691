//go:build !js

package node

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"lightdas/das"
	"lightdas/headers"
	"lightdas/kzg"
	"lightdas/p2p"
	"lightdas/p2p/memnet"
)

// testBlock encodes nBlobs random blobs and a header carrying their
// commitments.
func testBlock(t testing.TB, nBlobs int) (*headers.Header, *kzg.ExtendedBlock) {
	t.Helper()
	blobs := make([]kzg.Blob, nBlobs)
	for i := range blobs {
		rand.Read(blobs[i][:])
		for e := 0; e < kzg.FieldElementsPerBlob; e++ {
			blobs[i][e*kzg.BytesPerFieldElement] = 0 // canonical
		}
	}
	eb, err := sharedProver(t).ExtendBlock(blobs)
	if err != nil {
		t.Fatal(err)
	}
	h := &headers.Header{ChainID: "rows-test", Height: 3, Time: time.Unix(1_700_000_000, 0), Blobs: nBlobs}
	for _, c := range eb.Commitments[:eb.K] {
		h.Commitments = append(h.Commitments, headers.Commitment(c))
	}
	if err := h.Validate(); err != nil {
		t.Fatal(err)
	}
	return h, eb
}

type rowNet struct {
	net    *memnet.Network
	client *memnet.Host
	f      *blockFetcher
}

// newRowNet starts one row server per config (hosts s0, s1, ...), all
// holding eb, and a client fetcher connected to all of them.
func newRowNet(t testing.TB, h *headers.Header, eb *kzg.ExtendedBlock, servers ...RowServerConfig) *rowNet {
	t.Helper()
	net := memnet.NewNetwork(memnet.WithSeed(1))
	t.Cleanup(func() { net.Close() })
	bs := das.NewMemBlockStore()
	if err := bs.Put(h.Height, h.Hash(), eb); err != nil {
		t.Fatal(err)
	}
	client, err := net.NewHost("client")
	if err != nil {
		t.Fatal(err)
	}
	for i, cfg := range servers {
		id := p2p.PeerID(string(rune('a' + i)))
		sh, err := net.NewHost(id)
		if err != nil {
			t.Fatal(err)
		}
		NewRowServer(h.ChainID, bs, cfg).Register(sh)
		if err := net.Connect("client", id); err != nil {
			t.Fatal(err)
		}
	}
	f := newBlockFetcher(client, h.ChainID, newVerifier(t), func() (*kzg.Prover, error) { return sharedProver(t), nil })
	f.timeout = 5 * time.Second
	return &rowNet{net: net, client: client, f: f}
}

func sameBlock(t testing.TB, got, want *kzg.ExtendedBlock) {
	t.Helper()
	if got.K != want.K {
		t.Fatalf("k %d, want %d", got.K, want.K)
	}
	for r := range 2 * want.K {
		if got.Commitments[r] != want.Commitments[r] || got.Cells[r] != want.Cells[r] || got.Proofs[r] != want.Proofs[r] {
			t.Fatalf("row %d differs", r)
		}
	}
}

func TestFetchBlock(t *testing.T) {
	h, eb := testBlock(t, 2)
	k := eb.K
	withholdRows := func(rows func(int) bool) *das.Misbehavior {
		return &das.Misbehavior{Withhold: func(_ uint64, c das.Coord) bool { return rows(c.Row) }}
	}
	corrupt := &das.Misbehavior{Tamper: func(_ *das.Request, r *das.Response) {
		r.Entries[0].Cell[5] ^= 1
	}}
	cases := []struct {
		name    string
		servers []RowServerConfig
		wantErr error
		banned  int // servers banned afterwards
	}{
		{"honest", []RowServerConfig{{}}, nil, 0},
		{"extension withheld: re-encoded from the originals",
			[]RowServerConfig{{Misbehavior: withholdRows(func(r int) bool { return r >= k })}}, nil, 0},
		{"original row withheld everywhere: decoded from the others",
			[]RowServerConfig{{Misbehavior: withholdRows(func(r int) bool { return r == 1 })}}, nil, 0},
		{"fewer than k rows anywhere",
			[]RowServerConfig{{Misbehavior: withholdRows(func(r int) bool { return r != 3 })}}, ErrBlockUnavailable, 0},
		{"rows split between two partial servers", []RowServerConfig{
			{Misbehavior: withholdRows(func(r int) bool { return r%2 == 0 })},
			{Misbehavior: withholdRows(func(r int) bool { return r%2 == 1 })}}, nil, 0},
		{"corrupt server beside an honest one", []RowServerConfig{{Misbehavior: corrupt}, {}}, nil, 1},
		{"corrupt server alone", []RowServerConfig{{Misbehavior: corrupt}}, ErrBlockUnavailable, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rn := newRowNet(t, h, eb, tc.servers...)
			var mu sync.Mutex // onPenalty runs on the fetch workers
			var penalties []error
			rn.f.onPenalty = func(_ p2p.PeerID, _ uint64, err error, _ time.Time) {
				mu.Lock()
				penalties = append(penalties, err)
				mu.Unlock()
			}
			got, err := rn.f.fetch(context.Background(), h, nil)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("fetch: %v, want %v", err, tc.wantErr)
			}
			if err == nil {
				sameBlock(t, got, eb)
			}
			if n := len(rn.f.Banned()); n != tc.banned {
				t.Fatalf("%d peers banned, want %d (%v)", n, tc.banned, penalties)
			}
			for _, p := range penalties {
				if !errors.Is(p, ErrRowPeer) || !errors.Is(p, kzg.ErrVerify) {
					t.Fatalf("penalty %v: want ErrRowPeer and kzg.ErrVerify", p)
				}
			}
		})
	}
}

func TestRowServerRefusals(t *testing.T) {
	h, eb := testBlock(t, 1)
	rn := newRowNet(t, h, eb, RowServerConfig{RowsPerSecond: 0.001, Burst: 2})
	ctx := context.Background()
	proto := RowsProtocolID(h.ChainID)
	ask := func(q *RowRequest) RowStatus {
		t.Helper()
		r, err := FetchRow(ctx, rn.client, proto, "a", q)
		if err != nil {
			t.Fatal(err)
		}
		return r.Status
	}
	if s := ask(&RowRequest{Height: h.Height, Hash: headers.Hash{1}, Row: 0}); s != RowUnknownBlock {
		t.Fatalf("other hash: %s", s)
	}
	if s := ask(&RowRequest{Height: h.Height, Hash: h.Hash(), Row: 2}); s != RowBadRequest {
		t.Fatalf("row beyond 2k: %s", s)
	}
	if s := ask(&RowRequest{Height: h.Height, Hash: h.Hash(), Row: 0}); s != RowRateLimited {
		t.Fatalf("over the rate limit: %s", s)
	}
	// A malformed request is answered bad request; an oversized frame
	// resets the stream.
	st, err := rn.client.NewStream(ctx, "a", proto)
	if err != nil {
		t.Fatal(err)
	}
	st.Write(frame([]byte{1, 1, 0}))
	st.CloseWrite()
	b, err := readFrame(st, MaxRowResponseSize)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := DecodeRowResponse(b); err != nil || r.Status != RowBadRequest {
		t.Fatalf("malformed request answered %+v, %v", r, err)
	}
	st, err = rn.client.NewStream(ctx, "a", proto)
	if err != nil {
		t.Fatal(err)
	}
	st.Write(frame(make([]byte, RowRequestSize+1)))
	st.CloseWrite()
	if _, err := readFrame(st, MaxRowResponseSize); !errors.Is(err, p2p.ErrStreamReset) {
		t.Fatalf("oversized request: %v, want a reset", err)
	}
}

// serveOnly makes a row server answer only the given rows.
func serveOnly(rows ...int) *das.Misbehavior {
	return &das.Misbehavior{Withhold: func(_ uint64, c das.Coord) bool { return !slices.Contains(rows, c.Row) }}
}

// withhold makes a row server answer every row but the given ones.
func withhold(rows ...int) *das.Misbehavior {
	return &das.Misbehavior{Withhold: func(_ uint64, c das.Coord) bool { return slices.Contains(rows, c.Row) }}
}

// countProver counts the fetcher's prover calls: one per re-encoding.
func countProver(t testing.TB, f *blockFetcher) *atomic.Int32 {
	var n atomic.Int32
	f.prover = func() (*kzg.Prover, error) {
		n.Add(1)
		return sharedProver(t), nil
	}
	return &n
}

// TestFetchRecover: any k verified rows of the 2k, whichever they are,
// give back the producer's block exactly; fewer give a
// *RowsUnavailableError naming the missing rows; rows failing verification
// never count.
func TestFetchRecover(t *testing.T) {
	h, eb := testBlock(t, 3) // k = 4, row 3 is zero padding
	k := eb.K
	if k != 4 {
		t.Fatalf("k = %d, want 4", k)
	}
	// liar corrupts one cell of every row it serves: it never verifies.
	liar := &das.Misbehavior{Tamper: func(_ *das.Request, r *das.Response) { r.Entries[0].Cell[5] ^= 1 }}
	cases := []struct {
		name    string
		servers []RowServerConfig
		missing []int // nil: the block is recovered
		banned  int
	}{
		{"every original row withheld everywhere: decoded from the extension",
			[]RowServerConfig{{Misbehavior: withhold(0, 1, 2, 3)}}, nil, 0},
		{"originals 0 and 2, extension 5 and 7 withheld: exactly k rows",
			[]RowServerConfig{{Misbehavior: withhold(0, 2, 5, 7)}}, nil, 0},
		{"k rows only in the union of two servers",
			[]RowServerConfig{{Misbehavior: serveOnly(1, 4)}, {Misbehavior: serveOnly(3, 6)}}, nil, 0},
		{"one original withheld, more than k rows",
			[]RowServerConfig{{Misbehavior: withhold(2)}}, nil, 0},
		{"k-1 rows: unavailable",
			[]RowServerConfig{{Misbehavior: withhold(0, 1, 2, 4, 5)}}, []int{0, 1, 2, 4, 5}, 0},
		{"k-1 rows over two servers: unavailable",
			[]RowServerConfig{{Misbehavior: serveOnly(3, 6)}, {Misbehavior: serveOnly(6, 7)}}, []int{0, 1, 2, 4, 5}, 0},
		{"liar's rows rejected, honest extension decodes",
			[]RowServerConfig{{Misbehavior: liar}, {Misbehavior: withhold(0, 1, 2, 3)}}, nil, 1},
		{"liar's rows do not count: k-1 honest rows",
			[]RowServerConfig{{Misbehavior: liar}, {Misbehavior: withhold(0, 1, 2, 3, 4)}}, []int{0, 1, 2, 3, 4}, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rn := newRowNet(t, h, eb, tc.servers...)
			proverCalls := countProver(t, rn.f)
			var mu sync.Mutex // onPenalty runs on the fetch workers
			var penalties []error
			rn.f.onPenalty = func(_ p2p.PeerID, _ uint64, err error, _ time.Time) {
				mu.Lock()
				penalties = append(penalties, err)
				mu.Unlock()
			}
			got, err := rn.f.fetch(testCtx(t, time.Minute), h, nil)
			if tc.missing == nil {
				if err != nil {
					t.Fatalf("fetch: %v", err)
				}
				sameBlock(t, got, eb)
				if n := proverCalls.Load(); n != 1 {
					t.Fatalf("%d re-encodings, want 1", n)
				}
			} else {
				var ue *RowsUnavailableError
				if !errors.As(err, &ue) || !errors.Is(err, ErrBlockUnavailable) {
					t.Fatalf("fetch: %v, want a *RowsUnavailableError wrapping ErrBlockUnavailable", err)
				}
				if got != nil {
					t.Fatal("a block came back with the error")
				}
				want := RowsUnavailableError{Height: h.Height, Missing: tc.missing, Verified: 2*k - len(tc.missing), K: k, Peers: len(tc.servers)}
				if ue.Height != want.Height || !slices.Equal(ue.Missing, want.Missing) || ue.Verified != want.Verified || ue.K != want.K || ue.Peers != want.Peers {
					t.Fatalf("error %+v, want %+v", *ue, want)
				}
				if !strings.Contains(err.Error(), fmt.Sprint(tc.missing)) {
					t.Fatalf("error %q does not name rows %v", err, tc.missing)
				}
				if n := proverCalls.Load(); n != 0 {
					t.Fatalf("%d re-encodings of an undecodable block", n)
				}
			}
			banned := rn.f.Banned()
			if len(banned) != tc.banned {
				t.Fatalf("%d peers banned, want %d (%v)", len(banned), tc.banned, penalties)
			}
			if tc.banned > 0 {
				if _, ok := banned["a"]; !ok {
					t.Fatalf("banned %v, want the liar a", banned)
				}
			}
			for _, p := range penalties {
				if !errors.Is(p, ErrRowPeer) || !errors.Is(p, kzg.ErrVerify) {
					t.Fatalf("penalty %v: want ErrRowPeer and kzg.ErrVerify", p)
				}
			}
		})
	}
}

// TestFetchKeepsRowsAcrossAttempts: rows verified by one attempt count in
// the next, so k rows that were never served at the same time still
// recover the block, and a retry asks only for the rows it lacks.
func TestFetchKeepsRowsAcrossAttempts(t *testing.T) {
	h, eb := testBlock(t, 3) // k = 4
	for _, keep := range []bool{true, false} {
		t.Run(fmt.Sprintf("keep=%v", keep), func(t *testing.T) {
			rn := newRowNet(t, h, eb, RowServerConfig{Misbehavior: serveOnly(0, 1)}, RowServerConfig{Misbehavior: serveOnly(2, 3)})
			if err := rn.net.Disconnect("client", "b"); err != nil {
				t.Fatal(err)
			}
			got := newBlockRows(eb.K)
			_, err := rn.f.fetch(context.Background(), h, got)
			var ue *RowsUnavailableError
			if !errors.As(err, &ue) || ue.Verified != 2 {
				t.Fatalf("first attempt: %v, want 2 rows verified", err)
			}
			// a goes away, b comes: rows 0 and 1 are only in got now.
			if err := rn.net.Disconnect("client", "a"); err != nil {
				t.Fatal(err)
			}
			if err := rn.net.Connect("client", "b"); err != nil {
				t.Fatal(err)
			}
			if !keep {
				got = nil
			}
			block, err := rn.f.fetch(context.Background(), h, got)
			if !keep {
				if !errors.As(err, &ue) || ue.Verified != 2 {
					t.Fatalf("fresh second attempt: %v, want 2 rows verified", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("second attempt: %v", err)
			}
			sameBlock(t, block, eb)
		})
	}
}

// TestRebuildRejectsOtherCommitments: blobs that re-encode to commitments
// other than the header's are never returned as the block (verified rows
// cannot produce them; this guards the last check on its own).
func TestRebuildRejectsOtherCommitments(t *testing.T) {
	h, eb := testBlock(t, 2)
	rn := newRowNet(t, h, eb)
	originals := make([]kzg.Commitment, eb.K)
	for i, c := range h.Commitments {
		originals[i] = kzg.Commitment(c)
	}
	blobs, lost, err := rn.f.originalBlobs(h, eb.Cells, []bool{true, true, true, true})
	if err != nil || lost != nil {
		t.Fatalf("originalBlobs: %v, lost %v", err, lost)
	}
	got, err := rn.f.rebuild(h, originals, blobs, nil)
	if err != nil {
		t.Fatal(err)
	}
	sameBlock(t, got, eb)
	blobs[1][100] ^= 1 // still canonical: byte 100 is inside an element
	got, err = rn.f.rebuild(h, originals, blobs, []int{1})
	if !errors.Is(err, ErrBlockUnavailable) || got != nil || !strings.Contains(err.Error(), "row 1") {
		t.Fatalf("rebuild of other data: %v, %v; want ErrBlockUnavailable naming row 1", got, err)
	}
}

// BenchmarkFetchRecover: an 8-blob block (k = 8) whose original rows are
// withheld everywhere, recovered from its 8 extended rows. decode is the
// column decoding alone, recover adds the re-encoding (FK20) and the
// commitment check, fetch is the whole fetch over memnet (16 row requests,
// 8 row verifications, recovery); fetch-all-rows is the same fetch when
// every row is served, for comparison.
func BenchmarkFetchRecover(b *testing.B) {
	h, eb := testBlock(b, 8)
	k := eb.K
	have := make([]bool, 2*k)
	cells := make([][kzg.CellsPerRow]kzg.Cell, 2*k)
	for r := k; r < 2*k; r++ {
		have[r], cells[r] = true, eb.Cells[r]
	}
	originals := make([]kzg.Commitment, k)
	for i, c := range h.Commitments {
		originals[i] = kzg.Commitment(c)
	}
	fast := RowServerConfig{RowsPerSecond: 1e9, Burst: 1 << 30}
	withheld := fast
	withheld.Misbehavior = withhold(0, 1, 2, 3, 4, 5, 6, 7)
	rn := newRowNet(b, h, eb, withheld)
	f := rn.f
	f.codec() // built once per fetcher, outside the timings
	sharedProver(b)

	b.Run("decode", func(b *testing.B) {
		for b.Loop() {
			if _, err := f.decodeRows(k, cells, have); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("recover", func(b *testing.B) {
		for b.Loop() {
			blobs, lost, err := f.originalBlobs(h, cells, have)
			if err != nil || len(lost) != k {
				b.Fatalf("%v, lost %v", err, lost)
			}
			if _, err := f.rebuild(h, originals, blobs, lost); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("fetch", func(b *testing.B) {
		for b.Loop() {
			got, err := f.fetch(context.Background(), h, nil)
			if err != nil {
				b.Fatal(err)
			}
			if got.Cells[0] != eb.Cells[0] {
				b.Fatal("row 0 differs")
			}
		}
	})
	all := newRowNet(b, h, eb, fast)
	b.Run("fetch-all-rows", func(b *testing.B) {
		for b.Loop() {
			if _, err := all.f.fetch(context.Background(), h, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}
