//go:build !js

package libp2pkey

// Differential tests against go-libp2p's core/crypto and core/peer, which
// this package replaces in the browser build.

import (
	"bytes"
	"crypto/rand"
	"errors"
	"testing"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
)

func TestDifferentialEd25519(t *testing.T) {
	for range 50 {
		sk, pk, err := crypto.GenerateEd25519Key(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		theirPub, err := crypto.MarshalPublicKey(pk)
		if err != nil {
			t.Fatal(err)
		}
		theirPriv, err := crypto.MarshalPrivateKey(sk)
		if err != nil {
			t.Fatal(err)
		}
		theirID, err := peer.IDFromPublicKey(pk)
		if err != nil {
			t.Fatal(err)
		}

		ourPub, err := UnmarshalPublicKey(theirPub)
		if err != nil {
			t.Fatal(err)
		}
		ourPriv, err := UnmarshalPrivateKey(theirPriv)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(ourPub.Marshal(), theirPub) || !bytes.Equal(ourPriv.Marshal(), theirPriv) {
			t.Fatal("marshalled keys differ")
		}
		if !ourPriv.Public().Equal(ourPub) {
			t.Fatal("private key's public half differs")
		}
		id := ourPub.PeerID()
		if id.String() != theirID.String() || string(id.Bytes()) != string(theirID) {
			t.Fatalf("peer id %s, go-libp2p %s", id, theirID)
		}
		if id.CIDString() != peer.ToCid(theirID).String() {
			t.Fatalf("CID %s, go-libp2p %s", id.CIDString(), peer.ToCid(theirID))
		}
		for _, s := range []string{theirID.String(), peer.ToCid(theirID).String()} {
			parsed, err := ParseID(s)
			if err != nil || parsed != id {
				t.Fatalf("ParseID(%q) = %v, %v", s, parsed, err)
			}
		}
		// Signatures cross-verify.
		msg := []byte("noise-libp2p-static-key:" + string(theirPub))
		theirSig, err := sk.Sign(msg)
		if err != nil {
			t.Fatal(err)
		}
		if !ourPub.Verify(msg, theirSig) {
			t.Fatal("go-libp2p signature does not verify")
		}
		if ok, err := pk.Verify(msg, ourPriv.Sign(msg)); err != nil || !ok {
			t.Fatalf("our signature does not verify in go-libp2p: %v", err)
		}
		// Our key, their decoder.
		back, err := crypto.UnmarshalPublicKey(ourPub.Marshal())
		if err != nil || !back.Equals(pk) {
			t.Fatalf("go-libp2p does not read our key: %v", err)
		}
	}
}

func TestDifferentialUnsupportedKeys(t *testing.T) {
	secpSK, secpPK, err := crypto.GenerateSecp256k1Key(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsaSK, rsaPK, err := crypto.GenerateRSAKeyPair(2048, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecSK, ecPK, err := crypto.GenerateECDSAKeyPair(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		sk   crypto.PrivKey
		pk   crypto.PubKey
		typ  KeyType
	}{
		{"secp256k1", secpSK, secpPK, KeySecp256k1},
		{"rsa", rsaSK, rsaPK, KeyRSA},
		{"ecdsa", ecSK, ecPK, KeyECDSA},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pub, _ := crypto.MarshalPublicKey(tc.pk)
			priv, _ := crypto.MarshalPrivateKey(tc.sk)
			var ue *UnsupportedKeyError
			if _, err := UnmarshalPublicKey(pub); !errors.As(err, &ue) || ue.Type != tc.typ || !errors.Is(err, ErrUnsupportedKey) {
				t.Fatalf("public key: err = %v", err)
			}
			if _, err := UnmarshalPrivateKey(priv); !errors.Is(err, ErrUnsupportedKey) {
				t.Fatalf("private key: err = %v", err)
			}
			// Their peer ids still parse, and name the same multihash.
			theirID, err := peer.IDFromPublicKey(tc.pk)
			if err != nil {
				t.Fatal(err)
			}
			id, err := ParseID(theirID.String())
			if err != nil {
				t.Fatal(err)
			}
			if string(id.Bytes()) != string(theirID) || id.String() != theirID.String() {
				t.Fatalf("peer id %s, go-libp2p %s", id, theirID)
			}
			if id != idFromMarshalledKey(pub) {
				t.Fatal("derived peer id differs")
			}
			_, err = id.PublicKey()
			switch tc.typ {
			case KeySecp256k1: // inlined
				if !errors.Is(err, ErrUnsupportedKey) {
					t.Fatalf("extracting: err = %v", err)
				}
			default: // hashed
				if !errors.Is(err, ErrNoPublicKey) {
					t.Fatalf("extracting: err = %v", err)
				}
			}
		})
	}
}

// FuzzDifferentialPublicKey: whatever this package accepts, go-libp2p
// accepts as the same key with the same peer id; whatever go-libp2p
// accepts as an Ed25519 key in canonical form, this package accepts.
func FuzzDifferentialPublicKey(f *testing.F) {
	f.Add(seeded(1).Public().Marshal())
	f.Add(keyMsg(bytesField(2, seeded(1).Public().Raw()), varintField(1, 1), bytesField(9, nil)))
	f.Add(keyMsg(varintField(1, 1<<32|1), bytesField(2, seeded(1).Public().Raw())))
	f.Fuzz(func(t *testing.T, b []byte) {
		ours, ourErr := UnmarshalPublicKey(b)
		theirs, theirErr := crypto.UnmarshalPublicKey(b)
		if ourErr == nil {
			if theirErr != nil {
				t.Fatalf("go-libp2p refuses a key we accept: %v", theirErr)
			}
			raw, _ := theirs.Raw()
			if !bytes.Equal(raw, ours.Raw()) {
				t.Fatal("different key")
			}
			id, _ := peer.IDFromPublicKey(theirs)
			if ours.PeerID().String() != id.String() {
				t.Fatal("different peer id")
			}
			return
		}
		if theirErr == nil && theirs.Type() == crypto.Ed25519 {
			canon, _ := crypto.MarshalPublicKey(theirs)
			if bytes.Equal(canon, b) {
				t.Fatalf("we refuse a canonical Ed25519 key go-libp2p accepts: %v", ourErr)
			}
		}
	})
}

// FuzzDifferentialParseID: every peer id string we accept, go-libp2p
// decodes to the same bytes.
func FuzzDifferentialParseID(f *testing.F) {
	id := seeded(1).Public().PeerID()
	f.Add(id.String())
	f.Add(id.CIDString())
	f.Add("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N")
	f.Fuzz(func(t *testing.T, s string) {
		ours, err := ParseID(s)
		if err != nil {
			return
		}
		theirs, err := peer.Decode(s)
		if err != nil {
			t.Fatalf("go-libp2p refuses %q: %v", s, err)
		}
		if string(theirs) != string(ours.Bytes()) {
			t.Fatal("different peer id bytes")
		}
	})
}
