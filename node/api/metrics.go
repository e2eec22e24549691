package api

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

const ns = "lightdas"

// metrics are fed by the backend's events (counters, histograms) and, at
// scrape time, by Status (gauges of state), all in the server's own
// registry.
type metrics struct {
	headers        prometheus.Counter
	lastHeader     prometheus.Gauge
	blocks         *prometheus.CounterVec
	lastConfidence prometheus.Gauge
	lastVerdict    prometheus.Gauge
	latency        prometheus.Histogram
	duration       prometheus.Histogram
	verify         prometheus.Histogram
	cellsSampled   prometheus.Counter
	cellsVerified  prometheus.Counter
	cellResults    *prometheus.CounterVec
	requests       prometheus.Counter
	retries        prometheus.Counter
	penalties      prometheus.Counter
	bans           prometheus.Counter
	peerEvents     *prometheus.CounterVec
	blobs          *prometheus.CounterVec
	httpRequests   *prometheus.CounterVec
	sseClients     prometheus.Gauge
	sseDropped     prometheus.Counter
}

// Latency buckets: a block is sampled in tens of milliseconds on a quiet
// devnet and in seconds over slow links; 30 s is the sampler's deadline
// scale.
var latencyBuckets = []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}

func newMetrics(reg *prometheus.Registry, s *Server, runtime bool) *metrics {
	f := func(c prometheus.Collector) { reg.MustRegister(c) }
	m := &metrics{
		headers: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Name: "headers_total",
			Help: "Verified headers received (light) or produced/stored (full)."}),
		lastHeader: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Name: "header_event_height",
			Help: "Height of the last header event."}),
		blocks: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "blocks_total",
			Help: "Block verdicts by status."}, []string{"status"}),
		lastConfidence: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Name: "block_confidence",
			Help: "Confidence of the last block verdict (0 unless available)."}),
		lastVerdict: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Name: "block_verdict_height",
			Help: "Height of the last block verdict."}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Name: "header_to_confidence_seconds",
			Help: "Time from a header's arrival to its block reaching the target confidence (available blocks).", Buckets: latencyBuckets}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Name: "sampling_duration_seconds",
			Help: "Time from the start of a block's sampling to its verdict.", Buckets: latencyBuckets}),
		verify: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Name: "verify_duration_seconds",
			Help: "Batch KZG verification time per block.", Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}}),
		cellsSampled: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Name: "cells_sampled_total",
			Help: "Distinct cells drawn, summed over block verdicts."}),
		cellsVerified: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Name: "cells_verified_total",
			Help: "Sampled cells that verified, summed over block verdicts."}),
		cellResults: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "cell_results_total",
			Help: "Cell answers by outcome (verified, not found, invalid, failed)."}, []string{"outcome"}),
		requests: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Name: "sample_requests_total",
			Help: "Sample requests sent, summed over block verdicts."}),
		retries: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Name: "block_retries_total",
			Help: "Block verdicts from a second or later attempt."}),
		penalties: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Name: "peer_penalties_total",
			Help: "Peer penalties."}),
		bans: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Name: "peer_bans_total",
			Help: "Peer penalties that banned the peer."}),
		peerEvents: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "peer_connection_events_total",
			Help: "Peer connections and disconnections."}, []string{"event"}),
		blobs: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "api_blob_submissions_total",
			Help: "POST /v1/blobs submissions that reached the producer, by HTTP status."}, []string{"code"}),
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "api_requests_total",
			Help: "HTTP API requests by route and status code."}, []string{"route", "code"}),
		sseClients: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Name: "api_event_clients",
			Help: "Connected /v1/events clients."}),
		sseDropped: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Name: "api_event_clients_dropped_total",
			Help: "/v1/events clients disconnected for falling behind."}),
	}
	for _, c := range []prometheus.Collector{m.headers, m.lastHeader, m.blocks, m.lastConfidence, m.lastVerdict,
		m.latency, m.duration, m.verify, m.cellsSampled, m.cellsVerified, m.cellResults, m.requests, m.retries,
		m.penalties, m.bans, m.peerEvents, m.blobs, m.httpRequests, m.sseClients, m.sseDropped} {
		f(c)
	}
	// Show every status from the first scrape, not only once seen.
	for _, st := range []BlockStatus{StatusAvailable, StatusUnavailable, StatusInvalid} {
		m.blocks.WithLabelValues(string(st))
	}
	f(&statusCollector{s: s})
	if runtime {
		f(collectors.NewGoCollector())
		f(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	return m
}

func (m *metrics) observe(ev Event) {
	switch ev := ev.(type) {
	case *HeaderEvent:
		m.headers.Inc()
		m.lastHeader.Set(float64(ev.Height))
	case *CellEvent:
		m.cellResults.WithLabelValues(ev.Outcome).Inc()
	case *BlockEvent:
		r := &ev.BlockResult
		if r.Status == StatusPending {
			return // not a verdict (a skipped height, retried)
		}
		m.blocks.WithLabelValues(string(r.Status)).Inc()
		m.lastVerdict.Set(float64(r.Height))
		m.lastConfidence.Set(r.Confidence)
		m.cellsSampled.Add(float64(r.Samples))
		m.cellsVerified.Add(float64(r.Verified))
		m.requests.Add(float64(r.Requests))
		if r.Attempt > 1 {
			m.retries.Inc()
		}
		if r.StartedAt != nil {
			m.duration.Observe(r.DurationMs / 1e3)
			m.verify.Observe(r.VerifyMs / 1e3)
		}
		if r.Status == StatusAvailable && r.LatencyMs > 0 {
			m.latency.Observe(r.LatencyMs / 1e3)
		}
	case *PeerPenalisedEvent:
		m.penalties.Inc()
		if ev.BannedUntil != nil {
			m.bans.Inc()
		}
	case *PeerEvent:
		if ev.Connected {
			m.peerEvents.WithLabelValues("connected").Inc()
		} else {
			m.peerEvents.WithLabelValues("disconnected").Inc()
		}
	}
}

func (m *metrics) request(route string, code int) {
	m.httpRequests.WithLabelValues(route, strconv.Itoa(code)).Inc()
}

func (m *metrics) blob(code int) { m.blobs.WithLabelValues(strconv.Itoa(code)).Inc() }

func (m *metrics) handler(reg *prometheus.Registry, log *slog.Logger, timeout time.Duration) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog:            slogPrintln{log},
		ErrorHandling:       promhttp.ContinueOnError,
		Registry:            reg,
		MaxRequestsInFlight: 4,
		Timeout:             DefaultRequestTimeout,
	})
}

type slogPrintln struct{ log *slog.Logger }

func (l slogPrintln) Println(v ...any) { l.log.Warn("metrics", "msg", v) }

// statusCollector turns a Status snapshot into gauges at scrape time, so
// the metrics agree with /v1/status.
type statusCollector struct{ s *Server }

var (
	descInfo = prometheus.NewDesc(ns+"_node_info", "Node identity (value 1).",
		[]string{"chain_id", "role", "peer_id"}, nil)
	descNetworkHead = prometheus.NewDesc(ns+"_network_head_height", "Highest verified header heard of.", nil, nil)
	descHeaderHead  = prometheus.NewDesc(ns+"_header_head_height", "Highest header stored.", nil, nil)
	descSampledHead = prometheus.NewDesc(ns+"_sampled_head_height", "Highest height with a verdict.", nil, nil)
	descDoneUpTo    = prometheus.NewDesc(ns+"_done_up_to_height", "Every height up to this one has a verdict.", nil, nil)
	descCatchUp     = prometheus.NewDesc(ns+"_catchup_heights", "Catch-up window heights by state.", []string{"state"}, nil)
	descFailures    = prometheus.NewDesc(ns+"_retry_heights", "Heights waiting to be sampled again.", nil, nil)
	descPeers       = prometheus.NewDesc(ns+"_peers", "Connected peers.", nil, nil)
	descServed      = prometheus.NewDesc(ns+"_cells_served_total", "Cells served to peers.", nil, nil)
	descUptime      = prometheus.NewDesc(ns+"_uptime_seconds", "Seconds since the node started.", nil, nil)
	descUp          = prometheus.NewDesc(ns+"_status_up", "1 when the node answered the status query of this scrape.", nil, nil)
)

func (c *statusCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descInfo, descNetworkHead, descHeaderHead, descSampledHead, descDoneUpTo,
		descCatchUp, descFailures, descPeers, descServed, descUptime, descUp} {
		ch <- d
	}
}

func (c *statusCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.s.cfg.requestTimeout)
	defer cancel()
	st, err := c.s.backend.Status(ctx)
	if err != nil {
		c.s.log.Debug("metrics: status failed", "err", err)
		ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, 0)
		return
	}
	g := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	g(descUp, 1)
	g(descInfo, 1, st.ChainID, st.Role, st.PeerID)
	g(descNetworkHead, float64(st.NetworkHead))
	g(descHeaderHead, float64(st.HeaderHead))
	g(descSampledHead, float64(st.SampledHead))
	g(descDoneUpTo, float64(st.DoneUpTo))
	g(descFailures, float64(len(st.Failures)))
	g(descPeers, float64(st.Peers))
	if cu := st.CatchUp; cu != nil {
		g(descCatchUp, float64(cu.Done), "done")
		g(descCatchUp, float64(cu.Pending), "pending")
		g(descCatchUp, float64(len(cu.InFlight)), "in_flight")
	}
	if st.CellsServed != nil {
		ch <- prometheus.MustNewConstMetric(descServed, prometheus.CounterValue, float64(*st.CellsServed))
	}
	if !st.StartedAt.IsZero() {
		g(descUptime, c.s.cfg.now().Sub(st.StartedAt).Seconds())
	}
}
