package store

import (
	"errors"
	"fmt"
)

// Errors. Failures of stored data wrap ErrCorrupt (as a *CorruptError);
// store semantics errors (not found, not contiguous, unknown block) are
// those of the headers and das packages.
var (
	// ErrCorrupt: a stored value does not decode, or contradicts its key.
	ErrCorrupt = errors.New("store: corrupt database value")
	// ErrSchema: the file was written with an unknown schema version.
	ErrSchema = errors.New("store: unsupported schema version")
	// ErrChainMismatch: the file belongs to another chain.
	ErrChainMismatch = errors.New("store: database belongs to another chain")
	// ErrLocked: another process (or handle) has the file open.
	ErrLocked = errors.New("store: database file is locked")
	// ErrClosed: the database was closed.
	ErrClosed = errors.New("store: database closed")
)

// CorruptError names the damaged value. It matches ErrCorrupt and the
// decoding error underneath (errors.Is with either).
type CorruptError struct {
	Bucket string
	Key    []byte
	Err    error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("store: corrupt value in %s at key %x: %v", e.Bucket, e.Key, e.Err)
}

// Unwrap returns ErrCorrupt and the underlying error.
func (e *CorruptError) Unwrap() []error { return []error{ErrCorrupt, e.Err} }

func corrupt(bucket string, key []byte, err error) error {
	return &CorruptError{Bucket: bucket, Key: append([]byte(nil), key...), Err: err}
}

// errMalformed is the underlying error of values that fail the codecs of
// this package (the headers and das decoders return their own).
var errMalformed = errors.New("malformed value")

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errMalformed, fmt.Sprintf(format, args...))
}
