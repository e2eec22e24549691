package api

import (
	"errors"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape fetches /metrics and parses it back with the Prometheus text
// parser.
func scrape(t *testing.T, s *Server) map[string]*dto.MetricFamily {
	t.Helper()
	w := do(t, s, "GET", "/metrics", nil)
	if w.Code != 200 {
		t.Fatalf("metrics: %d %s", w.Code, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("metrics content type %q", ct)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(w.Body)
	if err != nil {
		t.Fatalf("parsing exposition: %v", err)
	}
	return mfs
}

// value returns the value of the sample of name whose labels include the
// given pairs; ok is false when there is none.
func value(mfs map[string]*dto.MetricFamily, name string, labels ...string) (float64, bool) {
	mf := mfs[name]
	if mf == nil {
		return 0, false
	}
next:
	for _, m := range mf.Metric {
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, lp := range m.Label {
				found = found || lp.GetName() == labels[i] && lp.GetValue() == labels[i+1]
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Untyped != nil:
			return m.Untyped.GetValue(), true
		}
	}
	return 0, false
}

func TestMetrics(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	served := uint64(1234)
	b := newFakeBackend()
	b.status = Status{ChainID: "devnet", Role: RoleFull, PeerID: "12D3Koo", Peers: 5, NetworkHead: 50, HeaderHead: 49,
		SampledHead: 48, DoneUpTo: 40, CatchUp: &CatchUp{From: 30, To: 50, Done: 15, Pending: 4, InFlight: []uint64{49, 50}},
		Failures: []uint64{41, 44, 45}, CellsServed: &served, StartedAt: start}
	s := newTestServer(t, b, WithClock(func() time.Time { return start.Add(time.Hour) }))
	// A second server in the same process: per-server registries must
	// not collide.
	newTestServer(t, newFakeBackend())

	recv := start.Add(time.Minute)
	b.emit(
		&HeaderEvent{Height: 10}, &HeaderEvent{Height: 11}, &HeaderEvent{Height: 12},
		&CellEvent{Outcome: "verified"}, &CellEvent{Outcome: "verified"}, &CellEvent{Outcome: "invalid"}, &CellEvent{Outcome: "not found"},
		&BlockEvent{BlockResult{Height: 10, Status: StatusAvailable, Confidence: 0.9999, Samples: 32, Verified: 32, Requests: 4, Attempt: 1,
			ReceivedAt: &recv, StartedAt: &recv, DurationMs: 40, VerifyMs: 10, LatencyMs: 50}},
		&BlockEvent{BlockResult{Height: 11, Status: StatusUnavailable, Samples: 32, Verified: 30, Requests: 9, Attempt: 2,
			ReceivedAt: &recv, StartedAt: &recv, DurationMs: 3000, VerifyMs: 5, LatencyMs: 3000}},
		&BlockEvent{BlockResult{Height: 12, Status: StatusAvailable, Confidence: 0.99995, Samples: 33, Verified: 33, Requests: 3, Attempt: 1,
			ReceivedAt: &recv, StartedAt: &recv, DurationMs: 150, VerifyMs: 20, LatencyMs: 200}},
		&BlockEvent{BlockResult{Height: 13, Status: StatusPending, Attempt: 1}}, // a skipped height: no verdict
		&PeerPenalisedEvent{Peer: "a", Penalty: 1}, &PeerPenalisedEvent{Peer: "b", Penalty: 100, BannedUntil: &recv},
		&PeerEvent{Peer: "a", Connected: true}, &PeerEvent{Peer: "b", Connected: true}, &PeerEvent{Peer: "a"},
	)
	do(t, s, "GET", "/v1/status", nil)
	do(t, s, "GET", "/v1/nope", nil)

	mfs := scrape(t, s)
	tests := []struct {
		name   string
		labels []string
		want   float64
	}{
		{"lightdas_headers_total", nil, 3},
		{"lightdas_header_event_height", nil, 12},
		{"lightdas_blocks_total", []string{"status", "available"}, 2},
		{"lightdas_blocks_total", []string{"status", "unavailable"}, 1},
		{"lightdas_blocks_total", []string{"status", "invalid"}, 0},
		{"lightdas_block_confidence", nil, 0.99995},
		{"lightdas_block_verdict_height", nil, 12},
		{"lightdas_cells_sampled_total", nil, 97},
		{"lightdas_cells_verified_total", nil, 95},
		{"lightdas_sample_requests_total", nil, 16},
		{"lightdas_block_retries_total", nil, 1},
		{"lightdas_cell_results_total", []string{"outcome", "verified"}, 2},
		{"lightdas_cell_results_total", []string{"outcome", "invalid"}, 1},
		{"lightdas_cell_results_total", []string{"outcome", "not found"}, 1},
		{"lightdas_peer_penalties_total", nil, 2},
		{"lightdas_peer_bans_total", nil, 1},
		{"lightdas_peer_connection_events_total", []string{"event", "connected"}, 2},
		{"lightdas_peer_connection_events_total", []string{"event", "disconnected"}, 1},
		{"lightdas_api_requests_total", []string{"route", "status", "code", "200"}, 1},
		{"lightdas_api_requests_total", []string{"route", "unknown", "code", "404"}, 1},
		{"lightdas_api_event_clients", nil, 0},
		{"lightdas_api_event_clients_dropped_total", nil, 0},
		// From Status at scrape time.
		{"lightdas_status_up", nil, 1},
		{"lightdas_node_info", []string{"chain_id", "devnet", "role", "full", "peer_id", "12D3Koo"}, 1},
		{"lightdas_network_head_height", nil, 50},
		{"lightdas_header_head_height", nil, 49},
		{"lightdas_sampled_head_height", nil, 48},
		{"lightdas_done_up_to_height", nil, 40},
		{"lightdas_catchup_heights", []string{"state", "done"}, 15},
		{"lightdas_catchup_heights", []string{"state", "pending"}, 4},
		{"lightdas_catchup_heights", []string{"state", "in_flight"}, 2},
		{"lightdas_retry_heights", nil, 3},
		{"lightdas_peers", nil, 5},
		{"lightdas_cells_served_total", nil, 1234},
		{"lightdas_uptime_seconds", nil, 3600},
	}
	for _, tc := range tests {
		got, ok := value(mfs, tc.name, tc.labels...)
		if !ok || got != tc.want {
			t.Errorf("%s%v = %v (present %v), want %v", tc.name, tc.labels, got, ok, tc.want)
		}
	}
	if mfs["lightdas_cells_served_total"].GetType() != dto.MetricType_COUNTER {
		t.Errorf("cells served is a %v", mfs["lightdas_cells_served_total"].GetType())
	}

	// Histograms: latency only for available blocks, durations for all
	// verdicts.
	hist := func(name string) *dto.Histogram {
		mf := mfs[name]
		if mf == nil || mf.GetType() != dto.MetricType_HISTOGRAM {
			t.Fatalf("%s missing or not a histogram", name)
		}
		return mf.Metric[0].Histogram
	}
	if h := hist("lightdas_header_to_confidence_seconds"); h.GetSampleCount() != 2 || !near(h.GetSampleSum(), 0.25) {
		t.Errorf("latency histogram count %d sum %v, want 2 and 0.25", h.GetSampleCount(), h.GetSampleSum())
	} else {
		// 0.05 s falls in the 0.05 bucket, 0.2 s in 0.25.
		for _, bk := range h.Bucket {
			want := uint64(0)
			if bk.GetUpperBound() >= 0.05 {
				want++
			}
			if bk.GetUpperBound() >= 0.25 {
				want++
			}
			if bk.GetCumulativeCount() != want {
				t.Errorf("bucket le=%v has %d, want %d", bk.GetUpperBound(), bk.GetCumulativeCount(), want)
			}
		}
	}
	if h := hist("lightdas_sampling_duration_seconds"); h.GetSampleCount() != 3 || !near(h.GetSampleSum(), 3.19) {
		t.Errorf("duration histogram count %d sum %v", h.GetSampleCount(), h.GetSampleSum())
	}
	if h := hist("lightdas_verify_duration_seconds"); h.GetSampleCount() != 3 || !near(h.GetSampleSum(), 0.035) {
		t.Errorf("verify histogram count %d sum %v", h.GetSampleCount(), h.GetSampleSum())
	}
	// Runtime collectors are off here, on by default.
	if _, ok := mfs["go_goroutines"]; ok {
		t.Error("runtime metrics present although disabled")
	}
}

func near(a, b float64) bool { d := a - b; return d < 1e-9 && d > -1e-9 }

func TestMetricsStatusOptional(t *testing.T) {
	b := newFakeBackend()
	b.status = Status{ChainID: "c", Role: RoleLight} // no catch-up, serves nothing, no start time
	s := newTestServer(t, b)
	mfs := scrape(t, s)
	for _, name := range []string{"lightdas_cells_served_total", "lightdas_catchup_heights", "lightdas_uptime_seconds"} {
		if _, ok := mfs[name]; ok {
			t.Errorf("%s exposed for a node without it", name)
		}
	}
	if v, ok := value(mfs, "lightdas_peers"); !ok || v != 0 {
		t.Errorf("peers %v %v", v, ok)
	}

	// A failing Status keeps the scrape alive and says so.
	b.statusErr = errors.New("down")
	mfs = scrape(t, s)
	if v, ok := value(mfs, "lightdas_status_up"); !ok || v != 0 {
		t.Errorf("status_up %v %v, want 0", v, ok)
	}
	if _, ok := mfs["lightdas_network_head_height"]; ok {
		t.Error("stale heads exposed while Status fails")
	}
	if _, ok := mfs["lightdas_blocks_total"]; !ok {
		t.Error("event metrics lost while Status fails")
	}
}

func TestRuntimeMetricsDefault(t *testing.T) {
	s := New(newFakeBackend(), WithLogger(quietLogger()))
	defer s.Close()
	if _, ok := scrape(t, s)["go_goroutines"]; !ok {
		t.Error("go runtime metrics missing by default")
	}
}
