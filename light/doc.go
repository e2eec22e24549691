// Package light assembles a transport-neutral light client: a
// headers.Syncer that follows the signed header chain from a genesis or a
// trusted checkpoint, a das.Sampler that samples every new block (and a
// window of history) to the target confidence, and the peer management
// both need. It runs over any p2p.Host plus a Dialer that connects the
// host to a full multiaddr: the browser build (cmd/lightwasm) uses the
// WebRTC-direct host of package webrtc, tests use p2p/memnet
// (light/lighttest).
//
// # Peers
//
// The client dials its bootstrap addresses at start and whenever they are
// not connected; addresses learned by peer exchange (node/pex: each
// connected peer is asked right after connecting and every PexInterval)
// are dialled while fewer than MaxPeers peers are connected, when the
// Dialable filter accepts them (a browser can only dial WebRTC-direct
// addresses). A failed dial is retried after MinBackoff, doubling with
// every failure up to MaxBackoff, with ±20% jitter; a peer that
// disconnects is redialled after the first step. Learned addresses that
// keep failing are forgotten; bootstrap addresses never are.
//
// # Catch-up
//
// Headers older than HistoryAge mean that header sync is catching up; the
// sampler is handed the head once the catch-up pauses, so its window lies
// at the end of the history and it does not sample the intermediate heads
// (whose blocks full nodes may have pruned). A client started from a
// checkpoint marks the heights below it settled: it has no headers to
// sample them with.
//
// # Persistence
//
// Headers (headers.Store), the sampler's checkpoint (das.CheckpointStore)
// and the verdicts with their sampled cells (ResultStore) persist, so a
// restarted client samples no height twice and still shows its earlier
// verdicts. The stores are pruned to KeepHeaders and KeepResults heights
// below the head.
//
// # Events and status
//
// Subscribe delivers the client's events in order: state changes
// (connecting, syncing, following, halted, stopped), verified headers, the
// cells drawn for a block, every cell's outcome with the time since the
// block's sampling began, block verdicts with their confidence, cells and
// timings, peers connecting, disconnecting and being penalised, and errors
// (dial failures with the retry delay, sync restarts, store failures;
// Fatal when part of the client stopped). MarshalEvent gives them the JSON
// form of the node's HTTP event stream plus a "kind". Status is a
// snapshot: state, peers with their scores, known addresses with their
// dial history, heads, the catch-up window, failures and verdict counts.
//
// Evidence of an attack (two valid headers at one height) or an expired
// trust root halts header sync for good: the client reports StateHalted
// and a fatal error and must be restarted with a new trust root.
package light
