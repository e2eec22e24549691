// Package gensetup converts the Ethereum KZG ceremony output (the text
// trusted_setup.txt of c-kzg-4844) into the compact binary files that package
// kzg embeds.
//
// The conversion is where every check happens, once, at generate time: each
// point is decompressed, checked on the curve and in its prime-order subgroup,
// and the three lists are checked to be consistent with each other by
// randomized pairing and MSM checks. The output stores raw affine
// coordinates, and package kzg pins the bytes with SHA-256, so loading needs
// neither square roots nor subgroup checks.
//
// Binary layout (all field elements of Fp: 48 bytes, big-endian, canonical):
//
//	setup_verifier.bin: "LDKZGVR1"
//	                    64 x G1 affine (X, Y):           [tau^0]_1 .. [tau^63]_1
//	                    2 x G2 affine (X.A0, X.A1, Y.A0, Y.A1): [1]_2, [tau^64]_2
//	                    2 x Miller-loop lines of gnark's PrecomputeLines, for
//	                    [tau^64]_2 then [1]_2: [2][63] line evaluations,
//	                    each (R0.A0, R0.A1, R1.A0, R1.A1)
//	setup_prover.bin:   "LDKZGPR1"
//	                    4096 x G1 affine (X, Y):         [tau^0]_1 .. [tau^4095]_1
//
// None of these points is the point at infinity (checked), so no flag bits
// are needed.
package gensetup

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"go/format"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/consensys/gnark-crypto/ecc"
	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fp"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"
	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr/fft"
	"github.com/consensys/gnark-crypto/utils"
)

// Sizes of the ceremony output and of what lightdas keeps of it.
const (
	NumG1          = 4096 // G1 points per list (Lagrange and monomial)
	NumG2          = 65   // G2 monomial points [tau^0]_2 .. [tau^64]_2
	VerifierPoints = 64   // FIELD_ELEMENTS_PER_CELL: G1 monomial points a cell verifier needs

	G1RawSize = 2 * fp.Bytes
	G2RawSize = 4 * fp.Bytes

	VerifierMagic = "LDKZGVR1"
	ProverMagic   = "LDKZGPR1"

	// LinesSize is the size of one G2 point's precomputed Miller-loop lines.
	LinesSize = 2 * (len(bls12381.LoopCounter) - 1) * 4 * fp.Bytes

	VerifierSize = len(VerifierMagic) + VerifierPoints*G1RawSize + 2*G2RawSize + 2*LinesSize
	ProverSize   = len(ProverMagic) + NumG1*G1RawSize
)

// Setup is a parsed and fully checked trusted setup.
type Setup struct {
	G1Lagrange [NumG1]bls12381.G1Affine // natural order, as in the file (see Check)
	G1Monomial [NumG1]bls12381.G1Affine
	G2Monomial [NumG2]bls12381.G2Affine
}

// Parse reads trusted_setup.txt: the count lines "4096" and "65", then 4096
// compressed G1 Lagrange points, 65 compressed G2 monomial points and 4096
// compressed G1 monomial points, one hex string a line. It rejects anything
// else (wrong counts, extra lines, bad hex, points that are not canonical
// compressed encodings of non-infinity points of the prime-order subgroups).
// It does not check consistency between the lists; see Check.
func Parse(r io.Reader) (*Setup, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1024), 1024)
	var lines []string
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		lines = append(lines, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading trusted setup: %w", err)
	}
	want := 2 + NumG1 + NumG2 + NumG1
	if len(lines) != want {
		return nil, fmt.Errorf("trusted setup has %d non-empty lines, want %d", len(lines), want)
	}
	if n, err := strconv.Atoi(lines[0]); err != nil || n != NumG1 {
		return nil, fmt.Errorf("first line %q: want G1 count %d", lines[0], NumG1)
	}
	if n, err := strconv.Atoi(lines[1]); err != nil || n != NumG2 {
		return nil, fmt.Errorf("second line %q: want G2 count %d", lines[1], NumG2)
	}
	s := new(Setup)
	lag := lines[2 : 2+NumG1]
	g2 := lines[2+NumG1 : 2+NumG1+NumG2]
	mon := lines[2+NumG1+NumG2:]

	// Decompression and subgroup checks dominate; spread them over the CPUs.
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		firstEr error
	)
	fail := func(err error) {
		mu.Lock()
		if firstEr == nil {
			firstEr = err
		}
		mu.Unlock()
	}
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < NumG1; i += workers {
				if err := decodeG1(lag[i], &s.G1Lagrange[i]); err != nil {
					fail(fmt.Errorf("G1 Lagrange point %d: %w", i, err))
					return
				}
				if err := decodeG1(mon[i], &s.G1Monomial[i]); err != nil {
					fail(fmt.Errorf("G1 monomial point %d: %w", i, err))
					return
				}
			}
			for i := w; i < NumG2; i += workers {
				if err := decodeG2(g2[i], &s.G2Monomial[i]); err != nil {
					fail(fmt.Errorf("G2 monomial point %d: %w", i, err))
					return
				}
			}
		})
	}
	wg.Wait()
	if firstEr != nil {
		return nil, firstEr
	}
	return s, nil
}

func decodeG1(h string, p *bls12381.G1Affine) error {
	b, err := hex.DecodeString(strings.TrimPrefix(h, "0x"))
	if err != nil {
		return fmt.Errorf("hex: %w", err)
	}
	if len(b) != bls12381.SizeOfG1AffineCompressed {
		return fmt.Errorf("%d bytes, want %d", len(b), bls12381.SizeOfG1AffineCompressed)
	}
	if b[0]&0x80 == 0 {
		return errors.New("not a compressed encoding")
	}
	// SetBytes decompresses and checks the curve equation and the subgroup.
	if _, err := p.SetBytes(b); err != nil {
		return err
	}
	if p.IsInfinity() {
		return errors.New("point at infinity")
	}
	if !p.IsOnCurve() || !p.IsInSubGroup() {
		return errors.New("not in G1")
	}
	if c := p.Bytes(); !bytes.Equal(c[:], b) {
		return errors.New("non-canonical encoding")
	}
	return nil
}

func decodeG2(h string, p *bls12381.G2Affine) error {
	b, err := hex.DecodeString(strings.TrimPrefix(h, "0x"))
	if err != nil {
		return fmt.Errorf("hex: %w", err)
	}
	if len(b) != bls12381.SizeOfG2AffineCompressed {
		return fmt.Errorf("%d bytes, want %d", len(b), bls12381.SizeOfG2AffineCompressed)
	}
	if b[0]&0x80 == 0 {
		return errors.New("not a compressed encoding")
	}
	if _, err := p.SetBytes(b); err != nil {
		return err
	}
	if p.IsInfinity() {
		return errors.New("point at infinity")
	}
	if !p.IsOnCurve() || !p.IsInSubGroup() {
		return errors.New("not in G2")
	}
	if c := p.Bytes(); !bytes.Equal(c[:], b) {
		return errors.New("non-canonical encoding")
	}
	return nil
}

// Check verifies that the three lists describe one secret tau, with fresh
// randomness from rnd (crypto/rand in production) so that a setup crafted
// against fixed coefficients cannot pass:
//
//  1. [tau^0]_1 and [tau^0]_2 are the standard generators.
//  2. G1 powers: e(sum_i r_i [tau^(i+1)]_1, [1]_2) == e(sum_i r_i [tau^i]_1, [tau]_2)
//     for i < 4095, so [tau^i]_1 are the powers of the tau of [tau]_2.
//  3. G2 powers: e([1]_1, sum_j s_j [tau^(j+1)]_2) == e([tau]_1, sum_j s_j [tau^j]_2)
//     for j < 64, so the G2 list holds powers of the same tau.
//  4. Lagrange: for random evaluations a, sum_k a_k L[k] == sum_i c_i [tau^i]_1
//     with c = IFFT(a) the coefficients of the polynomial taking a_k at
//     w4096^k; so L[k] = [L_k(tau)]_1 with L_k the Lagrange basis polynomial
//     of w4096^k. The text file is in natural order (c-kzg-4844 applies the
//     bit-reversal permutation when it loads it), which this check pins.
//
// A random linear combination of wrong points passes with probability about
// 1/|Fr| per check.
func (s *Setup) Check(rnd io.Reader) error {
	_, _, g1Gen, g2Gen := bls12381.Generators()
	if !s.G1Monomial[0].Equal(&g1Gen) {
		return errors.New("[tau^0]_1 is not the G1 generator")
	}
	if !s.G2Monomial[0].Equal(&g2Gen) {
		return errors.New("[tau^0]_2 is not the G2 generator")
	}
	cfg := ecc.MultiExpConfig{}

	// 2. G1 powers.
	r, err := randomScalars(rnd, NumG1-1)
	if err != nil {
		return err
	}
	var hi, lo bls12381.G1Affine
	if _, err := hi.MultiExp(s.G1Monomial[1:], r, cfg); err != nil {
		return err
	}
	if _, err := lo.MultiExp(s.G1Monomial[:NumG1-1], r, cfg); err != nil {
		return err
	}
	lo.Neg(&lo)
	ok, err := bls12381.PairingCheck([]bls12381.G1Affine{hi, lo}, []bls12381.G2Affine{s.G2Monomial[0], s.G2Monomial[1]})
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("G1 monomial points are not successive powers of tau")
	}

	// 3. G2 powers.
	sc, err := randomScalars(rnd, NumG2-1)
	if err != nil {
		return err
	}
	var hi2, lo2 bls12381.G2Affine
	if _, err := hi2.MultiExp(s.G2Monomial[1:], sc, cfg); err != nil {
		return err
	}
	if _, err := lo2.MultiExp(s.G2Monomial[:NumG2-1], sc, cfg); err != nil {
		return err
	}
	var negTau bls12381.G1Affine
	negTau.Neg(&s.G1Monomial[1])
	ok, err = bls12381.PairingCheck([]bls12381.G1Affine{s.G1Monomial[0], negTau}, []bls12381.G2Affine{hi2, lo2})
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("G2 monomial points are not successive powers of the G1 tau")
	}

	// 4. Lagrange points against the monomial ones.
	a, err := randomScalars(rnd, NumG1)
	if err != nil {
		return err
	}
	var lagSum, monSum bls12381.G1Affine
	if _, err := lagSum.MultiExp(s.G1Lagrange[:], a, cfg); err != nil {
		return err
	}
	// a is the evaluation vector in natural order; the decimation-in-frequency
	// inverse FFT leaves the coefficients bit-reversed, so undo that.
	coeffs := make([]fr.Element, NumG1)
	copy(coeffs, a)
	fft.NewDomain(NumG1).FFTInverse(coeffs, fft.DIF)
	utils.BitReverse(coeffs)
	if _, err := monSum.MultiExp(s.G1Monomial[:], coeffs, cfg); err != nil {
		return err
	}
	if !lagSum.Equal(&monSum) {
		return errors.New("G1 Lagrange points are not the Lagrange basis of the monomial points")
	}
	return nil
}

func randomScalars(rnd io.Reader, n int) ([]fr.Element, error) {
	out := make([]fr.Element, n)
	var buf [fr.Bytes + 16]byte // 16 spare bytes make the reduction bias negligible
	for i := range out {
		if _, err := io.ReadFull(rnd, buf[:]); err != nil {
			return nil, fmt.Errorf("random scalars: %w", err)
		}
		out[i].SetBytes(buf[:])
		if out[i].IsZero() {
			out[i].SetOne()
		}
	}
	return out, nil
}

// VerifierBin returns the bytes of setup_verifier.bin.
func (s *Setup) VerifierBin() []byte {
	out := make([]byte, 0, VerifierSize)
	out = append(out, VerifierMagic...)
	for i := range VerifierPoints {
		out = appendG1(out, &s.G1Monomial[i])
	}
	out = appendG2(out, &s.G2Monomial[0])
	out = appendG2(out, &s.G2Monomial[VerifierPoints])
	// The lines are a pure function of the G2 points; storing them saves the
	// verifier most of its start-up time (in wasm, tens of milliseconds).
	for _, q := range []*bls12381.G2Affine{&s.G2Monomial[VerifierPoints], &s.G2Monomial[0]} {
		lines := bls12381.PrecomputeLines(*q)
		for i := range lines {
			for j := range lines[i] {
				l := &lines[i][j]
				out = appendFp(out, &l.R0.A0)
				out = appendFp(out, &l.R0.A1)
				out = appendFp(out, &l.R1.A0)
				out = appendFp(out, &l.R1.A1)
			}
		}
	}
	return out
}

// ProverBin returns the bytes of setup_prover.bin.
func (s *Setup) ProverBin() []byte {
	out := make([]byte, 0, ProverSize)
	out = append(out, ProverMagic...)
	for i := range s.G1Monomial {
		out = appendG1(out, &s.G1Monomial[i])
	}
	return out
}

func appendFp(out []byte, e *fp.Element) []byte {
	var b [fp.Bytes]byte
	fp.BigEndian.PutElement(&b, *e)
	return append(out, b[:]...)
}

func appendG1(out []byte, p *bls12381.G1Affine) []byte {
	out = appendFp(out, &p.X)
	return appendFp(out, &p.Y)
}

func appendG2(out []byte, p *bls12381.G2Affine) []byte {
	out = appendFp(out, &p.X.A0)
	out = appendFp(out, &p.X.A1)
	out = appendFp(out, &p.Y.A0)
	return appendFp(out, &p.Y.A1)
}

// Convert parses and checks a trusted_setup.txt and returns the verifier and
// prover binary files.
func Convert(txt io.Reader, rnd io.Reader) (verifier, prover []byte, err error) {
	s, err := Parse(txt)
	if err != nil {
		return nil, nil, err
	}
	if err := s.Check(rnd); err != nil {
		return nil, nil, fmt.Errorf("trusted setup inconsistent: %w", err)
	}
	return s.VerifierBin(), s.ProverBin(), nil
}

// HashesGo returns the Go source of the generated file that pins the binary
// files' SHA-256 digests in package pkg.
func HashesGo(pkg, source string, verifier, prover []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by kzg/internal/gensetup from %s; DO NOT EDIT.\n\n", source)
	fmt.Fprintf(&b, "package %s\n\n", pkg)
	fmt.Fprintf(&b, "// SHA-256 digests of the embedded setup files, checked at load time.\n")
	fmt.Fprintf(&b, "const (\n")
	fmt.Fprintf(&b, "\tsetupVerifierSHA256 = %q\n", hex.EncodeToString(sum(verifier)))
	fmt.Fprintf(&b, "\tsetupProverSHA256   = %q\n", hex.EncodeToString(sum(prover)))
	fmt.Fprintf(&b, ")\n")
	src, err := format.Source(b.Bytes())
	if err != nil {
		panic(err) // the template above is fixed; a failure is a bug here
	}
	return src
}

func sum(b []byte) []byte {
	h := sha256.Sum256(b)
	return h[:]
}
