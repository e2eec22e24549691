// Package memnet is an in-memory implementation of the p2p interface for
// tests: a Network of Hosts joined by links whose latency, bandwidth and
// loss can be set per link or network-wide.
//
// # API
//
//	net := memnet.NewNetwork(memnet.WithSeed(1))
//	defer net.Close()
//	a, _ := net.NewHost("a")
//	b, _ := net.NewHost("b")
//	b.SetStreamHandler(proto, handler)
//	_ = net.Connect("a", "b")         // or a.Connect("b")
//	s, err := a.NewStream(ctx, "b", proto)
//	net.SetLinkConditions("a", "b", memnet.Conditions{Latency: 5 * time.Millisecond})
//	net.Disconnect("a", "b")          // streams fail, PeerDisconnected fires
//
// Hosts satisfy p2p.Host and streams satisfy p2p.Stream. Network.Close
// closes every host, resets every stream and waits for every goroutine
// memnet started (stream handlers and event deliveries) to return.
//
// Network: NewNetwork(opts...) with WithSeed, WithConditions (network-wide
// defaults) and WithStreamWindow; NewHost(id) (ErrDuplicateHost), Host(id),
// Connect(a, b) (ErrUnknownHost, ErrSelfConnect; no-op when linked),
// Disconnect(a, b) (no-op when not linked), Connected(a, b),
// SetDefaultConditions(c), SetLinkConditions(a, b, c) (p2p.ErrNoConnection
// without a link; lasts until ClearLinkConditions or a reconnect),
// ClearLinkConditions(a, b), Close().
//
// Host, besides p2p.Host: Network(), Connect(peer), NumStreams() (streams
// whose local end is neither closed nor reset, for leak checks). Host.Close
// disconnects the host, delivers its own PeerDisconnected events, waits for
// its handlers and subscribers, and frees its id for a new host; it must
// not be called from the host's own handler or subscriber. Stream adds
// LocalPeer().
//
// Subscribe delivers events on one goroutine per subscription through an
// unbounded queue, so emitting never blocks; events queued when cancel is
// called are dropped. Events of all hosts follow one global order.
//
// # Streams
//
// A stream is ordered and reliable unless a loss condition says otherwise.
// Each direction has a bounded window (WithStreamWindow, 64 KiB by default):
// bytes written count against it until the reader reads them, so a writer
// blocks while the reader does not read, as on a real flow-controlled
// stream. CloseWrite delivers io.EOF to the remote after the data written
// before it. Close is CloseWrite plus closing the read side: buffered
// incoming data is discarded and the remote's later writes fail with an
// error wrapping p2p.ErrStreamReset (as QUIC's STOP_SENDING does). Reset
// aborts both directions at once on both ends. Deadlines behave as in
// net.Conn: an expired deadline fails reads or writes with an error
// wrapping os.ErrDeadlineExceeded even if data is ready, and a new deadline
// may be set afterwards.
//
// # Conditions
//
//   - Latency delays each write's data, and the EOF of CloseWrite, by a
//     one-way delay; NewStream takes one round trip (2x Latency) before it
//     returns, like protocol negotiation. Reset and disconnects are
//     immediate.
//   - Bandwidth (bytes per second, 0 = unlimited) serialises each
//     direction of a link: all streams between two hosts share it.
//   - ResetRate is the probability, rolled once per Write, that the stream
//     is reset on both ends, as when a connection dies mid-transfer; the
//     write fails with an error wrapping p2p.ErrStreamReset.
//   - StallRate is the probability, rolled once per Write, that this
//     direction of the stream silently stops delivering: the write and
//     later ones succeed until the window fills, the reader gets neither
//     the data nor EOF and only a deadline or a reset ends its wait. It
//     models a black-holed peer, so tests exercise timeouts.
//
// Loss rolls come from a per-link random source seeded from the network's
// seed (WithSeed) and the two peer ids, so a single-goroutine test sees the
// same outcomes every run.
//
// Disconnect (and Host.Close) resets every stream between the pair with an
// error wrapping both p2p.ErrStreamReset and p2p.ErrNoConnection, then
// delivers PeerDisconnected to both hosts' subscribers.
package memnet
