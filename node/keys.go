package node

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"lightdas/headers"
	"lightdas/headers/bls"
	"lightdas/node/producer"
)

// ValidatorKey describes a key of a keystore: what a genesis needs to
// name the validator (public key and proof of possession, hex).
type ValidatorKey struct {
	Path       string `json:"path"`
	PublicKey  string `json:"public_key"`
	Possession string `json:"possession"`
}

func describeKey(path string, sk *bls.SecretKey) ValidatorKey {
	pk := sk.PublicKey().Bytes()
	pop := bls.NewScheme().ProvePossession(sk).Bytes()
	return ValidatorKey{Path: path, PublicKey: hex.EncodeToString(pk[:]), Possession: hex.EncodeToString(pop[:])}
}

// NewValidatorKey generates a validator key with crypto/rand and writes
// it into the keystore dir (created if missing).
func NewValidatorKey(dir string) (ValidatorKey, error) {
	if dir == "" {
		return ValidatorKey{}, fmt.Errorf("%w: keystore directory required", ErrConfig)
	}
	sk, err := bls.GenerateKey(rand.Reader)
	if err != nil {
		return ValidatorKey{}, fmt.Errorf("node: new key: %w", err)
	}
	path, err := producer.WriteKey(dir, sk)
	if err != nil {
		return ValidatorKey{}, err
	}
	return describeKey(path, sk), nil
}

// ListValidatorKeys reads (and checks) every key of the keystore dir, in
// file-name order.
func ListValidatorKeys(dir string) ([]ValidatorKey, error) {
	if dir == "" {
		return nil, fmt.Errorf("%w: keystore directory required", ErrConfig)
	}
	keys, err := producer.LoadKeys(dir)
	if err != nil {
		return nil, err
	}
	// LoadKeys reads the *.json files in os.ReadDir (file-name) order.
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("node: keystore: %w", err)
	}
	var paths []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".json") {
			paths = append(paths, filepath.Join(dir, e.Name()))
		}
	}
	if len(paths) != len(keys) {
		return nil, fmt.Errorf("node: keystore %s changed while reading it", dir)
	}
	out := make([]ValidatorKey, len(keys))
	for i, sk := range keys {
		out[i] = describeKey(paths[i], sk)
	}
	return out, nil
}

// ReadGenesis reads and validates a genesis file.
func ReadGenesis(path string) (*headers.Genesis, error) {
	if path == "" {
		return nil, fmt.Errorf("%w: a genesis file is required", ErrConfig)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("node: genesis: %w", err)
	}
	g, err := headers.ParseGenesis(data)
	if err != nil {
		return nil, fmt.Errorf("node: genesis %s: %w", path, err)
	}
	return g, nil
}
