// Package webrtc is the libp2p WebRTC-direct dialer of lightdas: the
// transport a browser uses to reach full nodes, since it cannot open
// sockets. The SDP answer, Noise, framing, streams and host are one code
// path for both builds; only a thin peer connection layer differs. In the
// js/wasm build it is the browser's RTCPeerConnection and RTCDataChannel,
// used directly through syscall/js (peer_js.go, channel_js.go); natively
// it is pion/webrtc v4 over pion's own ICE, DTLS and SCTP (peer_native.go,
// channel_native.go), where the package is tested against unmodified
// go-libp2p listeners.
//
// The js build does not go through pion's js wrapper of RTCPeerConnection:
// that wrapper links pion's whole native stack (ICE, DTLS, SCTP, TURN,
// mDNS, SDP, crypto/tls) into the wasm. Measured when the js layer
// replaced it, that cost the browser client 6.45 MB raw and 1.25 MB
// gzip-compressed (25.2 MB → 18.8 MB, 5.83 MB → 4.57 MB) for code the
// browser never runs.
//
// For the same reason the package links neither go-libp2p nor generated
// protobuf code, natively or not: peer ids and keys (internal/libp2pkey),
// the Noise handshake (internal/libp2pnoise), the identify message
// (internal/identifymsg) and the WebRTC-direct address (ParseAddr) are
// its own. Any generated protobuf package makes Go's linker keep every
// exported method of every type converted to an interface; dropping
// go-libp2p's took the client from 18.8 MB to 8.7 MB raw (4.57 MB to
// 2.36 MB gzip).
//
// # API
//
//	h, err := webrtc.New(webrtc.Config{})          // fresh Ed25519 identity
//	defer h.Close()
//	id, err := h.Connect(ctx, "/ip4/1.2.3.4/udp/4001/webrtc-direct/certhash/uEi.../p2p/12D3Koo...")
//	s, err := h.NewStream(ctx, id, "/lightdas/<chain>/samples/1")
//
// Host implements p2p.Host for the connections it dialled: NewStream opens
// streams to connected peers, SetStreamHandler serves the streams the
// remote opens on them (go-libp2p opens identify on every connection;
// the host answers it), Subscribe reports PeerConnected and
// PeerDisconnected in order, including connections that die. The host
// does not listen and does not redial: Connect again after a
// PeerDisconnected.
//
// In the browser, Connect, NewStream and the stream methods wait for the
// browser's promises and events: call them from a goroutine, never
// synchronously inside a JavaScript callback (js.FuncOf), which would
// block the event loop they wait for.
//
// # Handshake (WebRTC-direct v2, libp2p/specs PR 715)
//
// ParseAddr reads /ip4|ip6/<ip>/udp/<port>/webrtc-direct/certhash/<multibase
// sha2-256 multihash>/p2p/<peer id>; the peer id is required. Connect
// creates a peer connection with the negotiated data channel 0, creates
// an offer and sets it unchanged as the local description (no SDP
// munging). It reads the local ICE password from it and builds the
// listener's answer from the address: an ICE-lite agent whose ufrag and
// password are both "libp2p+webrtc+v2/<local ice-pwd>" (the listener reads
// the password back from the STUN USERNAME of the first check), the
// certificate fingerprint of the certhash (so DTLS authenticates the
// listener's certificate), setup:passive, the address as the only host
// candidate, and max-message-size 16384. When channel 0 opens, the
// listener starts a Noise XX handshake and this side
// answers as the responder (internal/libp2pnoise), with the prologue
// "libp2p-webrtc-noise:" || multihash(local fingerprint) ||
// multihash(listener fingerprint), the local fingerprint taken from the
// local SDP. Noise authenticates the listener's libp2p key against the
// multiaddr's peer id (ErrPeerIDMismatch otherwise). Channel 0 is then
// closed, as the specification says.
//
// # Streams
//
// One data channel per stream; the browser (or pion, natively) picks the
// channel id (even, as the DTLS client). Every data channel message
// carries uvarint-length-prefixed protobuf Messages {flag, message} (the
// specification's framing); the receiver treats a channel's messages as
// a byte stream of frames, because go-libp2p sends a frame's prefix and
// body as two messages. Frames received are limited to 16 KiB; frames sent
// to 4 KiB, because go-libp2p v0.51 reads a data channel through a 4096-
// byte bufio.Reader and pion fails reads into a smaller buffer than the
// message. The protocol is negotiated with multistream-select before
// NewStream returns (p2p.ErrProtocolNotSupported when the remote says
// "na").
//
//   - Write sends data while the channel's bufferedAmount is below 128 KiB,
//     and blocks (up to the write deadline) until the browser or pion
//     reports it fell to 64 KiB.
//   - CloseWrite sends FIN and returns; the FIN_ACK, which the remote
//     sends when it processes the FIN, is awaited by Close instead:
//     waiting in CloseWrite would deadlock a request/response exchange
//     whose server answers before reading to the end.
//   - Close sends FIN (if not sent) and STOP_SENDING (if the remote had not
//     finished), returns, and closes the channel once the FIN_ACK arrives
//     (at most 10 s later).
//   - Reset sends RESET_STREAM and STOP_SENDING and closes the channel.
//   - A received FIN is acknowledged at once; STOP_SENDING fails later
//     writes; RESET_STREAM fails reads and writes (p2p.ErrStreamReset). A
//     channel closed without FIN is a reset.
//   - Bytes that are not frames, and frames or messages above 16 KiB, reset
//     the stream (ErrBadFrame, ErrFrameTooLarge); the connection goes on.
//
// Messages are handled in order. Natively the channels are detached and
// read by one goroutine each, which stops reading while the stream holds
// 256 KiB unread: SCTP's flow control then slows the sender. In the
// browser the streams handle the RTCDataChannel events (binaryType
// "arraybuffer") synchronously inside the JavaScript callbacks, which only
// queue and never block (a goroutine per event could reorder messages, and
// a remote channel's first messages could arrive before its handler is
// set); a browser cannot pause a channel, so a stream holding more than
// 16 MiB unread is reset (ErrReceiveOverflow). The browser's promises
// (createOffer, setLocalDescription, setRemoteDescription) are awaited by
// the dialling goroutine; every js.Func is released once the connection
// or channel is done with it.
//
// # Connections
//
// A connection ends when the peer connection fails or closes, when its
// SCTP or DTLS transport closes (a listener that closes sends close_notify
// and ABORT), or when ICE stays "disconnected" for 5 s: a peer that
// vanished without a word answers no more consent checks, and ICE reports
// "disconnected" (pion: 5 s after the last answer) long before "failed"
// (pion 25 s later, browsers about 30 s). Its streams then fail with
// errors wrapping p2p.ErrStreamReset (and p2p.ErrNoConnection), and
// PeerDisconnected follows. Disconnect and Close send RESET_STREAM on
// every open stream and wait (at most 1 s) for it to be delivered before
// closing, so the remote sees resets rather than a dead association.
// A connection accepts at most MaxIncomingStreams (64) live streams from
// the remote; more are reset.
//
// # Tests
//
// Native tests (go test ./webrtc/) dial unmodified go-libp2p v0.51 hosts
// (lightdas/p2p/libp2phost) on loopback: the p2p conformance suite in both
// directions, ping, identify, the header exchange, KZG-verified sampling
// against das.Server, 64 concurrent streams, multi-MiB transfers, vanishing
// peers, typed errors, a raw pion peer that sends broken frames, and
// goroutine leaks. The browser tests run the shared suite of
// peer_suite_test.go in headless Chromium through the browser's
// RTCPeerConnection, plus peer_js_test.go (promises, failed dials);
// internal/cmd/webrtcpeer runs the go-libp2p peer beside the browser as
// the -exec wrapper of wasmbrowsertest (absolute paths: go test runs the
// wrapper in the package's directory), from the module root:
//
//	go build -o .bin/webrtcpeer ./webrtc/internal/cmd/webrtcpeer
//	GOOS=js GOARCH=wasm go test -exec "$PWD/.bin/webrtcpeer $PWD/.bin/wasmbrowsertest" ./webrtc/
//
// Known limits: a go-libp2p writer learns that this side reset its stream
// only when it reads (go-libp2p handles flags on its read path). Natively,
// pion never reuses data channel ids, so a connection opens at most 32767
// streams (go-libp2p's own dialer has the same limit); browsers reuse ids.
package webrtc
