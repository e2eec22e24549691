// Package lighttest runs light clients against real servers on an
// in-memory network: full nodes that serve signed headers (headers
// protocols), KZG-proven cells (das sample protocol) and peer exchange
// over p2p/memnet, a signed chain whose headers commit to a real extended
// block, and a Dialer for memnet that can take nodes down.
//
// The block is a committed fixture (block.bin: commitments and proofs made
// by kzg.Prover, cells rebuilt from a seed with the erasure code), so the
// same tests run natively and as wasm, where building a prover takes too
// long. Regenerate it with
//
//	LIGHTDAS_GEN_FIXTURES=1 go test -run TestGenerateFixture ./light/lighttest
package lighttest

import (
	"crypto/sha256"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"

	"lightdas/erasure"
	"lightdas/kzg"
)

// Fixture parameters: two original rows, both real blobs.
const (
	FixtureK     = 2
	FixtureBlobs = 2
	fixtureSeed  = "lightdas light fixture"
	fixtureMagic = "LDLTFX01"
	// FixtureFile is the fixture's file name in this package's directory.
	FixtureFile = "block.bin"
)

//go:embed block.bin
var fixtureData []byte

// FixtureBlobData derives the fixture's blobs: element j of blob i is
// SHA-256(seed || u32 i || u32 j) with the first byte cleared (so below
// the modulus).
func FixtureBlobData() []kzg.Blob {
	out := make([]kzg.Blob, FixtureBlobs)
	var buf [8]byte
	for i := range out {
		for j := 0; j < kzg.FieldElementsPerBlob; j++ {
			binary.BigEndian.PutUint32(buf[:4], uint32(i))
			binary.BigEndian.PutUint32(buf[4:], uint32(j))
			d := sha256.Sum256(append([]byte(fixtureSeed), buf[:]...))
			d[0] = 0
			copy(out[i][32*j:], d[:])
		}
	}
	return out
}

// EncodeFixture writes an extended block of the fixture's blobs:
// magic || u8 k || 2k x commitment || 2k x 128 x proof.
func EncodeFixture(b *kzg.ExtendedBlock) []byte {
	out := []byte(fixtureMagic)
	out = append(out, byte(b.K))
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

var (
	blockOnce sync.Once
	block     *kzg.ExtendedBlock
	blockErr  error
)

// Block returns the fixture's extended block (built once per process;
// shared, must not be modified).
func Block() (*kzg.ExtendedBlock, error) {
	blockOnce.Do(func() { block, blockErr = decodeFixture(fixtureData) })
	return block, blockErr
}

func decodeFixture(data []byte) (*kzg.ExtendedBlock, error) {
	bad := errors.New("lighttest: malformed fixture (regenerate it, see the package doc)")
	k := FixtureK
	if len(data) != len(fixtureMagic)+1+2*k*48+2*k*kzg.CellsPerRow*48 ||
		string(data[:len(fixtureMagic)]) != fixtureMagic || int(data[len(fixtureMagic)]) != k {
		return nil, bad
	}
	data = data[len(fixtureMagic)+1:]
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
	for i, blob := range FixtureBlobData() {
		e, err := blob.Elements()
		if err != nil {
			return nil, err
		}
		elems[i] = e
	}
	grid, err := erasure.NewCodec().ExtendBlock(elems)
	if err != nil {
		return nil, fmt.Errorf("lighttest: extending the fixture: %w", err)
	}
	for r := range b.Cells {
		for c := range b.Cells[r] {
			if b.Cells[r][c], err = kzg.CellFromElements(grid.Cell(r, c)); err != nil {
				return nil, err
			}
		}
	}
	return b, nil
}
