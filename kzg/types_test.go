package kzg

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math/big"
	"testing"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fp"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
)

func mustHex48(t testing.TB, s string) [48]byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 48 {
		t.Fatalf("bad test constant %q", s)
	}
	return [48]byte(b)
}

// frModulusBytes is r, the smallest non-canonical field element encoding.
func frModulusBytes() [32]byte {
	var b [32]byte
	fr.Modulus().FillBytes(b[:])
	return b
}

// offCurveX returns a compressed encoding whose x has no curve point, and
// onCurveNotG1 one of a curve point outside the subgroup (found by search,
// so the tests do not depend on magic constants).
func offCurveX(t testing.TB) [48]byte {
	t.Helper()
	for x := uint64(1); ; x++ {
		var fx, y2, y fp.Element
		fx.SetUint64(x)
		y2.Square(&fx).Mul(&y2, &fx).Add(&y2, new(fp.Element).SetUint64(4))
		if y.Sqrt(&y2) == nil {
			var b [48]byte
			new(big.Int).SetUint64(x).FillBytes(b[:])
			b[0] |= flagCompressed
			return b
		}
	}
}

func onCurveNotG1(t testing.TB) [48]byte {
	t.Helper()
	for x := uint64(1); ; x++ {
		var p bls12381.G1Affine
		p.X.SetUint64(x)
		var y2 fp.Element
		y2.Square(&p.X).Mul(&y2, &p.X).Add(&y2, new(fp.Element).SetUint64(4))
		if p.Y.Sqrt(&y2) == nil || p.IsInSubGroup() {
			continue
		}
		return p.Bytes()
	}
}

func TestDecodeG1(t *testing.T) {
	_, _, g1, _ := bls12381.Generators()
	var negG1 bls12381.G1Affine
	negG1.Neg(&g1)
	gen := g1.Bytes()
	neg := negG1.Bytes()
	inf := [48]byte{0xc0}

	xIsP := [48]byte{}
	fp.Modulus().FillBytes(xIsP[:])
	xIsP[0] |= flagCompressed
	uncompressedGen := gen
	uncompressedGen[0] &^= flagCompressed
	infSign := inf
	infSign[0] |= flagSign
	infDirty := inf
	infDirty[47] = 1
	infLowBits := inf
	infLowBits[0] |= 0x01
	infNoCompress := [48]byte{0x40}
	zeroX := [48]byte{0x80}

	tests := []struct {
		name string
		in   [48]byte
		want error // nil: accepted
	}{
		{"generator", gen, nil},
		{"negated generator", neg, nil},
		{"infinity", inf, nil},
		{"all zero (uncompressed flag)", [48]byte{}, ErrInvalidPoint},
		{"compression flag clear", uncompressedGen, ErrInvalidPoint},
		{"infinity with sign flag", infSign, ErrInvalidPoint},
		{"infinity with trailing bit", infDirty, ErrInvalidPoint},
		{"infinity with low bits of first byte", infLowBits, ErrInvalidPoint},
		{"infinity without compression flag", infNoCompress, ErrInvalidPoint},
		{"x equal to the field modulus", xIsP, ErrInvalidPoint},
		{"all ones", [48]byte(bytes.Repeat([]byte{0xff}, 48)), ErrInvalidPoint},
		{"x off the curve", offCurveX(t), ErrInvalidPoint},
		{"x = 0 (point (0, 2) outside G1)", zeroX, ErrNotInSubgroup},
		{"curve point outside G1", onCurveNotG1(t), ErrNotInSubgroup},
		{"vector: commitment outside G1", mustHex48(t, "8123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"), ErrNotInSubgroup},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for kind, decode := range map[string]func([48]byte) (bls12381.G1Affine, error){
				"proof":      func(b [48]byte) (bls12381.G1Affine, error) { return Proof(b).Point() },
				"commitment": func(b [48]byte) (bls12381.G1Affine, error) { return Commitment(b).Point() },
			} {
				p, err := decode(tc.in)
				if tc.want == nil {
					if err != nil {
						t.Fatalf("%s: %v", kind, err)
					}
					if ProofFromPoint(&p) != Proof(tc.in) || CommitmentFromPoint(&p) != Commitment(tc.in) {
						t.Fatalf("%s: re-encoding differs", kind)
					}
					continue
				}
				if !errors.Is(err, tc.want) {
					t.Fatalf("%s: got %v, want %v", kind, err, tc.want)
				}
				for _, other := range typedErrors {
					if other != tc.want && errors.Is(err, other) {
						t.Fatalf("%s: %v also matches %v", kind, err, other)
					}
				}
			}
		})
	}
	if p, _ := Proof(gen).Point(); !p.Equal(&g1) {
		t.Fatal("generator decodes to another point")
	}
	if p, _ := Proof(neg).Point(); !p.Equal(&negG1) {
		t.Fatal("sign flag ignored")
	}
}

func TestParseLengths(t *testing.T) {
	for _, n := range []int{0, 1, 47, 49, 2047, 2049, BytesPerBlob - 1, BytesPerBlob + 1} {
		b := make([]byte, n)
		if _, err := ParseProof(b); !errors.Is(err, ErrLength) {
			t.Errorf("ParseProof(%d bytes): %v", n, err)
		}
		if _, err := ParseCommitment(b); !errors.Is(err, ErrLength) {
			t.Errorf("ParseCommitment(%d bytes): %v", n, err)
		}
		if _, err := ParseCell(b); !errors.Is(err, ErrLength) {
			t.Errorf("ParseCell(%d bytes): %v", n, err)
		}
		if _, err := ParseBlob(b); !errors.Is(err, ErrLength) {
			t.Errorf("ParseBlob(%d bytes): %v", n, err)
		}
	}
	in := make([]byte, BytesPerCell)
	in[5] = 7
	c, err := ParseCell(in)
	if err != nil || !bytes.Equal(c[:], in) {
		t.Fatalf("ParseCell: %v", err)
	}
	blobIn := make([]byte, BytesPerBlob)
	b, err := ParseBlob(blobIn)
	if err != nil {
		t.Fatal(err)
	}
	blobIn[0] = 1
	if b[0] != 0 {
		t.Fatal("ParseBlob aliases its input")
	}
	for _, n := range []int{BytesPerProof} {
		if _, err := ParseProof(make([]byte, n)); err != nil {
			t.Fatal(err)
		}
		if _, err := ParseCommitment(make([]byte, n)); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFieldElements(t *testing.T) {
	mod := frModulusBytes()
	var modMinus1 fr.Element
	modMinus1.SetOne().Neg(&modMinus1)
	maxCanon := modMinus1.Bytes()

	tests := []struct {
		name  string
		at    int
		value [32]byte
		ok    bool
	}{
		{"zero", 0, [32]byte{}, true},
		{"r-1", 3, maxCanon, true},
		{"r", 7, mod, false},
		{"all ones", 63, [32]byte(bytes.Repeat([]byte{0xff}, 32)), false},
		{"2^255", 10, [32]byte{0x80}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var c Cell
			copy(c[tc.at*32:], tc.value[:])
			var blob Blob
			copy(blob[(FieldElementsPerBlob-64+tc.at)*32:], tc.value[:])

			els, err := c.Elements()
			bels, berr := blob.Elements()
			if tc.ok {
				if err != nil || berr != nil {
					t.Fatalf("rejected: %v / %v", err, berr)
				}
				back, _ := CellFromElements(els)
				if back != c {
					t.Fatal("cell round trip differs")
				}
				bback, _ := BlobFromElements(bels)
				if *bback != blob {
					t.Fatal("blob round trip differs")
				}
				return
			}
			var ie *IndexError
			if !errors.Is(err, ErrNonCanonical) || !errors.As(err, &ie) || ie.Index != tc.at {
				t.Fatalf("cell: got %v, want ErrNonCanonical at %d", err, tc.at)
			}
			if !errors.Is(berr, ErrNonCanonical) || !errors.As(berr, &ie) || ie.Index != FieldElementsPerBlob-64+tc.at {
				t.Fatalf("blob: got %v", berr)
			}
		})
	}
	if _, err := CellFromElements(make([]fr.Element, 63)); !errors.Is(err, ErrLength) {
		t.Errorf("CellFromElements(63): %v", err)
	}
	if _, err := BlobFromElements(make([]fr.Element, 4097)); !errors.Is(err, ErrLength) {
		t.Errorf("BlobFromElements(4097): %v", err)
	}
}

// ---- fuzzing ----

func addPointSeeds(f *testing.F) {
	_, _, g1, _ := bls12381.Generators()
	gen := g1.Bytes()
	f.Add(gen[:])
	f.Add(append([]byte{0xc0}, make([]byte, 47)...))
	f.Add(append([]byte{0xe0}, make([]byte, 47)...))
	f.Add(make([]byte, 48))
	f.Add(bytes.Repeat([]byte{0xff}, 48))
	nsg := onCurveNotG1(f)
	f.Add(nsg[:])
	off := offCurveX(f)
	f.Add(off[:])
	addVectorSeeds(f, func(in *verifyBatchVector) []string {
		return append(in.Input.Commitments, in.Input.Proofs...)
	})
}

// addVectorSeeds adds the distinct byte strings that pick selects from the
// verify_cell_kzg_proof_batch vectors (fewer under wasm, where each seed
// costs more).
func addVectorSeeds(f *testing.F, pick func(*verifyBatchVector) []string) {
	limit := 1 << 30
	if !heavy {
		limit = 48
	}
	seen := map[string]bool{}
	for _, c := range loadVectors[verifyBatchVector](f, "verify_cell_kzg_proof_batch") {
		for _, s := range pick(&c.Data) {
			if seen[s] || len(seen) >= limit {
				continue
			}
			seen[s] = true
			if b, err := hexBytes(s); err == nil {
				f.Add(b)
			}
		}
	}
}

// fuzzPoint checks a decoder: typed errors only, canonical round trip on
// acceptance, and the same verdict and point as gnark's own decoder.
func fuzzPoint(t *testing.T, in []byte, parse func([]byte) (bls12381.G1Affine, [48]byte, error)) {
	p, enc, err := parse(in)
	if len(in) != 48 {
		if !errors.Is(err, ErrLength) {
			t.Fatalf("%d bytes: %v", len(in), err)
		}
		return
	}
	var ref bls12381.G1Affine
	_, refErr := ref.SetBytes(in)
	if err != nil {
		if !isTyped(err) {
			t.Fatalf("untyped error %v", err)
		}
		if refErr == nil {
			t.Fatalf("rejected (%v) what gnark accepts", err)
		}
		return
	}
	if refErr != nil || !ref.Equal(&p) {
		t.Fatalf("accepted what gnark rejects or decodes differently (%v)", refErr)
	}
	if !p.IsInSubGroup() {
		t.Fatal("accepted a point outside G1")
	}
	if pb := p.Bytes(); pb != enc || !bytes.Equal(pb[:], in) {
		t.Fatal("accepted a non-canonical encoding")
	}
}

func FuzzProofPoint(f *testing.F) {
	addPointSeeds(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		fuzzPoint(t, in, func(b []byte) (bls12381.G1Affine, [48]byte, error) {
			pr, err := ParseProof(b)
			if err != nil {
				return bls12381.G1Affine{}, pr, err
			}
			p, err := pr.Point()
			return p, ProofFromPoint(&p), err
		})
	})
}

func FuzzCommitmentPoint(f *testing.F) {
	addPointSeeds(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		fuzzPoint(t, in, func(b []byte) (bls12381.G1Affine, [48]byte, error) {
			c, err := ParseCommitment(b)
			if err != nil {
				return bls12381.G1Affine{}, c, err
			}
			p, err := c.Point()
			return p, CommitmentFromPoint(&p), err
		})
	})
}

func addCellSeeds(f *testing.F) {
	f.Add(make([]byte, BytesPerCell))
	f.Add(bytes.Repeat([]byte{0xff}, BytesPerCell))
	mod := frModulusBytes()
	f.Add(bytes.Repeat(mod[:], FieldElementsPerCell))
	f.Add(mod[:])
	f.Add([]byte{})
	addVectorSeeds(f, func(in *verifyBatchVector) []string { return in.Input.Cells })
}

// checkElements verifies a decoding verdict element by element against
// math/big, and the round trip on acceptance.
func checkElements(t *testing.T, raw []byte, els []fr.Element, err error, encode func([]fr.Element) []byte) {
	firstBad := -1
	for i := 0; i*32 < len(raw); i++ {
		if new(big.Int).SetBytes(raw[i*32:(i+1)*32]).Cmp(fr.Modulus()) >= 0 {
			firstBad = i
			break
		}
	}
	if firstBad >= 0 {
		var ie *IndexError
		if !errors.Is(err, ErrNonCanonical) || !errors.As(err, &ie) || ie.Index != firstBad {
			t.Fatalf("element %d is not canonical, got %v", firstBad, err)
		}
		return
	}
	if err != nil {
		t.Fatalf("canonical input rejected: %v", err)
	}
	if !bytes.Equal(encode(els), raw) {
		t.Fatal("round trip differs")
	}
}

func FuzzParseCell(f *testing.F) {
	addCellSeeds(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := ParseCell(in)
		if len(in) != BytesPerCell {
			if !errors.Is(err, ErrLength) {
				t.Fatalf("%d bytes: %v", len(in), err)
			}
			return
		}
		if err != nil || !bytes.Equal(c[:], in) {
			t.Fatalf("ParseCell: %v", err)
		}
		els, err := c.Elements()
		checkElements(t, in, els, err, func(e []fr.Element) []byte {
			back, err := CellFromElements(e)
			if err != nil {
				t.Fatal(err)
			}
			return back[:]
		})
	})
}

// FuzzCellElements tiles arbitrary input to a full cell, so that the fuzzer
// exercises the element decoder rather than the length check.
func FuzzCellElements(f *testing.F) {
	addCellSeeds(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		var c Cell
		if len(in) > 0 {
			for i := 0; i < BytesPerCell; i += copy(c[i:], in) {
			}
		}
		els, err := c.Elements()
		checkElements(t, c[:], els, err, func(e []fr.Element) []byte {
			back, err := CellFromElements(e)
			if err != nil {
				t.Fatal(err)
			}
			return back[:]
		})
	})
}

func FuzzBlobElements(f *testing.F) {
	addCellSeeds(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		blob := new(Blob)
		if len(in) > 0 {
			for i := 0; i < BytesPerBlob; i += copy(blob[i:], in) {
			}
		}
		parsed, err := ParseBlob(in)
		if len(in) != BytesPerBlob {
			if parsed != nil || !errors.Is(err, ErrLength) {
				t.Fatalf("ParseBlob(%d bytes): %v", len(in), err)
			}
		} else if err != nil || *parsed != *blob {
			t.Fatalf("ParseBlob: %v", err)
		}
		els, err := blob.Elements()
		checkElements(t, blob[:], els, err, func(e []fr.Element) []byte {
			back, err := BlobFromElements(e)
			if err != nil {
				t.Fatal(err)
			}
			return back[:]
		})
	})
}
