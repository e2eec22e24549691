package headers

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"lightdas/headers/bls"
)

// MaxGenesisSize bounds the genesis file read into memory.
const MaxGenesisSize = 2 << 20

const genesisDomain = "LIGHTDAS-V1-GENESIS"

// DAParams are the chain's data-availability parameters.
type DAParams struct {
	// MaxK is the largest number of original rows a header may carry, a
	// power of two in 1..MaxK (64).
	MaxK int `json:"max_k"`
}

// Validate checks the parameters.
func (p DAParams) Validate() error {
	if p.MaxK < 1 || p.MaxK > MaxK || p.MaxK&(p.MaxK-1) != 0 {
		return fmt.Errorf("%w: max_k = %d is not a power of two in 1..%d", ErrInvalidGenesis, p.MaxK, MaxK)
	}
	return nil
}

// Genesis is the first trust root of a chain: its id, start time, initial
// validator set (with proofs of possession) and DA parameters.
type Genesis struct {
	ChainID    string
	Time       time.Time
	Validators *ValidatorSet
	DA         DAParams
}

type genesisValidatorJSON struct {
	PublicKey  string `json:"public_key"`
	Power      uint64 `json:"power"`
	Possession string `json:"proof_of_possession"`
}

type genesisJSON struct {
	ChainID    string                 `json:"chain_id"`
	Time       string                 `json:"genesis_time"`
	Validators []genesisValidatorJSON `json:"validators"`
	DA         *DAParams              `json:"da"`
}

// Validate checks the genesis fields.
func (g *Genesis) Validate() error {
	if err := ValidateChainID(g.ChainID); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidGenesis, err)
	}
	if !representable(g.Time) {
		return fmt.Errorf("%w: time not representable", ErrInvalidGenesis)
	}
	if g.Validators == nil {
		return fmt.Errorf("%w: no validators", ErrInvalidGenesis)
	}
	return g.DA.Validate()
}

// Hash identifies the genesis; header 1's parent hash must equal it:
//
//	SHA-256("LIGHTDAS-V1-GENESIS" | u8 len(chainID) | chainID |
//	        i64 time (Unix ns) | validator set hash | u8 max_k)
func (g *Genesis) Hash() Hash {
	b := make([]byte, 0, len(genesisDomain)+1+len(g.ChainID)+8+HashSize+1)
	b = append(b, genesisDomain...)
	b = appendU8(b, uint8(len(g.ChainID)))
	b = append(b, g.ChainID...)
	b = appendU64(b, uint64(g.Time.UnixNano()))
	vh := g.Validators.Hash()
	b = append(b, vh[:]...)
	b = appendU8(b, uint8(g.DA.MaxK))
	return sha256.Sum256(b)
}

// Trusted is the genesis as a trust anchor at height 0.
func (g *Genesis) Trusted() Trusted {
	return Trusted{
		Height:             0,
		Hash:               g.Hash(),
		Time:               g.Time,
		Validators:         g.Validators,
		NextValidatorsHash: g.Validators.Hash(),
	}
}

// MarshalJSON writes the genesis file format.
func (g *Genesis) MarshalJSON() ([]byte, error) {
	if err := g.Validate(); err != nil {
		return nil, err
	}
	out := genesisJSON{
		ChainID: g.ChainID,
		Time:    g.Time.UTC().Format(time.RFC3339Nano),
		DA:      &g.DA,
	}
	vals, err := g.Validators.Validators()
	if err != nil {
		return nil, err
	}
	for _, v := range vals {
		pk, pop := v.PublicKey.Bytes(), v.Possession.Bytes()
		out.Validators = append(out.Validators, genesisValidatorJSON{
			PublicKey:  hex.EncodeToString(pk[:]),
			Power:      v.Power,
			Possession: hex.EncodeToString(pop[:]),
		})
	}
	return json.MarshalIndent(out, "", "  ")
}

// ParseGenesis reads a genesis file strictly: one JSON object, no unknown
// or missing fields, lower-case hex keys and proofs, every key's proof of
// possession verified. Validators may be listed in any order; the set
// takes the canonical (sorted) order.
func ParseGenesis(data []byte) (*Genesis, error) {
	if len(data) > MaxGenesisSize {
		return nil, fmt.Errorf("%w: %w: %d bytes", ErrInvalidGenesis, ErrTooLarge, len(data))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var gj genesisJSON
	if err := dec.Decode(&gj); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidGenesis, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: data after the JSON object", ErrInvalidGenesis)
	}
	if gj.DA == nil || gj.Time == "" || gj.Validators == nil {
		return nil, fmt.Errorf("%w: missing chain_id, genesis_time, validators or da", ErrInvalidGenesis)
	}
	t, err := time.Parse(time.RFC3339Nano, gj.Time)
	if err != nil {
		return nil, fmt.Errorf("%w: genesis_time: %v", ErrInvalidGenesis, err)
	}
	if len(gj.Validators) == 0 || len(gj.Validators) > MaxValidators {
		return nil, fmt.Errorf("%w: %d validators", ErrInvalidGenesis, len(gj.Validators))
	}
	vals := make([]Validator, len(gj.Validators))
	for i, v := range gj.Validators {
		pkb, err := strictHex(v.PublicKey, bls.PublicKeySize)
		if err != nil {
			return nil, fmt.Errorf("%w: validator %d public_key: %w", ErrInvalidGenesis, i, err)
		}
		popb, err := strictHex(v.Possession, bls.SignatureSize)
		if err != nil {
			return nil, fmt.Errorf("%w: validator %d proof_of_possession: %w", ErrInvalidGenesis, i, err)
		}
		if vals[i].PublicKey, err = bls.PublicKeyFromBytes(pkb); err != nil {
			return nil, fmt.Errorf("%w: validator %d: %w", ErrInvalidGenesis, i, err)
		}
		if vals[i].Possession, err = bls.SignatureFromBytes(popb); err != nil {
			return nil, fmt.Errorf("%w: validator %d: %w", ErrInvalidGenesis, i, err)
		}
		vals[i].Power = v.Power
	}
	vs, err := NewValidatorSet(vals)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidGenesis, err)
	}
	g := &Genesis{ChainID: gj.ChainID, Time: t.UTC(), Validators: vs, DA: *gj.DA}
	if err := g.Validate(); err != nil {
		return nil, err
	}
	return g, nil
}

func strictHex(s string, n int) ([]byte, error) {
	if len(s) != 2*n || strings.ToLower(s) != s {
		return nil, fmt.Errorf("%w: want %d lower-case hex digits", ErrMalformed, 2*n)
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return b, nil
}

// Checkpoint is a trust root chosen out of band: a height and the hash of
// the header at that height. The header itself is fetched from peers.
type Checkpoint struct {
	Height uint64 `json:"height"`
	Hash   Hash   `json:"hash"`
}

// Validate checks the checkpoint fields.
func (c Checkpoint) Validate() error {
	if c.Height == 0 || c.Hash.IsZero() {
		return fmt.Errorf("%w: checkpoint needs a height >= 1 and a hash", ErrMalformed)
	}
	return nil
}

// String is "height:hash", the form ParseCheckpoint reads (for flags).
func (c Checkpoint) String() string { return fmt.Sprintf("%d:%s", c.Height, c.Hash) }

// ParseCheckpoint reads "height:hash".
func ParseCheckpoint(s string) (Checkpoint, error) {
	hs, hh, ok := strings.Cut(s, ":")
	if !ok {
		return Checkpoint{}, fmt.Errorf("%w: checkpoint %q is not height:hash", ErrMalformed, s)
	}
	h, err := strconv.ParseUint(hs, 10, 64)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("%w: checkpoint height: %v", ErrMalformed, err)
	}
	hash, err := ParseHash(hh)
	if err != nil {
		return Checkpoint{}, err
	}
	c := Checkpoint{Height: h, Hash: hash}
	return c, c.Validate()
}
