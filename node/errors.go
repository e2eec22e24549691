package node

import (
	"errors"
	"fmt"
)

// Errors of the node package. Decoders of untrusted bytes fail with an
// error wrapping ErrMalformed (and, where it helps, a more specific
// sentinel).
var (
	ErrMalformed      = errors.New("node: malformed message")
	ErrTooLarge       = errors.New("node: size limit exceeded")
	ErrUnknownVersion = errors.New("node: unknown message version")
	// ErrConfig: a configuration the node cannot run with.
	ErrConfig = errors.New("node: invalid configuration")
	// ErrClosed: the node was closed (or never started).
	ErrClosed = errors.New("node: closed")
	// ErrRowPeer: a peer's answer to a row request is wrong (malformed,
	// not matching the request, or failing verification). The peer is
	// penalised.
	ErrRowPeer = errors.New("node: peer served a bad row")
	// ErrRowUnavailable: no peer served the row.
	ErrRowUnavailable = errors.New("node: row unavailable")
	// ErrBlockUnavailable: a block could not be completed from the rows
	// peers served.
	ErrBlockUnavailable = errors.New("node: block unavailable")
)

func malformed(sentinel error, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if sentinel == nil {
		return fmt.Errorf("%w: %s", ErrMalformed, msg)
	}
	return fmt.Errorf("%w: %w: %s", ErrMalformed, sentinel, msg)
}
