package api

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"lightdas/das"
	"lightdas/headers"
	"lightdas/headers/headertest"
)

func TestFromBlockResult(t *testing.T) {
	recv := time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)
	hash := headers.Hash{1, 2, 3}
	tests := []struct {
		name string
		in   das.BlockResult
		want BlockResult
	}{
		{
			name: "available",
			in: das.BlockResult{Height: 5, Hash: hash, K: 4, Status: das.Available, Confidence: 0.9999, Samples: 32, Verified: 32,
				Peers: 3, Requests: 5, Attempt: 1, Received: recv, Started: recv.Add(2 * time.Millisecond),
				Duration: 40 * time.Millisecond, Verify: 1500 * time.Microsecond},
			want: BlockResult{Height: 5, Hash: hash.String(), K: 4, Status: StatusAvailable, Confidence: 0.9999, Samples: 32, Verified: 32,
				Peers: 3, Requests: 5, Attempt: 1, ReceivedAt: tp(recv), StartedAt: tp(recv.Add(2 * time.Millisecond)),
				DurationMs: 40, VerifyMs: 1.5, LatencyMs: 42},
		},
		{
			name: "unavailable",
			in: das.BlockResult{Height: 6, Hash: hash, K: 1, Status: das.Unavailable, Samples: 32, Verified: 30,
				Missing: []das.Coord{{Row: 0, Col: 5}, {Row: 1, Col: 127}}, Attempt: 3, Started: recv, Duration: time.Second,
				Err: errors.New("2 cells missing")},
			want: BlockResult{Height: 6, Hash: hash.String(), K: 1, Status: StatusUnavailable, Samples: 32, Verified: 30,
				Missing: []Cell{{0, 5}, {1, 127}}, Attempt: 3, StartedAt: tp(recv), DurationMs: 1000, Error: "2 cells missing"},
		},
		{
			name: "invalid",
			in:   das.BlockResult{Height: 7, Status: das.Invalid, Err: das.ErrPeerStatus},
			want: BlockResult{Height: 7, Status: StatusInvalid, Error: das.ErrPeerStatus.Error()},
		},
		{
			name: "skipped is pending",
			in:   das.BlockResult{Height: 8, Status: das.Skipped, Attempt: 2, Err: errors.New("no header")},
			want: BlockResult{Height: 8, Status: StatusPending, Attempt: 2, Error: "no header"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := FromBlockResult(&tc.in)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestFromDASEvent(t *testing.T) {
	now := time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)
	hash := headers.Hash{9}
	tests := []struct {
		in   das.Event
		want Event
	}{
		{&das.HeaderVerified{Height: 3, Hash: hash, K: 2, Time: now},
			&HeaderEvent{Height: 3, Hash: hash.String(), K: 2, ReceivedAt: now}},
		{&das.CellResult{Height: 3, Coord: das.Coord{Row: 1, Col: 9}, Peer: "p1", Outcome: das.CellVerified},
			&CellEvent{Height: 3, Row: 1, Col: 9, Peer: "p1", Outcome: "verified"}},
		{&das.CellResult{Height: 3, Coord: das.Coord{Row: 2, Col: 0}, Peer: "p2", Outcome: das.CellInvalid, Err: das.ErrPeerStatus},
			&CellEvent{Height: 3, Row: 2, Col: 0, Peer: "p2", Outcome: "invalid", Error: das.ErrPeerStatus.Error()}},
		{&das.BlockResult{Height: 3, Status: das.Available, Confidence: 0.5},
			&BlockEvent{BlockResult{Height: 3, Status: StatusAvailable, Confidence: 0.5}}},
		{&das.PeerPenalised{Peer: "p2", Height: 3, Reason: errors.New("bad proof"), Penalty: 100, Score: -90, BannedUntil: now},
			&PeerPenalisedEvent{Peer: "p2", Height: 3, Reason: "bad proof", Penalty: 100, Score: -90, BannedUntil: tp(now)}},
		{&das.PeerPenalised{Peer: "p3", Penalty: 1, Score: 9},
			&PeerPenalisedEvent{Peer: "p3", Penalty: 1, Score: 9}},
	}
	for _, tc := range tests {
		got, ok := FromDASEvent(tc.in)
		if !ok || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("FromDASEvent(%#v) = %#v, %v; want %#v", tc.in, got, ok, tc.want)
		}
	}
	if ev, ok := FromDASEvent(nil); ok || ev != nil {
		t.Errorf("nil event converted to %v", ev)
	}
}

func TestHeaderEventFor(t *testing.T) {
	lb := headertest.MustChain(headertest.Config{}, 2).Head()
	now := time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)
	got := HeaderEventFor(lb, now)
	want := &HeaderEvent{Height: 2, Hash: lb.Hash().String(), K: lb.Header.K(), Time: lb.Header.Time, ReceivedAt: now}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
}

func TestApplySamplerStatus(t *testing.T) {
	tests := []struct {
		name string
		in   das.Status
		want Status
	}{
		{
			name: "catching up",
			in: das.Status{NetworkHead: 120, SampledHead: 119, DoneUpTo: 104, CatchUpFrom: 101, CatchUpPending: 5,
				InFlight: []uint64{118, 120}, Failures: []das.RetryEntry{{Height: 105, Attempts: 2}},
				Available: 14, Unavailable: 1, Invalid: 2, Skipped: 7, CheckpointErr: errors.New("disk full")},
			want: Status{NetworkHead: 120, SampledHead: 119, DoneUpTo: 104,
				CatchUp:  &CatchUp{From: 101, To: 120, Done: 13, Pending: 5, InFlight: []uint64{118, 120}},
				Failures: []uint64{105}, Available: 14, Unavailable: 1, Invalid: 2, Error: "checkpoint: disk full"},
		},
		{
			name: "nothing yet",
			in:   das.Status{},
			want: Status{Failures: []uint64{}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := Status{ChainID: "kept", Role: RoleLight}
			ApplySamplerStatus(&st, tc.in)
			tc.want.ChainID, tc.want.Role = "kept", RoleLight
			if !reflect.DeepEqual(st, tc.want) {
				t.Fatalf("got  %+v\nwant %+v", st, tc.want)
			}
		})
	}
}
