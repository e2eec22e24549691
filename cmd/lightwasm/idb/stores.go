//go:build js && wasm

package idb

import (
	"context"
	"fmt"
	"syscall/js"

	"lightdas/das"
	"lightdas/light"
)

// Keys of the meta store.
const (
	metaCheckpoint = "sampler-checkpoint" // das.Checkpoint binary encoding
	metaIdentity   = "identity"           // what the stored data belongs to
)

// getMeta reads one meta value (undefined when absent).
func (d *DB) getMeta(ctx context.Context, key string) (js.Value, error) {
	return d.getOne(ctx, storeMeta, "get "+key, func(st js.Value) (js.Value, error) {
		return call(st, "get", key)
	})
}

// putMeta writes one meta value and waits for the commit.
func (d *DB) putMeta(ctx context.Context, key string, v any) error {
	tx, err := d.tx("readwrite", storeMeta)
	if err != nil {
		return err
	}
	if _, err := call(tx.Call("objectStore", storeMeta), "put", v, key); err != nil {
		tx.Call("abort")
		return err
	}
	return awaitTx(ctx, tx, "put "+key)
}

// Identity returns the identity recorded by SetIdentity ("" when none).
func (d *DB) Identity(ctx context.Context) (string, error) {
	v, err := d.getMeta(ctx, metaIdentity)
	if err != nil {
		return "", err
	}
	if v.Type() != js.TypeString {
		return "", nil
	}
	return v.String(), nil
}

// SetIdentity records what the stored data belongs to (e.g. the chain id
// and genesis hash), so a later start for another chain can tell.
func (d *DB) SetIdentity(ctx context.Context, id string) error {
	return d.putMeta(ctx, metaIdentity, id)
}

// Checkpoints is the sampler's checkpoint store.
type Checkpoints struct{ db *DB }

// Checkpoints returns the database's checkpoint store.
func (d *DB) Checkpoints() *Checkpoints { return &Checkpoints{db: d} }

var _ das.CheckpointStore = (*Checkpoints)(nil)

// LoadCheckpoint implements das.CheckpointStore.
func (c *Checkpoints) LoadCheckpoint(ctx context.Context) (*das.Checkpoint, error) {
	v, err := c.db.getMeta(ctx, metaCheckpoint)
	if err != nil {
		return nil, err
	}
	if v.IsUndefined() {
		return nil, nil
	}
	raw, ok := bytesFromJS(v)
	if !ok {
		return nil, fmt.Errorf("%w: stored checkpoint is not bytes", das.ErrMalformed)
	}
	cp := new(das.Checkpoint)
	if err := cp.UnmarshalBinary(raw); err != nil {
		return nil, fmt.Errorf("idb: stored checkpoint: %w", err)
	}
	return cp, nil
}

// SaveCheckpoint implements das.CheckpointStore.
func (c *Checkpoints) SaveCheckpoint(ctx context.Context, cp *das.Checkpoint) error {
	raw, err := cp.MarshalBinary()
	if err != nil {
		return err
	}
	return c.db.putMeta(ctx, metaCheckpoint, bytesToJS(raw))
}

// Results is the per-height verdict store: records {height, result (the
// BlockResult's JSON)}.
type Results struct{ db *DB }

// Results returns the database's result store.
func (d *DB) Results() *Results { return &Results{db: d} }

var _ light.ResultStore = (*Results)(nil)

// PutResult implements light.ResultStore.
func (r *Results) PutResult(ctx context.Context, res *light.BlockResult) error {
	key, err := heightKey(res.Height)
	if err != nil {
		return err
	}
	raw, err := res.MarshalBinary()
	if err != nil {
		return err
	}
	tx, err := r.db.tx("readwrite", storeResults)
	if err != nil {
		return err
	}
	rec := js.ValueOf(map[string]any{"height": key, "result": string(raw)})
	if _, err := call(tx.Call("objectStore", storeResults), "put", rec); err != nil {
		tx.Call("abort")
		return err
	}
	return awaitTx(ctx, tx, "put result")
}

func decodeResult(rec js.Value) (*light.BlockResult, error) {
	if rec.Type() != js.TypeObject || rec.Get("result").Type() != js.TypeString {
		return nil, fmt.Errorf("%w: result record is not {height, result}", light.ErrCorrupt)
	}
	out := new(light.BlockResult)
	if err := out.UnmarshalBinary([]byte(rec.Get("result").String())); err != nil {
		return nil, err
	}
	if h := rec.Get("height"); h.Type() != js.TypeNumber || uint64(h.Float()) != out.Height {
		return nil, fmt.Errorf("%w: result record key does not match height %d", light.ErrCorrupt, out.Height)
	}
	return out, nil
}

// Result implements light.ResultStore.
func (r *Results) Result(ctx context.Context, height uint64) (*light.BlockResult, error) {
	key, err := heightKey(height)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", light.ErrNotFound, err)
	}
	rec, err := r.db.getOne(ctx, storeResults, "get result", func(st js.Value) (js.Value, error) {
		return call(st, "get", key)
	})
	if err != nil {
		return nil, err
	}
	if rec.IsUndefined() {
		return nil, fmt.Errorf("%w: no result for height %d", light.ErrNotFound, height)
	}
	return decodeResult(rec)
}

// Results implements light.ResultStore.
func (r *Results) Results(ctx context.Context, from, to uint64) ([]*light.BlockResult, error) {
	if from > to {
		return nil, nil
	}
	to = min(to, maxSafeHeight)
	if from > to {
		return nil, nil
	}
	// The highest MaxResults of the range: start there.
	if to-from+1 > light.MaxResults {
		from = to - light.MaxResults + 1
	}
	rng, err := keyRange("bound", float64(from), float64(to))
	if err != nil {
		return nil, err
	}
	arr, err := r.db.getOne(ctx, storeResults, "get results", func(st js.Value) (js.Value, error) {
		return call(st, "getAll", rng, light.MaxResults)
	})
	if err != nil {
		return nil, err
	}
	n := arr.Get("length").Int()
	out := make([]*light.BlockResult, 0, n)
	for i := range n {
		res, err := decodeResult(arr.Index(i))
		if err != nil {
			return nil, err
		}
		out = append(out, res)
	}
	return out, nil
}

// PruneResults implements light.ResultStore.
func (r *Results) PruneResults(ctx context.Context, below uint64) error {
	below = min(below, maxSafeHeight)
	rng, err := keyRange("upperBound", float64(below), true)
	if err != nil {
		return err
	}
	tx, err := r.db.tx("readwrite", storeResults)
	if err != nil {
		return err
	}
	if _, err := call(tx.Call("objectStore", storeResults), "delete", rng); err != nil {
		tx.Call("abort")
		return err
	}
	return awaitTx(ctx, tx, "prune results")
}
