package producer

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"lightdas/headers/bls"
)

// Keystore: a directory (mode 0700) of one JSON file per validator key,
// named "<first 16 hex digits of the public key>.json", mode 0600:
//
//	{"version": 1, "public_key": "<96 hex>", "secret_key": "<64 hex>"}
//
// Keys are stored in the clear: this is a devnet keystore (a production
// one would encrypt with EIP-2335). Reading is strict: unknown fields,
// upper-case hex, a public key that does not match the secret key, or a
// file readable by group or others are errors.
const (
	KeystoreVersion = 1
	maxKeyFileSize  = 4 << 10
)

// ErrKeystore: a key file that is malformed, mismatched or too open.
var ErrKeystore = errors.New("producer: invalid keystore")

type keyFile struct {
	Version   int    `json:"version"`
	PublicKey string `json:"public_key"`
	SecretKey string `json:"secret_key"`
}

// WriteKey saves sk into dir (created 0700 if missing) and returns the
// file's path. It never overwrites a file.
func WriteKey(dir string, sk *bls.SecretKey) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("producer: keystore: %w", err)
	}
	pk, skb := sk.PublicKey().Bytes(), sk.Bytes()
	data, err := json.MarshalIndent(keyFile{
		Version:   KeystoreVersion,
		PublicKey: hex.EncodeToString(pk[:]),
		SecretKey: hex.EncodeToString(skb[:]),
	}, "", "  ")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, hex.EncodeToString(pk[:8])+".json")
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("producer: keystore: %w", err)
	}
	if _, err := f.Write(append(data, '\n')); err != nil {
		f.Close()
		return "", fmt.Errorf("producer: keystore: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", fmt.Errorf("producer: keystore: %w", err)
	}
	return path, f.Close()
}

// LoadKeys reads every *.json key file of dir, in file-name order.
func LoadKeys(dir string) ([]*bls.SecretKey, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("producer: keystore: %w", err)
	}
	var keys []*bls.SecretKey
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		sk, err := readKey(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		keys = append(keys, sk)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: no key files in %s", ErrKeystore, dir)
	}
	return keys, nil
}

func readKey(path string) (*bls.SecretKey, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("producer: keystore: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("producer: keystore: %w", err)
	}
	if err := checkPrivate(st); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrKeystore, path, err)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("producer: keystore: %w", err)
	}
	sk, err := ParseKeyFile(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return sk, nil
}

// checkPrivate refuses key files others may read (where the OS has Unix
// permissions).
func checkPrivate(st fs.FileInfo) error {
	if runtime.GOOS == "windows" || runtime.GOOS == "js" {
		return nil
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("mode %04o, want 0600", perm)
	}
	return nil
}

// ParseKeyFile decodes one key file strictly.
func ParseKeyFile(data []byte) (*bls.SecretKey, error) {
	if len(data) > maxKeyFileSize {
		return nil, fmt.Errorf("%w: %d bytes", ErrKeystore, len(data))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var kf keyFile
	if err := dec.Decode(&kf); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKeystore, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: data after the JSON object", ErrKeystore)
	}
	if kf.Version != KeystoreVersion {
		return nil, fmt.Errorf("%w: version %d", ErrKeystore, kf.Version)
	}
	skb, err := strictHex(kf.SecretKey, bls.SecretKeySize)
	if err != nil {
		return nil, fmt.Errorf("%w: secret_key: %w", ErrKeystore, err)
	}
	pkb, err := strictHex(kf.PublicKey, bls.PublicKeySize)
	if err != nil {
		return nil, fmt.Errorf("%w: public_key: %w", ErrKeystore, err)
	}
	sk, err := bls.SecretKeyFromBytes(skb)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeystore, err)
	}
	if pk := sk.PublicKey().Bytes(); !slices.Equal(pk[:], pkb) {
		return nil, fmt.Errorf("%w: public key does not match the secret key", ErrKeystore)
	}
	return sk, nil
}

func strictHex(s string, n int) ([]byte, error) {
	if len(s) != 2*n || strings.ToLower(s) != s {
		return nil, fmt.Errorf("want %d lower-case hex digits", 2*n)
	}
	return hex.DecodeString(s)
}
