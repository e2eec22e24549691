package producer

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"lightdas/headers"
	"lightdas/headers/bls"
)

// Devnet layout inside its directory.
const (
	GenesisFile = "genesis.json"
	KeystoreDir = "keystore"
)

// ErrExists: the devnet directory already holds a genesis.
var ErrExists = errors.New("producer: devnet already initialised")

// DevnetConfig describes a new devnet; zero fields take defaults.
type DevnetConfig struct {
	ChainID    string
	Validators int       // default 4
	Power      uint64    // per validator, default 10
	MaxK       int       // default headers.MaxK
	Time       time.Time // genesis time, default now (whole seconds, UTC)
	Rand       io.Reader // key randomness, default crypto/rand
}

// NewDevnetGenesis makes n validator keys with proofs of possession and a
// genesis naming them, and writes dir/genesis.json and one key file per
// validator under dir/keystore.
func NewDevnetGenesis(chainID string, n int, dir string) (*headers.Genesis, error) {
	return NewDevnet(DevnetConfig{ChainID: chainID, Validators: n}, dir)
}

// NewDevnet is NewDevnetGenesis with every parameter.
func NewDevnet(cfg DevnetConfig, dir string) (*headers.Genesis, error) {
	if cfg.Validators == 0 {
		cfg.Validators = 4
	}
	if cfg.Power == 0 {
		cfg.Power = 10
	}
	if cfg.MaxK == 0 {
		cfg.MaxK = headers.MaxK
	}
	if cfg.Time.IsZero() {
		cfg.Time = time.Now().UTC().Truncate(time.Second)
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.Validators < 1 || cfg.Validators > headers.MaxValidators {
		return nil, fmt.Errorf("%w: %d validators", headers.ErrInvalidGenesis, cfg.Validators)
	}
	genesisPath := filepath.Join(dir, GenesisFile)
	if _, err := os.Stat(genesisPath); err == nil {
		return nil, fmt.Errorf("%w: %s", ErrExists, genesisPath)
	}
	scheme := bls.NewScheme()
	keys := make([]*bls.SecretKey, cfg.Validators)
	vals := make([]headers.Validator, cfg.Validators)
	for i := range keys {
		sk, err := bls.GenerateKey(cfg.Rand)
		if err != nil {
			return nil, fmt.Errorf("producer: devnet keys: %w", err)
		}
		keys[i] = sk
		vals[i] = headers.Validator{PublicKey: sk.PublicKey(), Power: cfg.Power, Possession: scheme.ProvePossession(sk)}
	}
	set, err := headers.NewValidatorSet(vals)
	if err != nil {
		return nil, fmt.Errorf("producer: devnet: %w", err)
	}
	g := &headers.Genesis{ChainID: cfg.ChainID, Time: cfg.Time.UTC(), Validators: set, DA: headers.DAParams{MaxK: cfg.MaxK}}
	data, err := g.MarshalJSON() // validates
	if err != nil {
		return nil, fmt.Errorf("producer: devnet: %w", err)
	}
	for _, sk := range keys {
		if _, err := WriteKey(filepath.Join(dir, KeystoreDir), sk); err != nil {
			return nil, err
		}
	}
	f, err := os.OpenFile(genesisPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("producer: devnet: %w", err)
	}
	if _, err := f.Write(append(data, '\n')); err != nil {
		f.Close()
		return nil, fmt.Errorf("producer: devnet: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("producer: devnet: %w", err)
	}
	return g, nil
}

// LoadDevnet reads dir/genesis.json and the keys of dir/keystore.
func LoadDevnet(dir string) (*headers.Genesis, []*bls.SecretKey, error) {
	data, err := os.ReadFile(filepath.Join(dir, GenesisFile))
	if err != nil {
		return nil, nil, fmt.Errorf("producer: devnet: %w", err)
	}
	g, err := headers.ParseGenesis(data)
	if err != nil {
		return nil, nil, err
	}
	keys, err := LoadKeys(filepath.Join(dir, KeystoreDir))
	if err != nil {
		return nil, nil, err
	}
	return g, keys, nil
}
