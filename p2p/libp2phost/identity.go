//go:build !js

package libp2phost

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/crypto/pb"
)

// IdentityFile is the name of the identity key file inside a data dir.
const IdentityFile = "identity.key"

// Identity errors.
var (
	// ErrBadIdentity: the key file is not a libp2p-encoded Ed25519 private
	// key (truncated, corrupt, or another key type).
	ErrBadIdentity = errors.New("libp2phost: bad identity key file")
	// ErrIdentityPermissions: the key file is readable or writable by group
	// or others. The key is the node's identity, so it is refused rather
	// than used.
	ErrIdentityPermissions = errors.New("libp2phost: identity key file permissions too open")
)

// LoadOrCreateIdentity returns the Ed25519 key stored at path, creating it
// (mode 0600, its directory 0700) when the file does not exist. The file
// holds the key in libp2p's protobuf encoding, as go-libp2p and kubo write
// it. Creation is atomic and exclusive: concurrent callers all end up with
// the key that was written first.
func LoadOrCreateIdentity(path string) (crypto.PrivKey, error) {
	key, err := loadIdentity(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	priv, _, err := crypto.GenerateEd25519Key(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("libp2phost: generating identity: %w", err)
	}
	data, err := crypto.MarshalPrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("libp2phost: encoding identity: %w", err)
	}
	if err := writeExclusive(path, data); err != nil {
		if errors.Is(err, fs.ErrExist) {
			// Another process won the race: use its key.
			return loadIdentity(path)
		}
		return nil, fmt.Errorf("libp2phost: saving identity: %w", err)
	}
	return priv, nil
}

func loadIdentity(path string) (crypto.PrivKey, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%w: %s has mode %v, want 0600", ErrIdentityPermissions, path, fi.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("libp2phost: reading identity: %w", err)
	}
	key, err := ParseIdentity(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return key, nil
}

// ParseIdentity decodes an identity key file's contents: a libp2p
// protobuf-encoded Ed25519 private key, in its canonical encoding.
func ParseIdentity(data []byte) (crypto.PrivKey, error) {
	key, err := crypto.UnmarshalPrivateKey(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadIdentity, err)
	}
	if key.Type() != pb.KeyType_Ed25519 {
		return nil, fmt.Errorf("%w: key type %v, want Ed25519", ErrBadIdentity, key.Type())
	}
	// Reject encodings with trailing or reordered fields: one key, one file.
	again, err := crypto.MarshalPrivateKey(key)
	if err != nil || !bytes.Equal(again, data) {
		return nil, fmt.Errorf("%w: non-canonical encoding", ErrBadIdentity)
	}
	return key, nil
}

// writeExclusive writes data to path atomically (a complete file or none)
// and fails with fs.ErrExist when path already exists.
func writeExclusive(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".identity-*.tmp") // mode 0600
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	// A hard link, unlike rename, never replaces an existing file.
	return os.Link(tmp.Name(), path)
}
