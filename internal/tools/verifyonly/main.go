// Command verifyonly is the smallest program that verifies lightdas samples:
// it links the KZG verifier and nothing of the prover. `make bench` builds it
// for GOOS=js GOARCH=wasm to measure what verification costs a web page in
// bytes; it also runs (natively, or in a browser through wasmbrowsertest) on
// a sample file in the layout of kzg/testdata/block8_samples.bin:
//
//	"LDBLK2D1", k (u32 BE), 2k row commitments (the first k are the
//	originals), n (u32 BE), n x (row u32, column u32, cell, proof)
package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"

	"lightdas/kzg"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: verifyonly SAMPLES_FILE")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "verifyonly:", err)
		os.Exit(1)
	}
}

func run(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	originals, samples, err := decode(data)
	if err != nil {
		return err
	}
	v, err := kzg.NewVerifier()
	if err != nil {
		return err
	}
	if err := v.VerifySamples(originals, samples); err != nil {
		return err
	}
	fmt.Printf("ok: %d samples over %d rows verified against %d commitments\n", len(samples), 2*len(originals), len(originals))
	return nil
}

var errMalformed = errors.New("malformed samples file")

func decode(data []byte) ([]kzg.Commitment, []kzg.Sample, error) {
	const magic = "LDBLK2D1"
	if len(data) < len(magic)+4 || string(data[:len(magic)]) != magic {
		return nil, nil, errMalformed
	}
	data = data[len(magic):]
	k := int(binary.BigEndian.Uint32(data))
	data = data[4:]
	if k < 1 || k > 64 || len(data) < 2*k*kzg.BytesPerCommitment+4 {
		return nil, nil, errMalformed
	}
	originals := make([]kzg.Commitment, k)
	for i := range originals {
		originals[i] = kzg.Commitment(data[i*kzg.BytesPerCommitment:])
	}
	data = data[2*k*kzg.BytesPerCommitment:]
	n := int(binary.BigEndian.Uint32(data))
	data = data[4:]
	const rec = 8 + kzg.BytesPerCell + kzg.BytesPerProof
	if n > 1<<16 || len(data) != n*rec {
		return nil, nil, errMalformed
	}
	samples := make([]kzg.Sample, n)
	for i := range samples {
		r := data[i*rec:]
		samples[i] = kzg.Sample{
			Row:    int(binary.BigEndian.Uint32(r)),
			Column: int(binary.BigEndian.Uint32(r[4:])),
			Cell:   kzg.Cell(r[8:]),
			Proof:  kzg.Proof(r[8+kzg.BytesPerCell:]),
		}
	}
	return originals, samples, nil
}
