package light

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Errors (wrapped with context; test with errors.Is).
var (
	// ErrConfig: a Config field is missing or out of range.
	ErrConfig = errors.New("light: invalid configuration")
	// ErrBadAddr: an address is not a dialable multiaddr ending in
	// /p2p/<peer id>.
	ErrBadAddr = errors.New("light: bad peer address")
	// ErrNotFound: a store has nothing under that key.
	ErrNotFound = errors.New("light: not found")
	// ErrCorrupt: stored bytes do not decode.
	ErrCorrupt = errors.New("light: corrupt stored data")
	// ErrClosed: the client was closed (or not started).
	ErrClosed = errors.New("light: client closed")
	// ErrPeerMismatch: a dialled address answered with another peer id
	// than the one it names.
	ErrPeerMismatch = errors.New("light: dialled peer has another id")
)

// DialError reports a failed dial of one address.
type DialError struct {
	Addr string
	Err  error
}

func (e *DialError) Error() string { return fmt.Sprintf("light: dialling %s: %v", e.Addr, e.Err) }

func (e *DialError) Unwrap() error { return e.Err }

// strictJSON decodes exactly one JSON value into v, refusing unknown
// fields and trailing data.
func strictJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("data after the JSON value")
	}
	return nil
}
