package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// Go's wasm linker writes a function's symbol name into the name section
// with every byte outside [A-Za-z0-9_.] replaced by '_' (cmd/link's
// nameRegexp), so "github.com/pion/ice/v4.(*Agent).Start" appears as
// "github.com_pion_ice_v4.__Agent_.Start". The slash is gone, so where the
// package ends cannot be read off the name alone: a Namer matches names
// against the sanitized import paths of the program's packages (as `go
// list -deps` prints them) and takes the longest one followed by a dot.
var unsafeChars = regexp.MustCompile(`[^\w.]`)

// Sanitize spells an import path the way the name section does. The
// linker escapes dots in the last path element as %2e
// ("gopkg.in/yaml.v3" -> "gopkg.in/yaml%2ev3"), which becomes "_2e".
func Sanitize(importPath string) string {
	p := importPath
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		p = p[:i+1] + strings.ReplaceAll(p[i+1:], ".", "%2e")
	}
	return unsafeChars.ReplaceAllString(p, "_")
}

// Package is one package of the program.
type Package struct {
	ImportPath string
	Module     string // "" for the standard library
}

// ErrBadDeps is returned for a package list ReadDeps cannot read.
var ErrBadDeps = errors.New("wasmsize: bad package list")

// ReadDeps reads `go list -deps -f '{{.ImportPath}} {{with
// .Module}}{{.Path}}{{end}}'` output: an import path per line, optionally
// followed by its module path. Plain `go list -deps` output works too
// (modules are then guessed by ModuleOf).
func ReadDeps(r io.Reader) ([]Package, error) {
	var ps []Package
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		f := strings.Fields(sc.Text())
		switch len(f) {
		case 0:
			continue
		case 1:
			ps = append(ps, Package{ImportPath: f[0], Module: ModuleOf(f[0])})
		case 2:
			ps = append(ps, Package{ImportPath: f[0], Module: f[1]})
		default:
			return nil, fmt.Errorf("%w: line %d: %q: want an import path and an optional module", ErrBadDeps, n, sc.Text())
		}
	}
	return ps, sc.Err()
}

// Namer maps name-section function names to packages and modules.
type Namer struct {
	bySanitized map[string]Package
	maxLen      int
}

// NewNamer knows the given packages; with none it falls back to guessing
// (see guessPackage).
func NewNamer(pkgs []Package) *Namer {
	n := &Namer{bySanitized: make(map[string]Package, len(pkgs))}
	if len(pkgs) > 0 {
		// The linker names the main package "main", whatever its path.
		n.bySanitized["main"] = Package{ImportPath: "main", Module: "main"}
		n.maxLen = len("main")
	}
	for _, p := range pkgs {
		if p.Module == "" {
			p.Module = "std"
		}
		s := Sanitize(p.ImportPath)
		n.bySanitized[s] = p
		n.maxLen = max(n.maxLen, len(s))
	}
	return n
}

// linkerPrefixes name functions the linker makes for a type: they count
// for the type's package.
var linkerPrefixes = []string{"type_.eq.", "type_.hash."}

// Package returns the package a function belongs to; functions outside
// any package (assembly entry points such as _rt0_wasm_js, the build id)
// are grouped as "<other>", and unknown ones as "<unknown PREFIX>".
func (n *Namer) Package(name string) Package {
	if name == "" {
		return Package{ImportPath: "<unnamed>", Module: "<unnamed>"}
	}
	for _, pre := range linkerPrefixes {
		if rest, ok := strings.CutPrefix(name, pre); ok {
			if p := n.Package(rest); !strings.HasPrefix(p.ImportPath, "<") {
				return p
			}
			return Package{ImportPath: "<" + strings.TrimSuffix(pre, ".") + ">", Module: "<linker>"}
		}
	}
	if len(n.bySanitized) > 0 {
		// The longest known package followed by a dot: try every dot
		// from the right.
		for i := min(len(name)-1, n.maxLen); i > 0; i-- {
			if name[i] != '.' {
				continue
			}
			if p, ok := n.bySanitized[name[:i]]; ok {
				return p
			}
		}
		if !strings.Contains(name, ".") {
			return Package{ImportPath: "<other>", Module: "<other>"}
		}
		return Package{ImportPath: "<unknown " + name[:strings.IndexByte(name, '.')] + ">", Module: "<unknown>"}
	}
	p := guessPackage(name)
	return Package{ImportPath: p, Module: ModuleOf(p)}
}

// domainFirst matches a sanitized name whose first path element is a
// domain ("github.com_", "google.golang.org_", "lukechampine.com_").
var domainFirst = regexp.MustCompile(`^[a-z0-9-]+(\.[a-z0-9-]+)*\.(com|org|net|io|in|dev|cc|me|co|xyz|tech|sh)_`)

// guessPackage is used without a package list: the package ends at the
// first dot after its domain (if it has one). Slashes come back only as
// underscores, so "github.com_pion_ice_v4" is reported as such.
func guessPackage(name string) string {
	if name == "" {
		return "<unnamed>"
	}
	if !strings.Contains(name, ".") {
		return "<other>"
	}
	from := 0
	if m := domainFirst.FindString(name); m != "" {
		from = len(m)
	}
	i := strings.IndexByte(name[from:], '.')
	if i < 0 {
		return "<other>"
	}
	return name[:from+i]
}

// ModuleOf guesses the module of an import path by the hosting
// conventions: the standard library (first element without a dot) is
// "std", github.com and golang.org/x paths take three elements, others
// two; a following major version element (v2, v3, ...) belongs to the
// module. A deps list with modules makes the guess unnecessary.
func ModuleOf(pkg string) string {
	if strings.HasPrefix(pkg, "<") {
		return pkg
	}
	el := strings.Split(pkg, "/")
	if !strings.Contains(el[0], ".") {
		return "std"
	}
	n := 2
	switch el[0] {
	case "github.com", "gitlab.com", "bitbucket.org", "golang.org":
		n = 3
	}
	if len(el) <= n {
		return pkg
	}
	if v := el[n]; len(v) >= 2 && v[0] == 'v' && strings.Trim(v[1:], "0123456789") == "" {
		n++
	}
	return strings.Join(el[:n], "/")
}
