//go:build !js

package libp2pnoise

// Interoperability with go-libp2p's Noise, used the way its WebRTC
// transport uses it: the listener is the Noise initiator (SecureOutbound
// with the peer id check disabled), the dialer the responder
// (SecureInbound with the expected peer id), both with the WebRTC prologue.

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"net"
	"testing"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/sec"
	"github.com/libp2p/go-libp2p/p2p/security/noise"

	"lightdas/webrtc/internal/libp2pkey"
)

// webrtcPrologue is "libp2p-webrtc-noise:" || multihash(dialer
// fingerprint) || multihash(listener fingerprint).
func webrtcPrologue(t *testing.T) []byte {
	p := []byte("libp2p-webrtc-noise:")
	for range 2 {
		fp := make([]byte, 32)
		rand.Read(fp)
		p = append(append(p, 0x12, 0x20), fp...)
	}
	return p
}

type libp2pPeer struct {
	sk crypto.PrivKey
	id peer.ID
	tr *noise.Transport
}

func newLibp2pPeer(t *testing.T, sk crypto.PrivKey) libp2pPeer {
	t.Helper()
	id, err := peer.IDFromPrivateKey(sk)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := noise.New(noise.ID, sk, nil)
	if err != nil {
		t.Fatal(err)
	}
	return libp2pPeer{sk: sk, id: id, tr: tr}
}

func ed25519Peer(t *testing.T) libp2pPeer {
	sk, _, err := crypto.GenerateEd25519Key(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return newLibp2pPeer(t, sk)
}

// listen runs go-libp2p's side of a WebRTC-direct listener.
func (p libp2pPeer) listen(t *testing.T, prologue []byte, got *sec.SecureConn) func(context.Context, net.Conn) (Result, error) {
	return func(ctx context.Context, c net.Conn) (Result, error) {
		st, err := p.tr.WithSessionOptions(noise.Prologue(prologue), noise.DisablePeerIDCheck())
		if err != nil {
			t.Error(err)
			return Result{}, err
		}
		sc, err := st.SecureOutbound(ctx, c, "")
		*got = sc
		return Result{}, err
	}
}

// dial runs go-libp2p's side of a WebRTC-direct dialer.
func (p libp2pPeer) dial(t *testing.T, prologue []byte, expect peer.ID, got *sec.SecureConn) func(context.Context, net.Conn) (Result, error) {
	return func(ctx context.Context, c net.Conn) (Result, error) {
		st, err := p.tr.WithSessionOptions(noise.Prologue(prologue))
		if err != nil {
			t.Error(err)
			return Result{}, err
		}
		sc, err := st.SecureInbound(ctx, c, expect)
		*got = sc
		return Result{}, err
	}
}

func ourID(t *testing.T, id libp2pkey.ID) peer.ID {
	t.Helper()
	pid, err := peer.IDFromBytes(id.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

func TestInteropWeDialLibp2pListener(t *testing.T) {
	for range 5 {
		listener := ed25519Peer(t)
		me := key(t, 9)
		want, err := libp2pkey.ParseID(listener.id.String())
		if err != nil {
			t.Fatal(err)
		}
		prologue := webrtcPrologue(t)
		var sc sec.SecureConn
		i, r := pair(t, listener.listen(t, prologue, &sc), respond(Config{Identity: me, Prologue: prologue, RemotePeer: want}))
		if i.err != nil || r.err != nil {
			t.Fatalf("go-libp2p listener: %v, our dialer: %v", i.err, r.err)
		}
		if r.res.RemotePeer != want || r.res.RemotePeer.String() != listener.id.String() {
			t.Fatalf("we authenticated %s, want %s", r.res.RemotePeer, listener.id)
		}
		raw, _ := listener.sk.GetPublic().Raw()
		if !bytes.Equal(r.res.RemoteKey.Raw(), raw) {
			t.Fatal("wrong remote key")
		}
		if sc.RemotePeer() != ourID(t, me.Public().PeerID()) {
			t.Fatalf("go-libp2p authenticated %s, want %s", sc.RemotePeer(), me.Public().PeerID())
		}
		theirView, _ := sc.RemotePublicKey().Raw()
		if !bytes.Equal(theirView, me.Public().Raw()) {
			t.Fatal("go-libp2p saw the wrong key")
		}
	}
}

func TestInteropLibp2pDialsUs(t *testing.T) {
	dialer := ed25519Peer(t)
	me := key(t, 10)
	prologue := webrtcPrologue(t)
	var sc sec.SecureConn
	i, r := pair(t, initiate(Config{Identity: me, Prologue: prologue}), dialer.dial(t, prologue, ourID(t, me.Public().PeerID()), &sc))
	if i.err != nil || r.err != nil {
		t.Fatalf("our listener: %v, go-libp2p dialer: %v", i.err, r.err)
	}
	if i.res.RemotePeer.String() != dialer.id.String() {
		t.Fatalf("we authenticated %s, want %s", i.res.RemotePeer, dialer.id)
	}
	if sc.RemotePeer() != ourID(t, me.Public().PeerID()) {
		t.Fatalf("go-libp2p authenticated %s", sc.RemotePeer())
	}
}

func TestInteropFailures(t *testing.T) {
	listener := ed25519Peer(t)
	listenerID, _ := libp2pkey.ParseID(listener.id.String())
	me := key(t, 11)
	t.Run("wrong prologue, we respond", func(t *testing.T) {
		var sc sec.SecureConn
		i, r := pair(t, listener.listen(t, webrtcPrologue(t), &sc), respond(Config{Identity: me, Prologue: webrtcPrologue(t), RemotePeer: listenerID}))
		if i.err == nil {
			t.Fatal("go-libp2p listener succeeded")
		}
		if r.err == nil {
			t.Fatal("our dialer succeeded")
		}
	})
	t.Run("wrong prologue, we initiate", func(t *testing.T) {
		var sc sec.SecureConn
		i, r := pair(t, initiate(Config{Identity: me, Prologue: webrtcPrologue(t)}), listener.dial(t, webrtcPrologue(t), ourID(t, me.Public().PeerID()), &sc))
		if !errors.Is(i.err, ErrBadMessage) {
			t.Fatalf("our side: %v, want ErrBadMessage", i.err)
		}
		if r.err == nil {
			t.Fatal("go-libp2p succeeded")
		}
	})
	t.Run("listener is someone else", func(t *testing.T) {
		other := key(t, 12).Public().PeerID()
		prologue := webrtcPrologue(t)
		var sc sec.SecureConn
		_, r := pair(t, listener.listen(t, prologue, &sc), respond(Config{Identity: me, Prologue: prologue, RemotePeer: other}))
		var m *PeerIDMismatchError
		if !errors.As(r.err, &m) || !errors.Is(r.err, ErrPeerIDMismatch) {
			t.Fatalf("our dialer: %v, want a PeerIDMismatchError", r.err)
		}
		if m.Expected != other || m.Actual.String() != listener.id.String() {
			t.Fatalf("mismatch %s/%s", m.Expected, m.Actual)
		}
	})
	t.Run("go-libp2p expects someone else", func(t *testing.T) {
		prologue := webrtcPrologue(t)
		var sc sec.SecureConn
		_, r := pair(t, initiate(Config{Identity: me, Prologue: prologue}), listener.dial(t, prologue, ourID(t, key(t, 13).Public().PeerID()), &sc))
		var m sec.ErrPeerIDMismatch
		if !errors.As(r.err, &m) {
			t.Fatalf("go-libp2p: %v, want ErrPeerIDMismatch", r.err)
		}
	})
	for _, kind := range []string{"secp256k1", "rsa"} {
		t.Run(kind+" listener", func(t *testing.T) {
			var sk crypto.PrivKey
			var err error
			if kind == "rsa" {
				sk, _, err = crypto.GenerateRSAKeyPair(2048, rand.Reader)
			} else {
				sk, _, err = crypto.GenerateSecp256k1Key(rand.Reader)
			}
			if err != nil {
				t.Fatal(err)
			}
			l := newLibp2pPeer(t, sk)
			prologue := webrtcPrologue(t)
			var sc sec.SecureConn
			_, r := pair(t, l.listen(t, prologue, &sc), respond(Config{Identity: me, Prologue: prologue}))
			var ue *libp2pkey.UnsupportedKeyError
			if !errors.Is(r.err, libp2pkey.ErrUnsupportedKey) || !errors.As(r.err, &ue) {
				t.Fatalf("our dialer: %v, want ErrUnsupportedKey", r.err)
			}
		})
	}
}
