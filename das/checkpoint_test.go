package das

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

func TestCheckpointRoundTrip(t *testing.T) {
	cases := []Checkpoint{
		{},
		{DoneUpTo: 99},
		{DoneUpTo: 10, Done: []uint64{12, 13, 20}, Retry: []RetryEntry{{3, 1}, {12, 2}, {20, 65535}}},
		{Done: []uint64{1 << 60}},
	}
	for _, c := range cases {
		b, err := c.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var got Checkpoint
		if err := got.UnmarshalBinary(b); err != nil {
			t.Fatal(err)
		}
		again, _ := got.MarshalBinary()
		if !bytes.Equal(again, b) || got.DoneUpTo != c.DoneUpTo || len(got.Done) != len(c.Done) || len(got.Retry) != len(c.Retry) {
			t.Fatalf("round trip of %+v: %+v", c, got)
		}
		for _, h := range c.Done {
			if !got.Settled(h) {
				t.Fatalf("%d not settled", h)
			}
		}
		if got.Settled(c.DoneUpTo+1) && len(c.Done) == 0 {
			t.Fatalf("%d settled", c.DoneUpTo+1)
		}
	}
}

func TestCheckpointRejects(t *testing.T) {
	invalid := []Checkpoint{
		{DoneUpTo: 10, Done: []uint64{10}},
		{DoneUpTo: 10, Done: []uint64{12, 11}},
		{Done: []uint64{5, 5}},
		{Retry: []RetryEntry{{0, 1}}},
		{Retry: []RetryEntry{{4, 1}, {4, 1}}},
		{Retry: []RetryEntry{{4, 0}}},
		{Retry: []RetryEntry{{4, 1 << 16}}},
		{Done: make([]uint64, MaxCheckpointEntries+1)},
	}
	for i, c := range invalid {
		if _, err := c.MarshalBinary(); !errors.Is(err, ErrCheckpoint) {
			t.Fatalf("case %d: %v", i, err)
		}
	}
	good, _ := (&Checkpoint{DoneUpTo: 1, Done: []uint64{3}, Retry: []RetryEntry{{2, 1}}}).MarshalBinary()
	mut := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	bad := map[string][]byte{
		"empty":      nil,
		"magic":      mut(func(b []byte) []byte { b[0] = 'X'; return b }),
		"version":    mut(func(b []byte) []byte { b[7] = 2; return b }),
		"truncated":  good[:len(good)-1],
		"trailing":   append(append([]byte(nil), good...), 0),
		"done count": mut(func(b []byte) []byte { b[19] = 9; return b }),
		"order":      mut(func(b []byte) []byte { b[27] = 1; return b }), // done height 1 <= done-up-to
		"attempts 0": mut(func(b []byte) []byte { b[len(b)-1] = 0; return b }),
		"too large":  make([]byte, MaxCheckpointSize+1),
	}
	for name, b := range bad {
		var c Checkpoint
		c.DoneUpTo = 77
		if err := c.UnmarshalBinary(b); !errors.Is(err, ErrMalformed) {
			t.Fatalf("%s: %v", name, err)
		}
		if c.DoneUpTo != 77 {
			t.Fatalf("%s: checkpoint changed on error", name)
		}
	}
}

func TestMemCheckpointStore(t *testing.T) {
	ctx := context.Background()
	s := NewMemCheckpointStore()
	if c, err := s.LoadCheckpoint(ctx); c != nil || err != nil {
		t.Fatalf("empty store: %v %v", c, err)
	}
	want := &Checkpoint{DoneUpTo: 5, Done: []uint64{7}}
	if err := s.SaveCheckpoint(ctx, want); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveCheckpoint(ctx, &Checkpoint{Done: []uint64{2, 1}}); !errors.Is(err, ErrCheckpoint) {
		t.Fatalf("invalid save: %v", err)
	}
	got, err := s.LoadCheckpoint(ctx)
	if err != nil || got.DoneUpTo != 5 || len(got.Done) != 1 || got.Done[0] != 7 || s.Saves() != 1 {
		t.Fatalf("%+v %v (%d saves)", got, err, s.Saves())
	}
}
