package main

import (
	"errors"
	"strings"
	"testing"
)

func TestSanitize(t *testing.T) {
	for in, want := range map[string]string{
		"runtime":                 "runtime",
		"crypto/tls":              "crypto_tls",
		"github.com/pion/ice/v4":  "github.com_pion_ice_v4",
		"gopkg.in/yaml.v3":        "gopkg.in_yaml_2ev3", // the linker's %2e, then '%' -> '_'
		"lukechampine.com/blake3": "lukechampine.com_blake3",
	} {
		if got := Sanitize(in); got != want {
			t.Errorf("Sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNamerPackage(t *testing.T) {
	deps := `runtime
net/netip
github.com/pion/ice/v4 github.com/pion/ice/v4
github.com/pion/ice/v4/internal/atomic github.com/pion/ice/v4
gopkg.in/yaml.v3 gopkg.in/yaml.v3
`
	ps, err := ReadDeps(strings.NewReader(deps))
	if err != nil {
		t.Fatal(err)
	}
	n := NewNamer(ps)
	for name, want := range map[string]Package{
		"runtime.mallocgc":                         {"runtime", "std"},
		"github.com_pion_ice_v4.__Agent_.Start":    {"github.com/pion/ice/v4", "github.com/pion/ice/v4"},
		"github.com_pion_ice_v4_internal_atomic.F": {"github.com/pion/ice/v4/internal/atomic", "github.com/pion/ice/v4"},
		"type_.eq.net_netip.Addr":                  {"net/netip", "std"},
		"type_.eq._2_string":                       {"<type_.eq>", "<linker>"},
		"gopkg.in_yaml_2ev3.Marshal":               {"gopkg.in/yaml.v3", "gopkg.in/yaml.v3"},
		"main.main":                                {"main", "main"},
		"_rt0_wasm_js":                             {"<other>", "<other>"},
		"strings.Cut":                              {"<unknown strings>", "<unknown>"},
		"":                                         {"<unnamed>", "<unnamed>"},
	} {
		if got := n.Package(name); got != want {
			t.Errorf("Package(%q) = %+v, want %+v", name, got, want)
		}
	}
}

func TestGuessWithoutDeps(t *testing.T) {
	n := NewNamer(nil)
	for name, want := range map[string]string{
		"crypto_tls.__Conn_.Read":               "crypto_tls",
		"github.com_pion_ice_v4.__Agent_.Start": "github.com_pion_ice_v4",
		"lukechampine.com_blake3.Sum256":        "lukechampine.com_blake3",
		"runtime.gcStart":                       "runtime",
		"memchr":                                "<other>",
	} {
		if got := n.Package(name).ImportPath; got != want {
			t.Errorf("Package(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestModuleOf(t *testing.T) {
	for in, want := range map[string]string{
		"crypto/tls":                             "std",
		"github.com/pion/ice/v4/internal/atomic": "github.com/pion/ice/v4",
		"github.com/pion/sctp":                   "github.com/pion/sctp",
		"golang.org/x/crypto/chacha20":           "golang.org/x/crypto",
		"google.golang.org/protobuf/proto":       "google.golang.org/protobuf",
		"lukechampine.com/blake3/guts":           "lukechampine.com/blake3",
	} {
		if got := ModuleOf(in); got != want {
			t.Errorf("ModuleOf(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestReadDepsRejects(t *testing.T) {
	if _, err := ReadDeps(strings.NewReader("fmt\na b c\n")); !errors.Is(err, ErrBadDeps) {
		t.Fatalf("three fields: %v, want ErrBadDeps", err)
	}
	ps, err := ReadDeps(strings.NewReader("\nfmt\n\n"))
	if err != nil || len(ps) != 1 || ps[0] != (Package{"fmt", "std"}) {
		t.Fatalf("%v, %v", ps, err)
	}
}
