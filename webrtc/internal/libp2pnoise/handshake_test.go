package libp2pnoise

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/flynn/noise"

	"lightdas/webrtc/internal/libp2pkey"
)

func key(t testing.TB, seed byte) libp2pkey.PrivateKey {
	t.Helper()
	k, err := libp2pkey.NewEd25519PrivateKey(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// hangGuard bounds a test's handshakes; it is not an assertion on time.
func hangGuard(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

type outcome struct {
	res Result
	err error
}

// pair runs a handshake between an initiator and a responder over
// net.Pipe; a side that fails closes its end, as real callers do.
func pair(t *testing.T, init, resp func(context.Context, net.Conn) (Result, error)) (i, r outcome) {
	t.Helper()
	ctx := hangGuard(t)
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	done := make(chan outcome, 1)
	go func() {
		res, err := resp(ctx, b)
		if err != nil {
			b.Close()
		}
		done <- outcome{res, err}
	}()
	res, err := init(ctx, a)
	if err != nil {
		a.Close()
	}
	return outcome{res, err}, <-done
}

func initiate(cfg Config) func(context.Context, net.Conn) (Result, error) {
	return func(ctx context.Context, c net.Conn) (Result, error) { return Initiate(ctx, c, cfg) }
}

func respond(cfg Config) func(context.Context, net.Conn) (Result, error) {
	return func(ctx context.Context, c net.Conn) (Result, error) { return Respond(ctx, c, cfg) }
}

func TestHandshake(t *testing.T) {
	a, b := key(t, 1), key(t, 2)
	ext := &Extensions{StreamMuxers: []string{"/yamux/1.0.0"}, WebTransportCerthashes: [][]byte{{0x12, 0x20}}}
	i, r := pair(t,
		initiate(Config{Identity: a, Prologue: []byte("p"), RemotePeer: b.Public().PeerID(), Extensions: ext}),
		respond(Config{Identity: b, Prologue: []byte("p"), RemotePeer: a.Public().PeerID()}))
	if i.err != nil || r.err != nil {
		t.Fatalf("initiator: %v, responder: %v", i.err, r.err)
	}
	if i.res.RemotePeer != b.Public().PeerID() || !i.res.RemoteKey.Equal(b.Public()) {
		t.Fatal("initiator learned the wrong remote")
	}
	if r.res.RemotePeer != a.Public().PeerID() || !r.res.RemoteKey.Equal(a.Public()) {
		t.Fatal("responder learned the wrong remote")
	}
	if i.res.RemoteExtensions != nil {
		t.Fatal("initiator got extensions the responder did not send")
	}
	e := r.res.RemoteExtensions
	if e == nil || len(e.StreamMuxers) != 1 || e.StreamMuxers[0] != "/yamux/1.0.0" || len(e.WebTransportCerthashes) != 1 {
		t.Fatalf("responder got extensions %+v", e)
	}
}

func TestHandshakeFailures(t *testing.T) {
	a, b, c := key(t, 1), key(t, 2), key(t, 3)
	t.Run("wrong prologue", func(t *testing.T) {
		i, r := pair(t, initiate(Config{Identity: a, Prologue: []byte("x")}), respond(Config{Identity: b, Prologue: []byte("y")}))
		if !errors.Is(i.err, ErrBadMessage) {
			t.Fatalf("initiator: %v, want ErrBadMessage", i.err)
		}
		if !errors.Is(r.err, ErrTruncated) {
			t.Fatalf("responder: %v, want ErrTruncated", r.err)
		}
	})
	t.Run("responder is someone else", func(t *testing.T) {
		i, _ := pair(t, initiate(Config{Identity: a, RemotePeer: c.Public().PeerID()}), respond(Config{Identity: b}))
		var m *PeerIDMismatchError
		if !errors.Is(i.err, ErrPeerIDMismatch) || !errors.As(i.err, &m) || m.Actual != b.Public().PeerID() || m.Expected != c.Public().PeerID() {
			t.Fatalf("initiator: %v", i.err)
		}
	})
	t.Run("initiator is someone else", func(t *testing.T) {
		i, r := pair(t, initiate(Config{Identity: a}), respond(Config{Identity: b, RemotePeer: c.Public().PeerID()}))
		if i.err != nil {
			t.Fatalf("initiator: %v", i.err)
		}
		if !errors.Is(r.err, ErrPeerIDMismatch) {
			t.Fatalf("responder: %v", r.err)
		}
	})
	t.Run("no identity", func(t *testing.T) {
		if _, err := Initiate(context.Background(), &bytes.Buffer{}, Config{}); !errors.Is(err, ErrNoIdentity) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		x, y := net.Pipe()
		defer x.Close()
		defer y.Close()
		done := make(chan error, 1)
		go func() {
			_, err := Respond(ctx, x, Config{Identity: a}) // nobody writes: blocks
			done <- err
		}()
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
}

// forged runs the handshake with a payload builder that lies.
func forged(cfg Config, initiator bool, mk payloadFunc) func(context.Context, net.Conn) (Result, error) {
	return func(ctx context.Context, c net.Conn) (Result, error) { return run(ctx, c, cfg, initiator, mk) }
}

func TestForgedPayloads(t *testing.T) {
	a, b, c := key(t, 1), key(t, 2), key(t, 3)
	secp := append([]byte{0x08, 0x02, 0x12, 33}, make([]byte, 33)...)
	tests := []struct {
		name string
		mk   payloadFunc
		want error
	}{
		{"signature by another key", func(static []byte) []byte {
			return payload{identityKey: b.Public().Marshal(), identitySig: c.Sign(append([]byte(signaturePrefix), static...))}.marshal()
		}, ErrBadSignature},
		{"signature of another static key", func(static []byte) []byte {
			other := bytes.Clone(static)
			other[0] ^= 1
			return payload{identityKey: b.Public().Marshal(), identitySig: b.Sign(append([]byte(signaturePrefix), other...))}.marshal()
		}, ErrBadSignature},
		{"signature without prefix", func(static []byte) []byte {
			return payload{identityKey: b.Public().Marshal(), identitySig: b.Sign(static)}.marshal()
		}, ErrBadSignature},
		{"unsupported key", func(static []byte) []byte {
			return payload{identityKey: secp, identitySig: []byte("sig")}.marshal()
		}, libp2pkey.ErrUnsupportedKey},
		{"malformed key", func(static []byte) []byte {
			return payload{identityKey: []byte{0xff}, identitySig: []byte("sig")}.marshal()
		}, ErrBadPayload},
		{"garbage payload", func([]byte) []byte { return []byte{0xff, 0xff, 0xff} }, ErrBadPayload},
		{"empty payload", func([]byte) []byte { return nil }, ErrBadPayload},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/responder lies", func(t *testing.T) {
			i, _ := pair(t, initiate(Config{Identity: a}), forged(Config{Identity: b}, false, tt.mk))
			if !errors.Is(i.err, tt.want) {
				t.Fatalf("initiator: %v, want %v", i.err, tt.want)
			}
		})
		t.Run(tt.name+"/initiator lies", func(t *testing.T) {
			_, r := pair(t, forged(Config{Identity: b}, true, tt.mk), respond(Config{Identity: a}))
			if !errors.Is(r.err, tt.want) {
				t.Fatalf("responder: %v, want %v", r.err, tt.want)
			}
		})
	}
}

func frame(msg []byte) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(len(msg))), msg...)
}

// scripted is a remote that sends fixed bytes, then reads everything.
type scripted struct {
	in  *bytes.Reader
	out bytes.Buffer
}

func (s *scripted) Read(p []byte) (int, error)  { return s.in.Read(p) }
func (s *scripted) Write(p []byte) (int, error) { return s.out.Write(p) }

func TestMalformedMessages(t *testing.T) {
	a := key(t, 1)
	// A genuine first message from an initiator (its ephemeral key).
	hs, err := noise.NewHandshakeState(noise.Config{CipherSuite: cipherSuite, Pattern: noise.HandshakeXX, Initiator: true,
		StaticKeypair: mustDH(t)})
	if err != nil {
		t.Fatal(err)
	}
	msg1, _, _, err := hs.WriteMessage(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		initiator bool // the local role
		in        []byte
		want      error
	}{
		{"nothing", false, nil, ErrTruncated},
		{"half a prefix", false, []byte{0}, ErrTruncated},
		{"prefix only", false, []byte{0, 32}, ErrTruncated},
		{"short body", false, append([]byte{0, 32}, make([]byte, 10)...), ErrTruncated},
		{"empty message", false, []byte{0, 0}, ErrBadMessage},
		{"message 1 too short", false, frame(make([]byte, 31)), ErrBadMessage},
		{"low-order ephemeral key", false, frame(make([]byte, 32)), ErrBadMessage},
		{"no message 3", false, frame(msg1), ErrTruncated},
		{"garbage message 3", false, append(frame(msg1), frame(bytes.Repeat([]byte{7}, 200))...), ErrBadMessage},
		{"garbage message 2", true, frame(bytes.Repeat([]byte{7}, 200)), ErrBadMessage},
		{"message 2 too short", true, frame(make([]byte, 40)), ErrBadMessage},
		{"message 2 truncated", true, append([]byte{1, 0}, make([]byte, 100)...), ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &scripted{in: bytes.NewReader(tt.in)}
			var err error
			if tt.initiator {
				_, err = Initiate(context.Background(), s, Config{Identity: a})
			} else {
				_, err = Respond(context.Background(), s, Config{Identity: a})
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func mustDH(t testing.TB) noise.DHKey {
	k, err := noise.DH25519.GenerateKeypair(nil)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// FuzzRespond feeds arbitrary bytes to a responder: it must fail with a
// typed error (an unauthenticated remote can never succeed), never panic.
func FuzzRespond(f *testing.F) {
	hs, _ := noise.NewHandshakeState(noise.Config{CipherSuite: cipherSuite, Pattern: noise.HandshakeXX, Initiator: true, StaticKeypair: mustDH(f)})
	msg1, _, _, _ := hs.WriteMessage(nil, nil)
	f.Add(frame(msg1))
	f.Add(append(frame(msg1), frame(make([]byte, 100))...))
	f.Add([]byte{0, 1, 0})
	k := key(f, 1)
	f.Fuzz(func(t *testing.T, in []byte) {
		s := &scripted{in: bytes.NewReader(in)}
		_, err := Respond(context.Background(), s, Config{Identity: k})
		if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrBadMessage) {
			t.Fatalf("err = %v", err)
		}
	})
}

var _ io.ReadWriter = (*scripted)(nil)
