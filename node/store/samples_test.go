//go:build !js

package store

import (
	"bytes"
	"context"
	"errors"
	"math/big"
	"slices"
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
	key := func(row int) []byte { return rowKey(1, hashOf("a"), row) }
	entry := func(col, off int) int { return 1 + col*cellEntrySize + off }
	nonCanonical := func(row, col int) func([]byte) []byte { // the cell >= the modulus, its checksum fresh
		return func(v []byte) []byte {
			for i := range 32 {
				v[entry(col, i)] = 0xff
			}
			return resealCell(key(row), col)(v)
		}
	}
	nonCanonicalV1 := func(v []byte) []byte { // cell 0 >= the modulus, the row's checksum fresh
		for i := 1; i < 33; i++ {
			v[i] = 0xff
		}
		return resealV1(v)
	}
	only := func(want ...das.Coord) func(das.Coord) bool {
		return func(c das.Coord) bool { return slices.Contains(want, c) }
	}
	for _, tc := range []struct {
		name    string
		v1      bool                        // rows rewritten as version 1 records first
		damage  map[int]func([]byte) []byte // row -> what is done to its record
		coords  []das.Coord
		missing func(das.Coord) bool // cells answered not found
		errs    int                  // CorruptErrors joined
	}{
		{name: "whole block", coords: coords},
		{name: "unsorted with a repeat", coords: []das.Coord{{Row: 3, Col: 5}, {Row: 0, Col: 1}, {Row: 3, Col: 6}, {Row: 0, Col: 1}}},
		{name: "cell", damage: map[int]func([]byte) []byte{2: flip(entry(9, 100))}, coords: coords, missing: only(das.Coord{Row: 2, Col: 9}), errs: 1},
		{name: "proof", damage: map[int]func([]byte) []byte{2: flip(entry(127, kzg.BytesPerCell+47))}, coords: coords, missing: only(das.Coord{Row: 2, Col: 127}), errs: 1},
		{name: "entry checksum", damage: map[int]func([]byte) []byte{1: flip(entry(64, cellProofSize))}, coords: coords, missing: only(das.Coord{Row: 1, Col: 64}), errs: 1},
		{name: "cells of two rows", damage: map[int]func([]byte) []byte{0: flip(entry(1, 5)), 3: flip(entry(5, 2000))}, coords: coords,
			missing: only(das.Coord{Row: 0, Col: 1}, das.Coord{Row: 3, Col: 5}), errs: 2},
		{name: "a damaged cell asked twice", damage: map[int]func([]byte) []byte{0: flip(entry(1, 5))}, coords: []das.Coord{{Row: 0, Col: 1}, {Row: 0, Col: 2}, {Row: 0, Col: 1}},
			missing: only(das.Coord{Row: 0, Col: 1}), errs: 2},
		// Only served bytes are checked: damage in a cell nobody asked for
		// is found when that cell (or the whole row) is read.
		{name: "damage beside the asked cells", damage: map[int]func([]byte) []byte{2: flip(entry(10, 0))}, coords: coords},
		{name: "non-canonical cell", damage: map[int]func([]byte) []byte{0: nonCanonical(0, 0)}, coords: coords, missing: only(das.Coord{}), errs: 1},
		{name: "row version", damage: map[int]func([]byte) []byte{2: func(v []byte) []byte { v[0] = 3; return v }}, coords: coords,
			missing: func(c das.Coord) bool { return c.Row == 2 }, errs: 1},
		{name: "row length", damage: map[int]func([]byte) []byte{3: func(v []byte) []byte { return v[:len(v)-1] }}, coords: coords,
			missing: func(c das.Coord) bool { return c.Row == 3 }, errs: 1},
		{name: "version 1 whole block", v1: true, coords: coords},
		{name: "version 1 row checksum", v1: true, damage: map[int]func([]byte) []byte{2: flip(5000)}, coords: coords,
			missing: func(c das.Coord) bool { return c.Row == 2 }, errs: 1},
		{name: "version 1 damage beside the asked cells", v1: true, damage: map[int]func([]byte) []byte{2: flip(1 + 10*kzg.BytesPerCell)}, coords: coords,
			missing: func(c das.Coord) bool { return c.Row == 2 }, errs: 1},
		{name: "version 1 non-canonical cell", v1: true, damage: map[int]func([]byte) []byte{0: nonCanonicalV1}, coords: coords, missing: only(das.Coord{}), errs: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openTemp(t, Options{})
			s := db.Blocks()
			if err := s.Put(1, hashOf("a"), b); err != nil {
				t.Fatal(err)
			}
			for r := range 2 * b.K {
				if tc.v1 {
					damage(t, db, bucketRows, key(r), toV1(t, key(r)))
				}
				if f := tc.damage[r]; f != nil {
					damage(t, db, bucketRows, key(r), f)
				}
			}
			es := entries(tc.coords)
			es[0].Found, es[0].Cell[0] = true, 1 // stale contents are overwritten
			err := s.Samples(ctx, 1, hashOf("a"), es)
			var joined interface{ Unwrap() []error }
			switch {
			case tc.missing == nil && err != nil:
				t.Fatal(err)
			case tc.missing != nil && !errors.As(err, &joined):
				t.Fatalf("got %v, want joined CorruptErrors", err)
			case tc.missing != nil && len(joined.Unwrap()) != tc.errs:
				t.Fatalf("got %d errors (%v), want %d", len(joined.Unwrap()), err, tc.errs)
			}
			if tc.missing != nil {
				for _, e := range joined.Unwrap() {
					var ce *CorruptError
					if !errors.Is(e, ErrCorrupt) || !errors.As(e, &ce) || ce.Bucket != string(bucketRows) {
						t.Fatalf("got %v, want a CorruptError in %s", e, bucketRows)
					}
				}
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
		{"top byte below the modulus's, rest ones", 9, append([]byte{elem(mod)[0] - 1}, bytes.Repeat([]byte{0xff}, fr.Bytes-1)...)},
		{"top byte above the modulus's, rest zero", 9, append([]byte{elem(mod)[0] + 1}, make([]byte, fr.Bytes-1)...)},
		{"top byte the modulus's, rest zero", 9, append([]byte{elem(mod)[0]}, make([]byte, fr.Bytes-1)...)},
	} {
		var c kzg.Cell
		copy(c[tc.at*fr.Bytes:], tc.v)
		_, want := c.Elements()
		got := checkCanonical(c[:])
		if (got == nil) != (want == nil) || got != nil && !errors.Is(got, kzg.ErrNonCanonical) {
			t.Errorf("%s: checkCanonical %v, Elements %v", tc.name, got, want)
		}
	}
}
