//go:build js && wasm

// Command lightwasm is the browser light client: built with GOOS=js
// GOARCH=wasm into web/lightdas.wasm and loaded by web/lightdas.js. It
// runs a light.Client over WebRTC-direct (package webrtc, on the page's
// RTCPeerConnection) with its progress in IndexedDB (package idb), and
// exposes a promise- and event-based API to JavaScript (see bridge.go).
//
// web/lightdas.js runs it with the environment variable LIGHTDAS_READY
// set to the name of a global function; main calls it with the API
// object. Without it the API is stored in globalThis.lightdasWasm.
package main

import (
	"errors"
	"log/slog"
	"os"
	"syscall/js"

	"lightdas/cmd/lightwasm/idb"
	"lightdas/webrtc"
)

func main() {
	b := &bridge{newTransport: webrtcTransport}
	api := b.api()
	if ready := os.Getenv("LIGHTDAS_READY"); ready != "" {
		if f := js.Global().Get(ready); f.Type() == js.TypeFunction {
			f.Invoke(api)
		}
	} else {
		js.Global().Set("lightdasWasm", api)
	}
	select {} // serve the API for the page's lifetime
}

// webrtcTransport dials WebRTC-direct listeners from the page, under a
// fresh identity per session (a light client serves nothing, so nothing
// needs a stable id).
func webrtcTransport(log *slog.Logger) (*transport, error) {
	h, err := webrtc.New(webrtc.Config{Logger: log.With("transport", "webrtc")})
	if err != nil {
		return nil, err
	}
	return &transport{
		host:   h,
		dialer: h,
		dialable: func(addr string) bool {
			_, err := webrtc.ParseAddr(addr)
			return err == nil
		},
		close: h.Close,
	}, nil
}

// isStorageErr reports IndexedDB failures.
func isStorageErr(err error) bool {
	var ie *idb.Error
	return errors.Is(err, idb.ErrUnavailable) || errors.Is(err, idb.ErrClosed) || errors.As(err, &ie)
}
