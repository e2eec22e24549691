package das

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"testing"

	"lightdas/kzg"
)

// Expected sample counts, computed independently with Python's exact
// fractions (smallest n with 1 - prod_{i<n} (N-W-i)/(N-i) >= c, N = 256k,
// W = 65(k+1), c the exact value of the float64 target).
var samplesTable = []struct {
	confidence float64
	n          map[int]int // by k
}{
	{0.99, map[int]int{1: 7, 2: 10, 4: 12, 8: 14, 16: 15, 32: 16, 64: 16}},
	{0.9999, map[int]int{1: 13, 2: 19, 4: 24, 8: 28, 16: 30, 32: 31, 64: 31}},
	{0.999999, map[int]int{1: 19, 2: 28, 4: 36, 8: 41, 16: 44, 32: 46, 64: 47}},
}

func TestSamplesForTable(t *testing.T) {
	for _, row := range samplesTable {
		for k := 1; k <= kzg.MaxRows; k *= 2 {
			got, err := SamplesFor(k, row.confidence)
			if err != nil {
				t.Fatal(err)
			}
			if got != row.n[k] {
				t.Errorf("SamplesFor(%d, %v) = %d, want %d", k, row.confidence, got, row.n[k])
			}
		}
	}
}

// binomialMiss is P(n) computed another way: C(N-W, n) / C(N, n).
func binomialMiss(k, n int) *big.Rat {
	N, W := int64(gridCells(k)), int64(minWithheld(k))
	num := new(big.Int).Binomial(N-W, int64(n))
	den := new(big.Int).Binomial(N, int64(n))
	return new(big.Rat).SetFrac(num, den)
}

// TestSamplesForMinimal: for every k and a range of targets, n reaches
// the target and n - 1 does not, checked against the binomial form.
func TestSamplesForMinimal(t *testing.T) {
	for k := 1; k <= kzg.MaxRows; k *= 2 {
		for _, c := range []float64{0.5, 0.9, 0.99, 0.999, 0.9999, 0.99999, 1 - 1e-9, 1 - 1e-15} {
			n, err := SamplesFor(k, c)
			if err != nil {
				t.Fatal(err)
			}
			target := new(big.Rat).SetFloat64(c)
			one := big.NewRat(1, 1)
			reached := new(big.Rat).Sub(one, binomialMiss(k, n))
			if reached.Cmp(target) < 0 {
				t.Fatalf("k=%d c=%v: n=%d reaches only %s", k, c, n, reached.FloatString(12))
			}
			if n > 0 {
				before := new(big.Rat).Sub(one, binomialMiss(k, n-1))
				if before.Cmp(target) >= 0 {
					t.Fatalf("k=%d c=%v: n-1=%d already reaches the target", k, c, n-1)
				}
			}
			conf, err := Confidence(k, n)
			if err != nil || conf < c {
				t.Fatalf("Confidence(%d, %d) = %v (%v), below %v", k, n, conf, err, c)
			}
		}
	}
}

func TestSamplesForCertainty(t *testing.T) {
	for k := 1; k <= kzg.MaxRows; k *= 2 {
		n, err := SamplesFor(k, 1)
		if err != nil {
			t.Fatal(err)
		}
		if want := gridCells(k) - minWithheld(k) + 1; n != want {
			t.Fatalf("k=%d: certainty needs %d, got %d", k, want, n)
		}
		if c, _ := Confidence(k, n); c != 1 {
			t.Fatalf("k=%d: confidence %v at certainty", k, c)
		}
		if k <= 4 && missAll(k, n-1).Sign() == 0 { // exact product: cheap for small grids only
			t.Fatalf("k=%d: n-1 samples already certain", k)
		}
	}
}

func TestConfidence(t *testing.T) {
	for k := 1; k <= kzg.MaxRows; k *= 2 {
		prev := -1.0
		for n := 0; n <= min(300, gridCells(k)); n++ {
			c, err := Confidence(k, n)
			if err != nil {
				t.Fatal(err)
			}
			if c < prev || c > 1 || c < 0 {
				t.Fatalf("k=%d n=%d: confidence %v after %v", k, n, c, prev)
			}
			prev = c
			if n < 200 {
				want, _ := new(big.Rat).Sub(big.NewRat(1, 1), binomialMiss(k, n)).Float64()
				if c != want {
					t.Fatalf("k=%d n=%d: %v, want %v", k, n, c, want)
				}
			}
		}
	}
	// One sample of k=1: misses 130 withheld of 256 with probability 126/256.
	if c, _ := Confidence(1, 1); c != 130.0/256 {
		t.Fatalf("Confidence(1, 1) = %v", c)
	}
	// The design's rule of thumb: 32 samples give 99.99% for every k.
	for k := 1; k <= kzg.MaxRows; k *= 2 {
		if c, _ := Confidence(k, 32); c < 0.9999 {
			t.Fatalf("k=%d: 32 samples give %v", k, c)
		}
	}
}

func TestConfidenceErrors(t *testing.T) {
	cases := []struct {
		k int
		c float64
	}{
		{0, 0.9}, {3, 0.9}, {128, 0.9}, {-1, 0.9},
		{8, 0}, {8, -0.1}, {8, 1.0000001}, {8, math.NaN()}, {8, math.Inf(1)},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("k=%d,c=%v", tc.k, tc.c), func(t *testing.T) {
			if _, err := SamplesFor(tc.k, tc.c); !errors.Is(err, ErrConfig) {
				t.Fatalf("SamplesFor: %v", err)
			}
		})
	}
	for _, tc := range []struct{ k, n int }{{0, 1}, {6, 1}, {8, -1}, {1, 257}} {
		if _, err := Confidence(tc.k, tc.n); !errors.Is(err, ErrConfig) {
			t.Fatalf("Confidence(%d, %d): %v", tc.k, tc.n, err)
		}
	}
}
