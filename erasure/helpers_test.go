package erasure

import (
	"errors"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"

	"lightdas/internal/vectors"
)

// heavy is false under wasm (10-20x slower): tests then run fewer iterations
// of every path, never fewer paths.
const heavy = runtime.GOARCH != "wasm"

// iters returns n natively and max(1, n/div) under wasm.
func iters(n, div int) int {
	if heavy {
		return n
	}
	return max(1, n/div)
}

// testCodec is built once per test binary: it is immutable and safe for
// concurrent use.
var testCodec = sync.OnceValue(NewCodec)

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x6c69676874646173)) }

// randElement draws a uniformly random field element from r (deterministic,
// unlike fr.SetRandom).
func randElement(r *rand.Rand) fr.Element {
	var b [32]byte
	for i := 0; i < 32; i += 8 {
		v := r.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	var e fr.Element
	e.SetBytes(b[:]) // reduces mod r
	return e
}

func randBlob(r *rand.Rand) []fr.Element {
	blob := make([]fr.Element, ElementsPerBlob)
	for i := range blob {
		blob[i] = randElement(r)
	}
	return blob
}

func randBlobs(r *rand.Rand, k int) [][]fr.Element {
	blobs := make([][]fr.Element, k)
	for i := range blobs {
		blobs[i] = randBlob(r)
	}
	return blobs
}

// cellsOf returns the cells of an extended row.
func cellsOf(row []fr.Element) [][]fr.Element {
	cells := make([][]fr.Element, CellsPerRow)
	for c := range cells {
		cells[c] = row[c*ElementsPerCell : (c+1)*ElementsPerCell]
	}
	return cells
}

// randSubset returns n distinct ascending cell indices out of 0..127.
func randSubset(r *rand.Rand, n int) []int {
	perm := r.Perm(CellsPerRow)[:n]
	slices.Sort(perm)
	return perm
}

// pick selects cells[idx] for each index.
func pick(cells [][]fr.Element, idx []int) [][]fr.Element {
	out := make([][]fr.Element, len(idx))
	for i, c := range idx {
		out[i] = append([]fr.Element(nil), cells[c]...)
	}
	return out
}

func equalElements(a, b []fr.Element) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Equal(&b[i]) {
			return false
		}
	}
	return true
}

// firstDiff returns the first index where a and b differ, or -1.
func firstDiff(a, b []fr.Element) int {
	for i := range min(len(a), len(b)) {
		if !a[i].Equal(&b[i]) {
			return i
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	return -1
}

// evalPoly evaluates coefficients at x (Horner): the independent reference
// for the FFT-based evaluation.
func evalPoly(coeffs []fr.Element, x *fr.Element) fr.Element {
	var acc fr.Element
	for i := len(coeffs) - 1; i >= 0; i-- {
		acc.Mul(&acc, x).Add(&acc, &coeffs[i])
	}
	return acc
}

// --- official vectors (lightdas/internal/vectors) -------------------------

func loadVectors[T any](t testing.TB, function string) []vectors.Case[T] {
	return vectors.Load[T](t, function)
}

func decodeHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := vectors.Hex(s)
	if err != nil {
		t.Fatalf("bad hex %.20q...: %v", s, err)
	}
	return b
}

// decodeElements decodes 32-byte big-endian canonical field elements, the
// EIP-4844 encoding; a non-canonical element (>= modulus) is an error.
func decodeElements(b []byte) ([]fr.Element, error) {
	if len(b)%fr.Bytes != 0 {
		return nil, errors.New("length not a multiple of 32")
	}
	out := make([]fr.Element, len(b)/fr.Bytes)
	for i := range out {
		if err := out[i].SetBytesCanonical(b[i*fr.Bytes : (i+1)*fr.Bytes]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func encodeElements(e []fr.Element) []byte {
	out := make([]byte, 0, len(e)*fr.Bytes)
	for i := range e {
		b := e[i].Bytes()
		out = append(out, b[:]...)
	}
	return out
}
