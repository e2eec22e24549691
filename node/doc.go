// Package node assembles lightdas nodes from the library packages:
//
//   - FullNode: with a producer, it makes the devnet's blocks, stores them
//     and serves headers, head announcements, samples, whole rows and peer
//     exchange; without one, it follows another full node: it syncs and
//     verifies the header chain, fetches every block's extended rows over
//     the rows protocol, verifies each row against the header's
//     commitments, stores and then serves it, pruning beyond a window.
//   - LightNode: it syncs the header chain and samples every block
//     (das.Sampler) with a persistent checkpoint, and finds full nodes
//     through bootstrap addresses and peer exchange.
//
// Both implement the HTTP API's Backend (node/api). The network is
// go-libp2p (p2p/libp2phost), so the assemblies are native-only; the wire
// formats of the rows protocol (this package) and of peer exchange
// (node/pex) build everywhere. docs/protocol.md documents both protocols.
package node
