//go:build js && wasm

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"syscall/js"
	"time"

	"lightdas/cmd/lightwasm/config"
	"lightdas/kzg"
	"lightdas/light"
)

// The JavaScript API (what web/lightdas.js wraps; see web/lightdas.d.ts):
//
//	api.start(configJSON: string, onEvents: (events: object[]) => void)
//	    -> Promise<handle>
//	handle.status() -> object            (a snapshot; never blocks)
//	handle.results(from, to) -> Promise<object[]>
//	handle.result(height) -> Promise<object>
//	handle.stop() -> Promise<void>
//	api.version: string
//
// Rules that keep the page alive: a function called from JavaScript never
// blocks (it starts a goroutine and returns a Promise, or answers from a
// cached snapshot); Go calls into JavaScript only from its own goroutines
// (never while holding a lock a JS callback could need), and a throwing JS
// callback is caught.

// Version of the bindings.
const Version = "lightdas-wasm/1"

// bridge builds the API object; newTransport makes each session's
// transport.
type bridge struct {
	newTransport transportFactory

	verifierOnce sync.Once
	verifier     *kzg.Verifier
	verifierErr  error

	funcs []js.Func // released by release (tests)
	mu    sync.Mutex
}

func (b *bridge) kzgVerifier() (*kzg.Verifier, error) {
	b.verifierOnce.Do(func() { b.verifier, b.verifierErr = kzg.NewVerifier() })
	return b.verifier, b.verifierErr
}

// fn wraps a Go function as a JS function the bridge releases later.
func (b *bridge) fn(f func(this js.Value, args []js.Value) any) js.Func {
	jf := js.FuncOf(f)
	b.mu.Lock()
	b.funcs = append(b.funcs, jf)
	b.mu.Unlock()
	return jf
}

// release frees every function the bridge made; the API must not be used
// afterwards.
func (b *bridge) release() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, f := range b.funcs {
		f.Release()
	}
	b.funcs = nil
}

// api returns the object handed to JavaScript.
func (b *bridge) api() js.Value {
	obj := js.Global().Get("Object").New()
	obj.Set("version", Version)
	obj.Set("start", b.fn(func(this js.Value, args []js.Value) any {
		if len(args) < 2 || args[0].Type() != js.TypeString || args[1].Type() != js.TypeFunction {
			return rejected(fmt.Errorf("%w: start(configJSON: string, onEvents: function)", config.ErrConfig))
		}
		cfg, onEvents := args[0].String(), args[1]
		return promise(func() (any, error) { return b.start(cfg, onEvents) })
	}))
	return obj
}

// startTimeout bounds opening the stores and starting the client (not the
// connections, which go on in the background).
const startTimeout = 30 * time.Second

func (b *bridge) start(cfgJSON string, onEvents js.Value) (any, error) {
	o, err := config.Parse([]byte(cfgJSON))
	if err != nil {
		return nil, err
	}
	v, err := b.kzgVerifier()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	deliver := func(arr js.Value) {
		defer func() {
			if r := recover(); r != nil {
				js.Global().Get("console").Call("error", fmt.Sprintf("lightdas: event callback threw: %v", r))
			}
		}()
		onEvents.Invoke(arr)
	}
	s, err := openSession(ctx, o, b.newTransport, v, deliver)
	if err != nil {
		return nil, err
	}
	return b.handle(s), nil
}

// handle is the JS object of one session.
func (b *bridge) handle(s *session) js.Value {
	h := js.Global().Get("Object").New()
	var fns []js.Func
	mk := func(f func(this js.Value, args []js.Value) any) js.Func {
		jf := js.FuncOf(f)
		fns = append(fns, jf)
		return jf
	}
	h.Set("status", mk(func(this js.Value, args []js.Value) any {
		p := s.status.Load()
		if p == nil {
			return js.Null()
		}
		return js.Global().Get("JSON").Call("parse", *p)
	}))
	h.Set("results", mk(func(this js.Value, args []js.Value) any {
		from, to, err := heightArgs(args, 2)
		if err != nil {
			return rejected(err)
		}
		return promise(func() (any, error) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			rs, err := s.client.Results(ctx, from, to)
			if err != nil {
				return nil, err
			}
			if rs == nil {
				rs = []*light.BlockResult{}
			}
			return jsonValue(rs)
		})
	}))
	h.Set("result", mk(func(this js.Value, args []js.Value) any {
		height, _, err := heightArgs(args, 1)
		if err != nil {
			return rejected(err)
		}
		return promise(func() (any, error) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			r, err := s.client.Result(ctx, height)
			if err != nil {
				return nil, err
			}
			return jsonValue(r)
		})
	}))
	h.Set("stop", mk(func(this js.Value, args []js.Value) any {
		return promise(func() (any, error) {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			err := s.stop(ctx)
			// The handle's functions are released after the promise
			// settles (not from inside a call of one of them).
			go func() {
				time.Sleep(time.Second)
				for _, f := range fns {
					f.Release()
				}
			}()
			return nil, err
		})
	}))
	return h
}

// heightArgs reads n non-negative integer arguments (heights).
func heightArgs(args []js.Value, n int) (uint64, uint64, error) {
	if len(args) < n {
		return 0, 0, fmt.Errorf("%w: %d height arguments expected", config.ErrConfig, n)
	}
	var out [2]uint64
	for i := range n {
		a := args[i]
		if a.Type() != js.TypeNumber || a.Float() < 0 || a.Float() != float64(uint64(a.Float())) || a.Float() > 1<<53 {
			return 0, 0, fmt.Errorf("%w: height argument %d is not a non-negative integer", config.ErrConfig, i)
		}
		out[i] = uint64(a.Float())
	}
	return out[0], out[1], nil
}

// jsonValue converts v to a plain JS value through JSON.
func jsonValue(v any) (js.Value, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return js.Value{}, err
	}
	return js.Global().Get("JSON").Call("parse", string(b)), nil
}

// promise runs f on a new goroutine and settles a Promise with its
// result: f may block (it runs outside any JS callback).
func promise(f func() (any, error)) js.Value {
	var executor js.Func
	executor = js.FuncOf(func(this js.Value, args []js.Value) any {
		resolve, reject := args[0], args[1]
		go func() {
			v, err := func() (v any, err error) {
				defer func() {
					if r := recover(); r != nil {
						err = fmt.Errorf("lightwasm: internal error: %v", r)
					}
				}()
				return f()
			}()
			if err != nil {
				reject.Invoke(jsError(err))
				return
			}
			resolve.Invoke(v)
		}()
		return nil
	})
	p := js.Global().Get("Promise").New(executor)
	executor.Release() // the executor ran synchronously inside New
	return p
}

func rejected(err error) js.Value {
	return js.Global().Get("Promise").Call("reject", jsError(err))
}

// jsError makes a JS Error whose name says what kind of failure it is,
// for callers to branch on: ConfigError, StorageError, NetworkError or
// Error.
func jsError(err error) js.Value {
	e := js.Global().Get("Error").New(err.Error())
	name := "Error"
	switch {
	case errors.Is(err, config.ErrConfig), errors.Is(err, light.ErrConfig):
		name = "ConfigError"
	case isStorageErr(err):
		name = "StorageError"
	}
	e.Set("name", name)
	return e
}
