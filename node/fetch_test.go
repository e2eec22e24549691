//go:build !js

package node

import (
	"context"
	"crypto/rand"
	"errors"
	"sync"
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
func testBlock(t *testing.T, nBlobs int) (*headers.Header, *kzg.ExtendedBlock) {
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
func newRowNet(t *testing.T, h *headers.Header, eb *kzg.ExtendedBlock, servers ...RowServerConfig) *rowNet {
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

func sameBlock(t *testing.T, got, want *kzg.ExtendedBlock) {
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
		{"original row withheld everywhere",
			[]RowServerConfig{{Misbehavior: withholdRows(func(r int) bool { return r == 1 })}}, ErrBlockUnavailable, 0},
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
			got, err := rn.f.fetch(context.Background(), h)
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
