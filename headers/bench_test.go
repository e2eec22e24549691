package headers_test

import (
	"context"
	"fmt"
	"testing"

	"lightdas/headers"
	"lightdas/headers/headertest"
)

// BenchmarkVerifyCommit: decode a commit from its wire bytes (including the
// signature's subgroup check) and verify it against a header and its
// validator set, every validator signing.
func BenchmarkVerifyCommit(b *testing.B) {
	for _, n := range []int{4, 64, 256} {
		b.Run(fmt.Sprintf("validators=%d", n), func(b *testing.B) {
			c := headertest.MustChain(headertest.Config{Validators: n, K: 4}, 1)
			blk := c.Head()
			enc, err := blk.Commit.Encode()
			if err != nil {
				b.Fatal(err)
			}
			v, _ := headers.NewGenesisVerifier(c.Genesis, headers.Options{Now: c.Now})
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				cm, err := headers.DecodeCommit(enc)
				if err != nil {
					b.Fatal(err)
				}
				if err := v.VerifyCommit(blk.Validators, blk.Header, cm); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSync1000: a fresh light client syncs 1000 headers (64
// validators, k = 4) from genesis through the wire codec of an in-memory
// peer: 16 range requests, every header verified before it is stored.
func BenchmarkSync1000(b *testing.B) {
	c := headertest.MustChain(headertest.Config{Validators: 64, K: 4}, 1000)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		store := headers.NewMemStore()
		peer := headertest.NewPeer("p", c.Blocks, headers.NewCodec()) // cold set cache
		s := newSyncer(b, c, store, []headers.Peer{peer}, nil)
		b.StartTimer()
		if err := s.SyncOnce(ctx); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if head, err := store.Head(ctx); err != nil || head.Height() != 1000 {
			b.Fatalf("head %v %v", head, err)
		}
		b.StartTimer()
	}
}
