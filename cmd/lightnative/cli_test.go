//go:build !js

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"lightdas/das"
	"lightdas/node"
)

func testEnv() (*env, *bytes.Buffer) {
	var out bytes.Buffer
	return &env{stdout: &out, stderr: &out}, &out
}

const addr = "/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWDizk6KjfFTKraTKE99jJ3ZZJRBz9VhSRNqzP7yehAiWH"

func TestParseDevnet(t *testing.T) {
	cases := []struct {
		name   string
		args   []string
		code   int
		done   bool
		listen []string
		check  func(t *testing.T, o devnetOpts)
	}{
		{name: "defaults", listen: []string{"/ip4/127.0.0.1/tcp/4001", "/ip4/127.0.0.1/udp/4001/quic-v1",
			"/ip4/127.0.0.1/tcp/4002/ws", "/ip4/127.0.0.1/udp/4003/webrtc-direct"},
			check: func(t *testing.T, o devnetOpts) {
				if o.cfg.Dir != node.DefaultDevnetDir || o.cfg.APIAddr != "127.0.0.1:7780" || o.cfg.WebAddr != "127.0.0.1:8080" ||
					o.cfg.Interval != 2*time.Second || o.cfg.Validators != 4 || o.cfg.ChainID != "lightdas-devnet" || o.temp {
					t.Fatalf("%+v", o)
				}
			}},
		{name: "random ports", args: []string{"--port", "0"}, listen: []string{"/ip4/127.0.0.1/tcp/0",
			"/ip4/127.0.0.1/udp/0/quic-v1", "/ip4/127.0.0.1/tcp/0/ws", "/ip4/127.0.0.1/udp/0/webrtc-direct"}},
		{name: "port", args: []string{"--port=5000"}, listen: []string{"/ip4/127.0.0.1/tcp/5000",
			"/ip4/127.0.0.1/udp/5000/quic-v1", "/ip4/127.0.0.1/tcp/5001/ws", "/ip4/127.0.0.1/udp/5002/webrtc-direct"}},
		{name: "listen overrides port", args: []string{"--port", "5000", "--listen", "/ip4/0.0.0.0/tcp/1,/ip4/0.0.0.0/tcp/2/ws", "--listen", "/ip4/0.0.0.0/udp/3/quic-v1"},
			listen: []string{"/ip4/0.0.0.0/tcp/1", "/ip4/0.0.0.0/tcp/2/ws", "/ip4/0.0.0.0/udp/3/quic-v1"}},
		{name: "everything", args: []string{"--dir", "/x", "--temp", "--api", ":1", "--http", ":2", "--web", "w", "--interval", "1s",
			"--blobs", "-1", "--keep", "9", "--chain-id", "c", "--validators", "7", "--log-format", "json", "--log-level", "debug"},
			listen: []string{"/ip4/127.0.0.1/tcp/4001", "/ip4/127.0.0.1/udp/4001/quic-v1", "/ip4/127.0.0.1/tcp/4002/ws", "/ip4/127.0.0.1/udp/4003/webrtc-direct"},
			check: func(t *testing.T, o devnetOpts) {
				c := o.cfg
				if c.Dir != "/x" || !o.temp || c.APIAddr != ":1" || c.WebAddr != ":2" || c.WebDir != "w" || c.Interval != time.Second ||
					c.SyntheticBlobs != -1 || c.KeepBlocks != 9 || c.ChainID != "c" || c.Validators != 7 {
					t.Fatalf("%+v", o)
				}
			}},
		{name: "help", args: []string{"-h"}, done: true},
		{name: "port out of range", args: []string{"--port", "65534"}, code: exitUsage, done: true},
		{name: "bad interval", args: []string{"--interval", "0s"}, code: exitUsage, done: true},
		{name: "unknown flag", args: []string{"--nope"}, code: exitUsage, done: true},
		{name: "positional", args: []string{"extra"}, code: exitUsage, done: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, out := testEnv()
			o, code, done := parseDevnet(e, tc.args)
			if code != tc.code || done != tc.done {
				t.Fatalf("code %d done %v, want %d %v; output:\n%s", code, done, tc.code, tc.done, out)
			}
			if tc.listen != nil && !slices.Equal(o.cfg.ListenAddrs, tc.listen) {
				t.Fatalf("listen %q, want %q", o.cfg.ListenAddrs, tc.listen)
			}
			if tc.check != nil {
				tc.check(t, o)
			}
		})
	}
}

func TestParseFull(t *testing.T) {
	cases := []struct {
		name  string
		args  []string
		code  int
		done  bool
		check func(t *testing.T, o fullOpts)
	}{
		{name: "following", args: []string{"--genesis", "g.json", "--bootstrap", addr},
			check: func(t *testing.T, o fullOpts) {
				c := o.svc.Config
				if o.genesis != "g.json" || !slices.Equal(c.Bootstrap, []string{addr}) || c.ListenAddrs != nil ||
					c.KeepBlocks != 256 || o.svc.APIAddr != "127.0.0.1:7782" || c.Misbehavior != nil || o.keystore != "" {
					t.Fatalf("%+v", o)
				}
			}},
		{name: "producing", args: []string{"--genesis", "g.json", "--keystore", "ks", "--interval", "500ms", "--blobs", "2", "--api", "off", "--keep", "10"},
			check: func(t *testing.T, o fullOpts) {
				if o.keystore != "ks" || o.interval != 500*time.Millisecond || o.blobs != 2 || o.svc.APIAddr != node.APIOff || o.svc.Config.KeepBlocks != 10 {
					t.Fatalf("%+v", o)
				}
			}},
		{name: "withhold", args: []string{"--genesis", "g", "--keystore", "ks", "--misbehave", "withhold"},
			check: func(t *testing.T, o fullOpts) {
				m := o.svc.Config.Misbehavior
				if m == nil || m.Withhold == nil || !m.Withhold(1, das.Coord{}) || m.Tamper != nil {
					t.Fatalf("misbehaviour %+v", m)
				}
			}},
		{name: "corrupt", args: []string{"--genesis", "g", "--keystore", "ks", "--misbehave", "corrupt"},
			check: func(t *testing.T, o fullOpts) {
				if m := o.svc.Config.Misbehavior; m == nil || m.Tamper == nil || m.Withhold != nil {
					t.Fatalf("misbehaviour %+v", m)
				}
			}},
		{name: "bad misbehaviour", args: []string{"--genesis", "g", "--keystore", "ks", "--misbehave", "lie"}, code: exitUsage, done: true},
		{name: "no genesis", args: []string{"--bootstrap", addr}, code: exitUsage, done: true},
		{name: "following without bootstrap", args: []string{"--genesis", "g"}, code: exitUsage, done: true},
		{name: "help", args: []string{"--help"}, done: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, out := testEnv()
			o, code, done := parseFull(e, tc.args)
			if code != tc.code || done != tc.done {
				t.Fatalf("code %d done %v, want %d %v; output:\n%s", code, done, tc.code, tc.done, out)
			}
			if tc.check != nil {
				tc.check(t, o)
			}
		})
	}
	// The test flag stays out of the usage text.
	e, out := testEnv()
	parseFull(e, []string{"-h"})
	if strings.Contains(out.String(), "misbehave") || !strings.Contains(out.String(), "--keystore") {
		t.Fatalf("usage:\n%s", out)
	}
}

func TestParseLightAndVerify(t *testing.T) {
	const cp = "12:" + "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
	lightCases := []struct {
		name  string
		args  []string
		code  int
		check func(t *testing.T, o lightOpts)
	}{
		{name: "defaults", args: []string{"--genesis", "g", "--bootstrap", addr},
			check: func(t *testing.T, o lightOpts) {
				c := o.svc.Config
				if c.Confidence != 0.9999 || c.Window != 100 || o.svc.APIAddr != "127.0.0.1:7781" || c.Checkpoint != nil ||
					c.DataDir != ".lightdas-light" || o.progress != "auto" || !slices.Equal(c.Bootstrap, []string{addr}) {
					t.Fatalf("%+v", o)
				}
			}},
		{name: "checkpoint", args: []string{"--genesis", "g", "--bootstrap", addr + "," + addr, "--checkpoint", cp, "--confidence", "0.99", "--window", "7", "--progress", "off"},
			check: func(t *testing.T, o lightOpts) {
				c := o.svc.Config
				if c.Checkpoint == nil || c.Checkpoint.Height != 12 || c.Confidence != 0.99 || c.Window != 7 || len(c.Bootstrap) != 2 || o.progress != "off" {
					t.Fatalf("%+v", o)
				}
			}},
		{name: "bad checkpoint", args: []string{"--genesis", "g", "--bootstrap", addr, "--checkpoint", "12"}, code: exitUsage},
		{name: "confidence above 1", args: []string{"--genesis", "g", "--bootstrap", addr, "--confidence", "1.5"}, code: exitUsage},
		{name: "confidence 0", args: []string{"--genesis", "g", "--bootstrap", addr, "--confidence", "0"}, code: exitUsage},
		{name: "window 0", args: []string{"--genesis", "g", "--bootstrap", addr, "--window", "0"}, code: exitUsage},
		{name: "no bootstrap", args: []string{"--genesis", "g"}, code: exitUsage},
		{name: "no genesis", args: []string{"--bootstrap", addr}, code: exitUsage},
		{name: "bad progress", args: []string{"--genesis", "g", "--bootstrap", addr, "--progress", "maybe"}, code: exitUsage},
	}
	for _, tc := range lightCases {
		t.Run("light/"+tc.name, func(t *testing.T) {
			e, out := testEnv()
			o, code, done := parseLight(e, tc.args)
			if code != tc.code || done != (tc.code != 0) {
				t.Fatalf("code %d done %v, want %d; output:\n%s", code, done, tc.code, out)
			}
			if tc.check != nil {
				tc.check(t, o)
			}
		})
	}
	verifyCases := []struct {
		name  string
		args  []string
		code  int
		check func(t *testing.T, o verifyOpts)
	}{
		{name: "defaults", args: []string{"--height", "3", "--genesis", "g", "--bootstrap", addr},
			check: func(t *testing.T, o verifyOpts) {
				c := o.cfg
				if c.Height != 3 || c.Light.Confidence != 0.9999 || c.Light.Window != 1 || c.Light.DataDir != "" ||
					o.timeout != 2*time.Minute || c.SampleTimeout != 30*time.Second || o.json {
					t.Fatalf("%+v", o)
				}
			}},
		{name: "all", args: []string{"--height=9", "--confidence", "0.999", "--genesis", "g", "--bootstrap", addr, "--timeout", "5s",
			"--sample-timeout", "1s", "--data-dir", "d", "--json", "--window", "4"},
			check: func(t *testing.T, o verifyOpts) {
				c := o.cfg
				if c.Height != 9 || c.Light.Confidence != 0.999 || o.timeout != 5*time.Second || c.SampleTimeout != time.Second ||
					c.Light.DataDir != "d" || !o.json || c.Light.Window != 4 {
					t.Fatalf("%+v", o)
				}
			}},
		{name: "no height", args: []string{"--genesis", "g", "--bootstrap", addr}, code: exitUsage},
		{name: "negative height", args: []string{"--height", "-1", "--genesis", "g", "--bootstrap", addr}, code: exitUsage},
		{name: "zero timeout", args: []string{"--height", "1", "--genesis", "g", "--bootstrap", addr, "--timeout", "0s"}, code: exitUsage},
	}
	for _, tc := range verifyCases {
		t.Run("verify/"+tc.name, func(t *testing.T) {
			e, out := testEnv()
			o, code, done := parseVerify(e, tc.args)
			if code != tc.code || done != (tc.code != 0) {
				t.Fatalf("code %d done %v, want %d; output:\n%s", code, done, tc.code, out)
			}
			if tc.check != nil {
				tc.check(t, o)
			}
		})
	}
}

// TestRun covers dispatch, global flags and the keys command in process.
func TestRun(t *testing.T) {
	ctx := context.Background()
	ks := filepath.Join(t.TempDir(), "keystore")
	cases := []struct {
		name string
		args []string
		code int
		want string // in the output
	}{
		{"no command", nil, exitUsage, "Commands:"},
		{"help", []string{"help"}, exitOK, "verify"},
		{"help command", []string{"help", "verify"}, exitOK, "--sample-timeout"},
		{"unknown command", []string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{"bad global log level", []string{"--log-level", "loud", "light", "--genesis", "g", "--bootstrap", addr}, exitUsage, "log level"},
		{"bad log format", []string{"--log-format", "xml", "verify", "--height", "1", "--genesis", "g", "--bootstrap", addr}, exitUsage, "log format"},
		{"keys without sub", []string{"keys", "--keystore", ks}, exitUsage, "new|list"},
		{"keys list empty", []string{"keys", "list", "--keystore", ks}, exitFail, "keystore"},
		{"keys new", []string{"keys", "new", "--keystore", ks}, exitOK, "possession:"},
		{"keys new again", []string{"keys", "new", "--keystore", ks}, exitOK, "file:"},
		{"keys no dir", []string{"keys", "new"}, exitUsage, "--keystore is required"},
		{"missing genesis file", []string{"full", "--genesis", filepath.Join(ks, "none.json"), "--bootstrap", addr}, exitFail, "genesis"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			code := run(ctx, tc.args, &out, &out)
			if code != tc.code || !strings.Contains(out.String(), tc.want) {
				t.Fatalf("exit %d (want %d), output:\n%s", code, tc.code, out.String())
			}
		})
	}
	var out bytes.Buffer
	if code := run(ctx, []string{"keys", "list", "--keystore", ks, "--json"}, &out, &out); code != exitOK {
		t.Fatalf("keys list: %d %s", code, out.String())
	}
	var keys []node.ValidatorKey
	if err := json.Unmarshal(out.Bytes(), &keys); err != nil || len(keys) != 2 || len(keys[0].PublicKey) != 96 || keys[0].PublicKey == keys[1].PublicKey {
		t.Fatalf("keys list: %v %s", err, out.String())
	}
}
