package kzg

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error returned by this package for bad input wraps
// exactly one of them, so callers can branch with errors.Is; errors about one
// element of a list are *IndexError values (errors.As) naming the element.
var (
	// ErrLength: a byte string or list has the wrong length.
	ErrLength = errors.New("kzg: wrong length")
	// ErrNonCanonical: a 32-byte field element is not < the BLS12-381 scalar modulus.
	ErrNonCanonical = errors.New("kzg: non-canonical field element")
	// ErrInvalidPoint: a G1 encoding is malformed (flags, non-canonical or
	// off-curve x coordinate, non-canonical infinity).
	ErrInvalidPoint = errors.New("kzg: invalid G1 point encoding")
	// ErrNotInSubgroup: a G1 point is on the curve but not in the prime-order subgroup.
	ErrNotInSubgroup = errors.New("kzg: G1 point not in the prime-order subgroup")
	// ErrCellIndex: a cell (column) or row index is out of range.
	ErrCellIndex = errors.New("kzg: cell index out of range")
	// ErrVerify: the inputs are well formed but the proofs do not verify.
	ErrVerify = errors.New("kzg: proof verification failed")
	// ErrInput: inconsistent inputs (mismatched list lengths, bad block size...).
	ErrInput = errors.New("kzg: invalid input")
)

// IndexError reports which element of an input list was rejected.
type IndexError struct {
	What  string // "cell", "proof", "commitment", "field element", "sample"...
	Index int
	Err   error // wraps one of the sentinels
}

func (e *IndexError) Error() string {
	return fmt.Sprintf("%s %d: %v", e.What, e.Index, e.Err)
}

func (e *IndexError) Unwrap() error { return e.Err }

func indexErr(what string, i int, err error) error {
	return &IndexError{What: what, Index: i, Err: err}
}
