//go:build !js

package kzg

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
	goethkzg "github.com/crate-crypto/go-eth-kzg"
)

// testBlobFrom returns a blob of uniformly random canonical field elements,
// reproducible from rng.
func testBlobFrom(rng *rand.Rand) *Blob {
	var blob Blob
	var raw [32]byte
	for i := range FieldElementsPerBlob {
		for j := 0; j < 32; j += 8 {
			v := rng.Uint64()
			for b := range 8 {
				raw[j+b] = byte(v >> (8 * b))
			}
		}
		var e fr.Element
		e.SetBytes(raw[:]) // reduced mod r
		fr.BigEndian.PutElement((*[32]byte)(blob[i*32:]), e)
	}
	return &blob
}

// ethCellsAndProofs runs go-eth-kzg's ComputeCellsAndKZGProofs.
func ethCellsAndProofs(t *testing.T, blob *Blob) ([CellsPerRow]Cell, [CellsPerRow]Proof) {
	t.Helper()
	gb := goethkzg.Blob(*blob)
	cells, proofs, err := ethCtx(t).ComputeCellsAndKZGProofs(&gb, 0)
	if err != nil {
		t.Fatal(err)
	}
	var c [CellsPerRow]Cell
	var p [CellsPerRow]Proof
	for i := range cells {
		c[i] = Cell(*cells[i])
		p[i] = Proof(proofs[i])
	}
	return c, p
}

func TestProverMatchesGoEthKZG(t *testing.T) {
	p := testProver(t)
	ctx := ethCtx(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 3 {
		blob := testBlobFrom(rng)
		gb := goethkzg.Blob(*blob)

		commitment, err := p.BlobToCommitment(blob)
		if err != nil {
			t.Fatal(err)
		}
		want, err := ctx.BlobToKZGCommitment(&gb, 0)
		if err != nil {
			t.Fatal(err)
		}
		if commitment != Commitment(want) {
			t.Fatalf("blob %d: commitment differs from go-eth-kzg", i)
		}

		cells, proofs, err := p.ComputeCellsAndProofs(blob)
		if err != nil {
			t.Fatal(err)
		}
		wantCells, wantProofs := ethCellsAndProofs(t, blob)
		if cells != wantCells {
			t.Fatalf("blob %d: cells differ from go-eth-kzg", i)
		}
		if proofs != wantProofs {
			t.Fatalf("blob %d: proofs differ from go-eth-kzg", i)
		}
		onlyCells, err := p.ComputeCells(blob)
		if err != nil {
			t.Fatal(err)
		}
		if onlyCells != cells {
			t.Fatalf("blob %d: ComputeCells differs from ComputeCellsAndProofs", i)
		}

		// go-eth-kzg's verifier accepts all our proofs.
		commitments := make([]goethkzg.KZGCommitment, CellsPerRow)
		indices := make([]uint64, CellsPerRow)
		ethCells := make([]*goethkzg.Cell, CellsPerRow)
		ethProofs := make([]goethkzg.KZGProof, CellsPerRow)
		for c := range CellsPerRow {
			commitments[c] = goethkzg.KZGCommitment(commitment)
			indices[c] = uint64(c)
			gc := goethkzg.Cell(cells[c])
			ethCells[c] = &gc
			ethProofs[c] = goethkzg.KZGProof(proofs[c])
		}
		if err := ctx.VerifyCellKZGProofBatch(commitments, indices, ethCells, ethProofs); err != nil {
			t.Fatalf("blob %d: go-eth-kzg rejects our proofs: %v", i, err)
		}
	}
}

// randomSubset returns n distinct cell indices in ascending order.
func randomSubset(rng *rand.Rand, n int) []uint64 {
	idx := make([]uint64, n)
	for i, c := range rng.Perm(CellsPerRow)[:n] {
		idx[i] = uint64(c)
	}
	slices.Sort(idx)
	return idx
}

func TestRecoverCellsAndProofsMatchesGoEthKZG(t *testing.T) {
	p := testProver(t)
	ctx := ethCtx(t)
	rng := rand.New(rand.NewPCG(3, 4))
	blob := testBlobFrom(rng)
	cells, proofs, err := p.ComputeCellsAndProofs(blob)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{64, 65, 100, 127, 128} {
		idx := randomSubset(rng, n)
		sub := make([]Cell, n)
		ethSub := make([]*goethkzg.Cell, n)
		for i, c := range idx {
			sub[i] = cells[c]
			gc := goethkzg.Cell(cells[c])
			ethSub[i] = &gc
		}
		before := slices.Clone(sub)
		gotCells, gotProofs, err := p.RecoverCellsAndProofs(idx, sub)
		if err != nil {
			t.Fatalf("%d cells: %v", n, err)
		}
		if !slices.Equal(sub, before) {
			t.Fatalf("%d cells: the input cells were modified", n)
		}
		if gotCells != cells || gotProofs != proofs {
			t.Fatalf("%d cells: recovery differs from the original row", n)
		}
		wantCells, wantProofs, err := ctx.RecoverCellsAndComputeKZGProofs(idx, ethSub, 0)
		if err != nil {
			t.Fatalf("%d cells: go-eth-kzg: %v", n, err)
		}
		for c := range CellsPerRow {
			if gotCells[c] != Cell(*wantCells[c]) || gotProofs[c] != Proof(wantProofs[c]) {
				t.Fatalf("%d cells: cell %d differs from go-eth-kzg", n, c)
			}
		}
	}
}

func TestProverRejectsBadInput(t *testing.T) {
	p := testProver(t)
	rng := rand.New(rand.NewPCG(5, 6))
	blob := testBlobFrom(rng)
	cells, _, err := p.ComputeCellsAndProofs(blob)
	if err != nil {
		t.Fatal(err)
	}
	nonCanonical := *blob
	copy(nonCanonical[7*32:], bytes.Repeat([]byte{0xff}, 32))

	// All four blob entry points reject the same bad blobs.
	blobCalls := map[string]func(*Blob) error{
		"BlobToCommitment": func(b *Blob) error { _, err := p.BlobToCommitment(b); return err },
		"ComputeCells":     func(b *Blob) error { _, err := p.ComputeCells(b); return err },
		"ComputeCellsAndProofs": func(b *Blob) error {
			_, _, err := p.ComputeCellsAndProofs(b)
			return err
		},
		"ExtendBlock": func(b *Blob) error {
			if b == nil {
				return ErrInput // ExtendBlock takes values, not pointers
			}
			_, err := p.ExtendBlock([]Blob{*b})
			return err
		},
	}
	for name, call := range blobCalls {
		t.Run(name+"/nil", func(t *testing.T) {
			if err := call(nil); !errors.Is(err, ErrInput) {
				t.Fatalf("got %v, want ErrInput", err)
			}
		})
		t.Run(name+"/non-canonical", func(t *testing.T) {
			err := call(&nonCanonical)
			if !errors.Is(err, ErrNonCanonical) {
				t.Fatalf("got %v, want ErrNonCanonical", err)
			}
			var ie *IndexError
			if !errors.As(err, &ie) {
				t.Fatalf("%v is not an *IndexError", err)
			}
		})
	}

	idx := make([]uint64, 64)
	sub := make([]Cell, 64)
	for i := range idx {
		idx[i] = uint64(2 * i)
		sub[i] = cells[2*i]
	}
	badCell := slices.Clone(sub)
	copy(badCell[5][32:], bytes.Repeat([]byte{0xff}, 32))
	desc := slices.Clone(idx)
	slices.Reverse(desc)
	// 65 cells over-determine the row: changing one byte of one is detected.
	tamperedIdx := slices.Sorted(slices.Values(append(slices.Clone(idx), 1)))
	tampered := make([]Cell, len(tamperedIdx))
	for i, c := range tamperedIdx {
		tampered[i] = cells[c]
	}
	tampered[10][31] ^= 1

	recoverCases := []struct {
		name    string
		indices []uint64
		cells   []Cell
		want    error
	}{
		{"no cells", nil, nil, ErrInput},
		{"63 cells", idx[:63], sub[:63], ErrInput},
		{"129 cells", make([]uint64, 129), make([]Cell, 129), ErrInput},
		{"length mismatch", idx, sub[:63], ErrInput},
		{"index 128", append(slices.Clone(idx[:63]), 128), sub, ErrCellIndex},
		{"duplicate index", append([]uint64{0}, idx[:63]...), sub, ErrInput},
		{"descending", desc, sub, ErrInput},
		{"non-canonical cell", idx, badCell, ErrNonCanonical},
		{"inconsistent cells", tamperedIdx, tampered, ErrInput},
	}
	for _, tc := range recoverCases {
		t.Run("RecoverCellsAndProofs/"+tc.name, func(t *testing.T) {
			before := slices.Clone(tc.cells)
			_, _, err := p.RecoverCellsAndProofs(tc.indices, tc.cells)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if !slices.Equal(before, tc.cells) {
				t.Fatal("input cells modified")
			}
		})
	}
}

// TestProverConcurrentUse runs the methods from several goroutines at once
// (the Prover's pooled scratch must not leak between calls); run with -race
// to check for data races.
func TestProverConcurrentUse(t *testing.T) {
	p := testProver(t)
	rng := rand.New(rand.NewPCG(7, 8))
	blobs := []*Blob{testBlobFrom(rng), testBlobFrom(rng), testBlobFrom(rng)}
	type result struct {
		cells  [CellsPerRow]Cell
		proofs [CellsPerRow]Proof
	}
	want := make([]result, len(blobs))
	for i, b := range blobs {
		c, pr, err := p.ComputeCellsAndProofs(b)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = result{c, pr}
	}
	block, err := p.ExtendBlock([]Blob{*blobs[0], *blobs[1]})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*len(blobs)+1)
	for i, b := range blobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, pr, err := p.ComputeCellsAndProofs(b)
			if err == nil && (c != want[i].cells || pr != want[i].proofs) {
				err = fmt.Errorf("blob %d: concurrent result differs", i)
			}
			errs <- err
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		b, err := p.ExtendBlock([]Blob{*blobs[0], *blobs[1]})
		if err == nil && !reflect.DeepEqual(b, block) {
			err = errors.New("concurrent ExtendBlock differs")
		}
		errs <- err
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}
