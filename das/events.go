package das

import (
	"fmt"
	"time"

	"lightdas/headers"
	"lightdas/p2p"
)

// Event is what the sampler reports: *HeaderVerified, *BlockStarted,
// *CellResult, *BlockResult or *PeerPenalised.
type Event interface{ isEvent() }

// HeaderVerified: the sampler accepted a verified header to sample.
type HeaderVerified struct {
	Height uint64
	Hash   headers.Hash
	K      int
	Time   time.Time // when the sampler received it
}

// BlockStarted: the sampling of a block began with these cells drawn
// (so a client can show them pending until their CellResults arrive).
type BlockStarted struct {
	Height  uint64
	Hash    headers.Hash
	K       int
	Attempt int
	Cells   []Coord // row-major; the caller must not modify them
	Time    time.Time
}

// CellOutcome is what became of one cell request.
type CellOutcome int

const (
	// CellVerified: the cell and proof verified against the header.
	CellVerified CellOutcome = iota + 1
	// CellNotFound: the peer answered that it does not have the cell (or
	// the block).
	CellNotFound
	// CellInvalid: the peer's cell or proof failed verification.
	CellInvalid
	// CellFailed: the request failed (timeout, reset, protocol violation,
	// refusal).
	CellFailed
)

func (o CellOutcome) String() string {
	switch o {
	case CellVerified:
		return "verified"
	case CellNotFound:
		return "not found"
	case CellInvalid:
		return "invalid"
	case CellFailed:
		return "failed"
	}
	return fmt.Sprintf("outcome(%d)", int(o))
}

// CellResult reports one cell answered (or not) by one peer.
type CellResult struct {
	Height  uint64
	Coord   Coord
	Peer    p2p.PeerID
	Outcome CellOutcome
	Err     error // for CellInvalid and CellFailed
	// Elapsed runs from the start of the block's sampling to this
	// outcome (for a verified cell: to the end of its batch verification).
	Elapsed time.Duration
}

// BlockStatus is the verdict on a block.
type BlockStatus int

const (
	// Available: every sampled cell verified; Confidence >= the target.
	Available BlockStatus = iota + 1
	// Unavailable: some sampled cell was not served by any peer before the
	// retries and the deadline ran out.
	Unavailable
	// Invalid: the header's commitments are not valid points, or some
	// sampled cell was answered only with data that fails verification.
	Invalid
	// Skipped: the header of a height in the window could not be
	// obtained; the height is retried like a failure.
	Skipped
)

func (s BlockStatus) String() string {
	switch s {
	case Available:
		return "available"
	case Unavailable:
		return "unavailable"
	case Invalid:
		return "invalid"
	case Skipped:
		return "skipped"
	}
	return fmt.Sprintf("status(%d)", int(s))
}

// BlockResult reports the end of a block's sampling.
type BlockResult struct {
	Height uint64
	Hash   headers.Hash
	K      int
	Status BlockStatus
	// Confidence reached: 1 - P(Verified) when Available, 0 otherwise.
	Confidence float64
	Samples    int     // distinct cells drawn
	Verified   int     // of them verified
	Missing    []Coord // sampled cells left without verified data
	Peers      int     // distinct peers that served verified cells
	Requests   int     // requests sent
	Attempt    int     // 1 on the first sampling of the height, more on retries
	// Timings: Received is when the header reached the sampler (zero for
	// one-off Sample calls), Started when sampling began; Duration runs
	// from Started to the verdict and Verify sums the batch verifications.
	Received time.Time
	Started  time.Time
	Duration time.Duration
	Verify   time.Duration
	Err      error // why the block is not Available
}

// PeerPenalised reports a penalty: Banned for invalid data or protocol
// violations, a lower score for timeouts and refusals.
type PeerPenalised struct {
	Peer        p2p.PeerID
	Height      uint64
	Reason      error
	Penalty     float64
	Score       float64 // after the penalty
	BannedUntil time.Time
}

func (*HeaderVerified) isEvent() {}
func (*BlockStarted) isEvent()   {}
func (*CellResult) isEvent()     {}
func (*BlockResult) isEvent()    {}
func (*PeerPenalised) isEvent()  {}

// Status is a snapshot of the sampler.
type Status struct {
	NetworkHead uint64 // highest verified header received
	SampledHead uint64 // highest settled height
	DoneUpTo    uint64 // every height up to here is settled
	// Catch-up window [CatchUpFrom, NetworkHead] and how many of its
	// heights are neither settled nor in flight.
	CatchUpFrom    uint64
	CatchUpPending int
	InFlight       []uint64
	Failures       []RetryEntry // heights to sample again
	Available      int          // verdicts since start
	Unavailable    int
	Invalid        int
	Skipped        int
	Peers          []PeerInfo
	CheckpointErr  error // last checkpoint save failure, if any
}

// PeerInfo is the sampler's view of one peer.
type PeerInfo struct {
	ID          p2p.PeerID
	Score       float64
	BannedUntil time.Time
	Verified    uint64 // cells served that verified
	Failures    uint64 // penalties
}
