package libp2pnoise

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/flynn/noise"

	"lightdas/webrtc/internal/libp2pkey"
)

// signaturePrefix precedes the Noise static key in the signed message.
const signaturePrefix = "noise-libp2p-static-key:"

// lengthPrefixSize is the size of the big-endian length of each message.
const lengthPrefixSize = 2

var cipherSuite = noise.NewCipherSuite(noise.DH25519, noise.CipherChaChaPoly, noise.HashSHA256)

// Config configures one handshake.
type Config struct {
	// Identity is the local libp2p key; required.
	Identity libp2pkey.PrivateKey
	// Prologue must equal the remote's, or the handshake fails
	// (ErrBadMessage on the side that reads the first authenticated
	// message). WebRTC-direct binds the DTLS fingerprints here.
	Prologue []byte
	// RemotePeer, when not zero, is the peer the remote must authenticate
	// as (a *PeerIDMismatchError otherwise).
	RemotePeer libp2pkey.ID
	// Extensions are sent in the local payload when not nil.
	Extensions *Extensions
	// Rand is the source of the Noise keys; crypto/rand when nil.
	Rand io.Reader
}

// Result is what the handshake proved about the remote.
type Result struct {
	// RemotePeer is the peer id of RemoteKey.
	RemotePeer libp2pkey.ID
	// RemoteKey is the remote's libp2p identity key.
	RemoteKey libp2pkey.PublicKey
	// RemoteExtensions are the remote's extensions, nil when it sent none.
	RemoteExtensions *Extensions
}

// Initiate runs the handshake as the initiator (the side that sends the
// first message). In WebRTC-direct that is the listener.
func Initiate(ctx context.Context, rw io.ReadWriter, cfg Config) (Result, error) {
	return run(ctx, rw, cfg, true, signedPayload(cfg))
}

// Respond runs the handshake as the responder. In WebRTC-direct that is
// the dialer: the listener starts Noise when data channel 0 opens.
func Respond(ctx context.Context, rw io.ReadWriter, cfg Config) (Result, error) {
	return run(ctx, rw, cfg, false, signedPayload(cfg))
}

// payloadFunc builds the local payload for a Noise static public key; a
// parameter so tests can send forged payloads.
type payloadFunc func(static []byte) []byte

func signedPayload(cfg Config) payloadFunc {
	return func(static []byte) []byte {
		return payload{
			identityKey: cfg.Identity.Public().Marshal(),
			identitySig: cfg.Identity.Sign(append([]byte(signaturePrefix), static...)),
			extensions:  cfg.Extensions,
		}.marshal()
	}
}

type deadliner interface {
	SetDeadline(time.Time) error
}

func run(ctx context.Context, rw io.ReadWriter, cfg Config, initiator bool, makePayload payloadFunc) (res Result, err error) {
	if cfg.Identity.IsZero() {
		return Result{}, ErrNoIdentity
	}
	if err := ctx.Err(); err != nil {
		return Result{}, fmt.Errorf("libp2pnoise: %w", err)
	}
	if d, ok := rw.(deadliner); ok {
		if dl, ok := ctx.Deadline(); ok {
			d.SetDeadline(dl)
		}
		fired := make(chan struct{})
		stop := context.AfterFunc(ctx, func() {
			defer close(fired)
			d.SetDeadline(time.Unix(1, 0)) // in the past: fails blocked I/O now
		})
		defer func() {
			if !stop() {
				<-fired
			}
			d.SetDeadline(time.Time{})
		}()
	}
	// Report the context's error rather than the I/O error it caused.
	defer func() {
		if err != nil && ctx.Err() != nil {
			err = fmt.Errorf("%w (%w)", ctx.Err(), err)
		}
	}()

	static, err := noise.DH25519.GenerateKeypair(cfg.Rand)
	if err != nil {
		return Result{}, fmt.Errorf("libp2pnoise: generating static key: %w", err)
	}
	hs, err := noise.NewHandshakeState(noise.Config{
		CipherSuite:   cipherSuite,
		Random:        cfg.Rand,
		Pattern:       noise.HandshakeXX,
		Initiator:     initiator,
		Prologue:      cfg.Prologue,
		StaticKeypair: static,
	})
	if err != nil {
		return Result{}, fmt.Errorf("libp2pnoise: %w", err)
	}
	s := session{rw: rw, hs: hs}
	if initiator {
		if err := s.write(1, nil); err != nil {
			return Result{}, err
		}
		p, err := s.read(2)
		if err != nil {
			return Result{}, err
		}
		if res, err = verify(cfg, p, hs.PeerStatic()); err != nil {
			return Result{}, err
		}
		if err := s.write(3, makePayload(static.Public)); err != nil {
			return Result{}, err
		}
		return res, nil
	}
	if _, err := s.read(1); err != nil {
		return Result{}, err
	}
	if err := s.write(2, makePayload(static.Public)); err != nil {
		return Result{}, err
	}
	p, err := s.read(3)
	if err != nil {
		return Result{}, err
	}
	return verify(cfg, p, hs.PeerStatic())
}

// verify checks the remote's payload against its Noise static key.
func verify(cfg Config, b, remoteStatic []byte) (Result, error) {
	p, err := decodePayload(b)
	if err != nil {
		return Result{}, err
	}
	key, err := libp2pkey.UnmarshalPublicKey(p.identityKey)
	if err != nil {
		if errors.Is(err, libp2pkey.ErrUnsupportedKey) {
			return Result{}, fmt.Errorf("libp2pnoise: remote identity: %w", err)
		}
		return Result{}, fmt.Errorf("%w: identity key: %w", ErrBadPayload, err)
	}
	if !key.Verify(append([]byte(signaturePrefix), remoteStatic...), p.identitySig) {
		return Result{}, ErrBadSignature
	}
	id := key.PeerID()
	if !cfg.RemotePeer.IsZero() && id != cfg.RemotePeer {
		return Result{}, &PeerIDMismatchError{Expected: cfg.RemotePeer, Actual: id}
	}
	res := Result{RemotePeer: id, RemoteKey: key}
	if p.extensions != nil {
		res.RemoteExtensions = &Extensions{StreamMuxers: slices.Clone(p.extensions.StreamMuxers)}
		for _, h := range p.extensions.WebTransportCerthashes {
			res.RemoteExtensions.WebTransportCerthashes = append(res.RemoteExtensions.WebTransportCerthashes, bytes.Clone(h))
		}
	}
	return res, nil
}

// session frames the handshake messages.
type session struct {
	rw io.ReadWriter
	hs *noise.HandshakeState
}

// write sends handshake message n (1-based) with payload, prefix and
// message in one Write: message-oriented transports keep it whole.
func (s session) write(n int, payload []byte) error {
	msg, _, _, err := s.hs.WriteMessage(make([]byte, lengthPrefixSize, lengthPrefixSize+256), payload)
	if err != nil {
		// The only remote input here is the ephemeral key read before.
		return fmt.Errorf("%w: writing message %d: %w", ErrBadMessage, n, err)
	}
	if len(msg)-lengthPrefixSize > noise.MaxMsgLen {
		return fmt.Errorf("libp2pnoise: message %d of %d bytes is too long", n, len(msg)-lengthPrefixSize)
	}
	binary.BigEndian.PutUint16(msg, uint16(len(msg)-lengthPrefixSize))
	if _, err := s.rw.Write(msg); err != nil {
		return fmt.Errorf("libp2pnoise: sending message %d: %w", n, err)
	}
	return nil
}

// read receives handshake message n and returns its decrypted payload.
func (s session) read(n int) ([]byte, error) {
	var prefix [lengthPrefixSize]byte
	if _, err := io.ReadFull(s.rw, prefix[:]); err != nil {
		return nil, readErr(n, err)
	}
	size := binary.BigEndian.Uint16(prefix[:])
	if size == 0 {
		return nil, fmt.Errorf("%w: message %d is empty", ErrBadMessage, n)
	}
	msg := make([]byte, size)
	if _, err := io.ReadFull(s.rw, msg); err != nil {
		return nil, readErr(n, err)
	}
	p, _, _, err := s.hs.ReadMessage(nil, msg)
	if err != nil {
		return nil, fmt.Errorf("%w: message %d: %w", ErrBadMessage, n, err)
	}
	return p, nil
}

func readErr(n int, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: reading message %d: %w", ErrTruncated, n, err)
	}
	return fmt.Errorf("libp2pnoise: reading message %d: %w", n, err)
}
