//go:build !js

package producer

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lightdas/headers/bls"
)

func TestKeystoreRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	var want []*bls.SecretKey
	for i := range 3 {
		sk, err := bls.GenerateKey(seeded(uint64(10 + i)))
		if err != nil {
			t.Fatal(err)
		}
		path, err := WriteKey(dir, sk)
		if err != nil {
			t.Fatal(err)
		}
		if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("key file mode %v, %v", st.Mode(), err)
		}
		if _, err := WriteKey(dir, sk); err == nil {
			t.Fatal("key file overwritten")
		}
		want = append(want, sk)
	}
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("keystore mode %v, %v", st.Mode(), err)
	}
	got, err := LoadKeys(dir)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[[bls.SecretKeySize]byte]bool{}
	for _, sk := range got {
		seen[sk.Bytes()] = true
	}
	for _, sk := range want {
		if !seen[sk.Bytes()] || len(got) != len(want) {
			t.Fatal("loaded keys differ from the saved ones")
		}
	}
	// A key file others may read is refused.
	entries, _ := os.ReadDir(dir)
	if err := os.Chmod(filepath.Join(dir, entries[0].Name()), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKeys(dir); !errors.Is(err, ErrKeystore) {
		t.Fatalf("world-readable key: %v", err)
	}
	if _, err := LoadKeys(t.TempDir()); !errors.Is(err, ErrKeystore) {
		t.Fatalf("empty keystore: %v", err)
	}
}

const goodKeyFile = `{"version":1,"public_key":"%PK%","secret_key":"%SK%"}`

func keyFileFor(t testing.TB, sk *bls.SecretKey) string {
	pk, skb := sk.PublicKey().Bytes(), sk.Bytes()
	r := strings.NewReplacer("%PK%", hexs(pk[:]), "%SK%", hexs(skb[:]))
	return r.Replace(goodKeyFile)
}

func hexs(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, x := range b {
		out = append(out, digits[x>>4], digits[x&15])
	}
	return string(out)
}

func TestParseKeyFileRejects(t *testing.T) {
	sk, _ := bls.GenerateKey(seeded(20))
	other, _ := bls.GenerateKey(seeded(21))
	good := keyFileFor(t, sk)
	if got, err := ParseKeyFile([]byte(good)); err != nil || got.Bytes() != sk.Bytes() {
		t.Fatalf("good file: %v", err)
	}
	otherPK, ownPK := other.PublicKey().Bytes(), sk.PublicKey().Bytes()
	skb := sk.Bytes()
	for name, data := range map[string]string{
		"upper-case hex": strings.ToUpper(good[:40]) + good[40:],
		"unknown field":  strings.Replace(good, `"version"`, `"extra":1,"version"`, 1),
		"version 2":      strings.Replace(good, `"version":1`, `"version":2`, 1),
		"mismatched key": strings.Replace(good, hexs(ownPK[:]), hexs(otherPK[:]), 1),
		"short secret":   strings.Replace(good, hexs(skb[:]), hexs(skb[:31]), 1),
		"zero secret":    strings.Replace(good, hexs(skb[:]), strings.Repeat("0", 64), 1),
		"trailing data":  good + "{}",
		"not json":       "key",
		"secret above r": strings.Replace(good, hexs(skb[:]), strings.Repeat("f", 64), 1),
		"missing secret": `{"version":1,"public_key":"` + hexs(otherPK[:]) + `"}`,
		"oversized":      good + strings.Repeat(" ", maxKeyFileSize),
	} {
		if _, err := ParseKeyFile([]byte(data)); !errors.Is(err, ErrKeystore) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func FuzzParseKeyFile(f *testing.F) {
	sk, _ := bls.GenerateKey(seeded(22))
	f.Add([]byte(keyFileFor(f, sk)))
	f.Add([]byte(`{"version":1}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := ParseKeyFile(data)
		if err != nil {
			if !errors.Is(err, ErrKeystore) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		// Accepted: the file names got's own public key.
		pk := got.PublicKey().Bytes()
		if !strings.Contains(string(data), hexs(pk[:])) {
			t.Fatal("accepted a file whose public key is not the secret key's")
		}
	})
}
