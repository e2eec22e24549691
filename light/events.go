package light

import (
	"encoding/json"
	"fmt"
	"time"
)

// Event is what a Client reports to its subscribers. The set is closed:
// *StateEvent, *HeaderEvent, *SamplingEvent, *CellEvent, *BlockEvent,
// *PeerEvent, *PeerPenalisedEvent and *ErrorEvent. Their JSON forms (see
// MarshalEvent) keep the field names of the node's HTTP event stream
// (node/api), so one page can read either.
type Event interface {
	// Kind names the event: "state", "header", "sampling", "cell",
	// "block", "peer_connected", "peer_disconnected", "peer_penalised"
	// or "error".
	Kind() string
	isEvent()
}

// State is the client's condition as a whole.
type State string

// Client states, in the order a healthy start goes through them.
const (
	StateStarting   State = "starting"   // stores opening, nothing dialled yet
	StateConnecting State = "connecting" // no peer connected
	StateSyncing    State = "syncing"    // connected, no verified header yet
	StateFollowing  State = "following"  // connected and following the head
	// StateHalted: header sync stopped on evidence of an attack (two
	// valid headers at one height) or on an expired trust root; the
	// client samples nothing new until restarted with a new trust root.
	StateHalted  State = "halted"
	StateStopped State = "stopped"
)

// StateEvent: the client's state changed.
type StateEvent struct {
	State State  `json:"state"`
	Peers int    `json:"peers"`
	Error string `json:"error,omitempty"` // why, for StateHalted
}

// HeaderEvent: a verified header was handed to the sampler.
type HeaderEvent struct {
	Height     uint64    `json:"height"`
	Hash       string    `json:"hash"`
	K          int       `json:"k"`
	Time       time.Time `json:"time"`        // header time (zero when not stored)
	ReceivedAt time.Time `json:"received_at"` // when the client got it
}

// SamplingEvent: the sampling of a block began; Cells were drawn and are
// pending until their CellEvents and the BlockEvent.
type SamplingEvent struct {
	Height    uint64    `json:"height"`
	Hash      string    `json:"hash"`
	K         int       `json:"k"`
	Attempt   int       `json:"attempt"`
	Cells     []Cell    `json:"cells"`
	StartedAt time.Time `json:"started_at"`
}

// Cell outcomes of CellEvent.Outcome (the das names) and of
// BlockResult.Cells (verified, invalid, missing).
const (
	OutcomeVerified = "verified"
	OutcomeNotFound = "not found" // the peer did not have it; asked elsewhere
	OutcomeInvalid  = "invalid"
	OutcomeFailed   = "failed" // the request failed; asked elsewhere
	// OutcomeMissing: the verdict came without verified data for the cell
	// and no peer served invalid data for it.
	OutcomeMissing = "missing"
)

// CellEvent: one peer's answer (or failure) for one sampled cell.
type CellEvent struct {
	Height  uint64 `json:"height"`
	Row     int    `json:"row"`
	Col     int    `json:"col"`
	Peer    string `json:"peer"`
	Outcome string `json:"outcome"`
	Error   string `json:"error,omitempty"`
	// ElapsedMs runs from the start of the block's sampling.
	ElapsedMs float64 `json:"elapsed_ms"`
}

// BlockEvent: a height got a verdict (and it was persisted).
type BlockEvent struct {
	BlockResult
}

// PeerEvent: a peer connected or disconnected.
type PeerEvent struct {
	Peer      string `json:"peer"`
	Addr      string `json:"addr,omitempty"` // the address dialled, when this client dialled it
	Connected bool   `json:"connected"`
}

// PeerPenalisedEvent: the sampler lowered a peer's score or banned it, or
// the header syncer stopped using it.
type PeerPenalisedEvent struct {
	Peer        string     `json:"peer"`
	Height      uint64     `json:"height,omitempty"`
	Reason      string     `json:"reason"`
	Penalty     float64    `json:"penalty"`
	Score       float64    `json:"score"`
	BannedUntil *time.Time `json:"banned_until,omitempty"`
}

// Sources of ErrorEvent.
const (
	SourceDial    = "dial"    // a peer address could not be dialled
	SourcePex     = "pex"     // a peer exchange failed
	SourceSync    = "sync"    // header sync stopped (and is restarted)
	SourceSampler = "sampler" // sampling stopped, or a verdict not saved
	SourceStore   = "store"   // a store failed
)

// ErrorEvent: something went wrong that the client works around (dial
// failures are retried with backoff, sync restarts) or, when Fatal, that
// stopped part of it.
type ErrorEvent struct {
	Source  string `json:"source"`
	Message string `json:"message"`
	Addr    string `json:"addr,omitempty"`
	Peer    string `json:"peer,omitempty"`
	// RetryInMs: when the failed action is tried again, if it is.
	RetryInMs float64 `json:"retry_in_ms,omitempty"`
	Fatal     bool    `json:"fatal,omitempty"`
}

// Kind implements Event.
func (*StateEvent) Kind() string { return "state" }

// Kind implements Event.
func (*HeaderEvent) Kind() string { return "header" }

// Kind implements Event.
func (*SamplingEvent) Kind() string { return "sampling" }

// Kind implements Event.
func (*CellEvent) Kind() string { return "cell" }

// Kind implements Event.
func (*BlockEvent) Kind() string { return "block" }

// Kind implements Event.
func (e *PeerEvent) Kind() string {
	if e.Connected {
		return "peer_connected"
	}
	return "peer_disconnected"
}

// Kind implements Event.
func (*PeerPenalisedEvent) Kind() string { return "peer_penalised" }

// Kind implements Event.
func (*ErrorEvent) Kind() string { return "error" }

func (*StateEvent) isEvent()         {}
func (*HeaderEvent) isEvent()        {}
func (*SamplingEvent) isEvent()      {}
func (*CellEvent) isEvent()          {}
func (*BlockEvent) isEvent()         {}
func (*PeerEvent) isEvent()          {}
func (*PeerPenalisedEvent) isEvent() {}
func (*ErrorEvent) isEvent()         {}

// MarshalEvent encodes e as one JSON object with its fields and a "kind"
// member, e.g. {"kind":"cell","height":3,...}.
func MarshalEvent(e Event) ([]byte, error) {
	body, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("light: encoding %s event: %w", e.Kind(), err)
	}
	kind, _ := json.Marshal(e.Kind())
	out := make([]byte, 0, len(body)+len(kind)+10)
	out = append(out, `{"kind":`...)
	out = append(out, kind...)
	if len(body) > 2 { // body is an object: "{...}"
		out = append(out, ',')
		out = append(out, body[1:]...)
	} else {
		out = append(out, '}')
	}
	return out, nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
