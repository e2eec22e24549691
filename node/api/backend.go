package api

import (
	"context"
	"errors"
	"time"

	"lightdas/headers"
)

// Errors a Backend returns (wrapped or not; the server tests with
// errors.Is) and the server maps to HTTP status codes.
var (
	// ErrNotFound: no such height (above the head, below the window the
	// node keeps, or no head yet). 404.
	ErrNotFound = errors.New("api: not found")
	// ErrNotSupported: the node cannot do this (e.g. blob submission on
	// a node without a producer). 404 on POST /v1/blobs.
	ErrNotSupported = errors.New("api: not supported by this node")
	// ErrUnavailable: the node cannot answer now (starting, shutting
	// down). 503.
	ErrUnavailable = errors.New("api: temporarily unavailable")
)

// Backend is what a node (node.FullNode, node.LightNode) gives the HTTP
// API. Every method must be safe for concurrent use.
type Backend interface {
	// Status is a snapshot of the node. Called for GET /v1/status and on
	// every /metrics scrape, so it must be cheap.
	Status(ctx context.Context) (Status, error)
	// Head is the highest verified header (ErrNotFound before the first).
	Head(ctx context.Context) (*headers.LightBlock, error)
	// BlockResult reports the sampling of one height: a settled verdict,
	// or StatusPending for a known height not settled yet. ErrNotFound
	// for heights the node knows nothing about.
	BlockResult(ctx context.Context, height uint64) (BlockResult, error)
	// Subscribe registers fn for every event from now on, until cancel
	// is called (cancel is idempotent and must not be called from fn).
	//
	// Contract: fn is called for one event at a time, in the order the
	// events happened (the backend serialises calls; it may call from
	// any goroutine). fn never blocks: the server only updates metrics
	// and queues the event for each stream client, dropping clients
	// whose queue is full. The backend must not hold locks that fn's
	// callers elsewhere could need while calling fn.
	Subscribe(fn func(Event)) (cancel func())
}

// BlobSubmitter is implemented by nodes that produce blocks (a devnet full
// node with a producer). The server uses WithBlobSubmitter's argument, or
// else the Backend itself when it implements BlobSubmitter. Submit may
// fail with producer.ErrEmptyRecord (400), producer.ErrTooLarge (413),
// producer.ErrQueueFull (503), ErrNotSupported (404) or ErrUnavailable
// (503); anything else is a 500.
type BlobSubmitter interface {
	Submit(data []byte) error
}

// Node roles reported in Status.Role.
const (
	RoleFull  = "full"
	RoleLight = "light"
)

// Status is the node's state for GET /v1/status. Zero heights mean
// "none yet".
type Status struct {
	ChainID string `json:"chain_id"`
	// Role is RoleFull or RoleLight.
	Role        string   `json:"role"`
	PeerID      string   `json:"peer_id,omitempty"`
	ListenAddrs []string `json:"listen_addrs"`
	Peers       int      `json:"peers"` // connected peers

	// NetworkHead is the highest verified header heard of; HeaderHead the
	// highest header stored; SampledHead the highest height with a
	// verdict; DoneUpTo the height up to which every height has one.
	NetworkHead uint64 `json:"network_head"`
	HeaderHead  uint64 `json:"header_head"`
	SampledHead uint64 `json:"sampled_head"`
	DoneUpTo    uint64 `json:"done_up_to"`

	// CatchUp is the history window being sampled (light nodes).
	CatchUp *CatchUp `json:"catch_up,omitempty"`
	// Failures are heights waiting to be sampled again.
	Failures []uint64 `json:"failures"`
	// Verdicts since start, by status.
	Available   int `json:"available"`
	Unavailable int `json:"unavailable"`
	Invalid     int `json:"invalid"`

	// CellsServed counts cells served to peers (nil on nodes that do
	// not serve cells).
	CellsServed *uint64 `json:"cells_served,omitempty"`
	// StartedAt is when the node started; Uptime is derived from it.
	StartedAt time.Time `json:"started_at"`
	// UptimeSeconds is filled in by the server from StartedAt.
	UptimeSeconds float64 `json:"uptime_seconds"`
	// Error is the node's last persistent problem (e.g. a checkpoint
	// that could not be saved), empty when healthy.
	Error string `json:"error,omitempty"`
}

// CatchUp is the catch-up window [From, To] and its progress.
type CatchUp struct {
	From     uint64   `json:"from"`
	To       uint64   `json:"to"`
	Done     uint64   `json:"done"`    // heights of the window with a verdict
	Pending  int      `json:"pending"` // neither settled nor in flight
	InFlight []uint64 `json:"in_flight"`
}

// BlockStatus is a block's state in the API: one of the Status*
// constants.
type BlockStatus string

// Block statuses.
const (
	StatusAvailable   BlockStatus = "available"
	StatusUnavailable BlockStatus = "unavailable"
	StatusInvalid     BlockStatus = "invalid"
	// StatusPending: known height without a verdict yet (queued, in
	// flight, or waiting for a retry).
	StatusPending BlockStatus = "pending"
)

// BlockResult is the sampling result of one height, for
// GET /v1/blocks/{height} and "block" events.
type BlockResult struct {
	Height     uint64      `json:"height"`
	Hash       string      `json:"hash,omitempty"` // hex; empty when the header is unknown
	K          int         `json:"k,omitempty"`    // original rows
	Status     BlockStatus `json:"status"`
	Confidence float64     `json:"confidence"`
	Samples    int         `json:"samples"`  // distinct cells drawn
	Verified   int         `json:"verified"` // of them verified
	Missing    []Cell      `json:"missing,omitempty"`
	Peers      int         `json:"peers"`    // distinct peers that served verified cells
	Requests   int         `json:"requests"` // requests sent
	Attempt    int         `json:"attempt"`
	// Times: when the header reached the sampler and when sampling began
	// (omitted when unknown).
	ReceivedAt *time.Time `json:"received_at,omitempty"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	// Durations in milliseconds: sampling, batch verification, and from
	// header received to verdict (LatencyMs, 0 when unknown).
	DurationMs float64 `json:"duration_ms"`
	VerifyMs   float64 `json:"verify_ms"`
	LatencyMs  float64 `json:"latency_ms"`
	Error      string  `json:"error,omitempty"`
}

// Cell is a cell coordinate in the extended 2k x 128 grid.
type Cell struct {
	Row int `json:"row"`
	Col int `json:"col"`
}

// Event is something the node reports to subscribers: *HeaderEvent,
// *CellEvent, *BlockEvent, *PeerPenalisedEvent or *PeerEvent. The set is
// closed.
type Event interface {
	// Kind is the SSE event name: "header", "cell", "block",
	// "peer_penalised", "peer_connected" or "peer_disconnected".
	Kind() string
	isEvent()
}

// HeaderEvent: a verified header was received (light node) or produced
// or stored (full node).
type HeaderEvent struct {
	Height     uint64    `json:"height"`
	Hash       string    `json:"hash"`
	K          int       `json:"k"`
	Time       time.Time `json:"time"`        // header time
	ReceivedAt time.Time `json:"received_at"` // when the node got it
}

// CellEvent: one cell request to one peer ended.
type CellEvent struct {
	Height  uint64 `json:"height"`
	Row     int    `json:"row"`
	Col     int    `json:"col"`
	Peer    string `json:"peer"`
	Outcome string `json:"outcome"` // "verified", "not found", "invalid", "failed"
	Error   string `json:"error,omitempty"`
}

// BlockEvent: a height got a verdict.
type BlockEvent struct {
	BlockResult
}

// PeerPenalisedEvent: a peer lost score or was banned.
type PeerPenalisedEvent struct {
	Peer        string     `json:"peer"`
	Height      uint64     `json:"height"`
	Reason      string     `json:"reason"`
	Penalty     float64    `json:"penalty"`
	Score       float64    `json:"score"`
	BannedUntil *time.Time `json:"banned_until,omitempty"`
}

// PeerEvent: a peer connected (Connected) or disconnected.
type PeerEvent struct {
	Peer      string `json:"peer"`
	Addr      string `json:"addr,omitempty"`
	Connected bool   `json:"connected"`
}

// Kind implements Event.
func (*HeaderEvent) Kind() string { return "header" }

// Kind implements Event.
func (*CellEvent) Kind() string { return "cell" }

// Kind implements Event.
func (*BlockEvent) Kind() string { return "block" }

// Kind implements Event.
func (*PeerPenalisedEvent) Kind() string { return "peer_penalised" }

// Kind implements Event.
func (e *PeerEvent) Kind() string {
	if e.Connected {
		return "peer_connected"
	}
	return "peer_disconnected"
}

func (*HeaderEvent) isEvent()        {}
func (*CellEvent) isEvent()          {}
func (*BlockEvent) isEvent()         {}
func (*PeerPenalisedEvent) isEvent() {}
func (*PeerEvent) isEvent()          {}
