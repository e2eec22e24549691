package kzg

import (
	"fmt"

	"github.com/consensys/gnark-crypto/ecc/bls12-381/fr"

	"lightdas/erasure"
)

// foldRows returns s with s_i = sum_r rowSums[r] * L_i(y_r): the weight of
// original commitment i when the commitment of row r (of 2k) carries weight
// rowSums[r]. The row weights L_i(y_r) come from the erasure package, the one
// source of the row convention (row r = sum_i L_i(y_r) row_i).
func foldRows(k int, rowSums []fr.Element) ([]fr.Element, error) {
	s := make([]fr.Element, k)
	copy(s, rowSums[:k]) // original rows: unit weights
	for r := k; r < 2*k; r++ {
		if rowSums[r].IsZero() {
			continue
		}
		w, err := erasure.LagrangeWeights(k, r)
		if err != nil {
			return nil, fmt.Errorf("kzg: row %d of a %d-row block: %w", r, k, err)
		}
		for i := range s {
			var t fr.Element
			t.Mul(&w[i], &rowSums[r])
			s[i].Add(&s[i], &t)
		}
	}
	return s, nil
}
