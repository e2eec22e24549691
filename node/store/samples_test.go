//go:build !js

package store

import (
	"bytes"
	"context"
	"errors"
	"math/big"
	"testing"

	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"

	"lightdas/das"
	"lightdas/kzg"
)

// TestBlockStoreSamples: a batch read answers like Sample cell by cell;
// damage answers the damaged cells not found, serves the rest and says
// what was damaged.
func TestBlockStoreSamples(t *testing.T) {
	ctx := context.Background()
	b := realBlock(t)
	coords := []das.Coord{{Row: 0, Col: 0}, {Row: 0, Col: 1}, {Row: 1, Col: 64}, {Row: 2, Col: 9}, {Row: 2, Col: 127}, {Row: 3, Col: 5}}
	entries := func(cs []das.Coord) []das.Entry {
		es := make([]das.Entry, len(cs))
		for i, c := range cs {
			es[i].Coord = c
		}
		return es
	}
	nonCanonical := func(v []byte) []byte { // cell 0 of the row >= the modulus
		for i := 1; i < 33; i++ {
			v[i] = 0xff
		}
		return encodeRowRaw(v[:len(v)-4])
	}
	for _, tc := range []struct {
		name    string
		row     int                 // damaged row, -1 for none
		damage  func([]byte) []byte // applied to that row's record
		coords  []das.Coord
		missing func(das.Coord) bool
	}{
		{name: "whole block", row: -1, coords: coords},
		{name: "unsorted with a repeat", row: -1, coords: []das.Coord{{Row: 3, Col: 5}, {Row: 0, Col: 1}, {Row: 3, Col: 6}, {Row: 0, Col: 1}}},
		{name: "row checksum", row: 2, damage: flip(5000), coords: coords, missing: func(c das.Coord) bool { return c.Row == 2 }},
		{name: "non-canonical cell", row: 0, damage: nonCanonical, coords: coords, missing: func(c das.Coord) bool { return c == das.Coord{} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openTemp(t, Options{})
			s := db.Blocks()
			if err := s.Put(1, hashOf("a"), b); err != nil {
				t.Fatal(err)
			}
			if tc.row >= 0 {
				damage(t, db, bucketRows, rowKey(1, hashOf("a"), tc.row), tc.damage)
			}
			es := entries(tc.coords)
			es[0].Found, es[0].Cell[0] = true, 1 // stale contents are overwritten
			err := s.Samples(ctx, 1, hashOf("a"), es)
			var ce *CorruptError
			switch {
			case tc.missing == nil && err != nil:
				t.Fatal(err)
			case tc.missing != nil && (!errors.Is(err, ErrCorrupt) || !errors.As(err, &ce) || ce.Bucket != string(bucketRows)):
				t.Fatalf("got %v, want a CorruptError in %s", err, bucketRows)
			}
			for i, e := range es {
				c := tc.coords[i]
				if e.Coord != c {
					t.Fatalf("entry %d moved to %v", i, e.Coord)
				}
				if tc.missing != nil && tc.missing(c) {
					if e.Found || e.Cell != (kzg.Cell{}) || e.Proof != (kzg.Proof{}) {
						t.Fatalf("damaged cell %v answered", c)
					}
					continue
				}
				if !e.Found || e.Cell != b.Cells[c.Row][c.Col] || e.Proof != b.Proofs[c.Row][c.Col] {
					t.Fatalf("cell %v differs from the block", c)
				}
			}
		})
	}

	s := openTemp(t, Options{}).Blocks()
	if err := s.Put(1, hashOf("a"), b); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		height uint64
		coords []das.Coord
		want   error
	}{
		{"unknown block", 2, coords, das.ErrUnknownBlock},
		{"row past 2k", 1, []das.Coord{{Row: 0, Col: 0}, {Row: 2 * b.K, Col: 0}}, das.ErrCoordinate},
		{"column 128", 1, []das.Coord{{Row: 0, Col: 128}}, das.ErrCoordinate},
		{"negative row", 1, []das.Coord{{Row: -1, Col: 0}}, das.ErrCoordinate},
	} {
		es := entries(tc.coords)
		if err := s.Samples(ctx, tc.height, hashOf("a"), es); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
		for i := range es {
			if es[i].Found {
				t.Errorf("%s: entry %d answered", tc.name, i)
			}
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.Samples(cctx, 1, hashOf("a"), entries(coords)); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// TestCheckCanonical: the byte comparison accepts and refuses exactly the
// cells kzg's decoding does.
func TestCheckCanonical(t *testing.T) {
	mod := fr.Modulus()
	elem := func(v *big.Int) []byte { return v.FillBytes(make([]byte, fr.Bytes)) }
	for _, tc := range []struct {
		name string
		at   int // element index
		v    []byte
	}{
		{"zero", 0, make([]byte, fr.Bytes)},
		{"modulus - 1", 5, elem(new(big.Int).Sub(mod, big.NewInt(1)))},
		{"modulus", 0, elem(mod)},
		{"modulus + 1", 63, elem(new(big.Int).Add(mod, big.NewInt(1)))},
		{"modulus + 2^200", 17, elem(new(big.Int).Add(mod, new(big.Int).Lsh(big.NewInt(1), 200)))},
		{"modulus - 2^200", 17, elem(new(big.Int).Sub(mod, new(big.Int).Lsh(big.NewInt(1), 200)))},
		{"all ones", 63, bytes.Repeat([]byte{0xff}, fr.Bytes)},
	} {
		var c kzg.Cell
		copy(c[tc.at*fr.Bytes:], tc.v)
		_, want := c.Elements()
		got := checkCanonical(&c)
		if (got == nil) != (want == nil) || got != nil && !errors.Is(got, kzg.ErrNonCanonical) {
			t.Errorf("%s: checkCanonical %v, Elements %v", tc.name, got, want)
		}
	}
}
