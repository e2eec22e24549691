package das

import (
	"testing"
	"time"
)

// benchHeaderToConfidence measures header-to-verdict for a block of the
// fixture with k rows over a zero-latency in-memory network with three
// honest servers: draw the cells, fetch them in parallel, verify them in
// one batch. allocs/op counts both sides (servers run in-process); the
// cells/s metric is verified cells per second of wall time.
func benchHeaderToConfidence(b *testing.B, k int) {
	ctx := testCtx(b)
	fx := loadFixture(b, k)
	n := newTestNet(b)
	n.honest(3)
	h := headerFor(fx, 1)
	n.put(fx, h)
	s, err := NewSampler(n.light, testChain, testVerifier(b), NewMemCheckpointStore())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	cells := 0
	for i := 0; i < b.N; i++ {
		res, err := s.Sample(ctx, h)
		if err != nil {
			b.Fatal(err)
		}
		if res.Status != Available || res.Confidence < DefaultConfidence {
			b.Fatalf("%v: %v", res.Status, res.Err)
		}
		cells += res.Verified
	}
	b.ReportMetric(float64(cells)/time.Since(start).Seconds(), "cells/s")
}

// BenchmarkHeaderToConfidence8: the 8-blob block of the targets (28 cells
// to 99.99%).
func BenchmarkHeaderToConfidence8(b *testing.B) { benchHeaderToConfidence(b, 8) }

func BenchmarkHeaderToConfidence2(b *testing.B) { benchHeaderToConfidence(b, 2) }

// BenchmarkSamplesFor: the exact bound for one block (the sampler caches it
// per k; this is its one-time cost).
func BenchmarkSamplesFor(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, err := SamplesFor(8, DefaultConfidence); err != nil {
			b.Fatal(err)
		}
	}
}
