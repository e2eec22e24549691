//go:build js && wasm

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"syscall/js"
	"testing"
	"time"

	"lightdas/cmd/lightwasm/idb"
	"lightdas/light/lighttest"
)

// The assembled browser client, in Chromium: the JS API of the bridge
// (start, events, status, results, stop) over an in-memory network of real
// header, sample and peer-exchange servers (light/lighttest), with its
// progress in the browser's IndexedDB. Only the transport differs from the
// page: memnet instead of WebRTC-direct.

func testCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// await settles a JS promise from a test goroutine (never inside a JS
// callback).
func await(ctx context.Context, t *testing.T, p js.Value) (js.Value, error) {
	t.Helper()
	type outcome struct {
		v   js.Value
		err error
	}
	ch := make(chan outcome, 1)
	ok := js.FuncOf(func(this js.Value, args []js.Value) any {
		ch <- outcome{v: args[0]}
		return nil
	})
	fail := js.FuncOf(func(this js.Value, args []js.Value) any {
		e := args[0]
		ch <- outcome{err: fmt.Errorf("%s: %s", e.Get("name").String(), e.Get("message").String())}
		return nil
	})
	defer ok.Release()
	defer fail.Release()
	p.Call("then", ok, fail)
	select {
	case o := <-ch:
		return o.v, o.err
	case <-ctx.Done():
		t.Fatalf("promise did not settle: %v", ctx.Err())
		return js.Value{}, nil
	}
}

// jsEvents collects the events a session delivers to JavaScript.
type jsEvents struct {
	fn      js.Func
	mu      sync.Mutex
	events  []map[string]any
	changed chan struct{}
}

func newJSEvents() *jsEvents {
	e := &jsEvents{changed: make(chan struct{}, 1)}
	e.fn = js.FuncOf(func(this js.Value, args []js.Value) any {
		// Inside a JS callback: copy and return, never block.
		s := js.Global().Get("JSON").Call("stringify", args[0]).String()
		var batch []map[string]any
		if err := json.Unmarshal([]byte(s), &batch); err != nil {
			panic(err)
		}
		e.mu.Lock()
		e.events = append(e.events, batch...)
		e.mu.Unlock()
		select {
		case e.changed <- struct{}{}:
		default:
		}
		return nil
	})
	return e
}

func (e *jsEvents) snapshot() []map[string]any {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]map[string]any(nil), e.events...)
}

func (e *jsEvents) waitFor(ctx context.Context, t *testing.T, what string, cond func([]map[string]any) bool) []map[string]any {
	t.Helper()
	for {
		evs := e.snapshot()
		if cond(evs) {
			return evs
		}
		select {
		case <-e.changed:
		case <-time.After(200 * time.Millisecond):
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v (%d events)", what, ctx.Err(), len(evs))
		}
	}
}

func availableUpTo(from, to float64) func([]map[string]any) bool {
	return func(evs []map[string]any) bool {
		ok := map[float64]bool{}
		for _, e := range evs {
			if e["kind"] == "block" && e["status"] == "available" {
				ok[e["height"].(float64)] = true
			}
		}
		for h := from; h <= to; h++ {
			if !ok[h] {
				return false
			}
		}
		return true
	}
}

// memnetBridge is a bridge whose sessions run on hosts of net.
func memnetBridge(net *lighttest.Net) *bridge {
	return &bridge{newTransport: func(log *slog.Logger) (*transport, error) {
		h, err := net.NewHost()
		if err != nil {
			return nil, err
		}
		return &transport{host: h, dialer: net.Dialer(h.ID()), dialable: func(string) bool { return true }, close: h.Close}, nil
	}}
}

func TestBrowserClientResumesFromIndexedDB(t *testing.T) {
	ctx := testCtx(t, 4*time.Minute)
	net, err := lighttest.NewNet("lightdas-wasm-test")
	if err != nil {
		t.Fatal(err)
	}
	defer net.Close()
	a, err := net.AddFullNode()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := net.AddFullNode(); err != nil {
		t.Fatal(err)
	}
	if _, err := net.Produce(3); err != nil {
		t.Fatal(err)
	}
	genesis, err := net.Genesis.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	dbName := fmt.Sprintf("lightdas-wasm-test-%d", time.Now().UnixNano())
	defer func() {
		dctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := idb.Delete(dctx, dbName); err != nil {
			t.Errorf("deleting the database: %v", err)
		}
	}()
	cfg, _ := json.Marshal(map[string]any{
		"bootstrap": []string{a.Addr}, "genesis": json.RawMessage(genesis), "window": 8,
		"storage": "indexeddb", "dbName": dbName, "statusIntervalMs": 100,
	})
	b := memnetBridge(net)
	defer b.release()
	api := b.api()
	if api.Get("version").String() != Version {
		t.Fatalf("version %v", api.Get("version"))
	}

	// First session: samples 1-3, finds the second node by peer exchange.
	ev1 := newJSEvents()
	defer ev1.fn.Release()
	h1, err := await(ctx, t, api.Call("start", string(cfg), ev1.fn))
	if err != nil {
		t.Fatal(err)
	}
	evs := ev1.waitFor(ctx, t, "heights 1-3 available", availableUpTo(1, 3))
	kinds := map[string]int{}
	for _, e := range evs {
		kinds[e["kind"].(string)]++
	}
	for _, k := range []string{"state", "peer_connected", "header", "sampling", "cell", "block"} {
		if kinds[k] == 0 {
			t.Fatalf("no %q event among %v", k, kinds)
		}
	}
	var st map[string]any
	for range 100 { // the snapshot refreshes every 100 ms
		s := js.Global().Get("JSON").Call("stringify", h1.Call("status")).String()
		json.Unmarshal([]byte(s), &st)
		if st["state"] == "following" && st["sampled_head"] == 3.0 && len(st["peers"].([]any)) == 2 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if st["state"] != "following" || st["storage"] != "indexeddb" || st["header_head"] != 3.0 || len(st["peers"].([]any)) != 2 {
		t.Fatalf("status %v", st)
	}
	rs, err := await(ctx, t, h1.Call("results", 1, 3))
	if err != nil || rs.Get("length").Int() != 3 || rs.Index(2).Get("status").String() != "available" ||
		rs.Index(0).Get("cells").Get("length").Int() != rs.Index(0).Get("samples").Int() {
		t.Fatalf("results: %v, %v", js.Global().Get("JSON").Call("stringify", rs), err)
	}
	if _, err := await(ctx, t, h1.Call("result", 99)); err == nil {
		t.Fatal("result of an unknown height resolved")
	}
	if _, err := await(ctx, t, h1.Call("stop")); err != nil {
		t.Fatal(err)
	}

	// Second session on the same database after two more blocks: it
	// samples only 4 and 5 and still has the verdicts of 1-3.
	if _, err := net.Produce(2); err != nil {
		t.Fatal(err)
	}
	ev2 := newJSEvents()
	defer ev2.fn.Release()
	h2, err := await(ctx, t, api.Call("start", string(cfg), ev2.fn))
	if err != nil {
		t.Fatal(err)
	}
	evs = ev2.waitFor(ctx, t, "heights 4-5 available", availableUpTo(4, 5))
	for _, e := range evs {
		if e["kind"] == "sampling" && e["height"].(float64) <= 3 {
			t.Fatalf("height %v sampled again after the restart", e["height"])
		}
	}
	rs, err = await(ctx, t, h2.Call("results", 1, 5))
	if err != nil || rs.Get("length").Int() != 5 {
		t.Fatalf("results after restart: %v", err)
	}
	if _, err := await(ctx, t, h2.Call("stop")); err != nil {
		t.Fatal(err)
	}

	// A third session for another chain on the same database: the old
	// chain's data is dropped, and the new chain syncs and samples.
	other, err := lighttest.NewNet("lightdas-wasm-other")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	oa, err := other.AddFullNode()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Produce(2); err != nil {
		t.Fatal(err)
	}
	og, _ := other.Genesis.MarshalJSON()
	ocfg, _ := json.Marshal(map[string]any{
		"bootstrap": []string{oa.Addr}, "genesis": json.RawMessage(og), "window": 8,
		"storage": "indexeddb", "dbName": dbName,
	})
	ev3 := newJSEvents()
	defer ev3.fn.Release()
	ob := memnetBridge(other)
	defer ob.release()
	h3, err := await(ctx, t, ob.api().Call("start", string(ocfg), ev3.fn))
	if err != nil {
		t.Fatal(err)
	}
	ev3.waitFor(ctx, t, "the other chain's heights 1-2 available", availableUpTo(1, 2))
	rs, err = await(ctx, t, h3.Call("results", 1, 5))
	if err != nil || rs.Get("length").Int() != 2 {
		t.Fatalf("results of the other chain: %v, %v", js.Global().Get("JSON").Call("stringify", rs), err)
	}
	if _, err := await(ctx, t, h3.Call("stop")); err != nil {
		t.Fatal(err)
	}
}

func TestStartRejectsBadConfig(t *testing.T) {
	ctx := testCtx(t, time.Minute)
	net, err := lighttest.NewNet("lightdas-wasm-test")
	if err != nil {
		t.Fatal(err)
	}
	defer net.Close()
	b := memnetBridge(net)
	defer b.release()
	api := b.api()
	noop := js.FuncOf(func(js.Value, []js.Value) any { return nil })
	defer noop.Release()
	genesis, _ := net.Genesis.MarshalJSON()
	boot := "/memory/1/p2p/12D3KooWKhADnYyGbkyHNZKRb7SWNrGZwcE3gWFYXU56R9hoJpyt"
	for name, cfg := range map[string]string{
		"not json":        `{`,
		"unknown field":   `{"bootstrap":["` + boot + `"],"genesis":` + string(genesis) + `,"colour":"red"}`,
		"no bootstrap":    `{"genesis":` + string(genesis) + `}`,
		"no trust root":   `{"bootstrap":["` + boot + `"]}`,
		"bad genesis":     `{"bootstrap":["` + boot + `"],"genesis":{"chain_id":"x"}}`,
		"bad checkpoint":  `{"bootstrap":["` + boot + `"],"chainId":"c","checkpoint":"12:zz"}`,
		"bad bootstrap":   `{"bootstrap":["/ip4/1.2.3.4/tcp/1"],"genesis":` + string(genesis) + `}`,
		"bad storage":     `{"bootstrap":["` + boot + `"],"genesis":` + string(genesis) + `,"storage":"disk"}`,
		"bad confidence":  `{"bootstrap":["` + boot + `"],"genesis":` + string(genesis) + `,"confidence":1.5}`,
		"other chain id":  `{"bootstrap":["` + boot + `"],"genesis":` + string(genesis) + `,"chainId":"other"}`,
		"negative window": `{"bootstrap":["` + boot + `"],"genesis":` + string(genesis) + `,"window":-1}`,
	} {
		_, err := await(ctx, t, api.Call("start", cfg, noop))
		if err == nil || !strings.HasPrefix(err.Error(), "ConfigError: ") {
			t.Errorf("%s: %v, want a ConfigError", name, err)
		}
	}
	// Wrong argument types reject too.
	if _, err := await(ctx, t, api.Call("start", 42)); err == nil {
		t.Error("start(42) resolved")
	}
	// A genesis given as a string (the file's text) is accepted.
	cfg, _ := json.Marshal(map[string]any{"bootstrap": []string{boot}, "genesis": string(genesis), "storage": "memory"})
	h, err := await(ctx, t, api.Call("start", string(cfg), noop))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := await(ctx, t, h.Call("stop")); err != nil {
		t.Fatal(err)
	}
}
