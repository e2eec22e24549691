package erasure

import (
	"fmt"
	"math/bits"
	"sync"

	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr/fft"
)

const (
	ElementsPerBlob = 4096 // field elements in a blob (one original row)
	ElementsPerCell = 64
	CellsPerRow     = 128  // cells in an extended row
	ElementsPerRow  = 8192 // field elements in an extended row
	MaxOriginalRows = 64   // k ranges over powers of two 1..64

	// cellsToRecover is the number of distinct cells that determine a row.
	cellsToRecover = CellsPerRow / 2
	// maxLogK is log2(MaxOriginalRows).
	maxLogK = 6
)

// Codec holds the precomputed domains and tables. Immutable after NewCodec,
// safe for concurrent use.
type Codec struct {
	// blob is the 4096-point domain of the blob; its coset shift is the
	// 8192th root w, so a coset FFT evaluates on the odd half of the extended
	// domain, which is cells 64..127 in cell order.
	blob *fft.Domain
	// ext is the 8192-point domain with coset shift 7 (a generator of Fr^*,
	// hence outside every 2-power subgroup): recovery divides by the
	// vanishing polynomial there.
	ext *fft.Domain
	// cells is the 128-point domain: X^64 maps cell c to cellRoot(c) = w128^brp7(c),
	// so the vanishing polynomial of missing cells is evaluated with one FFT128.
	cells *fft.Domain
	// cellRoot[c] = h_c^64 = w128^brp7(c): the value of X^64 on cell c.
	cellRoot [CellsPerRow]fr.Element
	// shift64Pow[m] = (7^64)^m, m <= 64: evaluating Zs(7^64 * Y) scales its coefficients.
	shift64Pow [cellsToRecover + 1]fr.Element

	// cols[log2 k] holds the tables of the column code for k original rows.
	cols [maxLogK + 1]colDomain

	// Options reused so that FFT calls do not allocate them. serial* run in
	// the caller's goroutine (used inside worker pools), the others let
	// gnark-crypto split one FFT over the CPUs (single-row calls).
	serial, serialCoset []fft.Option
	coset               []fft.Option

	scratch sync.Pool // *scratch
}

// scratch is per-goroutine working memory, recycled through Codec.scratch.
type scratch struct {
	work []fr.Element // ElementsPerRow
	z    []fr.Element // CellsPerRow: the missing-cell polynomial, then its evaluations
	zc   []fr.Element // CellsPerRow: its evaluations on the recovery coset
	inv  []fr.Element // CellsPerRow: batch-inversion prefix products
	miss []int        // missing cell indices
	idx  []int        // gathered cell indices (block row recovery)
	cell [][]fr.Element
	tmp  fr.Vector    // vector temporary for column transforms
	cols []fr.Element // one cell column of up to 64 rows, allocated on first use
}

// NewCodec precomputes the FFT domains (4096, 8192 and 128 points) and the
// column-code tables for every k.
func NewCodec() *Codec {
	c := &Codec{}
	w8192, err := fr.Generator(ElementsPerRow)
	if err != nil {
		panic(err) // unreachable: the field has 2-adicity 32
	}
	c.blob = fft.NewDomain(ElementsPerBlob, fft.WithShift(w8192))
	c.ext = fft.NewDomain(ElementsPerRow) // default shift: 7
	c.cells = fft.NewDomain(CellsPerRow)

	var w fr.Element
	w.SetOne()
	for e := range CellsPerRow {
		c.cellRoot[reverseBits(e, 7)] = w
		w.Mul(&w, &c.cells.Generator)
	}

	var s64 fr.Element
	s64.Set(&c.ext.FrMultiplicativeGen)
	for range 6 {
		s64.Square(&s64)
	}
	c.shift64Pow[0].SetOne()
	for m := 1; m <= cellsToRecover; m++ {
		c.shift64Pow[m].Mul(&c.shift64Pow[m-1], &s64)
	}

	for logK := 0; logK <= maxLogK; logK++ {
		c.cols[logK] = newColDomain(1 << logK)
	}

	c.serial = []fft.Option{fft.WithNbTasks(1)}
	c.serialCoset = []fft.Option{fft.OnCoset(), fft.WithNbTasks(1)}
	c.coset = []fft.Option{fft.OnCoset()}
	c.scratch.New = func() any {
		return &scratch{
			work: make([]fr.Element, ElementsPerRow),
			z:    make([]fr.Element, CellsPerRow),
			zc:   make([]fr.Element, CellsPerRow),
			inv:  make([]fr.Element, CellsPerRow),
			miss: make([]int, 0, CellsPerRow),
			idx:  make([]int, 0, CellsPerRow),
			cell: make([][]fr.Element, 0, CellsPerRow),
			tmp:  make(fr.Vector, colChunk),
		}
	}
	return c
}

func (c *Codec) getScratch() *scratch  { return c.scratch.Get().(*scratch) }
func (c *Codec) putScratch(s *scratch) { c.scratch.Put(s) }

// fftMode selects how one row transform uses the CPUs.
type fftMode bool

const (
	parallelFFT fftMode = false // split each FFT over the CPUs (one row at a time)
	serialFFT   fftMode = true  // one goroutine per FFT (rows already run in parallel)
)

func (c *Codec) opts(m fftMode) []fft.Option {
	if m == serialFFT {
		return c.serial
	}
	return nil
}

func (c *Codec) cosetOpts(m fftMode) []fft.Option {
	if m == serialFFT {
		return c.serialCoset
	}
	return c.coset
}

// Coefficients returns the monomial coefficients (len 4096) of the
// polynomial whose evaluations at the bit-reversed 4096th roots of unity are
// blob (len 4096), i.e. the EIP-4844 blob polynomial.
func (c *Codec) Coefficients(blob []fr.Element) ([]fr.Element, error) {
	if len(blob) != ElementsPerBlob {
		return nil, fmt.Errorf("erasure: blob has %d elements, want %d: %w", len(blob), ElementsPerBlob, ErrLength)
	}
	out := make([]fr.Element, ElementsPerBlob)
	copy(out, blob)
	// DIT takes bit-reversed input and yields natural order: exactly the
	// blob's layout in, coefficients out.
	c.blob.FFTInverse(out, fft.DIT)
	return out, nil
}

// CellsFromCoefficients evaluates a polynomial (len 4096 coefficients) on the
// 8192-point domain in cell order (EIP-7594): out[64*j : 64*j+64] is cell j.
// len(out) == 8192.
func (c *Codec) CellsFromCoefficients(coeffs []fr.Element) ([]fr.Element, error) {
	if len(coeffs) != ElementsPerBlob {
		return nil, fmt.Errorf("erasure: %d coefficients, want %d: %w", len(coeffs), ElementsPerBlob, ErrLength)
	}
	out := make([]fr.Element, ElementsPerRow)
	copy(out, coeffs)
	c.evalCells(out, parallelFFT)
	return out, nil
}

// evalCells turns row[:4096] (coefficients) into the extended row in cell
// order, in place. The bit-reversed 8192 domain is the bit-reversed 4096
// domain (cells 0..63) followed by its coset w8192*H (cells 64..127), so two
// size-4096 DIF FFTs (natural in, bit-reversed out) produce cell order.
func (c *Codec) evalCells(row []fr.Element, m fftMode) {
	lo, hi := row[:ElementsPerBlob], row[ElementsPerBlob:]
	copy(hi, lo)
	c.blob.FFT(lo, fft.DIF, c.opts(m)...)
	c.blob.FFT(hi, fft.DIF, c.cosetOpts(m)...)
}

// ExtendRow = CellsFromCoefficients(Coefficients(blob)).
func (c *Codec) ExtendRow(blob []fr.Element) ([]fr.Element, error) {
	if len(blob) != ElementsPerBlob {
		return nil, fmt.Errorf("erasure: blob has %d elements, want %d: %w", len(blob), ElementsPerBlob, ErrLength)
	}
	out := make([]fr.Element, ElementsPerRow)
	copy(out, blob)
	c.extendInPlace(out, parallelFFT)
	return out, nil
}

// extendInPlace extends row[:4096] (a blob) into the full row. Cells 0..63
// are the blob itself, so only the odd coset needs computing: one inverse
// FFT and one coset FFT of size 4096.
func (c *Codec) extendInPlace(row []fr.Element, m fftMode) {
	hi := row[ElementsPerBlob:]
	copy(hi, row[:ElementsPerBlob])
	c.blob.FFTInverse(hi, fft.DIT, c.opts(m)...)
	c.blob.FFT(hi, fft.DIF, c.cosetOpts(m)...)
}

// checkK validates a number of original rows and returns log2(k).
func checkK(k int) (int, error) {
	if k < 1 || k > MaxOriginalRows || k&(k-1) != 0 {
		return 0, fmt.Errorf("erasure: k = %d: %w", k, ErrRowCount)
	}
	return bits.TrailingZeros(uint(k)), nil
}

// reverseBits returns the lowest n bits of x in reverse order (brp_n).
func reverseBits(x, n int) int {
	if n == 0 {
		return 0
	}
	return int(bits.Reverse64(uint64(x)) >> (64 - n))
}

// batchInvert replaces every element of a by its inverse, using prefix as
// scratch (len >= len(a)). All elements must be non-zero.
func batchInvert(a, prefix []fr.Element) {
	if len(a) == 0 {
		return
	}
	var acc fr.Element
	acc.SetOne()
	for i := range a {
		prefix[i] = acc
		acc.Mul(&acc, &a[i])
	}
	acc.Inverse(&acc)
	for i := len(a) - 1; i >= 0; i-- {
		var inv fr.Element
		inv.Mul(&acc, &prefix[i])
		acc.Mul(&acc, &a[i])
		a[i] = inv
	}
}
