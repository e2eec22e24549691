package main

import (
	"reflect"
	"testing"
)

func TestPairs(t *testing.T) {
	res := map[string]result{
		"kzg.VerifySamples32/lightdas":           {nsPerOp: 1},
		"kzg.VerifySamples32/spec-api":           {nsPerOp: 2},
		"kzg.VerifySamples32/go-eth-kzg":         {nsPerOp: 3},
		"kzg.ExtendBlock8/lightdas-2D":           {nsPerOp: 4},
		"kzg.ExtendBlock8/go-eth-kzg-originals":  {nsPerOp: 5},
		"kzg.NewVerifier/lightdas":               {nsPerOp: 6},
		"kzg.NewProver":                          {nsPerOp: 7},
		"kzg.Other/go-eth-kzg":                   {nsPerOp: 8}, // no lightdas sibling
		"kzg.Lone/lightdas":                      {nsPerOp: 9}, // no reference sibling
		"kzg.Nested/lightdas/go-eth-kzg":         {nsPerOp: 10},
		"erasure.RecoverRow/lightdas":            {nsPerOp: 11},
		"erasure.RecoverRow/go-eth-kzg-fallback": {nsPerOp: 12},
	}
	want := []pair{
		{"erasure.RecoverRow", "lightdas", "go-eth-kzg-fallback"},
		{"kzg.ExtendBlock8", "lightdas-2D", "go-eth-kzg-originals"},
		{"kzg.VerifySamples32", "lightdas", "go-eth-kzg"},
	}
	if got := pairs(res); !reflect.DeepEqual(got, want) {
		t.Fatalf("pairs = %v, want %v", got, want)
	}
}

func TestRatio(t *testing.T) {
	for x, want := range map[float64]string{0.5623: "0.56x", 2: "2.00x", 0.01: "0.01x", 1.0 / 13873: "1/13873", 0.005: "1/200"} {
		if got := ratio(x); got != want {
			t.Errorf("ratio(%v) = %q, want %q", x, got, want)
		}
	}
}
