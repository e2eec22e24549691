// Package headers is lightdas' signed header chain: headers with the
// data-availability fields, BLS validator sets and commits, the
// light-client verification rules (adjacent and skipping, trusting period,
// clock drift), trust roots (genesis file, checkpoint), a header store, the
// header exchange wire protocol, and the Syncer that follows the chain from
// a trust root to the network head through any transport.
//
// It depends on no transport and on no DA code: commitments are opaque
// 48-byte values here. Signatures are in the sub-package bls; test chains,
// forgeries and in-memory peers are in headertest.
//
// Layouts and rules are documented in docs/protocol.md and
// docs/decisions.md.
package headers
