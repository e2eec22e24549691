// Command bench runs the project's benchmarks natively and in headless
// Chromium (wasm), then prints one report: every benchmark with its native
// and wasm times, every lightdas / reference pair as a ratio, the size of a
// wasm program that only verifies, and the light clients against one full
// node (node.LightClients and node.LightClientsBurst, each sub-benchmark one
// whole workload run once). `make bench` runs it.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

func main() {
	var (
		pkgs      = flag.String("pkgs", "./erasure ./kzg ./headers/... ./das", "packages to benchmark natively")
		wasmPkgs  = flag.String("wasm-pkgs", "./erasure ./kzg ./headers/... ./das", "packages to benchmark in the browser")
		wasmBench = flag.String("wasm-bench", "NewVerifier|VerifySamples|NewCodec|RecoverRow|VerifyCommit|HeaderToConfidence", "benchmarks to run in the browser")
		benchtime = flag.String("benchtime", "1s", "go test -benchtime")
		loadPkgs  = flag.String("load-pkgs", "./node", "packages whose benchmarks are each one whole workload, run once (-benchtime 1x); empty skips them")
		loadBench = flag.String("load-bench", "LightClients", "benchmarks to run in -load-pkgs")
		out       = flag.String("out", "bench-out", "directory for raw outputs and the report")
	)
	flag.Parse()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fatal(err)
	}

	native, err := run(filepath.Join(*out, "native.txt"), nil,
		append([]string{"test", "-run", "^$", "-bench", ".", "-benchmem", "-benchtime", *benchtime, "-timeout", "60m"}, strings.Fields(*pkgs)...)...)
	if err != nil {
		fatal(err)
	}
	wasm, err := run(filepath.Join(*out, "wasm.txt"), []string{"GOOS=js", "GOARCH=wasm"},
		append([]string{"test", "-run", "^$", "-bench", *wasmBench, "-benchmem", "-benchtime", *benchtime, "-timeout", "60m", "-exec", "wasmbrowsertest"}, strings.Fields(*wasmPkgs)...)...)
	if err != nil {
		fatal(err)
	}
	raw, gz, err := verifierWasmSize(*out)
	if err != nil {
		fatal(err)
	}
	// A failed load run still leaves the rest of the report; the command
	// fails at the end.
	var load map[string]result
	var loadErr error
	if *loadPkgs != "" {
		load, loadErr = run(filepath.Join(*out, "load.txt"), nil,
			append([]string{"test", "-run", "^$", "-bench", *loadBench, "-benchtime", "1x", "-timeout", "30m"}, strings.Fields(*loadPkgs)...)...)
	}

	var report bytes.Buffer
	writeReport(&report, native, wasm, raw, gz)
	writeSamplingReport(&report, native, wasm)
	if *loadPkgs != "" {
		writeLoadReport(&report, load, loadErr)
	}
	// The browser benchmark (make bench-browser, run before this) writes
	// its own table; the report carries it when it is there.
	if b, err := os.ReadFile(filepath.Join(*out, "e2e", "browser.md")); err == nil {
		report.WriteString("\n## Browser client (web/e2e/run.mjs bench)\n\n")
		report.Write(b)
	}
	os.Stdout.Write(report.Bytes())
	if err := os.WriteFile(filepath.Join(*out, "report.md"), report.Bytes(), 0o644); err != nil {
		fatal(err)
	}
	if loadErr != nil {
		fatal(loadErr)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}

// result is one benchmark line of `go test -bench`.
type result struct {
	nsPerOp     float64
	bytesPerOp  float64
	allocsPerOp float64
	metrics     map[string]float64 // b.ReportMetric values by unit
}

// run executes `go args...`, tees its output to path and stderr, and parses
// the benchmark lines, keyed "pkg.BenchmarkName/sub" without the -N suffix.
func run(path string, env []string, args ...string) (map[string]result, error) {
	fmt.Fprintf(os.Stderr, "$ %s go %s\n", strings.Join(env, " "), strings.Join(args, " "))
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), env...)
	var buf bytes.Buffer
	cmd.Stdout = io.MultiWriter(&buf, os.Stderr)
	cmd.Stderr = io.MultiWriter(&buf, filteredStderr{})
	start := time.Now()
	err := cmd.Run()
	if werr := os.WriteFile(path, buf.Bytes(), 0o644); werr != nil {
		return nil, werr
	}
	if err != nil {
		return nil, fmt.Errorf("go %s: %w (output in %s)", strings.Join(args, " "), err, path)
	}
	fmt.Fprintf(os.Stderr, "(%s)\n", time.Since(start).Round(time.Second))
	return parse(buf.Bytes()), nil
}

// filteredStderr drops wasmbrowsertest's noise about DevTools events.
type filteredStderr struct{}

func (filteredStderr) Write(p []byte) (int, error) {
	for _, line := range strings.SplitAfter(string(p), "\n") {
		if !strings.Contains(line, "could not unmarshal event") {
			os.Stderr.WriteString(line)
		}
	}
	return len(p), nil
}

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(-\d+)?\s+\d+\s+(.*)$`)

func parse(out []byte) map[string]result {
	res := map[string]result{}
	pkg := ""
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if p, ok := strings.CutPrefix(line, "pkg: "); ok {
			pkg = strings.TrimPrefix(p, "lightdas/")
			continue
		}
		m := benchLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		var r result
		f := strings.Fields(m[3])
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			switch f[i+1] {
			case "ns/op":
				r.nsPerOp = v
			case "B/op":
				r.bytesPerOp = v
			case "allocs/op":
				r.allocsPerOp = v
			default:
				if r.metrics == nil {
					r.metrics = map[string]float64{}
				}
				r.metrics[f[i+1]] = v
			}
		}
		res[pkg+"."+strings.TrimPrefix(m[1], "Benchmark")] = r
	}
	return res
}

// verifierWasmSize builds the verify-only wasm program and returns its raw
// and gzip sizes.
func verifierWasmSize(dir string) (raw, gz int, err error) {
	path := filepath.Join(dir, "verifyonly.wasm")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", path, "./internal/tools/verifyonly")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return 0, 0, fmt.Errorf("building verifyonly.wasm: %w", err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, err
	}
	var zb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&zb, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	return len(b), zb.Len(), nil
}

// A pair is a sub-benchmark whose name starts with "lightdas" and a sibling
// (same parent benchmark) whose name starts with one of references, run on
// the same inputs: "lightdas" vs "go-eth-kzg", or "lightdas-2D" vs
// "go-eth-kzg-originals".
var references = []string{"go-eth-kzg"}

// pair is one lightdas / reference comparison on one platform.
type pair struct {
	base, ours, ref string // parent benchmark and the two sub-benchmark names
}

// pairs lists the lightdas / reference pairs of a result set, sorted.
func pairs(res map[string]result) []pair {
	var out []pair
	for _, name := range sortedKeys(res) {
		i := strings.LastIndex(name, "/")
		if i < 0 || !strings.HasPrefix(name[i+1:], "lightdas") {
			continue
		}
		base := name[:i]
		for _, sib := range sortedKeys(res) {
			j := strings.LastIndex(sib, "/")
			if j < 0 || sib[:j] != base {
				continue
			}
			for _, ref := range references {
				if strings.HasPrefix(sib[j+1:], ref) {
					out = append(out, pair{base, name[i+1:], sib[j+1:]})
				}
			}
		}
	}
	return out
}

func writeReport(w io.Writer, native, wasm map[string]result, raw, gz int) {
	fmt.Fprintf(w, "\n## Benchmarks (%s)\n\n", time.Now().UTC().Format("2006-01-02"))
	fmt.Fprintln(w, "| benchmark | native | wasm | wasm / native | native B/op | native allocs/op |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|")
	for _, name := range sortedKeys(native, wasm) {
		n, hasN := native[name]
		m, hasW := wasm[name]
		ratio := ""
		if hasN && hasW && n.nsPerOp > 0 {
			ratio = fmt.Sprintf("%.1fx", m.nsPerOp/n.nsPerOp)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", name, dur(n.nsPerOp, hasN), dur(m.nsPerOp, hasW), ratio,
			num(n.bytesPerOp, hasN), num(n.allocsPerOp, hasN))
	}

	fmt.Fprint(w, "\n### lightdas against the reference, same inputs, same run\n\n")
	fmt.Fprintln(w, "| benchmark | platform | lightdas | reference | lightdas / reference |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|")
	for _, set := range []struct {
		platform string
		res      map[string]result
	}{{"native", native}, {"wasm", wasm}} {
		for _, p := range pairs(set.res) {
			l, r := set.res[p.base+"/"+p.ours], set.res[p.base+"/"+p.ref]
			if l.nsPerOp == 0 || r.nsPerOp == 0 {
				continue
			}
			ours := dur(l.nsPerOp, true)
			if p.ours != "lightdas" {
				ours += " (" + p.ours + ")"
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s (%s) | %s |\n", p.base, set.platform,
				ours, dur(r.nsPerOp, true), p.ref, ratio(l.nsPerOp/r.nsPerOp))
		}
	}
	fmt.Fprintf(w, "\n### Verify-only wasm program\n\n%.2f MB raw, %.2f MB gzip (`GOOS=js GOARCH=wasm go build -trimpath -ldflags=\"-s -w\" ./internal/tools/verifyonly`)\n",
		float64(raw)/1e6, float64(gz)/1e6)
}

func sortedKeys(ms ...map[string]result) []string {
	seen := map[string]bool{}
	var keys []string
	for _, m := range ms {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	return keys
}

func dur(ns float64, ok bool) string {
	if !ok {
		return "–"
	}
	switch {
	case ns >= 1e9:
		return fmt.Sprintf("%.2f s", ns/1e9)
	case ns >= 1e6:
		return fmt.Sprintf("%.2f ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.1f µs", ns/1e3)
	default:
		return fmt.Sprintf("%.0f ns", ns)
	}
}

// ratio formats x as "0.56x", or "1/13873" when two decimals would round
// it to nothing.
func ratio(x float64) string {
	if x >= 0.01 {
		return fmt.Sprintf("%.2fx", x)
	}
	return fmt.Sprintf("1/%.0f", 1/x)
}

func num(v float64, ok bool) string {
	if !ok {
		return "–"
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

// Targets of issue 4 for one block: header to 99.99% confidence for an
// 8-blob block over a zero-latency in-memory network.
const (
	samplingBench        = "das.HeaderToConfidence8"
	targetSamplingNative = 30e6  // ns
	targetSamplingWasm   = 250e6 // ns
)

// writeSamplingReport writes the sampler's table (das.HeaderToConfidence*:
// time per block, cells verified per second, allocations per block, native
// and wasm) and its targets met or not.
func writeSamplingReport(w io.Writer, native, wasm map[string]result) {
	fmt.Fprint(w, "\n### Header to 99.99% confidence (das, 3 honest servers on a zero-latency in-memory network)\n\n")
	fmt.Fprintln(w, "| benchmark | native | wasm | cells verified/s native | wasm | allocs/block native | wasm |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|")
	var names []string
	for _, name := range sortedKeys(native, wasm) {
		if strings.HasPrefix(name, "das.HeaderToConfidence") {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		fmt.Fprintln(w, "\nNo das.HeaderToConfidence results.")
		return
	}
	for _, name := range names {
		n, hasN := native[name]
		m, hasW := wasm[name]
		nc, hasNC := n.metrics["cells/s"]
		wc, hasWC := m.metrics["cells/s"]
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s |\n", name, dur(n.nsPerOp, hasN), dur(m.nsPerOp, hasW),
			num(nc, hasNC), num(wc, hasWC), num(n.allocsPerOp, hasN), num(m.allocsPerOp, hasW))
	}
	verdict := func(r result, ok bool, target float64) string {
		switch {
		case !ok || r.nsPerOp == 0:
			return "no result, **not met**"
		case r.nsPerOp <= target:
			return dur(r.nsPerOp, true) + ", met"
		}
		return dur(r.nsPerOp, true) + ", **not met**"
	}
	n, hasN := native[samplingBench]
	m, hasW := wasm[samplingBench]
	fmt.Fprintf(w, "\nTargets (%s): <= %s native: %s; <= %s wasm: %s.\n", samplingBench,
		dur(targetSamplingNative, true), verdict(n, hasN, targetSamplingNative),
		dur(targetSamplingWasm, true), verdict(m, hasW, targetSamplingWasm))
}

// Targets of issue 5 for M light clients against one full node.
const (
	targetServed = 20000 // cells/s served on 2 cores
	targetP99M   = 100   // M at which p99 is judged
	targetP99ms  = 500
)

// writeLoadReport writes the light-client table: per M the burst's served
// cells/s (node.LightClientsBurst/M=...), the live run's offered cells/s,
// header-to-verdict p50/p99 and verdicts (node.LightClients/M=...), and
// the burst's CPU split; then the targets met or not.
func writeLoadReport(w io.Writer, res map[string]result, runErr error) {
	fmt.Fprint(w, "\n### M light clients against one full node (loopback, 2 cores)\n\n")
	if runErr != nil {
		fmt.Fprintf(w, "**The run failed:** %v\n\n", runErr)
	}
	rows := loadRows(res)
	if len(rows) == 0 {
		fmt.Fprintln(w, "No light-client results.")
		return
	}
	fmt.Fprintln(w, "| M | cells/s served (burst) | cells/s offered (live) | p50 | p99 | verdicts (live) | burst CPU server / clients | burst server CPU a cell | burst rate limited / failed |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---|---|---:|---|")
	for _, r := range rows {
		fmt.Fprintf(w, "| %d | %s | %s | %s | %s | %s | %s | %s | %s |\n", r.m,
			metric(r.burst, "cells/s", "%.0f"), metric(r.live, "cells/s", "%.0f"),
			metric(r.live, "p50-ms", "%.0f ms"), metric(r.live, "p99-ms", "%.0f ms"), verdicts(r.live),
			pairOf(r.burst, "server-cpu", "client-cpu", "%.2f"), metric(r.burst, "server-us/cell", "%.1f µs"),
			pairOf(r.burst, "rate-limited", "failed", "%.0f"))
	}
	served, p99, ok := 0.0, 0.0, false
	var metAt []string
	for _, r := range rows {
		if v, has := r.burst.metrics["cells/s"]; has {
			served = max(served, v)
			if v >= targetServed {
				metAt = append(metAt, strconv.Itoa(r.m))
			}
		}
		if v, has := r.live.metrics["p99-ms"]; has && r.m == targetP99M {
			p99, ok = v, true
		}
	}
	fmt.Fprintf(w, "\nTargets: >= %d cells/s served: ", targetServed)
	if len(metAt) > 0 {
		fmt.Fprintf(w, "met at M = %s (best %.0f)", strings.Join(metAt, ", "), served)
	} else {
		fmt.Fprintf(w, "**not met** (best %.0f)", served)
	}
	fmt.Fprintf(w, "; p99 <= %d ms at M = %d: ", targetP99ms, targetP99M)
	if ok {
		fmt.Fprintf(w, "%.0f ms, %s.\n", p99, verdict(p99 <= targetP99ms))
	} else {
		fmt.Fprintln(w, "not measured.")
	}
	fmt.Fprintln(w, "\nServed: the full node's own count of cells answered, clients asking in a closed loop from a second process (one request of one block's samples in flight each; 1024 cells/s a peer is the node's rate limit). Offered: the same count while one block is produced every 500 ms and each client samples it. CPU: each process's CPU seconds per second over the burst window (2.00 = both cores).")
}

// loadRow is one M of the light-client benchmarks.
type loadRow struct {
	m           int
	live, burst result
}

var loadName = regexp.MustCompile(`^node\.LightClients(Burst)?/M=(\d+)$`)

func loadRows(res map[string]result) []loadRow {
	byM := map[int]*loadRow{}
	for name, r := range res {
		g := loadName.FindStringSubmatch(name)
		if g == nil {
			continue
		}
		m, _ := strconv.Atoi(g[2])
		row := byM[m]
		if row == nil {
			row = &loadRow{m: m}
			byM[m] = row
		}
		if g[1] == "" {
			row.live = r
		} else {
			row.burst = r
		}
	}
	var rows []loadRow
	for _, r := range byM {
		rows = append(rows, *r)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].m < rows[j].m })
	return rows
}

func metric(r result, unit, format string) string {
	v, ok := r.metrics[unit]
	if !ok {
		return "–"
	}
	return fmt.Sprintf(format, v)
}

func pairOf(r result, a, b, format string) string {
	return metric(r, a, format) + " / " + metric(r, b, format)
}

// verdicts formats the live run's verdicts: "500/500 available", and how
// many were unavailable or missing.
func verdicts(r result) string {
	avail, ok := r.metrics["available"]
	if !ok {
		return "–"
	}
	bad, missing := r.metrics["unavailable"], r.metrics["missing"]
	s := fmt.Sprintf("%.0f/%.0f available", avail, avail+bad+missing)
	if bad > 0 {
		s += fmt.Sprintf(", %.0f unavailable", bad)
	}
	if missing > 0 {
		s += fmt.Sprintf(", %.0f missing", missing)
	}
	return s
}

func verdict(met bool) string {
	if met {
		return "met"
	}
	return "**not met**"
}
