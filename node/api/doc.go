// Package api is a lightdas node's HTTP API: status, the verified head,
// per-height sampling results, a Server-Sent Events stream, Prometheus
// metrics and (on block-producing full nodes) blob submission.
//
//	GET  /v1/status          node snapshot (Status)
//	GET  /v1/head            highest verified header (Head)
//	GET  /v1/blocks/{height} sampling result of one height (BlockResult)
//	GET  /v1/events          SSE: header, cell, block, peer_penalised,
//	                         peer_connected, peer_disconnected
//	GET  /metrics            Prometheus text exposition
//	POST /v1/blobs           submit data to the producer (202 BlobAccepted)
//
// A node implements Backend (and optionally BlobSubmitter); the server
// subscribes to the backend's events and keeps its own metrics in a
// registry of its own, so nothing below this package knows about HTTP or
// Prometheus. Errors are JSON objects {"error": "..."} with a matching
// status code.
//
// The API has no authentication: it listens on loopback by default
// (DefaultAddr), and CORS is off unless WithAllowedOrigin enables it.
package api
