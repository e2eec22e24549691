// Package config parses the configuration a page passes to the browser
// client's start() (web/lightdas.js builds it from LightClient.start's
// options; see web/lightdas.d.ts). It is separate from the js-only
// bindings so that it is tested and fuzzed natively too.
package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"lightdas/headers"
)

// ErrConfig: the configuration passed to start() is unusable.
var ErrConfig = errors.New("lightwasm: invalid configuration")

// Storage modes of startConfig.Storage.
const (
	StorageAuto      = "auto" // IndexedDB when available, else memory
	StorageIndexedDB = "indexeddb"
	StorageMemory    = "memory"
)

// Start is start()'s argument as JSON.
type Start struct {
	Bootstrap []string `json:"bootstrap"`
	// Genesis is the genesis file: a JSON object, or a string holding one.
	Genesis json.RawMessage `json:"genesis,omitempty"`
	// Checkpoint is {"height": n, "hash": "hex"} or "height:hash".
	Checkpoint json.RawMessage `json:"checkpoint,omitempty"`
	ChainID    string          `json:"chainId,omitempty"`
	Confidence float64         `json:"confidence,omitempty"`
	Window     int             `json:"window,omitempty"`
	MaxPeers   int             `json:"maxPeers,omitempty"`
	// Storage is "auto" (default), "indexeddb" or "memory"; DBName the
	// IndexedDB database (default "lightdas/<chain id>").
	Storage string `json:"storage,omitempty"`
	DBName  string `json:"dbName,omitempty"`
	// LogLevel: "debug", "info", "warn" (default) or "error", to the
	// browser console.
	LogLevel string `json:"logLevel,omitempty"`
	// StatusIntervalMs: how often the status snapshot is refreshed
	// besides after events (default 1000).
	StatusIntervalMs int `json:"statusIntervalMs,omitempty"`
}

// Options is a checked Start with its trust root decoded and defaults
// applied.
type Options struct {
	Start
	Genesis    *headers.Genesis
	Checkpoint *headers.Checkpoint
	ChainID    string
	// Identity names what stored data belongs to: the chain id, and the
	// genesis hash when a genesis is given (a devnet made anew under the
	// same chain id has another).
	Identity   string
	DBName     string
	LogLevel   slog.Level
	StatusTick time.Duration
}

// MaxSize bounds start()'s argument (a genesis of many validators fits
// easily).
const MaxSize = 4 << 20

// Parse decodes and checks start()'s argument strictly: one JSON object
// of known fields. Every error wraps ErrConfig.
func Parse(data []byte) (*Options, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("%w: %d bytes", ErrConfig, len(data))
	}
	var c Start
	if err := strictJSON(data, &c); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	o := &Options{Start: c, ChainID: c.ChainID, StatusTick: time.Second}
	if len(c.Bootstrap) == 0 {
		return nil, fmt.Errorf("%w: bootstrap addresses are required", ErrConfig)
	}
	if len(c.Genesis) > 0 && string(c.Genesis) != "null" {
		raw := []byte(c.Genesis)
		var s string
		if json.Unmarshal(raw, &s) == nil {
			raw = []byte(s) // the genesis file as a string
		}
		g, err := headers.ParseGenesis(raw)
		if err != nil {
			return nil, fmt.Errorf("%w: genesis: %w", ErrConfig, err)
		}
		o.Genesis = g
		if o.ChainID == "" {
			o.ChainID = g.ChainID
		}
	}
	if len(c.Checkpoint) > 0 && string(c.Checkpoint) != "null" {
		cp, err := parseCheckpoint(c.Checkpoint)
		if err != nil {
			return nil, fmt.Errorf("%w: checkpoint: %w", ErrConfig, err)
		}
		o.Checkpoint = &cp
	}
	if o.Genesis == nil && o.Checkpoint == nil {
		return nil, fmt.Errorf("%w: a genesis or a checkpoint is required", ErrConfig)
	}
	if err := headers.ValidateChainID(o.ChainID); err != nil {
		return nil, fmt.Errorf("%w: chain id: %w", ErrConfig, err)
	}
	o.Identity = o.ChainID
	if o.Genesis != nil {
		o.Identity += "/" + o.Genesis.Hash().String()
	}
	switch c.Storage {
	case "":
		o.Storage = StorageAuto
	case StorageAuto, StorageIndexedDB, StorageMemory:
	default:
		return nil, fmt.Errorf("%w: storage %q (want auto, indexeddb or memory)", ErrConfig, c.Storage)
	}
	o.DBName = c.DBName
	if o.DBName == "" {
		o.DBName = "lightdas/" + o.ChainID
	}
	switch strings.ToLower(c.LogLevel) {
	case "debug":
		o.LogLevel = slog.LevelDebug
	case "info":
		o.LogLevel = slog.LevelInfo
	case "", "warn":
		o.LogLevel = slog.LevelWarn
	case "error":
		o.LogLevel = slog.LevelError
	default:
		return nil, fmt.Errorf("%w: log level %q", ErrConfig, c.LogLevel)
	}
	if c.StatusIntervalMs < 0 || c.Window < 0 || c.MaxPeers < 0 || c.Confidence < 0 || c.Confidence >= 1 {
		return nil, fmt.Errorf("%w: negative value", ErrConfig)
	}
	if c.StatusIntervalMs > 0 {
		o.StatusTick = time.Duration(c.StatusIntervalMs) * time.Millisecond
	}
	return o, nil
}

func parseCheckpoint(raw json.RawMessage) (headers.Checkpoint, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return headers.ParseCheckpoint(s)
	}
	var cp headers.Checkpoint
	if err := strictJSON(raw, &cp); err != nil {
		return cp, err
	}
	return cp, cp.Validate()
}

// strictJSON decodes exactly one JSON value into v, refusing unknown
// fields and trailing data.
func strictJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errors.New("data after the JSON value")
	}
	return nil
}
