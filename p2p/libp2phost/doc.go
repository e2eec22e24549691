//go:build !js

// Package libp2phost is the go-libp2p implementation of p2p.Host for
// native nodes: one libp2p host listening on TCP, QUIC-v1, WebSocket and
// WebRTC-direct, secured with Noise, multiplexed with yamux (QUIC and
// WebRTC bring their own streams), with identify and ping, and a resource
// manager with fixed limits per Role.
//
// # API
//
//	key, _ := libp2phost.LoadOrCreateIdentity(filepath.Join(dir, libp2phost.IdentityFile))
//	h, err := libp2phost.New(libp2phost.Config{DataDir: dir, Role: libp2phost.FullNode})
//	defer h.Close()
//	h.AddrStrings()                       // full multiaddrs, with /p2p/<id> and /certhash
//	h.ConnectAddr(ctx, "/ip4/.../p2p/12D3...")
//	h.AddPeerAddrs("/ip4/.../p2p/12D3...") // known peers, dialled on demand by NewStream
//	s, err := h.NewStream(ctx, peerID, proto)
//
// With a DataDir the Ed25519 identity lives in DataDir/identity.key (mode
// 0600; created on first start). go-libp2p v0.51.0 derives the WebRTC-direct
// DTLS certificate deterministically from the identity key, so the same key
// gives the same /certhash after a restart and browser bootstrap addresses
// stay valid; the transport takes no certificate option, so there is no
// separate certificate to persist. The host records the certhash it
// announced in DataDir/webrtc-certhash and logs a warning when a restart
// announces another one (a go-libp2p or toolchain change could alter the
// certificate's bytes).
//
// # Semantics
//
// NewStream dials the peer when it is not connected, from the addresses in
// the peerstore (ConnectAddr, AddPeerAddrs, identify), and negotiates the
// protocol eagerly (one round trip) so that an unserved protocol fails
// NewStream itself with p2p.ErrProtocolNotSupported, as the p2p interface
// requires, rather than the first read. Failures map to the p2p errors:
//
//   - peer id that does not parse, no address, dial failure, local resource
//     limit (also errors.Is ErrResourceLimit): p2p.ErrNoConnection;
//   - the peer answers "na" to the protocol: p2p.ErrProtocolNotSupported;
//   - the stream or its connection is reset or closed (including a remote
//     resource-limit refusal): p2p.ErrStreamReset;
//   - the host is closed: p2p.ErrClosed.
//
// Stream reads and writes report resets (network.ErrReset, closed
// connections) as errors wrapping p2p.ErrStreamReset, and expired deadlines
// as errors wrapping os.ErrDeadlineExceeded; io.EOF is passed through as is.
//
// Subscribe turns go-libp2p's EvtPeerConnectednessChanged into
// p2p.PeerConnected / p2p.PeerDisconnected, in the event bus's order,
// through an unbounded queue so a slow subscriber never blocks the swarm.
//
// Close closes the libp2p host (every connection, the resource and
// connection managers), then waits for the stream handlers it started and
// for its subscribers. With go-libp2p v0.51.0 nothing is left running after
// Close (the leak test checks this with p2ptest.WaitGoroutines and no
// slack).
//
// Known go-libp2p limits: on WebRTC-direct a writer blocked on a full send
// buffer does not see the peer's reset until it reads or its write
// deadline expires (reset flags travel on the read path), and a peer that
// vanishes is noticed only by ICE timeouts; both are bounded by the
// deadlines every lightdas request sets. Dialling a dead QUIC address waits
// for the QUIC handshake timeout (about 5 s) rather than failing at once.
package libp2phost
