package kzg

import (
	"testing"

	"lightdas/internal/vectors"
)

// The official vectors (see lightdas/internal/vectors): every test of this
// package reads them through these three names.
func vectorsDir(t testing.TB) string { return vectors.Dir(t) }

func loadVectors[T any](t testing.TB, function string) []vectors.Case[T] {
	return vectors.Load[T](t, function)
}

func hexBytes(s string) ([]byte, error) { return vectors.Hex(s) }
