package das

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"

	"lightdas/erasure"
	"lightdas/headers"
	"lightdas/kzg"
)

// Test blocks. A fixture file holds what is expensive to compute (the 2k
// commitments and 256k proofs of an extended block, made natively by the
// prover: TestGenerateFixtures) but not the cells: the blobs are derived
// from a seed and the cells recomputed with the erasure code, which is
// cheap on every platform (wasm included). That keeps an 8-blob block at
// 99 KB instead of 4.3 MB.
//
// Layout: "LDASFX01" || u8 k || u8 blobs || u8 len(seed) || seed || 2k x
// commitment || 2k x 128 x proof (rows in order, columns in order).
const fixtureMagic = "LDASFX01"

// fixtureSpecs are the committed fixtures: k = 2, k = 4 with a padding row,
// and the 8-blob block of the benchmarks.
var fixtureSpecs = []struct {
	name     string
	k, blobs int
	seed     string
}{
	{"block_k2.bin", 2, 2, "lightdas das fixture k2"},
	{"block_k4.bin", 4, 3, "lightdas das fixture k4"},
	{"block_k8.bin", 8, 8, "lightdas das fixture k8"},
}

// fixtureBlobs derives the blobs of a fixture: element j of blob i is
// SHA-256(seed || u32 i || u32 j) with the first byte cleared (so below the
// modulus).
func fixtureBlobs(seed string, blobs int) []kzg.Blob {
	out := make([]kzg.Blob, blobs)
	var buf [8]byte
	for i := range out {
		for j := 0; j < kzg.FieldElementsPerBlob; j++ {
			binary.BigEndian.PutUint32(buf[:4], uint32(i))
			binary.BigEndian.PutUint32(buf[4:], uint32(j))
			d := sha256.Sum256(append([]byte(seed), buf[:]...))
			d[0] = 0
			copy(out[i][32*j:], d[:])
		}
	}
	return out
}

type fixture struct {
	name   string
	k      int
	blobs  int
	block  *kzg.ExtendedBlock
	encode []byte
}

func encodeFixture(seed string, blobs int, b *kzg.ExtendedBlock) []byte {
	out := []byte(fixtureMagic)
	out = append(out, byte(b.K), byte(blobs), byte(len(seed)))
	out = append(out, seed...)
	for _, c := range b.Commitments {
		out = append(out, c[:]...)
	}
	for r := range b.Proofs {
		for c := range b.Proofs[r] {
			out = append(out, b.Proofs[r][c][:]...)
		}
	}
	return out
}

// decodeFixture rebuilds the extended block: cells from the seed through
// the erasure code, commitments and proofs from the file.
func decodeFixture(codec *erasure.Codec, data []byte) (*kzg.ExtendedBlock, int, error) {
	bad := errors.New("malformed das fixture")
	if len(data) < len(fixtureMagic)+3 || string(data[:len(fixtureMagic)]) != fixtureMagic {
		return nil, 0, bad
	}
	data = data[len(fixtureMagic):]
	k, blobs, sl := int(data[0]), int(data[1]), int(data[2])
	data = data[3:]
	if !validK(k) || blobs < 1 || blobs > k || len(data) != sl+2*k*48+2*k*kzg.CellsPerRow*48 {
		return nil, 0, fmt.Errorf("%w: k=%d blobs=%d, %d bytes", bad, k, blobs, len(data))
	}
	seed := string(data[:sl])
	data = data[sl:]
	b := &kzg.ExtendedBlock{
		K:           k,
		Commitments: make([]kzg.Commitment, 2*k),
		Cells:       make([][kzg.CellsPerRow]kzg.Cell, 2*k),
		Proofs:      make([][kzg.CellsPerRow]kzg.Proof, 2*k),
	}
	for i := range b.Commitments {
		b.Commitments[i] = kzg.Commitment(data[:48])
		data = data[48:]
	}
	for r := range b.Proofs {
		for c := range b.Proofs[r] {
			b.Proofs[r][c] = kzg.Proof(data[:48])
			data = data[48:]
		}
	}
	elems := make([][]fr.Element, k)
	for i, blob := range fixtureBlobs(seed, blobs) {
		e, err := blob.Elements()
		if err != nil {
			return nil, 0, err
		}
		elems[i] = e
	}
	for i := blobs; i < k; i++ {
		elems[i] = make([]fr.Element, kzg.FieldElementsPerBlob)
	}
	grid, err := codec.ExtendBlock(elems)
	if err != nil {
		return nil, 0, err
	}
	for r := range b.Cells {
		for c := range b.Cells[r] {
			cell, err := kzg.CellFromElements(grid.Cell(r, c))
			if err != nil {
				return nil, 0, err
			}
			b.Cells[r][c] = cell
		}
	}
	return b, blobs, nil
}

var (
	fixturesOnce sync.Once
	fixtures     map[int]*fixture // by k
	fixturesErr  error
	verifierOnce sync.Once
	verifier     *kzg.Verifier
	verifierErr  error
)

// loadFixtures reads and rebuilds the committed fixtures once per test
// binary.
func loadFixtures(t testing.TB) map[int]*fixture {
	t.Helper()
	fixturesOnce.Do(func() {
		codec := erasure.NewCodec()
		fixtures = map[int]*fixture{}
		for _, spec := range fixtureSpecs {
			data, err := os.ReadFile(filepath.Join("testdata", spec.name))
			if err != nil {
				fixturesErr = err
				return
			}
			b, blobs, err := decodeFixture(codec, data)
			if err != nil {
				fixturesErr = fmt.Errorf("%s: %w", spec.name, err)
				return
			}
			fixtures[b.K] = &fixture{name: spec.name, k: b.K, blobs: blobs, block: b, encode: data}
		}
	})
	if fixturesErr != nil {
		t.Fatalf("loading fixtures (regenerate with LIGHTDAS_GEN_FIXTURES=1 go test -run TestGenerateFixtures ./das): %v", fixturesErr)
	}
	return fixtures
}

func loadFixture(t testing.TB, k int) *fixture {
	t.Helper()
	fx := loadFixtures(t)[k]
	if fx == nil {
		t.Fatalf("no fixture with k = %d", k)
	}
	return fx
}

func testVerifier(t testing.TB) *kzg.Verifier {
	t.Helper()
	verifierOnce.Do(func() { verifier, verifierErr = kzg.NewVerifier() })
	if verifierErr != nil {
		t.Fatal(verifierErr)
	}
	return verifier
}

const testChain = "lightdas-das-test"

// headerFor returns a header at height carrying the fixture's commitments
// (any fields the sampler does not check are filler; the sampler trusts
// that headers it is handed were verified).
func headerFor(fx *fixture, height uint64) *headers.Header {
	h := &headers.Header{
		ChainID:     testChain,
		Height:      height,
		Time:        time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(height) * time.Second),
		Blobs:       fx.blobs,
		Commitments: make([]headers.Commitment, fx.k),
	}
	h.ParentHash = sha256.Sum256([]byte(fmt.Sprintf("parent %d", height)))
	h.ValidatorsHash = sha256.Sum256([]byte("validators"))
	h.NextValidatorsHash = h.ValidatorsHash
	for i := range h.Commitments {
		h.Commitments[i] = headers.Commitment(fx.block.Commitments[i])
	}
	return h
}

// TestFixturesVerify checks on every platform that the committed fixtures
// rebuild into blocks whose cells verify against their commitments: all
// cells of k = 2, and a spread of cells of the larger blocks.
func TestFixturesVerify(t *testing.T) {
	v := testVerifier(t)
	for _, spec := range fixtureSpecs {
		fx := loadFixture(t, spec.k)
		if fx.blobs != spec.blobs {
			t.Fatalf("%s: %d blobs, want %d", spec.name, fx.blobs, spec.blobs)
		}
		step := 1
		if spec.k > 2 {
			step = 7 // coprime with 128: every column and row appears
		}
		var samples []kzg.Sample
		for i := 0; i < gridCells(fx.k); i += step {
			r, c := i/kzg.CellsPerRow, i%kzg.CellsPerRow
			samples = append(samples, kzg.Sample{Row: r, Column: c, Cell: fx.block.Cells[r][c], Proof: fx.block.Proofs[r][c]})
		}
		if err := v.VerifySamples(fx.block.Commitments[:fx.k], samples); err != nil {
			t.Fatalf("%s: %v", spec.name, err)
		}
		// The derived commitments are the ones the prover made.
		ext, err := kzg.ExtendCommitments(fx.block.Commitments[:fx.k])
		if err != nil {
			t.Fatal(err)
		}
		for i := range ext {
			if ext[i] != fx.block.Commitments[i] {
				t.Fatalf("%s: commitment %d differs from the extension of the originals", spec.name, i)
			}
		}
		// A flipped cell byte is caught.
		bad := samples[len(samples)/2]
		bad.Cell[100] ^= 1
		if err := v.VerifySamples(fx.block.Commitments[:fx.k], []kzg.Sample{bad}); !errors.Is(err, kzg.ErrVerify) {
			t.Fatalf("%s: corrupted cell: %v", spec.name, err)
		}
	}
}
