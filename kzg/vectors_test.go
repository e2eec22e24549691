package kzg

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

// vectorsDir returns the directory of the official EIP-7594 test vectors:
// $LIGHTDAS_KZG_VECTORS, or ../shared/testdata/kzg. Relative paths are taken
// from the module root, so the test behaves the same from any package and
// under wasmbrowsertest (whose file system is relative to the package dir).
func vectorsDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("LIGHTDAS_KZG_VECTORS")
	if dir == "" {
		dir = filepath.Join("..", "shared", "testdata", "kzg")
	}
	if filepath.IsAbs(dir) {
		return dir
	}
	return filepath.Join(moduleRoot(t), dir)
}

// moduleRoot walks up from the working directory to the directory holding go.mod.
func moduleRoot(t testing.TB) string {
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

// vectorCase is one official test case: its directory name and its decoded data.yaml.
type vectorCase[T any] struct {
	Name string
	Data T
}

// loadVectors decodes every <function>/<case>/data.yaml into T. It fails the
// test when the function directory holds no case, so a missing or misplaced
// vector directory can never pass silently.
func loadVectors[T any](t testing.TB, function string) []vectorCase[T] {
	t.Helper()
	root := filepath.Join(vectorsDir(t), function)
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatalf("reading vectors for %s: %v", function, err)
	}
	var cases []vectorCase[T]
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
		cases = append(cases, vectorCase[T]{Name: e.Name(), Data: data})
	}
	if len(cases) == 0 {
		t.Fatalf("no test vectors for %s in %s", function, root)
	}
	sort.Slice(cases, func(i, j int) bool { return cases[i].Name < cases[j].Name })
	return cases
}

// hexBytes decodes a 0x-prefixed hex string from the vectors.
func hexBytes(s string) ([]byte, error) {
	return hex.DecodeString(strings.TrimPrefix(s, "0x"))
}
