package config

import (
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"lightdas/headers/headertest"
)

const boot = "/ip4/127.0.0.1/udp/4003/webrtc-direct/certhash/uEiAkH5a4DPGKUuOBjYw0CgwjvcJCJMD2K_1aluKR_tpevQ/p2p/12D3KooWKhADnYyGbkyHNZKRb7SWNrGZwcE3gWFYXU56R9hoJpyt"

func genesisJSON(t testing.TB) string {
	t.Helper()
	c, err := headertest.NewChain(headertest.Config{ChainID: "cfg-test"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Genesis.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParse(t *testing.T) {
	g := genesisJSON(t)
	quoted, _ := json.Marshal(g)
	hash := strings.Repeat("ab", 32)

	o, err := Parse([]byte(`{"bootstrap":["` + boot + `"],"genesis":` + g + `}`))
	if err != nil {
		t.Fatal(err)
	}
	if o.ChainID != "cfg-test" || o.Storage != StorageAuto || o.DBName != "lightdas/cfg-test" || o.LogLevel != slog.LevelWarn ||
		o.StatusTick != time.Second || o.Genesis == nil || o.Checkpoint != nil || o.Identity != "cfg-test/"+o.Genesis.Hash().String() {
		t.Fatalf("defaults: %+v", o)
	}
	// The genesis as the file's text, every option set.
	o, err = Parse([]byte(`{"bootstrap":["` + boot + `"],"genesis":` + string(quoted) + `,"confidence":0.99,"window":5,"maxPeers":3,
		"storage":"memory","dbName":"x","logLevel":"DEBUG","statusIntervalMs":250}`))
	if err != nil {
		t.Fatal(err)
	}
	if o.Confidence != 0.99 || o.Window != 5 || o.MaxPeers != 3 || o.Storage != StorageMemory || o.DBName != "x" ||
		o.LogLevel != slog.LevelDebug || o.StatusTick != 250*time.Millisecond {
		t.Fatalf("options: %+v", o)
	}
	// A checkpoint alone, in both forms.
	for _, cp := range []string{`"12:` + hash + `"`, `{"height":12,"hash":"` + hash + `"}`} {
		o, err = Parse([]byte(`{"bootstrap":["` + boot + `"],"chainId":"c1","checkpoint":` + cp + `}`))
		if err != nil {
			t.Fatalf("checkpoint %s: %v", cp, err)
		}
		if o.Checkpoint.Height != 12 || o.Checkpoint.Hash.String() != hash || o.Identity != "c1" || o.Genesis != nil {
			t.Fatalf("checkpoint %s: %+v", cp, o)
		}
	}

	for name, in := range map[string]string{
		"empty":               ``,
		"not an object":       `[]`,
		"trailing data":       `{"bootstrap":["` + boot + `"],"genesis":` + g + `} {}`,
		"unknown field":       `{"bootstrap":["` + boot + `"],"genesis":` + g + `,"wasmURL":"x"}`,
		"no bootstrap":        `{"genesis":` + g + `}`,
		"no trust root":       `{"bootstrap":["` + boot + `"]}`,
		"checkpoint no chain": `{"bootstrap":["` + boot + `"],"checkpoint":"12:` + hash + `"}`,
		"bad genesis":         `{"bootstrap":["` + boot + `"],"genesis":{"chain_id":"x"}}`,
		"genesis number":      `{"bootstrap":["` + boot + `"],"genesis":7}`,
		"bad checkpoint":      `{"bootstrap":["` + boot + `"],"chainId":"c","checkpoint":"12:zz"}`,
		"checkpoint height 0": `{"bootstrap":["` + boot + `"],"chainId":"c","checkpoint":{"height":0,"hash":"` + hash + `"}}`,
		"checkpoint extra":    `{"bootstrap":["` + boot + `"],"chainId":"c","checkpoint":{"height":1,"hash":"` + hash + `","x":1}}`,
		"bad chain id":        `{"bootstrap":["` + boot + `"],"chainId":"a b","checkpoint":"12:` + hash + `"}`,
		"bad storage":         `{"bootstrap":["` + boot + `"],"genesis":` + g + `,"storage":"disk"}`,
		"bad log level":       `{"bootstrap":["` + boot + `"],"genesis":` + g + `,"logLevel":"loud"}`,
		"negative window":     `{"bootstrap":["` + boot + `"],"genesis":` + g + `,"window":-1}`,
		"confidence 1":        `{"bootstrap":["` + boot + `"],"genesis":` + g + `,"confidence":1}`,
		"negative interval":   `{"bootstrap":["` + boot + `"],"genesis":` + g + `,"statusIntervalMs":-5}`,
		"wrong type":          `{"bootstrap":"` + boot + `","genesis":` + g + `}`,
		"too large":           `{"bootstrap":["` + strings.Repeat("a", MaxSize) + `"]}`,
	} {
		if _, err := Parse([]byte(in)); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: %v, want ErrConfig", name, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	g := genesisJSON(f)
	f.Add([]byte(`{"bootstrap":["` + boot + `"],"genesis":` + g + `}`))
	f.Add([]byte(`{"bootstrap":["` + boot + `"],"chainId":"c1","checkpoint":{"height":3,"hash":"` + strings.Repeat("01", 32) + `"},"storage":"memory"}`))
	f.Add([]byte(`{"bootstrap":[],"window":-1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := Parse(b)
		if err != nil {
			if !errors.Is(err, ErrConfig) {
				t.Fatalf("error %v does not wrap ErrConfig", err)
			}
			return
		}
		if len(o.Bootstrap) == 0 || o.Genesis == nil && o.Checkpoint == nil || o.ChainID == "" || o.DBName == "" || o.StatusTick <= 0 {
			t.Fatalf("accepted an incomplete configuration: %+v", o)
		}
	})
}
