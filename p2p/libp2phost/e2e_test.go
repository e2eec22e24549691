//go:build !js

package libp2phost

import (
	"context"
	"testing"
	"time"

	"lightdas/headers"
	"lightdas/headers/headertest"
)

// TestHeadersOverLibp2p runs the header exchange and the head subscription
// between two real hosts over QUIC.
func TestHeadersOverLibp2p(t *testing.T) {
	c := headertest.MustChain(headertest.Config{}, 5)
	listen := []string{"/ip4/127.0.0.1/udp/0/quic-v1"}
	client := newHost(t, Config{ListenAddrs: listen})
	server := newHost(t, Config{ListenAddrs: listen, Role: FullNode})
	store := headers.NewMemStore()
	if err := store.Append(context.Background(), c.Blocks...); err != nil {
		t.Fatal(err)
	}
	svc := headers.ServeHeaders(server, c.Config.ChainID, headers.NewServer(store))
	defer svc.Close()
	connect(t, client, server, "")

	ctx := testCtx(t)
	peer := headers.NewP2PPeer(client, server.ID(), c.Config.ChainID, nil)
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
	for svc.Subscribers() != 1 {
		if ctx.Err() != nil {
			t.Fatal("the server never registered the subscription")
		}
		time.Sleep(time.Millisecond)
	}
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
