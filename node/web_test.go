//go:build !js

package node

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWebHandler(t *testing.T) {
	dir := t.TempDir()
	wasm := bytes.Repeat([]byte("\x00asm-not-really"), 1000)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(wasm)
	zw.Close()
	for name, data := range map[string][]byte{
		"index.html":       []byte("<!doctype html><title>dashboard</title>"),
		"lightdas.js":      []byte("export class LightClient {}"),
		"lightdas.wasm":    wasm,
		"lightdas.wasm.gz": gz.Bytes(),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	boot := BootstrapInfo{ChainID: "c", Bootstrap: []string{"/ip4/127.0.0.1/udp/4003/webrtc-direct/certhash/uEiX/p2p/12D3KooWX"}, Genesis: "/genesis.json"}
	h := newWebHandler(webConfig{dir: dir, genesisJSON: []byte(`{"chain_id":"c"}`), apiURL: "http://api",
		bootstrap: func() BootstrapInfo { return boot }, log: slog.New(slog.DiscardHandler)})

	get := func(path, encoding string) *http.Response {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if encoding != "" {
			req.Header.Set("Accept-Encoding", encoding)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Result()
	}
	body := func(r *http.Response) []byte {
		b, _ := io.ReadAll(r.Body)
		return b
	}

	r := get("/", "")
	if r.StatusCode != 200 || !strings.Contains(string(body(r)), "dashboard") || r.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("/: %d %v", r.StatusCode, r.Header)
	}
	r = get("/lightdas.wasm", "gzip, deflate, br")
	if b := body(r); r.StatusCode != 200 || r.Header.Get("Content-Encoding") != "gzip" ||
		r.Header.Get("Content-Type") != "application/wasm" || !bytes.Equal(b, gz.Bytes()) {
		t.Fatalf("gzip wasm: %d %v, %d bytes", r.StatusCode, r.Header, len(b))
	}
	r = get("/lightdas.wasm", "")
	if b := body(r); r.StatusCode != 200 || r.Header.Get("Content-Encoding") != "" ||
		r.Header.Get("Content-Type") != "application/wasm" || !bytes.Equal(b, wasm) {
		t.Fatalf("plain wasm: %d %v, %d bytes", r.StatusCode, r.Header, len(b))
	}
	r = get("/lightdas.js", "gzip")
	if r.StatusCode != 200 || r.Header.Get("Content-Encoding") != "" || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/javascript") {
		t.Fatalf("js: %d %v", r.StatusCode, r.Header)
	}
	if r = get("/../../etc/passwd", "gzip"); r.StatusCode == 200 && strings.Contains(string(body(r)), "root:") {
		t.Fatal("served a file outside the directory")
	}
	if r = get("/missing.wasm", "gzip"); r.StatusCode != 404 {
		t.Fatalf("missing file: %d", r.StatusCode)
	}
	var got BootstrapInfo
	if r = get("/bootstrap.json", ""); json.Unmarshal(body(r), &got) != nil || got.Bootstrap[0] != boot.Bootstrap[0] {
		t.Fatalf("bootstrap.json: %+v", got)
	}
	if r = get("/genesis.json", ""); string(body(r)) != `{"chain_id":"c"}` {
		t.Fatal("genesis.json")
	}

	// Without the directory: the built-in page, which says how to get
	// the real one.
	h = newWebHandler(webConfig{dir: filepath.Join(dir, "none"), genesisJSON: []byte(`{}`), apiURL: "http://api",
		bootstrap: func() BootstrapInfo { return boot }, log: slog.New(slog.DiscardHandler)})
	if b := string(body(get("/", ""))); !strings.Contains(b, "make run") || !strings.Contains(b, boot.Bootstrap[0]) {
		t.Fatalf("built-in page: %s", b)
	}
}
