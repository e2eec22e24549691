// Package vectors loads the official EIP-7594 / EIP-4844 KZG test vectors
// for the tests of erasure/ and kzg/, natively and under wasmbrowsertest.
package vectors

import (
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// EnvDir names the environment variable that overrides the vectors'
// directory.
const EnvDir = "LIGHTDAS_KZG_VECTORS"

// Dir returns the directory of the vectors: $LIGHTDAS_KZG_VECTORS, or
// ../shared/testdata/kzg. Relative paths are taken from the module root, so
// every package resolves them alike, and so does wasmbrowsertest (whose file
// system is relative to the package directory).
func Dir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv(EnvDir)
	if dir == "" {
		dir = filepath.Join("..", "shared", "testdata", "kzg")
	}
	if filepath.IsAbs(dir) {
		return dir
	}
	return filepath.Join(ModuleRoot(t), dir)
}

// ModuleRoot walks up from the working directory to the directory that
// holds go.mod.
func ModuleRoot(t testing.TB) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatalf("getwd: %v", err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		if filepath.Dir(dir) == dir {
			t.Fatalf("no go.mod above %s", wd)
		}
	}
}

// Case is one official test case: its directory name and its decoded
// data.yaml.
type Case[T any] struct {
	Name string
	Data T
}

// Load decodes every <function>/<case>/data.yaml into T, sorted by name. It
// fails the test when the function's directory holds no case, so a missing
// or misplaced vector directory can never pass silently.
func Load[T any](t testing.TB, function string) []Case[T] {
	t.Helper()
	root := filepath.Join(Dir(t), function)
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatalf("reading vectors for %s: %v", function, err)
	}
	var cases []Case[T]
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(root, e.Name(), "data.yaml"))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatalf("reading %s/%s: %v", function, e.Name(), err)
		}
		var data T
		if err := yaml.Unmarshal(raw, &data); err != nil {
			t.Fatalf("decoding %s/%s: %v", function, e.Name(), err)
		}
		cases = append(cases, Case[T]{Name: e.Name(), Data: data})
	}
	if len(cases) == 0 {
		t.Fatalf("no test vectors for %s in %s", function, root)
	}
	sort.Slice(cases, func(i, j int) bool { return cases[i].Name < cases[j].Name })
	return cases
}

// Hex decodes a 0x-prefixed hex string of the vectors.
func Hex(s string) ([]byte, error) {
	return hex.DecodeString(strings.TrimPrefix(s, "0x"))
}
