package das

import (
	"fmt"
	"math"
	"math/big"

	"lightdas/kzg"
)

// DefaultConfidence is the target confidence of the sampler: the
// probability that the sampler would have hit a withheld cell if the block
// were not recoverable.
const DefaultConfidence = 0.9999

// Grid sizes of a block with k original rows: the extended block is 2k x
// 128 cells, and the smallest set of withheld cells that makes it
// unrecoverable is (k+1) x 65 cells (k+1 rows missing 65 cells each leave
// k+1 rows and 65 columns that peeling can never complete).
func gridCells(k int) int   { return 2 * k * kzg.CellsPerRow }
func minWithheld(k int) int { return (k + 1) * (kzg.CellsPerRow/2 + 1) }
func validK(k int) bool     { return k >= 1 && k <= kzg.MaxRows && k&(k-1) == 0 }
func checkK(k int) error {
	if !validK(k) {
		return fmt.Errorf("%w: k = %d is not a power of two in 1..%d", ErrConfig, k, kzg.MaxRows)
	}
	return nil
}

// missAll returns P(n), the exact probability that n distinct cells drawn
// uniformly from the N-cell grid all miss a fixed set of W withheld cells:
// prod_{i<n} (N-W-i)/(N-i) (hypergeometric: sampling without replacement).
func missAll(k, n int) *big.Rat {
	N, W := gridCells(k), minWithheld(k)
	p := big.NewRat(1, 1)
	if n > N-W {
		return p.SetInt64(0)
	}
	var f big.Rat
	for i := 0; i < n; i++ {
		p.Mul(p, f.SetFrac64(int64(N-W-i), int64(N-i)))
	}
	return p
}

// SamplesFor returns the smallest number n of distinct uniformly random
// cells such that, if the block's data were unrecoverable (at least (k+1) x
// 65 of its 2k x 128 cells withheld), at least one of the n cells would be
// withheld with probability >= confidence: 1 - P(n) >= confidence, with P(n)
// = prod_{i<n} (N-W-i)/(N-i), N = 256k, W = 65(k+1). The comparison is exact
// (rational arithmetic against the exact value of the float64 target).
// confidence must be in (0, 1]; 1 needs N-W+1 samples.
func SamplesFor(k int, confidence float64) (int, error) {
	if err := checkK(k); err != nil {
		return 0, err
	}
	if !(confidence > 0 && confidence <= 1) || math.IsNaN(confidence) {
		return 0, fmt.Errorf("%w: confidence %v not in (0, 1]", ErrConfig, confidence)
	}
	N, W := gridCells(k), minWithheld(k)
	if confidence == 1 {
		return N - W + 1, nil
	}
	// 1 - P(n) >= c  <=>  P(n) <= 1 - c.
	limit := new(big.Rat).SetFloat64(confidence)
	limit.Sub(big.NewRat(1, 1), limit)
	p := big.NewRat(1, 1)
	var f big.Rat
	for n := 0; n <= N-W; n++ {
		if p.Cmp(limit) <= 0 {
			return n, nil
		}
		p.Mul(p, f.SetFrac64(int64(N-W-n), int64(N-n)))
	}
	return N - W + 1, nil // unreachable: limit > 0 = P(N-W+1)
}

// Confidence returns 1 - P(verified): the confidence that a block of k
// original rows is recoverable after verified distinct uniformly random
// cells all verified. It is the float64 nearest the exact value, so
// Confidence(k, SamplesFor(k, c)) >= c.
func Confidence(k, verified int) (float64, error) {
	if err := checkK(k); err != nil {
		return 0, err
	}
	if verified < 0 || verified > gridCells(k) {
		return 0, fmt.Errorf("%w: %d distinct samples of a %d-cell grid", ErrConfig, verified, gridCells(k))
	}
	// P(n) <= 0.75^n: beyond 200 samples 1 - P(n) rounds to 1.
	if verified >= 200 {
		return 1, nil
	}
	c := new(big.Rat).Sub(big.NewRat(1, 1), missAll(k, verified))
	f, _ := c.Float64()
	return f, nil
}

// sampleTable caches SamplesFor for every k at one confidence.
type sampleTable struct {
	confidence float64
	n          [kzg.MaxRows + 1]int // by k; 0 for invalid k
}

func newSampleTable(confidence float64) (*sampleTable, error) {
	t := &sampleTable{confidence: confidence}
	for k := 1; k <= kzg.MaxRows; k *= 2 {
		n, err := SamplesFor(k, confidence)
		if err != nil {
			return nil, err
		}
		t.n[k] = n
	}
	return t, nil
}
