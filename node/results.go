//go:build !js

package node

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"lightdas/light"
	"lightdas/node/api"
)

// ResultsFile is the light node's per-height results database inside its
// data dir. It is a file of its own (node/store holds headers, blocks and
// the checkpoint) so that the API can answer GET /v1/blocks/{height} after
// a restart without widening the store's schema.
const ResultsFile = "results.db"

var (
	bucketResults = []byte("results")
	bucketMeta    = []byte("meta")
	keyChain      = []byte("chain")
)

// resultStore persists the latest verdict of each height, keeping the
// highest keep heights. It is the light client's light.ResultStore; the
// verdicts are stored in the API's form (a light.BlockResult without its
// sampled cells), which the files of earlier versions hold too.
type resultStore struct {
	db   *bolt.DB
	keep uint64
}

var _ light.ResultStore = (*resultStore)(nil)

func openResults(path, chainID string, keep int) (*resultStore, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("node: results file %s is locked by another process", path)
	}
	if err != nil {
		return nil, fmt.Errorf("node: results file: %w", err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if _, err := tx.CreateBucketIfNotExists(bucketResults); err != nil {
			return err
		}
		m, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		switch got := m.Get(keyChain); {
		case got == nil:
			return m.Put(keyChain, []byte(chainID))
		case string(got) != chainID:
			return fmt.Errorf("%w: results file of chain %q, node on %q", ErrConfig, got, chainID)
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("node: results file: %w", err)
	}
	return &resultStore{db: db, keep: uint64(keep)}, nil
}

func heightKey(h uint64) []byte { return binary.BigEndian.AppendUint64(nil, h) }

// put stores r and forgets heights more than keep below it.
func (s *resultStore) put(r api.BlockResult) error {
	v, err := encodeResult(r)
	if err != nil {
		return err
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketResults)
		if err := b.Put(heightKey(r.Height), v); err != nil {
			return err
		}
		if r.Height <= s.keep {
			return nil
		}
		below := heightKey(r.Height - s.keep)
		c := b.Cursor()
		var old [][]byte
		for k, _ := c.First(); k != nil && bytes.Compare(k, below) < 0; k, _ = c.Next() {
			old = append(old, bytes.Clone(k))
		}
		for _, k := range old {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *resultStore) get(h uint64) (api.BlockResult, bool, error) {
	var r api.BlockResult
	var ok bool
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketResults).Get(heightKey(h))
		if v == nil {
			return nil
		}
		var err error
		if r, err = decodeResult(v); err != nil {
			return fmt.Errorf("node: results file, height %d: %w", h, err)
		}
		if r.Height != h {
			return fmt.Errorf("node: results file, height %d: %w: value for height %d", h, ErrMalformed, r.Height)
		}
		ok = true
		return nil
	})
	return r, ok, err
}

func (s *resultStore) close() error { return s.db.Close() }

// PutResult implements light.ResultStore.
func (s *resultStore) PutResult(_ context.Context, r *light.BlockResult) error {
	return s.put(toAPIResult(r))
}

// Result implements light.ResultStore.
func (s *resultStore) Result(_ context.Context, height uint64) (*light.BlockResult, error) {
	r, ok, err := s.get(height)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("node: no result for height %d: %w", height, light.ErrNotFound)
	}
	return fromAPIResult(r), nil
}

// Results implements light.ResultStore.
func (s *resultStore) Results(_ context.Context, from, to uint64) ([]*light.BlockResult, error) {
	var out []*light.BlockResult
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketResults).Cursor()
		for k, v := c.Seek(heightKey(from)); k != nil && binary.BigEndian.Uint64(k) <= to; k, v = c.Next() {
			h := binary.BigEndian.Uint64(k)
			r, err := decodeResult(v)
			if err != nil {
				return fmt.Errorf("node: results file, height %d: %w", h, err)
			}
			if r.Height != h {
				return fmt.Errorf("node: results file, height %d: %w: value for height %d", h, ErrMalformed, r.Height)
			}
			out = append(out, fromAPIResult(r))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) > light.MaxResults {
		out = out[len(out)-light.MaxResults:]
	}
	return out, nil
}

// PruneResults implements light.ResultStore.
func (s *resultStore) PruneResults(_ context.Context, below uint64) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketResults)
		c := b.Cursor()
		var old [][]byte
		for k, _ := c.First(); k != nil && binary.BigEndian.Uint64(k) < below; k, _ = c.Next() {
			old = append(old, bytes.Clone(k))
		}
		for _, k := range old {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}

// toAPIResult is the API's form of a light client verdict (without its
// sampled cells).
func toAPIResult(r *light.BlockResult) api.BlockResult {
	out := api.BlockResult{
		Height: r.Height, Hash: r.Hash, K: r.K, Status: api.BlockStatus(r.Status), Confidence: r.Confidence,
		Samples: r.Samples, Verified: r.Verified, Peers: r.Peers, Requests: r.Requests, Attempt: r.Attempt,
		ReceivedAt: r.ReceivedAt, StartedAt: r.StartedAt, DurationMs: r.DurationMs, VerifyMs: r.VerifyMs,
		LatencyMs: r.LatencyMs, Error: r.Error,
	}
	for _, c := range r.Missing {
		out.Missing = append(out.Missing, api.Cell{Row: c.Row, Col: c.Col})
	}
	return out
}

// fromAPIResult is the light client's form of a stored verdict.
func fromAPIResult(r api.BlockResult) *light.BlockResult {
	out := &light.BlockResult{
		Height: r.Height, Hash: r.Hash, K: r.K, Status: string(r.Status), Confidence: r.Confidence,
		Samples: r.Samples, Verified: r.Verified, Peers: r.Peers, Requests: r.Requests, Attempt: r.Attempt,
		ReceivedAt: r.ReceivedAt, StartedAt: r.StartedAt, DurationMs: r.DurationMs, VerifyMs: r.VerifyMs,
		LatencyMs: r.LatencyMs, Error: r.Error,
	}
	for _, c := range r.Missing {
		out.Missing = append(out.Missing, light.Cell{Row: c.Row, Col: c.Col})
	}
	return out
}

const resultVersion = 1

// encodeResult writes u8 version | JSON of the API result.
func encodeResult(r api.BlockResult) ([]byte, error) {
	j, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	return append([]byte{resultVersion}, j...), nil
}

// decodeResult reads a stored result strictly: known version, one JSON
// object with no unknown fields and nothing after it, a known status.
func decodeResult(b []byte) (api.BlockResult, error) {
	var r api.BlockResult
	if len(b) < 1 {
		return r, malformed(nil, "empty result")
	}
	if b[0] != resultVersion {
		return r, malformed(ErrUnknownVersion, "result version %d", b[0])
	}
	dec := json.NewDecoder(bytes.NewReader(b[1:]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return api.BlockResult{}, malformed(nil, "result: %v", err)
	}
	if dec.More() || dec.InputOffset() != int64(len(b)-1) {
		return api.BlockResult{}, malformed(nil, "result: trailing bytes")
	}
	switch r.Status {
	case api.StatusAvailable, api.StatusUnavailable, api.StatusInvalid, api.StatusPending:
	default:
		return api.BlockResult{}, malformed(nil, "result status %q", r.Status)
	}
	return r, nil
}
