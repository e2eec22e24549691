//go:build !js

package node

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"lightdas/light"
	"lightdas/node/api"
)

func TestResultStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), ResultsFile)
	s, err := openResults(path, "chain-a", 3)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_700_000_000, 0).UTC()
	for h := uint64(1); h <= 5; h++ {
		r := api.BlockResult{Height: h, Hash: "ab", K: 2, Status: api.StatusAvailable, Confidence: 0.9999,
			Samples: 19, Verified: 19, StartedAt: &now, Missing: []api.Cell{{Row: 1, Col: 2}}}
		if err := s.put(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.close(); err != nil {
		t.Fatal(err)
	}
	if _, err := openResults(path, "chain-b", 3); !errors.Is(err, ErrConfig) {
		t.Fatalf("other chain: %v", err)
	}
	s, err = openResults(path, "chain-a", 3)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	for h := uint64(1); h <= 5; h++ {
		r, ok, err := s.get(h)
		if err != nil {
			t.Fatal(err)
		}
		if want := h >= 2; ok != want {
			t.Fatalf("height %d kept: %t, want %t", h, ok, want)
		}
		if ok && (r.Height != h || r.Status != api.StatusAvailable || !r.StartedAt.Equal(now) || len(r.Missing) != 1) {
			t.Fatalf("height %d: %+v", h, r)
		}
	}
}

func TestDecodeResultRejects(t *testing.T) {
	good, err := encodeResult(api.BlockResult{Height: 1, Status: api.StatusInvalid})
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{
		"empty":          nil,
		"version":        append([]byte{2}, good[1:]...),
		"unknown field":  append([]byte{1}, []byte(`{"height":1,"status":"available","x":1}`)...),
		"trailing":       append(bytes.Clone(good), ' ', '{', '}'),
		"unknown status": append([]byte{1}, []byte(`{"height":1,"status":"fine"}`)...),
		"not json":       {1, 'x'},
	} {
		if _, err := decodeResult(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func FuzzDecodeResult(f *testing.F) {
	good, _ := encodeResult(api.BlockResult{Height: 9, Status: api.StatusAvailable, Confidence: 0.5})
	f.Add(good)
	f.Add([]byte{1, '{', '}'})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := decodeResult(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		again, err := encodeResult(r)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := decodeResult(again); err != nil {
			t.Fatalf("re-encoded result does not decode: %v", err)
		}
	})
}

// TestResultStoreForLightClient: the results file as the light client's
// light.ResultStore: verdicts round-trip (without their cells), ranges
// come back ascending, pruning drops the heights below, and a missing
// height is light.ErrNotFound.
func TestResultStoreForLightClient(t *testing.T) {
	ctx := context.Background()
	s, err := openResults(filepath.Join(t.TempDir(), ResultsFile), "chain-a", 100)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	now := time.Unix(1_700_000_000, 0).UTC()
	for h := uint64(1); h <= 6; h++ {
		r := &light.BlockResult{Height: h, Hash: "ab", K: 2, Status: light.StatusAvailable, Confidence: 0.9999,
			Samples: 19, Verified: 18, Missing: []light.Cell{{Row: 3, Col: 4}}, StartedAt: &now, DurationMs: 1.5,
			Cells: []light.Cell{{Row: 3, Col: 4, Outcome: light.OutcomeMissing}}}
		if err := s.PutResult(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Result(ctx, 4)
	if err != nil {
		t.Fatal(err)
	}
	want := &light.BlockResult{Height: 4, Hash: "ab", K: 2, Status: light.StatusAvailable, Confidence: 0.9999,
		Samples: 19, Verified: 18, Missing: []light.Cell{{Row: 3, Col: 4}}, StartedAt: &now, DurationMs: 1.5}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Result(4) = %+v, want %+v", got, want)
	}
	for _, tc := range []struct {
		from, to uint64
		want     []uint64
	}{
		{1, 6, []uint64{1, 2, 3, 4, 5, 6}},
		{2, 4, []uint64{2, 3, 4}},
		{5, 99, []uint64{5, 6}},
		{7, 9, nil},
		{4, 3, nil},
	} {
		rs, err := s.Results(ctx, tc.from, tc.to)
		if err != nil {
			t.Fatal(err)
		}
		var hs []uint64
		for _, r := range rs {
			hs = append(hs, r.Height)
		}
		if !slices.Equal(hs, tc.want) {
			t.Errorf("Results(%d, %d) = %v, want %v", tc.from, tc.to, hs, tc.want)
		}
	}
	if err := s.PruneResults(ctx, 4); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Result(ctx, 3); !errors.Is(err, light.ErrNotFound) {
		t.Fatalf("Result(3) after pruning below 4: %v", err)
	}
	if _, err := s.Result(ctx, 4); err != nil {
		t.Fatalf("Result(4) after pruning below 4: %v", err)
	}
}
