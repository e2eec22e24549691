package headers

import (
	"errors"
	"fmt"
)

// Decoding errors. Every decoder of untrusted bytes fails with an error
// wrapping ErrMalformed (and, where it helps, a more specific sentinel).
var (
	ErrMalformed       = errors.New("headers: malformed encoding")
	ErrTrailingBytes   = errors.New("headers: trailing bytes")
	ErrTooLarge        = errors.New("headers: size limit exceeded")
	ErrUnknownVersion  = errors.New("headers: unknown encoding version")
	ErrInvalidHeader   = errors.New("headers: invalid header")
	ErrInvalidChainID  = errors.New("headers: invalid chain id")
	ErrInvalidDA       = errors.New("headers: invalid data-availability fields")
	ErrInvalidGenesis  = errors.New("headers: invalid genesis")
	ErrInvalidValidSet = errors.New("headers: invalid validator set")
)

// Validator-set errors.
var (
	// ErrDuplicateValidator: a set lists one public key twice. With a signer
	// bitfield this is the only way to count one signer twice, so it is the
	// "duplicate signer" forgery.
	ErrDuplicateValidator = errors.New("headers: duplicate validator public key")
	// ErrValidatorOrder: keys are not in strictly ascending byte order.
	ErrValidatorOrder = errors.New("headers: validators not sorted by public key")
	// ErrInvalidPossession: a key without a valid proof of possession (a
	// possible rogue key).
	ErrInvalidPossession = errors.New("headers: invalid proof of possession")
)

// Verification errors.
var (
	ErrChainIDMismatch          = errors.New("headers: chain id mismatch")
	ErrCommitMismatch           = errors.New("headers: commit does not match header")
	ErrUnknownSigner            = errors.New("headers: signer bit outside the validator set")
	ErrInvalidSignature         = errors.New("headers: invalid commit signature")
	ErrInsufficientPower        = errors.New("headers: commit signed by at most 2/3 of the voting power")
	ErrInsufficientTrust        = errors.New("headers: trusted validators signed at most 1/3 of their power")
	ErrValidatorSetHashMismatch = errors.New("headers: validator set hash mismatch")
	ErrParentHashMismatch       = errors.New("headers: parent hash mismatch")
	ErrHeightGap                = errors.New("headers: height is not trusted height + 1")
	ErrHeightNotIncreasing      = errors.New("headers: height not above the trusted height")
	ErrTimeNotIncreasing        = errors.New("headers: time not after the trusted header's time")
	ErrHeaderFromFuture         = errors.New("headers: header time beyond the allowed clock drift")
	ErrTrustExpired             = errors.New("headers: trusted header outside the trusting period")
)

// Store, exchange and sync errors.
var (
	ErrNotFound        = errors.New("headers: not found")
	ErrNotContiguous   = errors.New("headers: blocks do not extend the store head")
	ErrShortRange      = errors.New("headers: peer returned fewer headers than requested")
	ErrOutOfOrder      = errors.New("headers: peer returned headers out of order")
	ErrUnexpectedBlock = errors.New("headers: peer returned a different header than requested")
	ErrNoPeers         = errors.New("headers: no usable peers")
	ErrNoTrustRoot     = errors.New("headers: empty store and no trust root")
	ErrBadRequest      = errors.New("headers: bad request")
	ErrUnavailable     = errors.New("headers: peer unavailable, try later")
	ErrEquivocation    = errors.New("headers: two valid headers at one height")
)

// PowerError reports how much voting power signed when a threshold was
// missed. It wraps ErrInsufficientPower (the header's own set) or
// ErrInsufficientTrust (the trusted set, when skipping).
type PowerError struct {
	Kind   error
	Signed uint64
	Total  uint64
}

func (e *PowerError) Error() string {
	return fmt.Sprintf("%v: signed %d of %d", e.Kind, e.Signed, e.Total)
}

func (e *PowerError) Unwrap() error { return e.Kind }

// PeerError says a peer served invalid data; the syncer stops asking it.
type PeerError struct {
	Peer string
	Err  error
}

func (e *PeerError) Error() string { return fmt.Sprintf("headers: peer %s: %v", e.Peer, e.Err) }
func (e *PeerError) Unwrap() error { return e.Err }
