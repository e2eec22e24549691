//go:build !js

package webrtc

import (
	"crypto/rand"
	"testing"
	"time"

	"lightdas/das"
	"lightdas/headers"
	"lightdas/headers/headertest"
	"lightdas/kzg"
	"lightdas/p2p/libp2phost"
)

// TestHeadersOverWebRTC runs the header exchange and the head
// subscription from this host to a go-libp2p full node.
func TestHeadersOverWebRTC(t *testing.T) {
	c := headertest.MustChain(headertest.Config{}, 5)
	srv, addr := listener(t, libp2phost.Config{Role: libp2phost.FullNode})
	store := headers.NewMemStore()
	if err := store.Append(testCtx(t), c.Blocks...); err != nil {
		t.Fatal(err)
	}
	svc := headers.ServeHeaders(srv, c.Config.ChainID, headers.NewServer(store))
	defer svc.Close()
	h := newHost(t, Config{})
	dial(t, h, srv, addr)

	ctx := testCtx(t)
	peer := headers.NewP2PPeer(h, srv.ID(), c.Config.ChainID, nil)
	got, err := headers.NewClient(peer, headers.NewCodec()).GetRange(ctx, 1, 5)
	if err != nil || len(got) != 5 {
		t.Fatalf("GetRange: %d blocks, %v", len(got), err)
	}
	for i, b := range got {
		if b.Hash() != c.Block(uint64(i+1)).Hash() {
			t.Fatalf("block %d differs", i+1)
		}
	}

	sub, err := peer.SubscribeHeads(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	waitFor(t, ctx, "the server to register the subscription", func() bool { return svc.Subscribers() == 1 })
	next := c.Extend(1)[0]
	if err := store.Append(ctx, next); err != nil {
		t.Fatal(err)
	}
	if err := svc.Publish(next); err != nil {
		t.Fatal(err)
	}
	head, err := sub.Next(ctx)
	if err != nil || head.Hash() != next.Hash() {
		t.Fatalf("announced head: %v, %v", head, err)
	}
}

// TestSamplingOverWebRTC samples a real KZG-committed block served by a
// go-libp2p full node's das.Server, with every cell verified.
func TestSamplingOverWebRTC(t *testing.T) {
	const chainID = "webrtc-test"
	prover, err := kzg.NewProver()
	if err != nil {
		t.Fatal(err)
	}
	blobs := make([]kzg.Blob, 2)
	for i := range blobs {
		rand.Read(blobs[i][:])
		for e := 0; e < kzg.FieldElementsPerBlob; e++ {
			blobs[i][e*kzg.BytesPerFieldElement] = 0 // canonical field elements
		}
	}
	block, err := prover.ExtendBlock(blobs)
	if err != nil {
		t.Fatal(err)
	}
	hdr := &headers.Header{ChainID: chainID, Height: 7, Time: time.Unix(1_700_000_000, 0), Blobs: len(blobs)}
	for _, c := range block.Commitments[:block.K] {
		hdr.Commitments = append(hdr.Commitments, headers.Commitment(c))
	}
	if err := hdr.Validate(); err != nil {
		t.Fatal(err)
	}
	bs := das.NewMemBlockStore()
	if err := bs.Put(hdr.Height, hdr.Hash(), block); err != nil {
		t.Fatal(err)
	}
	ds, err := das.NewServer(chainID, bs, das.ServerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	srv, addr := listener(t, libp2phost.Config{Role: libp2phost.FullNode})
	ds.Register(srv)

	h := newHost(t, Config{})
	dial(t, h, srv, addr)
	verifier, err := kzg.NewVerifier()
	if err != nil {
		t.Fatal(err)
	}
	sampler, err := das.NewSampler(h, chainID, verifier, das.NewMemCheckpointStore())
	if err != nil {
		t.Fatal(err)
	}
	res, err := sampler.Sample(testCtx(t), hdr)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != das.Available || res.Verified != res.Samples || res.Samples == 0 {
		t.Fatalf("sampling over WebRTC: %v, %d of %d cells verified (%v)", res.Status, res.Verified, res.Samples, res.Err)
	}
	if ds.CellsServed() < uint64(res.Samples) {
		t.Fatalf("server served %d cells, sampler verified %d", ds.CellsServed(), res.Samples)
	}
	t.Logf("%d cells sampled and verified over WebRTC in %d requests, confidence %.6f", res.Samples, res.Requests, res.Confidence)
}
