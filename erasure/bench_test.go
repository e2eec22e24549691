package erasure

import "testing"

func BenchmarkNewCodec(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		NewCodec()
	}
}

func BenchmarkExtendRow(b *testing.B) {
	c := testCodec()
	blob := randBlob(newRand(1))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.ExtendRow(blob); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecoverRow64 recovers a row from 64 random cells.
func BenchmarkRecoverRow64(b *testing.B) {
	c := testCodec()
	r := newRand(2)
	row, _ := c.ExtendRow(randBlob(r))
	idx := randSubset(r, cellsToRecover)
	cells := pick(cellsOf(row), idx)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.RecoverRow(idx, cells); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExtendColumns64(b *testing.B) {
	c := testCodec()
	blobs := randBlobs(newRand(3), 64)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.ExtendColumns(blobs); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLagrangeWeights64(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := LagrangeWeights(64, 100); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkExtendBlock8 2D-encodes 8 blobs into a 16 x 128 cell block.
func BenchmarkExtendBlock8(b *testing.B) {
	c := testCodec()
	blobs := randBlobs(newRand(4), 8)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.ExtendBlock(blobs); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecoverBlock8 recovers a k = 8 block with 50% of its cells
// withheld at random (a decodable draw).
func BenchmarkRecoverBlock8(b *testing.B) {
	c := testCodec()
	const k = 8
	blk := testBlock(b, k)
	r := newRand(5)
	var p *PartialBlock
	for {
		gone := make([]bool, 2*k*CellsPerRow)
		for i := range gone {
			gone[i] = r.IntN(2) == 0
		}
		present := func(row, col int) bool { return !gone[row*CellsPerRow+col] }
		if Decodable(k, present) == nil {
			p = partialFrom(b, blk, present)
			break
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.RecoverBlock(p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodable64(b *testing.B) {
	r := newRand(6)
	const k = 64
	gone := make([]bool, 2*k*CellsPerRow)
	for i := range gone {
		gone[i] = r.IntN(2) == 0
	}
	present := func(row, col int) bool { return !gone[row*CellsPerRow+col] }
	b.ReportAllocs()
	for b.Loop() {
		_ = Decodable(k, present)
	}
}
