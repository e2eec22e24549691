package api

import (
	"time"

	"lightdas/das"
	"lightdas/headers"
)

// FromBlockResult converts a sampler verdict. das.Skipped (the header
// could not be fetched; the height is retried) becomes StatusPending.
func FromBlockResult(r *das.BlockResult) BlockResult {
	out := BlockResult{
		Height:     r.Height,
		K:          r.K,
		Confidence: r.Confidence,
		Samples:    r.Samples,
		Verified:   r.Verified,
		Peers:      r.Peers,
		Requests:   r.Requests,
		Attempt:    r.Attempt,
		DurationMs: ms(r.Duration),
		VerifyMs:   ms(r.Verify),
	}
	if !r.Hash.IsZero() {
		out.Hash = r.Hash.String()
	}
	switch r.Status {
	case das.Available:
		out.Status = StatusAvailable
	case das.Unavailable:
		out.Status = StatusUnavailable
	case das.Invalid:
		out.Status = StatusInvalid
	default:
		out.Status = StatusPending
	}
	if len(r.Missing) > 0 {
		out.Missing = make([]Cell, len(r.Missing))
		for i, c := range r.Missing {
			out.Missing[i] = Cell{Row: c.Row, Col: c.Col}
		}
	}
	if !r.Received.IsZero() {
		t := r.Received
		out.ReceivedAt = &t
	}
	if !r.Started.IsZero() {
		t := r.Started
		out.StartedAt = &t
		if !r.Received.IsZero() {
			out.LatencyMs = ms(r.Started.Add(r.Duration).Sub(r.Received))
		}
	}
	if r.Err != nil {
		out.Error = r.Err.Error()
	}
	return out
}

// FromDASEvent converts a sampler event; ok is false for event types the
// API does not know (so a newer sampler never breaks the node).
func FromDASEvent(ev das.Event) (e Event, ok bool) {
	switch ev := ev.(type) {
	case *das.HeaderVerified:
		return &HeaderEvent{Height: ev.Height, Hash: ev.Hash.String(), K: ev.K, ReceivedAt: ev.Time}, true
	case *das.CellResult:
		ce := &CellEvent{Height: ev.Height, Row: ev.Coord.Row, Col: ev.Coord.Col, Peer: string(ev.Peer), Outcome: ev.Outcome.String()}
		if ev.Err != nil {
			ce.Error = ev.Err.Error()
		}
		return ce, true
	case *das.BlockResult:
		return &BlockEvent{FromBlockResult(ev)}, true
	case *das.PeerPenalised:
		pe := &PeerPenalisedEvent{Peer: string(ev.Peer), Height: ev.Height, Penalty: ev.Penalty, Score: ev.Score}
		if ev.Reason != nil {
			pe.Reason = ev.Reason.Error()
		}
		if !ev.BannedUntil.IsZero() {
			t := ev.BannedUntil
			pe.BannedUntil = &t
		}
		return pe, true
	}
	return nil, false
}

// HeaderEventFor describes a header the node stored or produced, received
// at the given time.
func HeaderEventFor(lb *headers.LightBlock, received time.Time) *HeaderEvent {
	h := lb.Header
	return &HeaderEvent{Height: h.Height, Hash: h.Hash().String(), K: h.K(), Time: h.Time, ReceivedAt: received}
}

// ApplySamplerStatus copies a sampler snapshot into st: heads, catch-up
// window, failures, verdict counts and the checkpoint error. The node
// fills the rest (identity, peers, header head, start time).
func ApplySamplerStatus(st *Status, s das.Status) {
	st.NetworkHead = s.NetworkHead
	st.SampledHead = s.SampledHead
	st.DoneUpTo = s.DoneUpTo
	st.Available, st.Unavailable, st.Invalid = s.Available, s.Unavailable, s.Invalid
	st.Failures = make([]uint64, len(s.Failures))
	for i, f := range s.Failures {
		st.Failures[i] = f.Height
	}
	if s.CatchUpFrom > 0 && s.NetworkHead >= s.CatchUpFrom {
		cu := &CatchUp{From: s.CatchUpFrom, To: s.NetworkHead, Pending: s.CatchUpPending, InFlight: append([]uint64{}, s.InFlight...)}
		window := s.NetworkHead - s.CatchUpFrom + 1
		busy := uint64(s.CatchUpPending)
		for _, h := range s.InFlight {
			if h >= s.CatchUpFrom && h <= s.NetworkHead {
				busy++
			}
		}
		if busy < window {
			cu.Done = window - busy
		}
		st.CatchUp = cu
	}
	if s.CheckpointErr != nil {
		st.Error = "checkpoint: " + s.CheckpointErr.Error()
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
