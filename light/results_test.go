package light

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"lightdas/das"
	"lightdas/headers"
)

func TestMarshalEvent(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		e    Event
		kind string
		has  []string
	}{
		{&StateEvent{State: StateFollowing, Peers: 2}, "state", []string{`"state":"following"`, `"peers":2`}},
		{&HeaderEvent{Height: 3, Hash: "ab", K: 2, Time: now, ReceivedAt: now}, "header", []string{`"height":3`, `"received_at":"2026-01-02T03:04:05Z"`}},
		{&SamplingEvent{Height: 3, Cells: []Cell{{Row: 1, Col: 2}}}, "sampling", []string{`"cells":[{"row":1,"col":2}]`}},
		{&CellEvent{Height: 3, Row: 1, Col: 2, Outcome: OutcomeVerified, ElapsedMs: 1.5}, "cell", []string{`"outcome":"verified"`, `"elapsed_ms":1.5`}},
		{&BlockEvent{BlockResult{Height: 3, Status: StatusAvailable, Confidence: 0.9999}}, "block", []string{`"status":"available"`, `"confidence":0.9999`}},
		{&PeerEvent{Peer: "p", Connected: true}, "peer_connected", []string{`"connected":true`}},
		{&PeerEvent{Peer: "p"}, "peer_disconnected", []string{`"connected":false`}},
		{&PeerPenalisedEvent{Peer: "p", Reason: "bad"}, "peer_penalised", []string{`"reason":"bad"`}},
		{&ErrorEvent{Source: SourceDial, Message: "no", RetryInMs: 40}, "error", []string{`"source":"dial"`, `"retry_in_ms":40`}},
	} {
		b, err := MarshalEvent(tc.e)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if m["kind"] != tc.kind || tc.e.Kind() != tc.kind {
			t.Errorf("%s: kind %v, want %s", b, m["kind"], tc.kind)
		}
		for _, h := range tc.has {
			if !strings.Contains(string(b), h) {
				t.Errorf("%s lacks %s", b, h)
			}
		}
	}
}

func TestFromDASMarksCells(t *testing.T) {
	start := time.Unix(100, 0)
	dr := &das.BlockResult{
		Height: 7, Hash: headers.Hash{1}, K: 2, Status: das.Invalid, Samples: 3, Verified: 1,
		Missing: []das.Coord{{Row: 0, Col: 5}, {Row: 3, Col: 9}}, Received: start, Started: start.Add(time.Millisecond),
		Duration: 10 * time.Millisecond, Verify: 2 * time.Millisecond, Err: errors.New("bad cells"),
	}
	cells := []das.Coord{{Row: 0, Col: 5}, {Row: 1, Col: 1}, {Row: 3, Col: 9}}
	r := fromDAS(dr, cells, map[das.Coord]bool{{Row: 3, Col: 9}: true})
	want := []Cell{{0, 5, OutcomeMissing}, {1, 1, OutcomeVerified}, {3, 9, OutcomeInvalid}}
	for i := range want {
		if r.Cells[i] != want[i] {
			t.Fatalf("cells %+v, want %+v", r.Cells, want)
		}
	}
	if r.Status != StatusInvalid || r.LatencyMs != 11 || r.VerifyMs != 2 || r.Error != "bad cells" || r.Hash == "" {
		t.Fatalf("%+v", r)
	}
	if skipped := fromDAS(&das.BlockResult{Height: 8, Status: das.Skipped}, nil, nil); skipped.Status != StatusPending || skipped.Hash != "" {
		t.Fatalf("skipped: %+v", skipped)
	}
}

func TestMemResultStore(t *testing.T) {
	ctx := context.Background()
	s := NewMemResultStore()
	for h := uint64(1); h <= 5; h++ {
		if err := s.PutResult(ctx, &BlockResult{Height: h, K: 1, Status: StatusAvailable, Samples: 2, Verified: 2,
			Cells: []Cell{{Row: 1, Col: 127, Outcome: OutcomeVerified}}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutResult(ctx, &BlockResult{Height: 9, Status: "maybe"}); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("bad status stored: %v", err)
	}
	rs, err := s.Results(ctx, 2, 4)
	if err != nil || len(rs) != 3 || rs[0].Height != 2 || rs[2].Height != 4 || rs[1].Cells[0].Col != 127 {
		t.Fatalf("results %v, %v", rs, err)
	}
	if err := s.PruneResults(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Result(ctx, 2); !errors.Is(err, ErrNotFound) {
		t.Fatalf("pruned result: %v", err)
	}
	if r, err := s.Result(ctx, 3); err != nil || r.Height != 3 {
		t.Fatalf("kept result: %v, %v", r, err)
	}
}

func TestBlockResultDecodeErrors(t *testing.T) {
	good := `{"height":3,"k":2,"status":"available","confidence":0.99,"samples":2,"verified":2,"peers":1,"requests":1,"attempt":1,"duration_ms":1,"verify_ms":1,"latency_ms":1}`
	var r BlockResult
	if err := r.UnmarshalBinary([]byte(good)); err != nil {
		t.Fatal(err)
	}
	for name, in := range map[string]string{
		"empty":          ``,
		"not json":       `{`,
		"unknown field":  `{"height":3,"status":"available","extra":1}`,
		"trailing":       good + `{}`,
		"bad status":     `{"height":3,"status":"fine"}`,
		"zero height":    `{"height":0,"status":"available"}`,
		"k too large":    `{"height":3,"k":65,"status":"available"}`,
		"more verified":  `{"height":3,"status":"available","samples":1,"verified":2}`,
		"cell off grid":  `{"height":3,"k":1,"status":"available","cells":[{"row":2,"col":0}]}`,
		"column off":     `{"height":3,"k":1,"status":"available","missing":[{"row":0,"col":128}]}`,
		"negative cell":  `{"height":3,"k":1,"status":"available","cells":[{"row":-1,"col":0}]}`,
		"wrong type":     `{"height":"3","status":"available"}`,
		"too large data": `{"height":3,"status":"available","error":"` + strings.Repeat("x", MaxResultSize) + `"}`,
	} {
		before := r
		if err := r.UnmarshalBinary([]byte(in)); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: %v, want ErrCorrupt", name, err)
		}
		if r.Height != before.Height || r.Status != before.Status {
			t.Errorf("%s: the result changed on error", name)
		}
	}
}

func FuzzBlockResult(f *testing.F) {
	f.Add([]byte(`{"height":3,"k":2,"status":"available","samples":2,"verified":2,"cells":[{"row":3,"col":1,"outcome":"verified"}]}`))
	f.Add([]byte(`{"height":1,"status":"pending"}`))
	f.Add([]byte(`{"height":1,"status":"unavailable","missing":[{"row":0,"col":0}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var r BlockResult
		if err := r.UnmarshalBinary(b); err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		// What decodes re-encodes to something that decodes the same.
		again, err := r.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var r2 BlockResult
		if err := r2.UnmarshalBinary(again); err != nil {
			t.Fatalf("re-encoded result does not decode: %v", err)
		}
		a2, _ := r2.MarshalBinary()
		if string(a2) != string(again) {
			t.Fatalf("not stable: %s vs %s", again, a2)
		}
	})
}
