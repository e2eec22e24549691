//go:build !js

package kzg

import (
	"math/rand/v2"
	"testing"
	"time"

	goethkzg "github.com/crate-crypto/go-eth-kzg"
)

// Run with: go test ./kzg -run '^$' -bench 'NewProver|ComputeCellsAndProofs|ExtendBlock8|RecoverCellsAndProofs|BlobToCommitment' -benchtime 10x
// Sub-benchmarks compare lightdas with go-eth-kzg v1.5.0 on the same input.
// Besides wall time, each reports cpu-ms/op: the process's CPU time per
// operation, a steadier figure on a machine shared with other work.

// benchLoop runs op b.N times (b.Loop) and reports the CPU time per op.
func benchLoop(b *testing.B, op func() error) {
	b.Helper()
	start, ok := processCPU()
	n := 0
	for b.Loop() {
		if err := op(); err != nil {
			b.Fatal(err)
		}
		n++
	}
	if end, ok2 := processCPU(); ok && ok2 && n > 0 {
		b.ReportMetric(float64(end-start)/float64(n)/float64(time.Millisecond), "cpu-ms/op")
	}
}

func BenchmarkNewProver(b *testing.B) {
	benchLoop(b, func() error { _, err := NewProver(); return err })
}

func BenchmarkBlobToCommitment(b *testing.B) {
	p, ctx := testProver(b), ethCtx(b)
	blob := testBlobFrom(rand.New(rand.NewPCG(51, 52)))
	gb := goethkzg.Blob(*blob)
	b.Run("lightdas", func(b *testing.B) {
		benchLoop(b, func() error { _, err := p.BlobToCommitment(blob); return err })
	})
	b.Run("go-eth-kzg", func(b *testing.B) {
		benchLoop(b, func() error { _, err := ctx.BlobToKZGCommitment(&gb, 0); return err })
	})
}

func BenchmarkComputeCellsAndProofs(b *testing.B) {
	p, ctx := testProver(b), ethCtx(b)
	blob := testBlobFrom(rand.New(rand.NewPCG(53, 54)))
	gb := goethkzg.Blob(*blob)
	b.Run("lightdas", func(b *testing.B) {
		benchLoop(b, func() error { _, _, err := p.ComputeCellsAndProofs(blob); return err })
	})
	b.Run("go-eth-kzg", func(b *testing.B) {
		benchLoop(b, func() error { _, _, err := ctx.ComputeCellsAndKZGProofs(&gb, 0); return err })
	})
}

// BenchmarkExtendBlock8 compares the full 2D encoding of 8 blobs (16 rows:
// cells, proofs and commitments) with go-eth-kzg computing the cells and
// proofs of the 8 original rows alone.
func BenchmarkExtendBlock8(b *testing.B) {
	p, ctx := testProver(b), ethCtx(b)
	rng := rand.New(rand.NewPCG(55, 56))
	blobs := make([]Blob, 8)
	ethBlobs := make([]goethkzg.Blob, 8)
	for i := range blobs {
		blobs[i] = *testBlobFrom(rng)
		ethBlobs[i] = goethkzg.Blob(blobs[i])
	}
	b.Run("lightdas-2D", func(b *testing.B) {
		benchLoop(b, func() error { _, err := p.ExtendBlock(blobs); return err })
	})
	b.Run("go-eth-kzg-originals", func(b *testing.B) {
		benchLoop(b, func() error {
			for i := range ethBlobs {
				if _, _, err := ctx.ComputeCellsAndKZGProofs(&ethBlobs[i], 0); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

func BenchmarkRecoverCellsAndProofs(b *testing.B) {
	p, ctx := testProver(b), ethCtx(b)
	blob := testBlobFrom(rand.New(rand.NewPCG(57, 58)))
	cells, _, err := p.ComputeCellsAndProofs(blob)
	if err != nil {
		b.Fatal(err)
	}
	// Half the cells, every other one.
	idx := make([]uint64, CellsPerRow/2)
	sub := make([]Cell, CellsPerRow/2)
	ethSub := make([]*goethkzg.Cell, CellsPerRow/2)
	for i := range idx {
		idx[i] = uint64(2 * i)
		sub[i] = cells[2*i]
		gc := goethkzg.Cell(cells[2*i])
		ethSub[i] = &gc
	}
	b.Run("lightdas", func(b *testing.B) {
		benchLoop(b, func() error { _, _, err := p.RecoverCellsAndProofs(idx, sub); return err })
	})
	b.Run("go-eth-kzg", func(b *testing.B) {
		benchLoop(b, func() error { _, _, err := ctx.RecoverCellsAndComputeKZGProofs(idx, ethSub, 0); return err })
	})
}
