package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"lightdas/headers"
	"lightdas/headers/headertest"
	"lightdas/kzg"
)

// The decoders of stored values must reject or accept, never panic, and
// what they accept must re-encode to the same bytes.

func FuzzDecodeHeaderRecord(f *testing.F) {
	c := headertest.MustChain(headertest.Config{Validators: 2}, 2)
	for _, b := range c.Blocks {
		rec, err := encodeHeaderRecord(b)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(rec)
		f.Add(rec[:len(rec)-1])
		f.Add(append(bytes.Clone(rec), 0))
	}
	f.Add([]byte{})
	f.Add([]byte{1, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, c, err := decodeHeaderRecord(b)
		if err != nil {
			if h != nil || c != nil {
				t.Fatal("partial result with an error")
			}
			return
		}
		got, err := encodeHeaderRecord(&headers.LightBlock{Header: h, Commit: c})
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("accepted record does not re-encode: %v", err)
		}
	})
}

func FuzzDecodeSetRecord(f *testing.F) {
	c := headertest.MustChain(headertest.Config{Validators: 2}, 1)
	f.Add(encodeSetRecord(3, c.Genesis.Validators.Encode()))
	f.Add(encodeSetRecord(0, nil))
	f.Add([]byte{1})
	f.Fuzz(func(t *testing.T, b []byte) {
		refs, set, err := decodeSetRecord(b)
		if err != nil {
			if !errors.Is(err, errMalformed) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if refs == 0 || !bytes.Equal(encodeSetRecord(refs, set), b) {
			t.Fatal("accepted record does not re-encode")
		}
	})
}

func FuzzDecodeBlockMeta(f *testing.F) {
	for _, k := range []int{1, 2, 64} {
		b := &kzg.ExtendedBlock{K: k, Commitments: make([]kzg.Commitment, 2*k)}
		f.Add(encodeBlockMeta(b))
	}
	f.Add([]byte{1, 3})
	f.Add([]byte{1, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		k, cs, err := decodeBlockMeta(b)
		if err != nil {
			if !errors.Is(err, errMalformed) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if !bytes.Equal(encodeBlockMeta(&kzg.ExtendedBlock{K: k, Commitments: cs}), b) {
			t.Fatal("accepted record does not re-encode")
		}
	})
}

func FuzzDecodeRow(f *testing.F) {
	var cells [kzg.CellsPerRow]kzg.Cell
	var proofs [kzg.CellsPerRow]kzg.Proof
	for i := range cells {
		cells[i][31] = byte(i)
		proofs[i][0] = 0xc0
	}
	good := encodeRow(&cells, &proofs)
	f.Add(good)
	f.Add(good[:100])
	bad := bytes.Clone(good)
	bad[1] = 0xff // non-canonical first element
	f.Add(binary.BigEndian.AppendUint32(bad[:len(bad)-4:len(bad)-4], crcOf(bad[:len(bad)-4])))
	f.Fuzz(func(t *testing.T, b []byte) {
		cs, ps, err := decodeRow(b)
		if err != nil {
			if !errors.Is(err, errMalformed) && !errors.Is(err, kzg.ErrNonCanonical) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if !bytes.Equal(encodeRow(cs, ps), b) {
			t.Fatal("accepted row does not re-encode")
		}
	})
}

func FuzzDecodeHeight(f *testing.F) {
	f.Add(heightKey(5))
	f.Add([]byte{1, 2})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := decodeHeight(b)
		if err == nil && !bytes.Equal(heightKey(h), b) {
			t.Fatal("accepted height does not re-encode")
		}
	})
}
