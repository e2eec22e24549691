// Package libp2pnoise runs the libp2p Noise handshake
// (Noise_XX_25519_ChaChaPoly_SHA256 with the libp2p signed payload)
// without go-libp2p, for the browser build of the WebRTC-direct dialer.
//
// Only the handshake is implemented, not the encrypted transport that
// follows it in TCP-like libp2p transports: WebRTC-direct uses Noise on
// data channel 0 only to authenticate both peers (binding their libp2p
// keys to the DTLS certificates through the prologue) and then closes the
// channel; go-libp2p's WebRTC transport likewise keeps nothing of the
// secured connection but the remote public key.
//
//	res, err := libp2pnoise.Respond(ctx, channel0, libp2pnoise.Config{
//		Identity:   key,
//		Prologue:   prologue,
//		RemotePeer: expected, // zero: accept anyone
//	})
//
// # Wire format
//
// Each handshake message is sent as a 2-byte big-endian length followed by
// the Noise message (at most 65535 bytes), in one Write. The XX pattern
// runs -> e; <- e, ee, s, es; -> s, se. The second and third messages carry
// a NoiseHandshakePayload protobuf {identity_key = 1, identity_sig = 2,
// extensions = 4}: the sender's libp2p public key and its signature of
// "noise-libp2p-static-key:" || the sender's Noise static public key. The
// first message's payload is ignored, as go-libp2p does. A fresh static
// Noise key is generated for each handshake.
//
// # Verification
//
// The remote's payload must decode (unknown fields are skipped), carry an
// Ed25519 key (others: libp2pkey.ErrUnsupportedKey) and a valid signature
// (ErrBadSignature) before its peer id is compared with Config.RemotePeer
// (a *PeerIDMismatchError, matching ErrPeerIDMismatch): a mismatch is
// only reported for a remote that proved it holds the other key.
//
// # Cancellation
//
// When rw has a SetDeadline(time.Time) error method (net.Conn, the webrtc
// streams), the context's deadline is applied to it and cancelling the
// context interrupts a blocked read or write; the deadline is cleared when
// the handshake returns. Without it, the context is only checked between
// messages and the caller must close rw to abort. Handshake errors leave
// rw to the caller, who should reset or close it.
package libp2pnoise
