// Command wasmsize says where the bytes of a Go wasm binary go: it sums
// the code section's function bodies per Go package (or module), using
// the function names of the "name" custom section, and lists the
// sections. Build the binary WITHOUT -ldflags=-s (which drops the name
// section); -w does not matter for wasm:
//
//	GOOS=js GOARCH=wasm go build -trimpath -o /tmp/client.wasm ./cmd/lightwasm
//	go run ./internal/tools/wasmsize -pkg ./cmd/lightwasm -top 40 /tmp/client.wasm
//
// The name section spells names with '/' and other punctuation replaced
// by '_', so packages are found by matching the program's import paths
// (-pkg runs `go list -deps` for them, -deps reads a saved list); without
// either, packages are guessed and shown in that sanitized spelling.
//
// The gzip column compresses each group's bodies on their own (gzip -9),
// a rough guide to what removing the group saves on the wire. The data
// section (type descriptors, strings, the pclntab that Go keeps even with
// -s) cannot be split per package from the wasm alone; it is reported as
// one total.
package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"text/tabwriter"
)

func main() {
	top := flag.Int("top", 30, "list the N largest groups (0: all)")
	by := flag.String("by", "package", "group by package or module")
	match := flag.String("match", "", "only functions whose name contains this string")
	funcs := flag.Bool("funcs", false, "list functions (largest first) instead of groups")
	deps := flag.String("deps", "", "read the program's packages from this `file`: output of go list -deps -f '"+depsFormat+"'")
	pkg := flag.String("pkg", "", "run that go list (GOOS=js GOARCH=wasm) for this main `package` instead of reading -deps")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: wasmsize [-top N] [-by package|module] [-match S] [-funcs] [-deps FILE | -pkg PKG] FILE.wasm")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 || (*by != "package" && *by != "module") || (*deps != "" && *pkg != "") {
		flag.Usage()
		os.Exit(2)
	}
	pkgs, err := loadDeps(*deps, *pkg)
	if err == nil {
		err = run(os.Stdout, flag.Arg(0), NewNamer(pkgs), options{top: *top, byModule: *by == "module", match: *match, funcs: *funcs})
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "wasmsize:", err)
		os.Exit(1)
	}
}

const depsFormat = "{{.ImportPath}} {{with .Module}}{{.Path}}{{end}}"

func loadDeps(file, pkg string) ([]Package, error) {
	switch {
	case file != "":
		f, err := os.Open(file)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return ReadDeps(f)
	case pkg != "":
		cmd := exec.Command("go", "list", "-deps", "-f", depsFormat, pkg)
		cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("go list -deps %s: %w", pkg, err)
		}
		return ReadDeps(bytes.NewReader(out))
	}
	return nil, nil
}

// errNoNames is returned for a binary without function names (built with
// -ldflags=-s).
var errNoNames = errors.New("no function names: build without -ldflags=-s")

type options struct {
	top      int
	byModule bool
	match    string
	funcs    bool
}

func run(w io.Writer, path string, namer *Namer, o options) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	m, err := Parse(b)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	named := 0
	for _, f := range m.Funcs {
		if f.Name != "" {
			named++
		}
	}
	if len(m.Funcs) > 0 && named == 0 {
		return fmt.Errorf("%s: %w", path, errNoNames)
	}
	key := func(name string) string { return namer.Package(name).ImportPath }
	if o.funcs {
		key = func(name string) string { return name }
	} else if o.byModule {
		key = func(name string) string { return namer.Package(name).Module }
	}
	var fs []Func
	for _, f := range m.Funcs {
		if strings.Contains(f.Name, o.match) {
			fs = append(fs, f)
		}
	}
	return report(w, m, Group(fs, key), o.top, o.funcs)
}

// GroupSize is the code of one package or module.
type GroupSize struct {
	Name  string
	Funcs int
	Code  int // body bytes
	Gzip  int // the bodies concatenated, gzip -9
	// Largest is the group's largest function.
	Largest     string
	LargestSize int
}

// Group sums function bodies by key(name), largest first.
func Group(fs []Func, key func(name string) string) []GroupSize {
	idx := map[string]int{}
	var gs []GroupSize
	bodies := map[string]*bytes.Buffer{}
	for _, f := range fs {
		k := key(f.Name)
		i, ok := idx[k]
		if !ok {
			i = len(gs)
			idx[k] = i
			gs = append(gs, GroupSize{Name: k})
			bodies[k] = new(bytes.Buffer)
		}
		g := &gs[i]
		g.Funcs++
		g.Code += len(f.Body)
		if len(f.Body) > g.LargestSize {
			g.Largest, g.LargestSize = f.Name, len(f.Body)
		}
		bodies[k].Write(f.Body)
	}
	for i := range gs {
		gs[i].Gzip = gzipSize(bodies[gs[i].Name].Bytes())
	}
	sort.Slice(gs, func(i, j int) bool {
		if gs[i].Code != gs[j].Code {
			return gs[i].Code > gs[j].Code
		}
		return gs[i].Name < gs[j].Name
	})
	return gs
}

func gzipSize(b []byte) int {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // the level is valid
	zw.Write(b)
	zw.Close()
	return buf.Len()
}

// report prints the sections, then the groups (or, with funcs, the
// functions) largest first, the top ones and the rest summed.
func report(w io.Writer, m *Module, gs []GroupSize, top int, funcs bool) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "file\t%d\t\n", m.Size)
	for _, s := range m.Sections {
		fmt.Fprintf(tw, "%s\t%d\t\n", s.Label(), s.Size)
	}
	fmt.Fprintf(tw, "data segments\t%d\t\n", m.DataSegments)
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	total := GroupSize{Name: "total"}
	for _, g := range gs {
		total.Funcs += g.Funcs
		total.Code += g.Code
	}
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if funcs {
		fmt.Fprintln(tw, "code bytes\t%\tcum %\tgzip\tfuncs\tfunction\t")
	} else {
		fmt.Fprintln(tw, "code bytes\t%\tcum %\tgzip\tfuncs\tgroup\tlargest function")
	}
	cum := 0
	for i, g := range gs {
		if top > 0 && i >= top {
			rest := GroupSize{}
			for _, g := range gs[i:] {
				rest.Code += g.Code
				rest.Funcs += g.Funcs
			}
			fmt.Fprintf(tw, "%d\t%.1f\t\t\t%d\t(%d more groups)\t\n", rest.Code, pct(rest.Code, total.Code), rest.Funcs, len(gs)-i)
			break
		}
		cum += g.Code
		largest := fmt.Sprintf("%s (%d)", g.Largest, g.LargestSize)
		if funcs {
			largest = ""
		}
		fmt.Fprintf(tw, "%d\t%.1f\t%.1f\t%d\t%d\t%s\t%s\n", g.Code, pct(g.Code, total.Code), pct(cum, total.Code), g.Gzip, g.Funcs, g.Name, largest)
	}
	fmt.Fprintf(tw, "%d\t100.0\t\t\t%d\ttotal code\t\n", total.Code, total.Funcs)
	return tw.Flush()
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}
