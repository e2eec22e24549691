package memnet_test

import (
	"testing"
	"time"

	"lightdas/p2p"
	"lightdas/p2p/memnet"
	"lightdas/p2p/p2ptest"
)

func newPair(t *testing.T, opts ...memnet.Option) (*memnet.Network, *memnet.Host, *memnet.Host) {
	t.Helper()
	n := memnet.NewNetwork(opts...)
	t.Cleanup(func() { n.Close() })
	a, err := n.NewHost("a")
	if err != nil {
		t.Fatal(err)
	}
	b, err := n.NewHost("b")
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Connect("a", "b"); err != nil {
		t.Fatal(err)
	}
	return n, a, b
}

func TestConformance(t *testing.T) {
	p2ptest.TestHost(t, func(t *testing.T) (p2p.Host, p2p.Host) {
		_, a, b := newPair(t)
		return a, b
	})
}

// The suite again over slow links with a tiny window, so
// latency, bandwidth and chunking are exercised by the same checks.
func TestConformanceConditions(t *testing.T) {
	p2ptest.TestHost(t, func(t *testing.T) (p2p.Host, p2p.Host) {
		_, a, b := newPair(t,
			memnet.WithStreamWindow(4096),
			memnet.WithConditions(memnet.Conditions{Latency: 500 * time.Microsecond, Bandwidth: 64 << 20}))
		return a, b
	})
}
