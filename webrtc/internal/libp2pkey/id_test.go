package libp2pkey

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"

	"github.com/mr-tron/base58/base58"
	"github.com/multiformats/go-multibase"
)

func TestParseID(t *testing.T) {
	ed := seeded(7).Public().PeerID()
	sha := idFromMarshalledKey(bytes.Repeat([]byte{1}, 100))
	secpKey := appendKeyMessage(nil, KeySecp256k1, append([]byte{2}, bytes.Repeat([]byte{9}, 32)...))
	secp := idFromMarshalledKey(secpKey)
	b58 := func(b []byte) string { return base58.Encode(b) }
	cid := func(prefix []byte, mh []byte, enc multibase.Encoding) string {
		s, err := multibase.Encode(enc, append(bytes.Clone(prefix), mh...))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	identity := func(content []byte) []byte { return append([]byte{0, byte(len(content))}, content...) }
	tests := []struct {
		name    string
		in      string
		want    ID
		wantErr error
	}{
		{"ed25519 base58", ed.String(), ed, nil},
		{"sha256 base58", sha.String(), sha, nil},
		{"secp256k1 base58", secp.String(), secp, nil},
		{"ed25519 cid base32", ed.CIDString(), ed, nil},
		{"ed25519 cid base36", cid([]byte{1, 0x72}, ed.Bytes(), multibase.Base36), ed, nil},
		{"sha256 cid base58", cid([]byte{1, 0x72}, sha.Bytes(), multibase.Base58BTC), sha, nil},
		{"empty", "", ID{}, ErrBadPeerID},
		{"not base58", "12D3KooW0OIl", ID{}, ErrBadPeerID},
		{"truncated", ed.String()[:20], ID{}, ErrBadPeerID},
		{"cid with dag-pb codec", cid([]byte{1, 0x70}, ed.Bytes(), multibase.Base32), ID{}, ErrBadPeerID},
		{"cid v0 in multibase", cid([]byte{0, 0x72}, ed.Bytes(), multibase.Base32), ID{}, ErrBadPeerID},
		{"cid non-minimal version", cid([]byte{0x81, 0x00, 0x72}, ed.Bytes(), multibase.Base32), ID{}, ErrBadPeerID},
		{"sha1 multihash", b58(append([]byte{0x11, 20}, make([]byte, 20)...)), ID{}, ErrBadPeerID},
		{"sha256 short", b58(append([]byte{0x12, 31}, make([]byte, 31)...)), ID{}, ErrBadPeerID},
		{"length mismatch", b58(append([]byte{0x12, 32}, make([]byte, 31)...)), ID{}, ErrBadPeerID},
		{"identity too long", b58(identity(make([]byte, 43))), ID{}, ErrBadPeerID},
		{"identity garbage", b58(identity([]byte{0xff, 0xff, 0xff})), ID{}, ErrBadPeerID},
		{"identity short ed25519", b58(identity(appendKeyMessage(nil, KeyEd25519, make([]byte, 31)))), ID{}, ErrBadPeerID},
		{"identity non-canonical", b58(identity(append(bytesField(2, seeded(7).Public().Raw()), varintField(1, 1)...))), ID{}, ErrBadPeerID},
		{"unknown multibase", "!abc", ID{}, ErrBadPeerID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseID(tt.in)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if !got.IsZero() {
					t.Fatal("id returned with an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestIDForms(t *testing.T) {
	k := seeded(8).Public()
	id := k.PeerID()
	if !strings.HasPrefix(id.String(), "12D3KooW") {
		t.Fatalf("Ed25519 peer id %s does not start with 12D3KooW", id)
	}
	if !strings.HasPrefix(id.CIDString(), "bafz") {
		t.Fatalf("CID form %s does not start with bafz", id.CIDString())
	}
	if len(id.Bytes()) != 38 || id.Bytes()[0] != 0 || id.Bytes()[1] != 36 {
		t.Fatalf("Ed25519 peer id bytes %x are not an identity multihash of 36 bytes", id.Bytes())
	}
	got, err := id.PublicKey()
	if err != nil || !got.Equal(k) {
		t.Fatalf("extracting the key: %v", err)
	}
	if !id.MatchesPublicKey(k) || id.MatchesPublicKey(seeded(9).Public()) || (ID{}).MatchesPublicKey(k) {
		t.Fatal("MatchesPublicKey is wrong")
	}
	long := bytes.Repeat([]byte{5}, 43)
	sha := idFromMarshalledKey(long)
	sum := sha256.Sum256(long)
	if !bytes.Equal(sha.Bytes(), append([]byte{0x12, 0x20}, sum[:]...)) || !strings.HasPrefix(sha.String(), "Qm") {
		t.Fatalf("sha2-256 peer id %s (%x)", sha, sha.Bytes())
	}
	if _, err := sha.PublicKey(); !errors.Is(err, ErrNoPublicKey) {
		t.Fatalf("sha2-256 id: err = %v, want ErrNoPublicKey", err)
	}
	secp := idFromMarshalledKey(appendKeyMessage(nil, KeySecp256k1, make([]byte, 33)))
	if _, err := secp.PublicKey(); !errors.Is(err, ErrUnsupportedKey) {
		t.Fatalf("secp256k1 id: err = %v, want ErrUnsupportedKey", err)
	}
	if _, err := (ID{}).PublicKey(); !errors.Is(err, ErrBadPeerID) {
		t.Fatalf("zero id: err = %v", err)
	}
	if (ID{}).String() != "" || (ID{}).CIDString() != "" {
		t.Fatal("zero id prints as something")
	}
}

func FuzzParseID(f *testing.F) {
	id := seeded(1).Public().PeerID()
	f.Add(id.String())
	f.Add(id.CIDString())
	f.Add(idFromMarshalledKey(make([]byte, 50)).String())
	f.Add("k51qzi5uqu5dj")
	f.Add("Qm")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseID(s)
		if err != nil {
			if !errors.Is(err, ErrBadPeerID) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		for _, form := range []string{id.String(), id.CIDString()} {
			again, err := ParseID(form)
			if err != nil || again != id {
				t.Fatalf("%q does not parse back: %v", form, err)
			}
		}
	})
}

func FuzzIDFromBytes(f *testing.F) {
	f.Add(seeded(1).Public().PeerID().Bytes())
	f.Add(idFromMarshalledKey(make([]byte, 50)).Bytes())
	f.Add([]byte{0x00, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		id, err := IDFromBytes(b)
		if err != nil {
			if !errors.Is(err, ErrBadPeerID) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if !bytes.Equal(id.Bytes(), b) {
			t.Fatal("bytes changed")
		}
		if k, err := id.PublicKey(); err == nil && !id.MatchesPublicKey(k) {
			t.Fatal("embedded key does not match the id")
		}
	})
}
