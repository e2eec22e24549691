//go:build !js

package node

import (
	"encoding/json"
	"html/template"
	"log/slog"
	"net/http"
	"os"
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
		mux.Handle("GET /", http.FileServer(http.Dir(c.dir)))
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

// builtinIndex stands in for web/index.html until the browser client
// exists.
var builtinIndex = template.Must(template.New("index").Parse(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>lightdas devnet</title>
<style>body{font-family:system-ui,sans-serif;max-width:46em;margin:2em auto;padding:0 1em}code{word-break:break-all}</style>
</head>
<body>
<h1>lightdas devnet</h1>
<p>Chain <code>{{.B.ChainID}}</code>, genesis <code>{{.B.GenesisHash}}</code>.</p>
<p>The browser light client (this page's dashboard) arrives with the browser
issue; until then, run the native one as printed by <code>lightnative devnet</code>.</p>
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
