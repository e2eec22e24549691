package das

import (
	"errors"
	"fmt"
)

// Decoding errors. Every decoder of untrusted bytes (messages, CIDs,
// checkpoints) fails with an error wrapping ErrMalformed and, where it helps,
// a more specific sentinel.
var (
	ErrMalformed      = errors.New("das: malformed encoding")
	ErrTooLarge       = errors.New("das: size limit exceeded")
	ErrUnknownVersion = errors.New("das: unknown encoding version")
	ErrTrailingBytes  = errors.New("das: trailing bytes")
	ErrCoordinate     = errors.New("das: cell coordinate out of range or out of order")
	ErrInvalidCID     = errors.New("das: invalid CID") // from package das/dascid
)

// Protocol errors: what a peer's answer can be wrong about.
var (
	// ErrUnexpectedCells: a response does not answer exactly the cells of
	// the request, in order (other cells, more or fewer cells, another
	// block). It is a protocol violation and the peer is penalised.
	ErrUnexpectedCells = errors.New("das: response does not match the request")
	// ErrPeerStatus: the peer answered the whole request with an error
	// status (see Status).
	ErrPeerStatus = errors.New("das: peer refused the request")
)

// Store errors.
var (
	// ErrUnknownBlock: the store has no block at that height with that
	// header hash.
	ErrUnknownBlock = errors.New("das: unknown block")
	// ErrCellNotFound: the store has the block but not that cell.
	ErrCellNotFound = errors.New("das: cell not found")
)

// Configuration and input errors.
var (
	// ErrConfig: an option or argument is out of range.
	ErrConfig = errors.New("das: invalid configuration")
	// ErrHeader: a header the sampler cannot sample (invalid, or of
	// another chain).
	ErrHeader = errors.New("das: unusable header")
	// ErrCheckpoint: a checkpoint that is not internally consistent.
	ErrCheckpoint = errors.New("das: inconsistent checkpoint")
)

// malformed wraps a decoding failure: ErrMalformed, the specific sentinel,
// and what was being decoded.
func malformed(what string, kind error, format string, args ...any) error {
	if kind == nil || kind == ErrMalformed {
		return fmt.Errorf("%w: %s: %s", ErrMalformed, what, fmt.Sprintf(format, args...))
	}
	return fmt.Errorf("%w: %w: %s: %s", ErrMalformed, kind, what, fmt.Sprintf(format, args...))
}
