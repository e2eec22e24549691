//go:build !js

package libp2phost

import (
	"bytes"
	"crypto/rand"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/libp2p/go-libp2p/core/crypto"
)

func TestLoadOrCreateIdentity(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", IdentityFile)
	k1, err := LoadOrCreateIdentity(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	k2, err := LoadOrCreateIdentity(path)
	if err != nil {
		t.Fatal(err)
	}
	if !k1.Equals(k2) {
		t.Error("second load returned another key")
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("data dir holds %d entries, want only the key", len(entries))
	}
}

func TestIdentityErrors(t *testing.T) {
	ed, _, err := crypto.GenerateEd25519Key(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	good, err := crypto.MarshalPrivateKey(ed)
	if err != nil {
		t.Fatal(err)
	}
	secp, _, err := crypto.GenerateSecp256k1Key(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	secpBytes, err := crypto.MarshalPrivateKey(secp)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		data []byte
		mode os.FileMode
		want error
	}{
		{"empty", nil, 0o600, ErrBadIdentity},
		{"garbage", []byte("not a key"), 0o600, ErrBadIdentity},
		{"truncated", good[:len(good)-1], 0o600, ErrBadIdentity},
		{"trailing bytes", append(bytes.Clone(good), 0), 0o600, ErrBadIdentity},
		{"secp256k1", secpBytes, 0o600, ErrBadIdentity},
		{"group readable", good, 0o640, ErrIdentityPermissions},
		{"world readable", good, 0o604, ErrIdentityPermissions},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), IdentityFile)
			if err := os.WriteFile(path, tc.data, tc.mode); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tc.mode); err != nil { // umask
				t.Fatal(err)
			}
			if _, err := LoadOrCreateIdentity(path); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			// The bad file is left alone.
			if got, _ := os.ReadFile(path); !bytes.Equal(got, tc.data) {
				t.Error("the key file was changed")
			}
			if _, err := New(Config{DataDir: filepath.Dir(path), ListenAddrs: []string{}}); !errors.Is(err, tc.want) {
				t.Errorf("New: %v, want %v", err, tc.want)
			}
		})
	}
}

func FuzzParseIdentity(f *testing.F) {
	ed, _, _ := crypto.GenerateEd25519Key(rand.Reader)
	good, _ := crypto.MarshalPrivateKey(ed)
	f.Add(good)
	f.Add([]byte{})
	f.Add([]byte{0x08, 0x01, 0x12, 0x40})
	f.Add(append(bytes.Clone(good), 0))
	f.Fuzz(func(t *testing.T, data []byte) {
		key, err := ParseIdentity(data)
		if err != nil {
			if !errors.Is(err, ErrBadIdentity) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		again, err := crypto.MarshalPrivateKey(key)
		if err != nil || !bytes.Equal(again, data) {
			t.Fatalf("accepted a non-canonical key file")
		}
	})
}

// TestRestartKeepsIdentityAndCertHash: a host restarted on the same data
// dir has the same peer id and the same WebRTC-direct certhash, and the
// certhash record matches.
func TestRestartKeepsIdentityAndCertHash(t *testing.T) {
	dir := t.TempDir()
	start := func() (string, string, []string) {
		h, err := New(Config{DataDir: dir, Role: FullNode})
		if err != nil {
			t.Fatal(err)
		}
		defer h.Close()
		return string(h.ID()), h.CertHash(), h.AddrStrings()
	}
	id1, ch1, addrs1 := start()
	id2, ch2, addrs2 := start()
	if id1 != id2 {
		t.Errorf("peer id changed across restart: %s then %s", id1, id2)
	}
	if ch1 == "" || ch1 != ch2 {
		t.Errorf("certhash changed across restart: %q then %q", ch1, ch2)
	}
	for _, addrs := range [][]string{addrs1, addrs2} {
		found := false
		for _, a := range addrs {
			if strings.Contains(a, "/webrtc-direct/certhash/"+ch1+"/p2p/"+id1) {
				found = true
			}
		}
		if !found {
			t.Errorf("no WebRTC-direct address with the certhash among %v", addrs)
		}
	}
	rec, err := os.ReadFile(filepath.Join(dir, CertHashFile))
	if err != nil || strings.TrimSpace(string(rec)) != ch1 {
		t.Errorf("certhash record %q, %v; want %q", rec, err, ch1)
	}
	// Another identity: another certhash.
	other, err := New(Config{ListenAddrs: []string{"/ip4/127.0.0.1/udp/0/webrtc-direct"}})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if other.CertHash() == ch1 || string(other.ID()) == id1 {
		t.Error("a fresh identity got the same peer id or certhash")
	}
}

// TestCertHashChangeWarns: a certhash record from another certificate is
// reported and replaced.
func TestCertHashChangeWarns(t *testing.T) {
	dir := t.TempDir()
	rec := filepath.Join(dir, CertHashFile)
	if err := os.WriteFile(rec, []byte("uEiOLDHASH\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	h, err := New(Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if !strings.Contains(logs.String(), "certhash changed") || !strings.Contains(logs.String(), "uEiOLDHASH") {
		t.Errorf("no warning about the changed certhash in %q", logs.String())
	}
	if got, _ := os.ReadFile(rec); strings.TrimSpace(string(got)) != h.CertHash() {
		t.Errorf("record %q, want %q", got, h.CertHash())
	}
}
