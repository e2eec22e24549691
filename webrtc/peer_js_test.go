//go:build js && wasm

package webrtc

import (
	"context"
	"errors"
	"strings"
	"syscall/js"
	"testing"

	"lightdas/p2p"
	"lightdas/p2p/p2ptest"
	"lightdas/webrtc/internal/libp2pkey"
	"lightdas/webrtc/internal/testpeer"
)

// newPromise returns a pending promise and its resolve and reject
// functions (the executor runs synchronously inside the constructor).
func newPromise(t *testing.T) (promise, resolve, reject js.Value) {
	t.Helper()
	exec := js.FuncOf(func(_ js.Value, args []js.Value) any {
		resolve, reject = args[0], args[1]
		return nil
	})
	defer exec.Release()
	promise = js.Global().Get("Promise").New(exec)
	return promise, resolve, reject
}

func TestAwait(t *testing.T) {
	jsErr := func(msg string) js.Value { return js.Global().Get("Error").New(msg) }
	tests := []struct {
		name    string
		settle  func(resolve, reject js.Value)
		want    string // the resolved string, or
		wantErr string // a substring of the error
	}{
		{"resolved", func(res, _ js.Value) { res.Invoke("done") }, "done", ""},
		{"rejected with an Error", func(_, rej js.Value) { rej.Invoke(jsErr("no offer")) }, "", "no offer"},
		{"rejected with a string", func(_, rej js.Value) { rej.Invoke("plain reason") }, "", "plain reason"},
		{"rejected with nothing", func(_, rej js.Value) { rej.Invoke() }, "", "undefined"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, res, rej := newPromise(t)
			tc.settle(res, rej)
			v, err := await(context.Background(), func() js.Value { return p })
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("await: %v", err)
			case tc.wantErr == "" && v.String() != tc.want:
				t.Fatalf("await = %v, want %q", v, tc.want)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("await error %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestAwaitThrows(t *testing.T) {
	_, err := await(context.Background(), func() js.Value {
		return js.Global().Get("JSON").Call("parse", "{") // throws SyntaxError
	})
	var je js.Error
	if !errors.As(err, &je) || je.Get("name").String() != "SyntaxError" {
		t.Fatalf("await of a throwing call: %v, want the SyntaxError as a js.Error", err)
	}
}

// A promise that settles after its waiter gave up must find its callbacks
// still there: Go's runtime reports a call to a released js.Func only on
// the console, so the test watches console.error.
func TestAwaitCancelled(t *testing.T) {
	console := js.Global().Get("console")
	orig := console.Get("error")
	spy := js.Global().Get("Function").New("orig", `const f = function(...a) {
		if (a[0] === "call to released function") f.released = true;
		return orig.apply(this, a);
	};
	return f;`).Invoke(orig)
	console.Set("error", spy)
	defer console.Set("error", orig)

	p, res, _ := newPromise(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := await(ctx, func() js.Value { return p }); !errors.Is(err, context.Canceled) {
		t.Fatalf("await with a cancelled context: %v", err)
	}
	res.Invoke("late")
	// A second waiter's callbacks run after the first's.
	v, err := await(context.Background(), func() js.Value { return p })
	if err != nil || v.String() != "late" {
		t.Fatalf("second await = %v, %v", v, err)
	}
	if spy.Get("released").Truthy() {
		t.Fatal("the promise settled into a released callback")
	}
}

// TestBrowserConnectErrors dials the test peer in ways that must fail
// with typed errors and leave nothing running.
func TestBrowserConnectErrors(t *testing.T) {
	info, err := testpeer.Load()
	if err != nil {
		t.Fatal(err)
	}
	a, err := ParseAddr(info.Addr)
	if err != nil {
		t.Fatal(err)
	}
	key, err := libp2pkey.GenerateEd25519(nil)
	if err != nil {
		t.Fatal(err)
	}
	other := key.Public().PeerID()
	impostor := strings.Replace(info.Addr, a.Peer.String(), other.String(), 1)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()

	tests := []struct {
		name string
		ctx  context.Context
		addr string
		want []error
	}{
		{"someone else answers", context.Background(), impostor, []error{ErrHandshake, ErrPeerIDMismatch, p2p.ErrNoConnection}},
		{"cancelled", cancelled, info.Addr, []error{ErrHandshake, context.Canceled, p2p.ErrNoConnection}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			base := p2ptest.Goroutines()
			h, err := New(Config{})
			if err != nil {
				t.Fatal(err)
			}
			ctx, stop := context.WithTimeout(tc.ctx, suiteTimeout) // hang guard
			defer stop()
			_, err = h.Connect(ctx, tc.addr)
			for _, want := range tc.want {
				if !errors.Is(err, want) {
					t.Errorf("Connect: %v, want an error wrapping %v", err, want)
				}
			}
			if peers := h.Peers(); len(peers) != 0 {
				t.Errorf("peers after a failed Connect: %v", peers)
			}
			if err := h.Close(); err != nil {
				t.Error(err)
			}
			p2ptest.WaitGoroutines(t, base)
		})
	}
}
