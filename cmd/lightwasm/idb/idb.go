//go:build js && wasm

// Package idb persists a browser light client in IndexedDB: the verified
// headers (headers.Store), the sampler's checkpoint (das.CheckpointStore)
// and the per-height verdicts (light.ResultStore), so that a reloaded page
// resumes where it stopped without sampling a height twice.
//
// It talks to the IndexedDB API through syscall/js. IndexedDB answers with
// callbacks on the page's event loop while Go code blocks; every callback
// here only hands its result to a buffered channel and returns (a callback
// must never block, or the event loop and with it every other callback
// stops). A transaction is issued in one go (all its requests without
// waiting in between, so it stays active) and then awaited.
package idb

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"syscall/js"
)

// Errors.
var (
	// ErrUnavailable: the environment has no IndexedDB (or it refused to
	// open the database: private browsing, storage disabled).
	ErrUnavailable = errors.New("idb: IndexedDB unavailable")
	// ErrClosed: the database was closed.
	ErrClosed = errors.New("idb: database closed")
	// ErrHeight: a height IndexedDB cannot use as a number key exactly
	// (above 2^53).
	ErrHeight = errors.New("idb: height out of range")
)

// Error is a failed IndexedDB request or transaction: the DOMException's
// name (e.g. "QuotaExceededError", "ConstraintError") and message.
type Error struct {
	Op      string
	Name    string
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("idb: %s: %s: %s", e.Op, e.Name, e.Message) }

// Object stores of the schema (version 1).
const (
	storeHeaders = "headers" // key path "height"; index "hash" (unique)
	storeMeta    = "meta"    // out-of-line string keys
	storeResults = "results" // key path "height"
	indexHash    = "hash"
	schema       = 1
)

// maxSafeHeight is the largest height a JS number key holds exactly.
const maxSafeHeight = 1<<53 - 1

// DB is an open lightdas database.
type DB struct {
	name      string
	db        js.Value
	onVersion js.Func

	mu     sync.Mutex
	closed bool
}

// Open opens (creating or upgrading) the database name.
func Open(ctx context.Context, name string) (*DB, error) {
	factory := js.Global().Get("indexedDB")
	if factory.IsUndefined() || factory.IsNull() {
		return nil, fmt.Errorf("%w: no indexedDB in this context", ErrUnavailable)
	}
	req, err := call(factory, "open", name, schema)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	upgrade := js.FuncOf(func(this js.Value, args []js.Value) any {
		// Runs inside the version-change transaction: create what is
		// missing. Nothing here blocks.
		db := req.Get("result")
		names := db.Get("objectStoreNames")
		if !names.Call("contains", storeHeaders).Bool() {
			hs := db.Call("createObjectStore", storeHeaders, map[string]any{"keyPath": "height"})
			hs.Call("createIndex", indexHash, "hash", map[string]any{"unique": true})
		}
		if !names.Call("contains", storeMeta).Bool() {
			db.Call("createObjectStore", storeMeta)
		}
		if !names.Call("contains", storeResults).Bool() {
			db.Call("createObjectStore", storeResults, map[string]any{"keyPath": "height"})
		}
		return nil
	})
	req.Set("onupgradeneeded", upgrade)
	res, err := await(ctx, req, "open "+name)
	req.Set("onupgradeneeded", js.Null())
	upgrade.Release()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	d := &DB{name: name, db: res}
	// Another tab upgrading or deleting the database asks us to let go.
	d.onVersion = js.FuncOf(func(this js.Value, args []js.Value) any {
		go d.Close() // not from inside the callback: Close releases it
		return nil
	})
	res.Set("onversionchange", d.onVersion)
	return d, nil
}

// Name is the database name.
func (d *DB) Name() string { return d.name }

// Close closes the database; pending transactions still complete.
func (d *DB) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	d.closed = true
	d.db.Set("onversionchange", js.Null())
	d.onVersion.Release()
	d.db.Call("close")
	return nil
}

// Delete deletes the database name (it must not be open).
func Delete(ctx context.Context, name string) error {
	factory := js.Global().Get("indexedDB")
	if factory.IsUndefined() || factory.IsNull() {
		return fmt.Errorf("%w: no indexedDB in this context", ErrUnavailable)
	}
	req, err := call(factory, "deleteDatabase", name)
	if err != nil {
		return err
	}
	_, err = await(ctx, req, "delete "+name)
	return err
}

// Reset empties every object store.
func (d *DB) Reset(ctx context.Context) error {
	tx, err := d.tx("readwrite", storeHeaders, storeMeta, storeResults)
	if err != nil {
		return err
	}
	for _, s := range []string{storeHeaders, storeMeta, storeResults} {
		if _, err := call(tx.Call("objectStore", s), "clear"); err != nil {
			tx.Call("abort")
			return err
		}
	}
	return awaitTx(ctx, tx, "reset")
}

// tx starts a transaction over stores.
func (d *DB) tx(mode string, stores ...string) (js.Value, error) {
	d.mu.Lock()
	closed := d.closed
	d.mu.Unlock()
	if closed {
		return js.Value{}, ErrClosed
	}
	names := make([]any, len(stores))
	for i, s := range stores {
		names[i] = s
	}
	return call(d.db, "transaction", js.ValueOf(names), mode)
}

// call invokes a method that may throw (a closed database, a bad key)
// and turns the exception into an error.
func call(v js.Value, method string, args ...any) (res js.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = jsError(method, r)
		}
	}()
	return v.Call(method, args...), nil
}

func jsError(op string, r any) error {
	if je, ok := r.(js.Error); ok {
		return domError(op, je.Value)
	}
	return fmt.Errorf("idb: %s: %v", op, r)
}

func domError(op string, v js.Value) error {
	if v.IsUndefined() || v.IsNull() {
		return &Error{Op: op, Name: "UnknownError", Message: "no error object"}
	}
	return &Error{Op: op, Name: v.Get("name").String(), Message: v.Get("message").String()}
}

// await waits for one request's success (returning its result) or error.
// The callbacks release themselves; if ctx ends first they still fire
// later, into a buffered channel nobody reads.
func await(ctx context.Context, req js.Value, op string) (js.Value, error) {
	type outcome struct {
		v   js.Value
		err error
	}
	ch := make(chan outcome, 1)
	var ok, fail js.Func
	release := func() {
		req.Set("onsuccess", js.Null())
		req.Set("onerror", js.Null())
		ok.Release()
		fail.Release()
	}
	ok = js.FuncOf(func(this js.Value, args []js.Value) any {
		ch <- outcome{v: req.Get("result")}
		release()
		return nil
	})
	fail = js.FuncOf(func(this js.Value, args []js.Value) any {
		ch <- outcome{err: domError(op, req.Get("error"))}
		release()
		return nil
	})
	req.Set("onsuccess", ok)
	req.Set("onerror", fail)
	select {
	case o := <-ch:
		return o.v, o.err
	case <-ctx.Done():
		return js.Value{}, fmt.Errorf("idb: %s: %w", op, ctx.Err())
	}
}

// awaitTx waits for a transaction to commit (nil) or abort (its error).
func awaitTx(ctx context.Context, tx js.Value, op string) error {
	ch := make(chan error, 1)
	var done, fail js.Func
	release := func() {
		tx.Set("oncomplete", js.Null())
		tx.Set("onerror", js.Null())
		tx.Set("onabort", js.Null())
		done.Release()
		fail.Release()
	}
	done = js.FuncOf(func(this js.Value, args []js.Value) any {
		ch <- nil
		release()
		return nil
	})
	fail = js.FuncOf(func(this js.Value, args []js.Value) any {
		// An "error" event bubbles up from the failed request, before the
		// transaction's own error is set: take the request's.
		err := tx.Get("error")
		if len(args) > 0 {
			if target := args[0].Get("target"); target.Type() == js.TypeObject {
				if e := target.Get("error"); e.Type() == js.TypeObject {
					err = e
				}
			}
		}
		if err.IsNull() || err.IsUndefined() {
			ch <- &Error{Op: op, Name: "AbortError", Message: "transaction aborted"}
		} else {
			ch <- domError(op, err)
		}
		release()
		return nil
	})
	tx.Set("oncomplete", done)
	tx.Set("onerror", fail)
	tx.Set("onabort", fail)
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
		return fmt.Errorf("idb: %s: %w", op, ctx.Err())
	}
}

// getOne runs one read request in its own transaction and returns its
// result (undefined when there is nothing).
func (d *DB) getOne(ctx context.Context, store, op string, issue func(s js.Value) (js.Value, error)) (js.Value, error) {
	tx, err := d.tx("readonly", store)
	if err != nil {
		return js.Value{}, err
	}
	req, err := issue(tx.Call("objectStore", store))
	if err != nil {
		return js.Value{}, err
	}
	return await(ctx, req, op)
}

func bytesToJS(b []byte) js.Value {
	a := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(a, b)
	return a
}

// bytesFromJS copies a Uint8Array; ok is false for anything else.
func bytesFromJS(v js.Value) ([]byte, bool) {
	if v.Type() != js.TypeObject || !v.InstanceOf(js.Global().Get("Uint8Array")) {
		return nil, false
	}
	b := make([]byte, v.Get("length").Int())
	js.CopyBytesToGo(b, v)
	return b, true
}

func heightKey(h uint64) (float64, error) {
	if h > maxSafeHeight {
		return 0, fmt.Errorf("%w: %d", ErrHeight, h)
	}
	return float64(h), nil
}

// keyRange builds IDBKeyRange.bound/upperBound/lowerBound values.
func keyRange(method string, args ...any) (js.Value, error) {
	return call(js.Global().Get("IDBKeyRange"), method, args...)
}
