package libp2pkey

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// seeded returns a deterministic key.
func seeded(b byte) PrivateKey {
	k, err := NewEd25519PrivateKey(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{b}, 32)))
	if err != nil {
		panic(err)
	}
	return k
}

func keyMsg(fields ...[]byte) []byte { return bytes.Join(fields, nil) }

func varintField(num protowire.Number, v uint64) []byte {
	return protowire.AppendVarint(protowire.AppendTag(nil, num, protowire.VarintType), v)
}

func bytesField(num protowire.Number, v []byte) []byte {
	return protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), v)
}

func TestUnmarshalPublicKey(t *testing.T) {
	pub := seeded(1).Public().Raw()
	other := seeded(2).Public().Raw()
	tests := []struct {
		name    string
		in      []byte
		want    ed25519.PublicKey
		wantErr error
	}{
		{"canonical", keyMsg(varintField(1, 1), bytesField(2, pub)), pub, nil},
		{"data first", keyMsg(bytesField(2, pub), varintField(1, 1)), pub, nil},
		{"unknown field skipped", keyMsg(varintField(1, 1), bytesField(7, []byte("x")), bytesField(2, pub)), pub, nil},
		{"last data wins", keyMsg(varintField(1, 1), bytesField(2, other), bytesField(2, pub)), pub, nil},
		{"empty", nil, nil, ErrMalformedKey},
		{"no type", bytesField(2, pub), nil, ErrMalformedKey},
		{"no data", varintField(1, 1), nil, ErrMalformedKey},
		{"short key", keyMsg(varintField(1, 1), bytesField(2, pub[:31])), nil, ErrMalformedKey},
		{"long key", keyMsg(varintField(1, 1), bytesField(2, append(pub, 0))), nil, ErrMalformedKey},
		{"truncated", keyMsg(varintField(1, 1), bytesField(2, pub))[:20], nil, ErrMalformedKey},
		{"type as bytes", keyMsg(bytesField(1, []byte{1}), bytesField(2, pub)), nil, ErrMalformedKey},
		{"unknown type", keyMsg(varintField(1, 9), bytesField(2, pub)), nil, ErrMalformedKey},
		{"type beyond int32", keyMsg(varintField(1, 1<<32|1), bytesField(2, pub)), nil, ErrMalformedKey},
		{"field zero", []byte{0x00, 0x01}, nil, ErrMalformedKey},
		{"rsa", keyMsg(varintField(1, 0), bytesField(2, []byte("der"))), nil, ErrUnsupportedKey},
		{"secp256k1", keyMsg(varintField(1, 2), bytesField(2, make([]byte, 33))), nil, ErrUnsupportedKey},
		{"ecdsa", keyMsg(varintField(1, 3), bytesField(2, []byte("der"))), nil, ErrUnsupportedKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := UnmarshalPublicKey(tt.in)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if !k.IsZero() {
					t.Fatal("key returned with an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(k.Raw(), tt.want) {
				t.Fatalf("key %x, want %x", k.Raw(), tt.want)
			}
		})
	}
	var ue *UnsupportedKeyError
	_, err := UnmarshalPublicKey(keyMsg(varintField(1, 2), bytesField(2, make([]byte, 33))))
	if !errors.As(err, &ue) || ue.Type != KeySecp256k1 {
		t.Fatalf("want *UnsupportedKeyError{Secp256k1}, got %v", err)
	}
}

func TestPublicKeyRoundTripAndSign(t *testing.T) {
	sk := seeded(3)
	pk := sk.Public()
	got, err := UnmarshalPublicKey(pk.Marshal())
	if err != nil || !got.Equal(pk) {
		t.Fatalf("round trip: %v", err)
	}
	sig := sk.Sign([]byte("msg"))
	if !pk.Verify([]byte("msg"), sig) {
		t.Fatal("signature does not verify")
	}
	if pk.Verify([]byte("msh"), sig) || seeded(4).Public().Verify([]byte("msg"), sig) {
		t.Fatal("signature verifies for the wrong message or key")
	}
	if (PublicKey{}).Verify([]byte("msg"), sig) {
		t.Fatal("zero key verifies")
	}
	if (PublicKey{}).Marshal() != nil || !(PublicKey{}).PeerID().IsZero() {
		t.Fatal("zero key marshals or has a peer id")
	}
}

func TestUnmarshalPrivateKey(t *testing.T) {
	sk := seeded(5)
	raw := sk.k
	bad := bytes.Clone(raw)
	bad[40] ^= 1
	tests := []struct {
		name    string
		in      []byte
		wantErr error
	}{
		{"canonical", sk.Marshal(), nil},
		{"legacy 96 bytes", keyMsg(varintField(1, 1), bytesField(2, append(bytes.Clone(raw), raw[32:]...))), nil},
		{"legacy mismatch", keyMsg(varintField(1, 1), bytesField(2, append(bytes.Clone(raw), bad[32:]...))), ErrMalformedKey},
		{"public half wrong", keyMsg(varintField(1, 1), bytesField(2, bad)), ErrMalformedKey},
		{"seed only", keyMsg(varintField(1, 1), bytesField(2, raw[:32])), ErrMalformedKey},
		{"secp256k1", keyMsg(varintField(1, 2), bytesField(2, raw[:32])), ErrUnsupportedKey},
		{"garbage", []byte{0xff, 0xff}, ErrMalformedKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := UnmarshalPrivateKey(tt.in)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !k.Public().Equal(sk.Public()) || !bytes.Equal(k.Marshal(), sk.Marshal()) {
				t.Fatal("different key")
			}
		})
	}
}

func TestGenerate(t *testing.T) {
	a, err := GenerateEd25519(nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := GenerateEd25519(nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.Public().Equal(b.Public()) {
		t.Fatal("two fresh keys are equal")
	}
	if _, err := GenerateEd25519(bytes.NewReader(nil)); err == nil {
		t.Fatal("generating from an empty reader succeeded")
	}
}

func FuzzUnmarshalPublicKey(f *testing.F) {
	f.Add(seeded(1).Public().Marshal())
	f.Add(keyMsg(varintField(1, 2), bytesField(2, make([]byte, 33))))
	f.Add(keyMsg(bytesField(2, seeded(1).Public().Raw()), varintField(1, 1), bytesField(9, nil)))
	f.Add([]byte{0x08})
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := UnmarshalPublicKey(b)
		if err != nil {
			if !errors.Is(err, ErrMalformedKey) && !errors.Is(err, ErrUnsupportedKey) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		again, err := UnmarshalPublicKey(k.Marshal())
		if err != nil || !again.Equal(k) {
			t.Fatalf("re-marshalled key does not decode: %v", err)
		}
		if !k.PeerID().MatchesPublicKey(k) {
			t.Fatal("key does not match its own peer id")
		}
	})
}

func FuzzUnmarshalPrivateKey(f *testing.F) {
	f.Add(seeded(1).Marshal())
	f.Add([]byte{0x08, 0x01, 0x12, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		k, err := UnmarshalPrivateKey(b)
		if err != nil {
			if !errors.Is(err, ErrMalformedKey) && !errors.Is(err, ErrUnsupportedKey) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if !k.Public().Verify([]byte("x"), k.Sign([]byte("x"))) {
			t.Fatal("decoded key cannot sign")
		}
	})
}
