//go:build !js

package store

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"lightdas/das"
	"lightdas/kzg"
)

// BenchmarkBlockStore reads a stored k = 2 block the ways a full node
// does, its rows in either record version: Samples of 19 random cells
// (one sample request, das.Server), 128 Sample calls of one row (what
// RowServer does per row), the same row as one Samples call, and Block
// (the whole block). With version 2
// rows a read checksums the cells it returns; with version 1 rows every
// row it touches, whole.
func BenchmarkBlockStore(b *testing.B) {
	ctx := context.Background()
	blk := realBlock(b)
	for _, version := range []struct {
		name string
		v1   bool
	}{{"v2", false}, {"v1", true}} {
		db := openTemp(b, Options{})
		s := db.Blocks()
		if err := s.Put(1, hashOf("a"), blk); err != nil {
			b.Fatal(err)
		}
		if version.v1 {
			for r := range 2 * blk.K {
				damage(b, db, bucketRows, rowKey(1, hashOf("a"), r), toV1(b, rowKey(1, hashOf("a"), r)))
			}
		}
		b.Run(version.name+"/Samples19", func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			reqs := make([][]das.Entry, 64)
			for i := range reqs {
				reqs[i] = make([]das.Entry, 19)
				for j, v := range rng.Perm(2 * blk.K * kzg.CellsPerRow)[:19] {
					reqs[i][j].Coord = das.Coord{Row: v / kzg.CellsPerRow, Col: v % kzg.CellsPerRow}
				}
				slices.SortFunc(reqs[i], func(x, y das.Entry) int { return (x.Row-y.Row)*kzg.CellsPerRow + x.Col - y.Col })
			}
			n := 0
			for b.Loop() {
				if err := s.Samples(ctx, 1, hashOf("a"), reqs[n%len(reqs)]); err != nil {
					b.Fatal(err)
				}
				n++
			}
		})
		b.Run(version.name+"/RowBySample", func(b *testing.B) {
			for b.Loop() {
				for c := range kzg.CellsPerRow {
					if _, _, err := s.Sample(ctx, 1, hashOf("a"), 1, c); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
		b.Run(version.name+"/RowBySamples", func(b *testing.B) { // the same row as one batch
			es := make([]das.Entry, kzg.CellsPerRow)
			for c := range es {
				es[c].Coord = das.Coord{Row: 1, Col: c}
			}
			for b.Loop() {
				if err := s.Samples(ctx, 1, hashOf("a"), es); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(version.name+"/Block", func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Block(ctx, 1, hashOf("a")); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
