// Package das is lightdas's data-availability sampling: the exact sample
// bound, the sample protocol (client and server, CIDs), and the Sampler
// that turns verified headers into "available" / "unavailable" /
// "invalid" verdicts with a stated confidence.
//
// # Confidence
//
// A block with k original rows is a 2k x 128 grid of N = 256k cells. It is
// unrecoverable only when at least W = 65(k+1) cells are withheld (k+1 rows
// missing 65 cells each). n distinct cells drawn uniformly all miss a
// withheld set of W cells with probability
//
//	P(n) = prod_{i<n} (N-W-i) / (N-i)       (hypergeometric)
//
// SamplesFor returns the smallest n with 1 - P(n) >= target, comparing
// exactly (big.Rat against the exact value of the float64 target);
// Confidence returns 1 - P(n) rounded to the nearest float64, so
// Confidence(k, SamplesFor(k, c)) >= c. At the default 99.99%: k = 1, 2, 4,
// 8, 16, 32, 64 need 13, 19, 24, 28, 30, 31, 31 cells. The sampler
// computes its table once, in NewSampler.
//
// # Protocol
//
// One request and one response per stream, on protocol
// /lightdas/<chain id>/samples/1, each framed u32 length || message; a
// frame above the message limit (299 bytes for requests, 134 508 for
// responses) is refused before its body is read. A request names the
// block by height and header hash (so a server on another fork answers
// "unknown block" instead of other data) and lists 1..64 distinct cells in
// ascending row-major order; the response echoes height and hash and
// answers each cell in the same order: found (cell 2048 B, proof 48 B) or
// not found. Decoders are strict (exact lengths, no trailing bytes, known
// versions, statuses and flags) and Response.Match rejects an answer with
// other, more or fewer cells than asked. See docs/protocol.md.
//
// CIDs naming blocks and cells (go-cid, CIDv1, private-use multicodec
// codes) are in package das/dascid, apart so that the browser client,
// which never names things by CID, does not link go-cid and go-multihash.
//
// # Server
//
// Server answers from a BlockStore (MemBlockStore holds whole
// kzg.ExtendedBlocks). Each exchange has a deadline (default 10 s); streams
// beyond the caps (64 in all, 8 per peer) are reset at once; each peer has
// a token bucket counted in cells (1024/s, burst 2048) and is answered
// "rate limited" beyond it. Misbehavior hooks withhold cells, tamper with
// answers or replace the write of the response, for adversarial tests and
// devnets.
//
// # Sampling one block
//
// For each header the sampler draws n distinct coordinates with
// crypto/rand (the grid size is a power of two, so masking is unbiased) and
// spreads them round-robin over the best-ranked min(peers, 4) peers: with
// three or more peers none learns more than ceil(n/3) of them. Requests
// carry at most 64 cells and run in parallel under a global cap (16
// requests). A cell that a peer does not deliver (not found, unknown block,
// timeout, reset, protocol violation) is asked from the least-loaded peer
// that has not failed it in this round. When nothing is in flight the
// received cells are verified in one kzg.Verifier.VerifySamples batch
// against the header's k commitments (extended rows' commitments are
// derived inside the batch, never taken from the network); if the batch
// fails, each peer's cells are verified on their own, and the peers whose
// cells fail are banned and their cells asked elsewhere. When a cell is
// missing at every usable peer, a new round starts after a backoff (250 ms
// doubling to 4 s), until the block deadline (30 s); WithRetryRounds(1)
// gives the verdict as soon as one cell is missing everywhere. Verdicts:
//
//   - Available: every sampled cell verified; Confidence = 1 - P(n).
//   - Invalid: the header's commitments are not valid points, or some
//     sampled cell was only ever answered with data that fails
//     verification.
//   - Unavailable: some sampled cell was not obtained by the deadline (or
//     after the last round).
//
// A bad peer can only slow a block down: nothing but a verified cell
// counts, and a block is Available only when every drawn cell verified.
//
// # Peers
//
// Peers are ranked by score (ties in random order). A response whose cells
// verify earns +1 (capped at 50); "not found" or "unknown block" costs 0.5
// (a peer may just be behind), a refusal 2, a timeout or broken stream 5;
// invalid cells or proofs and malformed or mismatched responses ban the
// peer (default 10 min). A peer that does not serve the protocol is left
// alone for a minute. Every penalty is a PeerPenalised event.
//
// # Scheduling and checkpoints
//
// Verified headers arrive through HeaderVerified (Follow feeds it from a
// headers.Syncer); Run samples the highest unsettled height of the window
// first, so new heads go before catch-up, which runs downwards over the
// window (default 100 heights), then failed heights whose retry is due;
// at most 4 blocks at once. Heights whose header was not handed over come
// from the HeaderSource (headers.Store), else they are Skipped. A verdict
// settles its height: the checkpoint (a "done up to" watermark, the
// settled heights above it, and the failed heights to retry with their
// attempt counts) is saved through the CheckpointStore before the
// BlockResult event is emitted, so a restarted sampler neither samples a
// settled height again nor leaves a gap. Heights interrupted by shutdown
// have no verdict and are sampled after the restart. Unavailable, invalid
// and skipped heights are retried (default after 1 min, 3 samplings in
// all).
//
// # Events
//
// WithEvents receives *HeaderVerified, *BlockStarted (the cells drawn),
// *CellResult (with the time since the block's start), *BlockResult (status,
// confidence, samples, peers, requests, timings) and *PeerPenalised, on the
// sampler's goroutines. For one height they come in that order: a header's
// HeaderVerified before its BlockStarted, every CellResult of a sampling
// between its BlockStarted and its BlockResult. Status returns a snapshot
// (network head, sampled head, watermark, catch-up window and backlog,
// blocks in flight, failures, peer scores).
package das
