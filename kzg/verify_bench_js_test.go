//go:build js

package kzg

import "testing"

// benchmarkBaselines: go-eth-kzg's context takes 15-26 s to build in wasm, so
// the baseline runs natively only (see verify_ethkzg_test.go).
func benchmarkBaselines(*testing.B, *blockFixture) {}
