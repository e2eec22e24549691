//go:build !js

package node

import (
	"encoding/json"
	"html/template"
	"log/slog"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
)

type webConfig struct {
	dir         string // served when it exists
	genesisJSON []byte
	apiURL      string
	bootstrap   func() BootstrapInfo
	log         *slog.Logger
}

// newWebHandler serves the devnet page: /bootstrap.json, /genesis.json,
// and the web/ directory, or a built-in page while there is none.
func newWebHandler(c webConfig) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /bootstrap.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(c.bootstrap()); err != nil {
			c.log.Debug("writing bootstrap.json", "err", err)
		}
	})
	mux.HandleFunc("GET /genesis.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(c.genesisJSON)
	})
	if st, err := os.Stat(c.dir); err == nil && st.IsDir() {
		c.log.Info("serving the web directory", "dir", c.dir)
		if _, err := os.Stat(filepath.Join(c.dir, "lightdas.wasm")); err != nil {
			c.log.Warn("the web directory has no lightdas.wasm: the page cannot start its light client; run `make build-wasm`", "dir", c.dir)
		}
		mux.Handle("GET /", webFiles(c.dir))
		return mux
	}
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := builtinIndex.Execute(w, struct {
			API string
			B   BootstrapInfo
		}{c.apiURL, c.bootstrap()}); err != nil {
			c.log.Debug("writing the index page", "err", err)
		}
	})
	return mux
}

// webFiles serves dir: a file's gzip sibling (name.gz, as `make
// build-wasm` writes for lightdas.wasm) to clients that accept gzip, the
// wasm MIME type browsers need to compile while downloading, and
// revalidation on every load, so a rebuilt client is picked up by a
// reload.
func webFiles(dir string) http.Handler {
	files := http.FileServer(http.Dir(dir))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		name := path.Clean("/" + r.URL.Path)
		if path.Ext(name) == ".wasm" {
			w.Header().Set("Content-Type", "application/wasm")
		}
		if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") && path.Ext(name) != ".gz" {
			if st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(name)+".gz")); err == nil && st.Mode().IsRegular() {
				if ct := mime.TypeByExtension(path.Ext(name)); ct != "" && w.Header().Get("Content-Type") == "" {
					w.Header().Set("Content-Type", ct)
				}
				w.Header().Set("Content-Encoding", "gzip")
				w.Header().Add("Vary", "Accept-Encoding")
				r2 := r.Clone(r.Context())
				r2.URL.Path = name + ".gz"
				// Range requests would address the compressed bytes.
				r2.Header.Del("Range")
				files.ServeHTTP(w, r2)
				return
			}
		}
		files.ServeHTTP(w, r)
	})
}

// builtinIndex stands in for web/index.html when the web directory is
// missing (e.g. the devnet started outside the repository).
var builtinIndex = template.Must(template.New("index").Parse(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>lightdas devnet</title>
<style>body{font-family:system-ui,sans-serif;max-width:46em;margin:2em auto;padding:0 1em}code{word-break:break-all}</style>
</head>
<body>
<h1>lightdas devnet</h1>
<p>Chain <code>{{.B.ChainID}}</code>, genesis <code>{{.B.GenesisHash}}</code>.</p>
<p>The browser light client's page is not here: this devnet serves the
<code>web/</code> directory of the repository when it is started from the
repository root (<code>make run</code> builds its <code>lightdas.wasm</code>
first; or pass <code>--web</code>). Meanwhile, run the native light client
as printed by <code>lightnative devnet</code>.</p>
<h2>Node</h2>
<ul>
<li><a href="/bootstrap.json">/bootstrap.json</a>: bootstrap addresses</li>
<li><a href="/genesis.json">/genesis.json</a>: the genesis</li>
</ul>
<h2>HTTP API</h2>
<ul>
<li><a href="{{.API}}/v1/status">{{.API}}/v1/status</a></li>
<li><a href="{{.API}}/v1/head">{{.API}}/v1/head</a></li>
<li><a href="{{.API}}/v1/blocks/1">{{.API}}/v1/blocks/1</a></li>
<li><a href="{{.API}}/v1/events">{{.API}}/v1/events</a> (Server-Sent Events)</li>
<li><a href="{{.API}}/metrics">{{.API}}/metrics</a></li>
</ul>
<h2>Addresses</h2>
<ul>{{range .B.Bootstrap}}<li><code>{{.}}</code></li>{{end}}</ul>
</body>
</html>
`))
