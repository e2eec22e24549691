package main

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
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

func TestLoadReport(t *testing.T) {
	out := []byte(`goos: linux
pkg: lightdas/node
BenchmarkLightClients/M=10-2         	       1	3474123469 ns/op	       473.0 cells/s	         0 missing	        26.00 p50-ms	        34.00 p99-ms	        50.00 available	         0 unavailable
BenchmarkLightClients/M=100-2        	       1	3474123469 ns/op	      4214 cells/s	         0 missing	       197.0 p50-ms	       263.0 p99-ms	       500.0 available	         0 unavailable
BenchmarkLightClients/M=500-2        	       1	3474123469 ns/op	      6179 cells/s	        10.00 missing	      1099 p50-ms	      1554 p99-ms	      2480 available	        10.00 unavailable
--- BENCH: BenchmarkLightClients/M=500-2
    load_bench_test.go:1: M=500: something
BenchmarkLightClientsBurst/M=100-2   	       1	5004579260 ns/op	     68251 cells/s	     68349 client-cells/s	         0.7405 client-cpu	         0 failed	         0 rate-limited	        25.84 req-p50-ms	        65.60 req-p99-ms	         1.204 server-cpu	        17.63 server-us/cell
BenchmarkLightClientsBurst/M=10-2    	       1	5004579260 ns/op	     10206 cells/s	     10209 client-cells/s	         0.2543 client-cpu	         0 failed	      1730 rate-limited	         1.400 req-p50-ms	         5.154 req-p99-ms	         0.3258 server-cpu
`)
	res := parse(out)
	rows := loadRows(res)
	if len(rows) != 3 || rows[0].m != 10 || rows[1].m != 100 || rows[2].m != 500 {
		t.Fatalf("rows %+v", rows)
	}
	var b bytes.Buffer
	writeLoadReport(&b, res, nil)
	report := b.String()
	for _, want := range []string{
		"| 10 | 10206 | 473 | 26 ms | 34 ms | 50/50 available | 0.33 / 0.25 | – | 1730 / 0 |",
		"| 100 | 68251 | 4214 | 197 ms | 263 ms | 500/500 available | 1.20 / 0.74 | 17.6 µs | 0 / 0 |",
		"| 500 | – | 6179 | 1099 ms | 1554 ms | 2480/2500 available, 10 unavailable, 10 missing | – / – | – | – / – |",
		">= 20000 cells/s served: met at M = 100 (best 68251); p99 <= 500 ms at M = 100: 263 ms, met.",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}

	// Below the targets, and a failed run.
	res["node.LightClientsBurst/M=100"] = result{metrics: map[string]float64{"cells/s": 15000}}
	res["node.LightClientsBurst/M=10"] = result{metrics: map[string]float64{"cells/s": 9000}}
	res["node.LightClients/M=100"] = result{metrics: map[string]float64{"p99-ms": 501}}
	b.Reset()
	writeLoadReport(&b, res, errors.New("exit status 1"))
	for _, want := range []string{"**The run failed:** exit status 1", "served: **not met** (best 15000)", "501 ms, **not met**"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	writeLoadReport(&b, nil, nil)
	if !strings.Contains(b.String(), "No light-client results.") {
		t.Errorf("empty report:\n%s", b.String())
	}
}

func TestSamplingReport(t *testing.T) {
	native := parse([]byte(`pkg: lightdas/das
BenchmarkHeaderToConfidence8-2   	     289	   4800544 ns/op	      5833 cells/s	  733078 B/op	     673 allocs/op
BenchmarkHeaderToConfidence2-2   	     375	   3636172 ns/op	      5225 cells/s	  565791 B/op	     529 allocs/op
`))
	wasm := parse([]byte(`pkg: lightdas/das
BenchmarkHeaderToConfidence8 	      37	  28081083 ns/op	       997.1 cells/s	  746566 B/op	     738 allocs/op
`))
	var b bytes.Buffer
	writeSamplingReport(&b, native, wasm)
	for _, want := range []string{
		"| das.HeaderToConfidence2 | 3.64 ms | – | 5225 | – | 529 | – |",
		"| das.HeaderToConfidence8 | 4.80 ms | 28.08 ms | 5833 | 997 | 673 | 738 |",
		"<= 30.00 ms native: 4.80 ms, met; <= 250.00 ms wasm: 28.08 ms, met.",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
	wasm["das.HeaderToConfidence8"] = result{nsPerOp: 251e6}
	b.Reset()
	writeSamplingReport(&b, native, wasm)
	if !strings.Contains(b.String(), "wasm: 251.00 ms, **not met**") {
		t.Errorf("report:\n%s", b.String())
	}
	b.Reset()
	writeSamplingReport(&b, nil, nil)
	if !strings.Contains(b.String(), "No das.HeaderToConfidence results.") {
		t.Errorf("empty report:\n%s", b.String())
	}
}
