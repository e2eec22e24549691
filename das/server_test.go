package das

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"lightdas/headers"
	"lightdas/kzg"
	"lightdas/p2p"
)

// serverNet is a client host and one server on a memnet network.
func serverNet(t *testing.T, cfg ServerConfig) (*testNet, *Server, *headers.Header, *fixture) {
	t.Helper()
	fx := loadFixture(t, 2)
	n := newTestNet(t)
	srv := n.addServer("full", nil, cfg)
	h := headerFor(fx, 5)
	n.put(fx, h)
	return n, srv, h, fx
}

func ask(ctx context.Context, n *testNet, q *Request) (*Response, error) {
	return fetch(ctx, n.light, ProtocolID(testChain), "full", q)
}

func TestServerAnswers(t *testing.T) {
	ctx := testCtx(t)
	n, srv, h, fx := serverNet(t, ServerConfig{})
	q := &Request{Height: h.Height, Hash: h.Hash(), Cells: []Coord{{0, 0}, {1, 77}, {3, 127}}}
	resp, err := ask(ctx, n, q)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range resp.Entries {
		c := q.Cells[i]
		if !e.Found || e.Cell != fx.block.Cells[c.Row][c.Col] || e.Proof != fx.block.Proofs[c.Row][c.Col] {
			t.Fatalf("entry %d wrong", i)
		}
	}
	if srv.CellsServed() != 3 {
		t.Fatalf("served %d", srv.CellsServed())
	}

	// Another block at the same height (another fork) is unknown.
	other := *q
	other.Hash[0] ^= 1
	if resp, err := ask(ctx, n, &other); !errors.Is(err, ErrPeerStatus) || resp.Status != ResponseUnknownBlock {
		t.Fatalf("unknown block: %v %v", resp, err)
	}
	// A row beyond the block's 2k rows is a bad request.
	far := &Request{Height: h.Height, Hash: h.Hash(), Cells: []Coord{{4, 0}}}
	if resp, err := ask(ctx, n, far); !errors.Is(err, ErrPeerStatus) || resp.Status != ResponseBadRequest {
		t.Fatalf("row 4 of k=2: %v %v", resp, err)
	}
	// Malformed requests get a bad-request answer.
	st, err := n.light.NewStream(ctx, "full", ProtocolID(testChain))
	if err != nil {
		t.Fatal(err)
	}
	if err := writeFrame(st, []byte{WireVersion, msgRequest, 1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	st.CloseWrite()
	frame, err := readFrame(st, MaxResponseSize)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := DecodeResponse(frame); err != nil || r.Status != ResponseBadRequest {
		t.Fatalf("malformed request answered %v %v", r, err)
	}
	st.Close()
	// Other chains' protocol ids are not served.
	if _, err := fetch(ctx, n.light, ProtocolID("other-chain"), "full", q); !errors.Is(err, p2p.ErrProtocolNotSupported) {
		t.Fatalf("other chain: %v", err)
	}
}

func TestServerRateLimit(t *testing.T) {
	ctx := testCtx(t)
	n, _, h, _ := serverNet(t, ServerConfig{CellsPerSecond: 1e-3, Burst: 10})
	q := &Request{Height: h.Height, Hash: h.Hash(), Cells: []Coord{{0, 0}, {0, 1}, {0, 2}, {0, 3}}}
	for i := 0; i < 2; i++ {
		if _, err := ask(ctx, n, q); err != nil {
			t.Fatalf("request %d within the burst: %v", i, err)
		}
	}
	resp, err := ask(ctx, n, q) // 12 cells > burst of 10
	if !errors.Is(err, ErrPeerStatus) || resp.Status != ResponseRateLimited {
		t.Fatalf("over the limit: %v %v", resp, err)
	}
	// Another peer has its own bucket.
	other, err := n.net.NewHost("other")
	if err != nil {
		t.Fatal(err)
	}
	if err := n.net.Connect("other", "full"); err != nil {
		t.Fatal(err)
	}
	if _, err := fetch(ctx, other, ProtocolID(testChain), "full", q); err != nil {
		t.Fatalf("other peer: %v", err)
	}
}

// holdSlot opens a stream that never sends its request and waits until
// the server's handler holds a slot for it.
func holdSlot(t *testing.T, ctx context.Context, n *testNet, srv *Server) p2p.Stream {
	t.Helper()
	st, err := n.light.NewStream(ctx, "full", ProtocolID(testChain))
	if err != nil {
		t.Fatal(err)
	}
	for {
		if srv.active() == 1 {
			return st
		}
		select {
		case <-ctx.Done():
			t.Fatal("stream never handled")
		case <-time.After(time.Millisecond):
		}
	}
}

// TestServerStreamLimits: streams beyond the per-peer cap are reset at
// once; closing the stream that holds the slot frees it.
func TestServerStreamLimits(t *testing.T) {
	ctx := testCtx(t)
	n, srv, h, _ := serverNet(t, ServerConfig{MaxStreamsPerPeer: 1, RequestTimeout: time.Hour})
	idle := holdSlot(t, ctx, n, srv)
	q := &Request{Height: h.Height, Hash: h.Hash(), Cells: []Coord{{0, 0}}}
	if _, err := ask(ctx, n, q); !errors.Is(err, p2p.ErrStreamReset) {
		t.Fatalf("over the stream cap: %v", err)
	}
	idle.Reset()
	for { // the handler notices the reset and releases the slot
		_, err := ask(ctx, n, q)
		if err == nil {
			break
		}
		if !errors.Is(err, p2p.ErrStreamReset) {
			t.Fatal(err)
		}
		select {
		case <-ctx.Done():
			t.Fatal("slot never released")
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// TestServerRequestDeadline: a client that never sends its request is cut
// off at the server's request deadline and leaves no stream open.
func TestServerRequestDeadline(t *testing.T) {
	ctx := testCtx(t)
	n, srv, _, _ := serverNet(t, ServerConfig{RequestTimeout: 50 * time.Millisecond})
	idle := holdSlot(t, ctx, n, srv)
	idle.SetReadDeadline(time.Now().Add(testTimeout))
	if _, err := idle.Read(make([]byte, 1)); !errors.Is(err, p2p.ErrStreamReset) {
		t.Fatalf("idle stream: %v", err)
	}
	for n.net.Host("full").NumStreams() != 0 || srv.active() != 0 {
		select {
		case <-ctx.Done():
			t.Fatal("server stream left open")
		case <-time.After(time.Millisecond):
		}
	}
}

func (s *Server) active() int { return s.slots.Active() }

func TestMemBlockStore(t *testing.T) {
	ctx := context.Background()
	fx := loadFixture(t, 2)
	s := NewMemBlockStore()
	h := headerFor(fx, 3)
	if err := s.Put(3, h.Hash(), fx.block); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(4, h.Hash(), nil); !errors.Is(err, ErrConfig) {
		t.Fatalf("nil block: %v", err)
	}
	if k, err := s.K(ctx, 3, h.Hash()); k != 2 || err != nil {
		t.Fatalf("K: %d %v", k, err)
	}
	if _, err := s.K(ctx, 4, h.Hash()); !errors.Is(err, ErrUnknownBlock) {
		t.Fatalf("unknown: %v", err)
	}
	if _, _, err := s.Sample(ctx, 3, h.Hash(), 4, 0); !errors.Is(err, ErrCoordinate) {
		t.Fatalf("row 4: %v", err)
	}
	c, p, err := s.Sample(ctx, 3, h.Hash(), 3, 9)
	if err != nil || c != fx.block.Cells[3][9] || p != fx.block.Proofs[3][9] {
		t.Fatalf("sample: %v", err)
	}
	s.Prune(4)
	if _, err := s.K(ctx, 3, h.Hash()); !errors.Is(err, ErrUnknownBlock) {
		t.Fatalf("after prune: %v", err)
	}
}

func TestNewServerAndSamplerErrors(t *testing.T) {
	if _, err := NewServer("bad chain!", NewMemBlockStore(), ServerConfig{}); !errors.Is(err, ErrConfig) {
		t.Fatal(err)
	}
	if _, err := NewServer(testChain, nil, ServerConfig{}); !errors.Is(err, ErrConfig) {
		t.Fatal(err)
	}
	n := newTestNet(t)
	v := testVerifier(t)
	cps := NewMemCheckpointStore()
	for name, opts := range map[string][]Option{
		"confidence":  {WithConfidence(0)},
		"window":      {WithWindow(0)},
		"spread":      {WithSpread(2)},
		"concurrency": {WithConcurrency(0, 1)},
		"timeouts":    {WithTimeouts(0, time.Second)},
		"rounds":      {WithRetryRounds(-1, time.Second)},
		"retry":       {WithFailureRetry(time.Second, 0)},
		"ban":         {WithBanDuration(0)},
	} {
		if _, err := NewSampler(n.light, testChain, v, cps, opts...); !errors.Is(err, ErrConfig) {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if _, err := NewSampler(nil, testChain, v, cps); !errors.Is(err, ErrConfig) {
		t.Fatal(err)
	}
	s, _ := n.sampler(nil)
	fx := loadFixture(t, 2)
	h := headerFor(fx, 1)
	h.ChainID = "other"
	if err := s.HeaderVerified(h); !errors.Is(err, ErrHeader) {
		t.Fatalf("other chain: %v", err)
	}
	if _, err := s.Sample(context.Background(), h); !errors.Is(err, ErrHeader) {
		t.Fatalf("other chain: %v", err)
	}
	if err := s.HeaderVerified(nil); !errors.Is(err, ErrHeader) {
		t.Fatalf("nil header: %v", err)
	}
	if got, _ := s.SamplesPerBlock(8); got != 28 {
		t.Fatalf("samples per 8-row block: %d", got)
	}
}

// batchStore is a BatchBlockStore over a MemBlockStore that counts its
// calls and can drop cells and fail the batch read.
type batchStore struct {
	*MemBlockStore
	batches, singles int
	lacks            func(Coord) bool // cells Samples answers not found
	err              error            // returned by Samples after filling the others
}

func (s *batchStore) Sample(ctx context.Context, height uint64, hash headers.Hash, row, col int) (kzg.Cell, kzg.Proof, error) {
	s.singles++
	return s.MemBlockStore.Sample(ctx, height, hash, row, col)
}

func (s *batchStore) Samples(ctx context.Context, height uint64, hash headers.Hash, entries []Entry) error {
	s.batches++
	for i := range entries {
		e := &entries[i]
		if s.lacks != nil && s.lacks(e.Coord) {
			continue
		}
		cell, proof, err := s.MemBlockStore.Sample(ctx, height, hash, e.Row, e.Col)
		if err != nil {
			return err
		}
		e.Found, e.Cell, e.Proof = true, cell, proof
	}
	return s.err
}

// TestServerBatchStore: a store with batch reads answers a request in one
// Samples call, with the same answers, counts and hooks as cell by cell.
func TestServerBatchStore(t *testing.T) {
	fx := loadFixture(t, 2)
	h := headerFor(fx, 5)
	cells := []Coord{{0, 0}, {0, 5}, {1, 77}, {3, 126}}
	odd := func(c Coord) bool { return c.Col%2 == 1 }
	for _, tc := range []struct {
		name     string
		err      error
		lacks    func(Coord) bool
		withhold func(uint64, Coord) bool
		status   ResponseStatus
		found    []bool
	}{
		{name: "all found", status: ResponseOK, found: []bool{true, true, true, true}},
		{name: "store lacks odd columns", lacks: odd, status: ResponseOK, found: []bool{true, false, false, true}},
		{name: "withheld odd columns", withhold: func(_ uint64, c Coord) bool { return odd(c) }, status: ResponseOK, found: []bool{true, false, false, true}},
		{name: "pruned after K", err: fmt.Errorf("gone: %w", ErrUnknownBlock), status: ResponseUnknownBlock},
		{name: "damaged rows", lacks: odd, err: errors.New("checksum mismatch"), status: ResponseOK, found: []bool{true, false, false, true}},
		{name: "damaged block", lacks: func(Coord) bool { return true }, err: errors.New("checksum mismatch"), status: ResponseOK, found: []bool{false, false, false, false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := &batchStore{MemBlockStore: NewMemBlockStore(), err: tc.err, lacks: tc.lacks}
			if err := store.Put(h.Height, h.Hash(), fx.block); err != nil {
				t.Fatal(err)
			}
			srv, err := NewServer(testChain, store, ServerConfig{Misbehavior: &Misbehavior{Withhold: tc.withhold}})
			if err != nil {
				t.Fatal(err)
			}
			q := &Request{Height: h.Height, Hash: h.Hash(), Cells: cells}
			r := srv.Respond(context.Background(), "peer", q)
			if store.batches != 1 || store.singles != 0 {
				t.Fatalf("%d batch reads and %d cell reads, want 1 and 0", store.batches, store.singles)
			}
			if r.Status != tc.status {
				t.Fatalf("status %v, want %v", r.Status, tc.status)
			}
			if tc.status != ResponseOK {
				if len(r.Entries) != 0 || srv.CellsServed() != 0 {
					t.Fatalf("%d entries, %d served with status %v", len(r.Entries), srv.CellsServed(), r.Status)
				}
				return
			}
			if err := r.Match(q); err != nil {
				t.Fatal(err)
			}
			served := 0
			for i, e := range r.Entries {
				c := q.Cells[i]
				switch {
				case e.Found != tc.found[i]:
					t.Fatalf("entry %d found %v, want %v", i, e.Found, tc.found[i])
				case e.Found && (e.Cell != fx.block.Cells[c.Row][c.Col] || e.Proof != fx.block.Proofs[c.Row][c.Col]):
					t.Fatalf("entry %d: wrong cell or proof", i)
				case !e.Found && (e.Cell != kzg.Cell{} || e.Proof != kzg.Proof{}):
					t.Fatalf("entry %d not found but carries a cell", i)
				}
				if e.Found {
					served++
				}
			}
			if srv.CellsServed() != uint64(served) {
				t.Fatalf("served %d, want %d", srv.CellsServed(), served)
			}
		})
	}
}
