// Command demo shows the core of lightdas on embedded defaults, until the
// devnet exists (`make run`): a full node 2D-encodes a block of random blobs
// with the Ethereum KZG setup; a light client samples random cells from it,
// verifies them in one batch against the k original commitments and reports
// the confidence reached; then a node that withholds the smallest
// unrecoverable part of the block is sampled the same way.
package main

import (
	"crypto/rand"
	"flag"
	"fmt"
	"math"
	"math/big"
	"os"
	"time"

	"lightdas/erasure"
	"lightdas/kzg"
)

func main() {
	blobs := flag.Int("blobs", 8, "blobs in the block (1..64)")
	confidence := flag.Float64("confidence", 0.9999, "target confidence that the data is available")
	flag.Parse()
	if err := run(*blobs, *confidence); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(nblobs int, confidence float64) error {
	if confidence <= 0 || confidence >= 1 {
		return fmt.Errorf("confidence %v: want 0 < c < 1", confidence)
	}
	start := time.Now()
	prover, err := kzg.NewProver()
	if err != nil {
		return err
	}
	fmt.Printf("full node: prover ready in %v (Ethereum KZG ceremony setup, FK20 tables)\n", since(start))

	blobs := make([]kzg.Blob, nblobs)
	for i := range blobs {
		randomBlob(&blobs[i])
	}
	start = time.Now()
	block, err := prover.ExtendBlock(blobs)
	if err != nil {
		return err
	}
	k := block.K
	fmt.Printf("full node: %d blobs encoded as a %d x %d grid of cells with proofs in %v (k = %d, %d cells)\n",
		nblobs, 2*k, kzg.CellsPerRow, since(start), k, 2*k*kzg.CellsPerRow)

	start = time.Now()
	verifier, err := kzg.NewVerifier()
	if err != nil {
		return err
	}
	fmt.Printf("light client: verifier ready in %v\n", since(start))

	// One uniform sample misses withheld data with probability at most
	// 1 - (k+1)*65/(2k*128): the smallest unrecoverable pattern.
	miss := 1 - float64((k+1)*65)/float64(2*k*kzg.CellsPerRow)
	n := int(math.Ceil(math.Log(1-confidence) / math.Log(miss)))
	fmt.Printf("light client: %d samples for %.4f%% confidence (a sample misses withheld data with probability <= %.4f)\n",
		n, 100*confidence, miss)

	// An honest node serves every cell.
	coords := sampleCoordinates(n, 2*k)
	samples := make([]kzg.Sample, len(coords))
	for i, c := range coords {
		samples[i] = kzg.Sample{Row: c[0], Column: c[1], Cell: block.Cells[c[0]][c[1]], Proof: block.Proofs[c[0]][c[1]]}
	}
	start = time.Now()
	if err := verifier.VerifySamples(block.Commitments[:k], samples); err != nil {
		return fmt.Errorf("honest node's samples: %w", err)
	}
	fmt.Printf("honest node: %d random cells verified in one batch in %v: available, confidence %.6f%%\n",
		n, since(start), 100*(1-math.Pow(miss, float64(n))))

	// A withholding node hides (k+1) rows x 65 columns: the block can no
	// longer be recovered, and the client must notice.
	withheld := func(row, col int) bool { return row <= k && col <= 64 }
	decodable := erasure.Decodable(k, func(row, col int) bool { return !withheld(row, col) })
	fmt.Printf("withholding node: hides %d cells; recovery check: %v\n", (k+1)*65, decodable)
	coords = sampleCoordinates(n, 2*k)
	missing := 0
	for _, c := range coords {
		if withheld(c[0], c[1]) {
			missing++
		}
	}
	if missing > 0 {
		fmt.Printf("withholding node: %d of %d sampled cells not served: unavailable\n", missing, n)
	} else {
		fmt.Printf("withholding node: every sampled cell was served (probability <= %.4f%%): the client would be wrong this time\n",
			100*math.Pow(miss, float64(n)))
	}
	return nil
}

func since(t time.Time) time.Duration { return time.Since(t).Round(100 * time.Microsecond) }

// sampleCoordinates draws n distinct uniformly random cells of a rows x 128
// grid from the operating system's CSPRNG.
func sampleCoordinates(n, rows int) [][2]int {
	total := int64(rows * kzg.CellsPerRow)
	seen := map[int64]bool{}
	var out [][2]int
	for len(out) < n && int64(len(out)) < total {
		v, err := rand.Int(rand.Reader, big.NewInt(total))
		if err != nil {
			panic(err)
		}
		if seen[v.Int64()] {
			continue
		}
		seen[v.Int64()] = true
		out = append(out, [2]int{int(v.Int64()) / kzg.CellsPerRow, int(v.Int64()) % kzg.CellsPerRow})
	}
	return out
}

// randomBlob fills b with random canonical field elements (the top byte of
// each 32-byte element is zero, so every element is below the modulus).
func randomBlob(b *kzg.Blob) {
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	for i := 0; i < kzg.BytesPerBlob; i += kzg.BytesPerFieldElement {
		b[i] = 0
	}
}
