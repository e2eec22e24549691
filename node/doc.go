// Package node assembles lightdas nodes from the library packages:
//
//   - FullNode: with a producer, it makes the devnet's blocks, stores them
//     and serves headers, head announcements, samples, whole rows and peer
//     exchange; without one, it follows another full node: it syncs and
//     verifies the header chain, fetches every block's extended rows over
//     the rows protocol, verifies each row against the header's
//     commitments, stores and then serves it, pruning beyond a window.
//   - LightNode: the light client of package light (header sync, sampling
//     with a persistent checkpoint, discovery through bootstrap addresses
//     and peer exchange, reconnects) over a go-libp2p host, with bbolt
//     stores and the HTTP API's view of its events and status.
//
// Both implement the HTTP API's Backend (node/api). The network is
// go-libp2p (p2p/libp2phost), so the assemblies are native-only; the wire
// formats of the rows protocol (this package) and of peer exchange
// (node/pex) build everywhere. docs/protocol.md documents both protocols.
package node
