package headers

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"sync"

	"lightdas/headers/bls"
)

// Validator-set limits.
const (
	MaxValidators = 1024
	// MaxTotalPower keeps 3*power sums far from uint64 overflow.
	MaxTotalPower = 1 << 60

	validatorHashEntry = bls.PublicKeySize + 8
	validatorWireEntry = bls.PublicKeySize + 8 + bls.SignatureSize
	// MaxValidatorSetSize is the largest wire encoding of a set.
	MaxValidatorSetSize = 2 + MaxValidators*validatorWireEntry
)

// PublicKeyBytes is a compressed BLS public key.
type PublicKeyBytes = [bls.PublicKeySize]byte

// Validator is a BLS public key with its voting power and its proof of
// possession (a signature of the key under bls.PossessionDST).
type Validator struct {
	PublicKey  *bls.PublicKey
	Power      uint64
	Possession *bls.Signature
}

// ValidatorSet is an immutable validator set: 1..MaxValidators distinct
// keys sorted by their compressed bytes, positive powers summing to at most
// MaxTotalPower. Signer bitfields index into this order.
//
// Its structure (count, order, distinct keys, powers, hash) is always
// valid. The cryptography (every key a prime-order point, every proof of
// possession valid) is checked by Verify: at once for sets built with
// NewValidatorSet or DecodeValidatorSet, and on first use for sets read by
// a Codec, so that a peer cannot make a light client prove sets that no
// trusted header names. The Verifier calls Verify before counting a
// set's signatures.
type ValidatorSet struct {
	keys   []PublicKeyBytes
	powers []uint64
	total  uint64
	hash   Hash
	index  map[PublicKeyBytes]int
	wire   []byte // wire encoding, when the set came from bytes

	once sync.Once
	vals []Validator // decoded keys and proofs, once verified
	err  error
}

// NewValidatorSet sorts vals into canonical order and verifies them (batch
// proof-of-possession check included).
func NewValidatorSet(vals []Validator) (*ValidatorSet, error) {
	vals = slices.Clone(vals)
	for i, v := range vals {
		if v.PublicKey == nil || v.Possession == nil {
			return nil, fmt.Errorf("%w: validator %d lacks a key or proof of possession", ErrInvalidValidSet, i)
		}
	}
	slices.SortStableFunc(vals, func(a, b Validator) int {
		ab, bb := a.PublicKey.Bytes(), b.PublicKey.Bytes()
		return bytes.Compare(ab[:], bb[:])
	})
	keys := make([]PublicKeyBytes, len(vals))
	powers := make([]uint64, len(vals))
	for i, v := range vals {
		keys[i], powers[i] = v.PublicKey.Bytes(), v.Power
	}
	vs, err := newStructure(keys, powers)
	if err != nil {
		return nil, err
	}
	vs.once.Do(func() { vs.vals, vs.err = vals, verifyPossessions(vals) })
	if vs.err != nil {
		return nil, vs.err
	}
	return vs, nil
}

// newStructure checks everything but the cryptography.
func newStructure(keys []PublicKeyBytes, powers []uint64) (*ValidatorSet, error) {
	if len(keys) == 0 || len(keys) > MaxValidators {
		return nil, fmt.Errorf("%w: %d validators, want 1..%d", ErrInvalidValidSet, len(keys), MaxValidators)
	}
	vs := &ValidatorSet{keys: keys, powers: powers, index: make(map[PublicKeyBytes]int, len(keys))}
	for i, pk := range keys {
		if j, dup := vs.index[pk]; dup {
			return nil, fmt.Errorf("%w: validators %d and %d share key %x", ErrDuplicateValidator, j, i, pk[:8])
		}
		vs.index[pk] = i
		if i > 0 && bytes.Compare(keys[i-1][:], pk[:]) > 0 {
			return nil, fmt.Errorf("%w: at index %d", ErrValidatorOrder, i)
		}
		if powers[i] == 0 {
			return nil, fmt.Errorf("%w: validator %d has zero power", ErrInvalidValidSet, i)
		}
		if powers[i] > MaxTotalPower-vs.total {
			return nil, fmt.Errorf("%w: total power above %d", ErrInvalidValidSet, uint64(MaxTotalPower))
		}
		vs.total += powers[i]
	}
	// The set hash covers u16 count, then per validator the 48-byte key
	// and the u64 power. Proofs of possession are not part of its identity.
	b := make([]byte, 0, 2+len(keys)*validatorHashEntry)
	b = appendU16(b, uint16(len(keys)))
	for i := range keys {
		b = append(b, keys[i][:]...)
		b = appendU64(b, powers[i])
	}
	vs.hash = sha256.Sum256(b)
	return vs, nil
}

func verifyPossessions(vals []Validator) error {
	pks := make([]*bls.PublicKey, len(vals))
	pops := make([]*bls.Signature, len(vals))
	for i, v := range vals {
		pks[i], pops[i] = v.PublicKey, v.Possession
	}
	err := bls.NewScheme().VerifyPossessions(pks, pops, rand.Reader)
	if err == nil {
		return nil
	}
	var pe *bls.PossessionError
	if errors.As(err, &pe) {
		pk := vals[pe.Index].PublicKey.Bytes()
		return fmt.Errorf("%w: validator %d (key %x): %w", ErrInvalidPossession, pe.Index, pk[:8], err)
	}
	return fmt.Errorf("%w: %w", ErrInvalidPossession, err)
}

// Verify decodes every key and proof of possession strictly and checks the
// proofs (one batch). It runs once per set; later calls return the first
// result.
func (vs *ValidatorSet) Verify() error {
	vs.once.Do(func() { vs.vals, vs.err = vs.decodeCrypto() })
	return vs.err
}

// decodeCrypto decodes the points of a set read from the wire.
func (vs *ValidatorSet) decodeCrypto() ([]Validator, error) {
	vals := make([]Validator, len(vs.keys))
	for i := range vals {
		entry := vs.wire[2+i*validatorWireEntry:][:validatorWireEntry]
		pk, err := bls.PublicKeyFromBytes(entry[:bls.PublicKeySize])
		if err != nil {
			return nil, fmt.Errorf("%w: validator %d: %w", ErrInvalidValidSet, i, err)
		}
		pop, err := bls.SignatureFromBytes(entry[bls.PublicKeySize+8:])
		if err != nil {
			return nil, fmt.Errorf("%w: validator %d proof of possession: %w", ErrInvalidPossession, i, err)
		}
		vals[i] = Validator{PublicKey: pk, Power: vs.powers[i], Possession: pop}
	}
	if err := verifyPossessions(vals); err != nil {
		return nil, err
	}
	return vals, nil
}

// Size is the number of validators.
func (vs *ValidatorSet) Size() int { return len(vs.keys) }

// TotalPower is the sum of all powers.
func (vs *ValidatorSet) TotalPower() uint64 { return vs.total }

// Hash is SHA-256 over the canonical (key, power) list.
func (vs *ValidatorSet) Hash() Hash { return vs.hash }

// PublicKeyBytes is the compressed key of validator i (canonical order).
func (vs *ValidatorSet) PublicKeyBytes(i int) PublicKeyBytes { return vs.keys[i] }

// Power is the power of validator i.
func (vs *ValidatorSet) Power(i int) uint64 { return vs.powers[i] }

// IndexOf finds a key by its compressed bytes.
func (vs *ValidatorSet) IndexOf(pk PublicKeyBytes) (int, bool) {
	i, ok := vs.index[pk]
	return i, ok
}

// Validators verifies the set (see Verify) and returns a copy of its
// validators in canonical order.
func (vs *ValidatorSet) Validators() ([]Validator, error) {
	if err := vs.Verify(); err != nil {
		return nil, err
	}
	return slices.Clone(vs.vals), nil
}

// Encode is the wire encoding (with proofs of possession).
func (vs *ValidatorSet) Encode() []byte {
	if vs.wire != nil {
		return slices.Clone(vs.wire)
	}
	return EncodeValidators(vs.vals)
}

// EncodeValidators writes a validator list in the wire layout without
// checking it (tests use it to build invalid sets): u16 count, then per
// validator key (48), power (u64), proof of possession (96).
func EncodeValidators(vals []Validator) []byte {
	b := make([]byte, 0, 2+len(vals)*validatorWireEntry)
	b = appendU16(b, uint16(len(vals)))
	for _, v := range vals {
		pk := v.PublicKey.Bytes()
		pop := v.Possession.Bytes()
		b = append(b, pk[:]...)
		b = appendU64(b, v.Power)
		b = append(b, pop[:]...)
	}
	return b
}

// DecodeValidatorSet parses a wire-encoded set strictly and verifies it
// (keys in canonical order, every point and proof checked).
func DecodeValidatorSet(b []byte) (*ValidatorSet, error) {
	vs, err := parseValidatorSet(b)
	if err != nil {
		return nil, err
	}
	if err := vs.Verify(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return vs, nil
}

// parseValidatorSet checks the layout and structure of a wire-encoded set
// without touching the curve: lengths, count, canonical order, distinct
// keys, powers. The result still needs Verify.
func parseValidatorSet(b []byte) (*ValidatorSet, error) {
	if len(b) > MaxValidatorSetSize {
		return nil, fmt.Errorf("%w: %w: validator set of %d bytes", ErrMalformed, ErrTooLarge, len(b))
	}
	r := newReader(b, "validator set")
	n := int(r.u16())
	if r.err == nil && (n == 0 || n > MaxValidators) {
		r.fail("%d validators, want 1..%d", n, MaxValidators)
	}
	if r.err == nil && len(b) != 2+n*validatorWireEntry {
		r.fail("%d bytes for %d validators", len(b), n)
	}
	if r.err != nil {
		return nil, r.err
	}
	keys := make([]PublicKeyBytes, n)
	powers := make([]uint64, n)
	for i := 0; i < n; i++ {
		keys[i] = PublicKeyBytes(r.take(bls.PublicKeySize))
		powers[i] = r.u64()
		r.take(bls.SignatureSize)
	}
	if err := r.finish(); err != nil {
		return nil, err
	}
	vs, err := newStructure(keys, powers)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	vs.wire = slices.Clone(b)
	return vs, nil
}

// SetCache remembers validator sets by the digest of their exact wire
// bytes, so a set that arrives again (every range response carries one)
// is neither parsed nor verified again; sets that failed verification are
// remembered failed. Proofs of possession are deterministic signatures, so
// identical bytes mean identical content. Safe for concurrent use; bounded.
type SetCache struct {
	mu    sync.Mutex
	max   int
	sets  map[Hash]*ValidatorSet
	order []Hash
}

// NewSetCache keeps up to size sets (at least 1).
func NewSetCache(size int) *SetCache {
	return &SetCache{max: max(1, size), sets: map[Hash]*ValidatorSet{}}
}

// Add records a set (for example the genesis set, already verified).
func (c *SetCache) Add(vs *ValidatorSet) { c.put(sha256.Sum256(vs.Encode()), vs) }

// decode returns the cached set for b, or parses and caches it.
func (c *SetCache) decode(b []byte) (*ValidatorSet, error) {
	key := sha256.Sum256(b)
	if vs := c.get(key); vs != nil {
		return vs, nil
	}
	vs, err := parseValidatorSet(b)
	if err != nil {
		return nil, err
	}
	c.put(key, vs)
	return vs, nil
}

func (c *SetCache) get(k Hash) *ValidatorSet {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sets[k]
}

func (c *SetCache) put(k Hash, vs *ValidatorSet) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.sets[k]; ok {
		return
	}
	if len(c.order) >= c.max {
		delete(c.sets, c.order[0])
		c.order = c.order[1:]
	}
	c.sets[k] = vs
	c.order = append(c.order, k)
}
