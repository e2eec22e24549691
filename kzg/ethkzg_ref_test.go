package kzg

import (
	"sync"
	"testing"

	goethkzg "github.com/crate-crypto/go-eth-kzg"
)

// go-eth-kzg is the differential reference and the benchmark baseline
// (test-only import), natively and under wasm. Its context takes a while to
// build (seconds natively, 15-26 s in a browser), so every test and
// benchmark shares one, built on first use.
var ethContext = sync.OnceValues(goethkzg.NewContext4096Secure)

func ethCtx(t testing.TB) *goethkzg.Context {
	t.Helper()
	ctx, err := ethContext()
	if err != nil {
		t.Fatal(err)
	}
	return ctx
}

// ethVerifyCells runs go-eth-kzg's VerifyCellKZGProofBatch on spec-API
// inputs (one explicit commitment per cell).
func ethVerifyCells(ctx *goethkzg.Context, commitments []Commitment, indices []uint64, cells []Cell, proofs []Proof) error {
	n := len(cells)
	gc := make([]goethkzg.KZGCommitment, n)
	gcells := make([]*goethkzg.Cell, n)
	gp := make([]goethkzg.KZGProof, n)
	for i := range cells {
		gc[i] = goethkzg.KZGCommitment(commitments[i])
		c := goethkzg.Cell(cells[i])
		gcells[i] = &c
		gp[i] = goethkzg.KZGProof(proofs[i])
	}
	return ctx.VerifyCellKZGProofBatch(gc, indices, gcells, gp)
}
