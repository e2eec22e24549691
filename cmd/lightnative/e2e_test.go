//go:build !js

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"lightdas/node"
	"lightdas/node/producer"
)

// The end-to-end tests run the real binary as subprocesses on loopback
// with random ports.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	buildDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// binary builds lightnative once per test process.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		goBin, err := exec.LookPath("go")
		if err != nil {
			buildErr = err
			return
		}
		if buildDir, buildErr = os.MkdirTemp("", "lightnative-test-"); buildErr != nil {
			return
		}
		binPath = filepath.Join(buildDir, "lightnative")
		out, err := exec.Command(goBin, "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = errors.New(string(out))
		}
	})
	if buildErr != nil {
		t.Fatalf("building lightnative: %v", buildErr)
	}
	return binPath
}

// syncBuffer collects a subprocess's stderr for failure messages.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// proc is a long-running subprocess whose stdout is read line by line.
type proc struct {
	cmd    *exec.Cmd
	lines  chan string
	stderr *syncBuffer
	done   chan struct{}
	err    error
}

func start(t *testing.T, ctx context.Context, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.CommandContext(ctx, binary(t), args...), lines: make(chan string, 256),
		stderr: &syncBuffer{}, done: make(chan struct{})}
	p.cmd.Stderr = p.stderr
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			select {
			case p.lines <- sc.Text():
			default: // nobody reads any more
			}
		}
		close(p.lines)
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("%s stderr:\n%s", args[0], p.stderr)
		}
	})
	return p
}

// lineWith waits for the first stdout line containing s.
func (p *proc) lineWith(t *testing.T, ctx context.Context, s string) string {
	t.Helper()
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				t.Fatalf("exited (%v) before printing %q", p.err, s)
			}
			if strings.Contains(l, s) {
				return l
			}
		case <-ctx.Done():
			t.Fatalf("no line with %q: %v", s, ctx.Err())
		}
	}
}

// interrupt sends SIGINT and waits for a clean exit.
func (p *proc) interrupt(t *testing.T, ctx context.Context) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
	case <-ctx.Done():
		t.Fatalf("did not exit after SIGINT: %v", ctx.Err())
	}
	if p.err != nil {
		t.Fatalf("exit after SIGINT: %v", p.err)
	}
	if !strings.Contains(p.stderr.String(), "stopped cleanly") {
		t.Fatal(`no "stopped cleanly" log after SIGINT`)
	}
}

// runCmd runs the binary to completion and returns its exit code and
// stdout.
func runCmd(t *testing.T, ctx context.Context, args ...string) (int, string) {
	t.Helper()
	cmd := exec.CommandContext(ctx, binary(t), args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && ee.Exited():
	default:
		t.Fatalf("%v: %v\n%s", args, err, stderr.String())
	}
	t.Logf("%s: exit %d\n%s%s", strings.Join(args[:1], " "), cmd.ProcessState.ExitCode(), stdout.String(), stderr.String())
	return cmd.ProcessState.ExitCode(), stdout.String()
}

func testCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// commandArgs extracts the arguments of a printed "lightnative ..." line.
func commandArgs(t *testing.T, line string) []string {
	t.Helper()
	f := strings.Fields(line)
	if len(f) < 2 || f[0] != "lightnative" {
		t.Fatalf("not a lightnative command line: %q", line)
	}
	return f[1:]
}

// TestDevnetVerify: `devnet` on random ports prints how to reach it;
// `verify --height 3` run exactly as printed exits 0; the page serves the
// bootstrap addresses; SIGINT stops the devnet cleanly.
func TestDevnetVerify(t *testing.T) {
	ctx := testCtx(t, 2*time.Minute)
	dir := t.TempDir()
	dn := start(t, ctx, "devnet", "--dir", dir, "--port", "0", "--api", "127.0.0.1:0", "--http", "127.0.0.1:0",
		"--web", filepath.Join(dir, "no-web"), "--interval", "300ms", "--blobs", "1")
	page := strings.Fields(dn.lineWith(t, ctx, "page:"))[1]
	apiURL := strings.TrimSuffix(strings.Fields(dn.lineWith(t, ctx, "API:"))[1], "/v1/status")
	light := commandArgs(t, strings.TrimSpace(dn.lineWith(t, ctx, "lightnative light ")))
	verify := commandArgs(t, strings.TrimSpace(dn.lineWith(t, ctx, "lightnative verify ")))
	if light[1] != "--genesis" || light[2] != filepath.Join(dir, producer.GenesisFile) {
		t.Fatalf("light command %q", light)
	}

	code, out := runCmd(t, ctx, verify...)
	if code != 0 || !strings.Contains(out, "height 3: available") {
		t.Fatalf("verify: exit %d, %q", code, out)
	}

	var boot node.BootstrapInfo
	getJSON(t, ctx, page+"bootstrap.json", &boot)
	if boot.ChainID != node.DevnetChainID || len(boot.Bootstrap) != 4 || boot.API != apiURL ||
		!strings.Contains(boot.Bootstrap[0], "/webrtc-direct/certhash/") {
		t.Fatalf("bootstrap.json: %+v", boot)
	}
	var st struct {
		ChainID string `json:"chain_id"`
		Role    string `json:"role"`
	}
	getJSON(t, ctx, apiURL+"/v1/status", &st)
	if st.ChainID != node.DevnetChainID || st.Role != "full" {
		t.Fatalf("status: %+v", st)
	}
	dn.interrupt(t, ctx)
}

func getJSON(t *testing.T, ctx context.Context, url string, v any) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %s", url, resp.Status, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v: %s", url, err, body)
	}
}

// TestVerifyBadProducer: against a producer that withholds (or corrupts)
// every cell it serves, verify exits 1 with the verdict.
func TestVerifyBadProducer(t *testing.T) {
	for _, tc := range []struct {
		mode     string
		verdicts []string
	}{
		{node.MisbehaveWithhold, []string{"unavailable"}},
		// Invalid when height 2's cells come back corrupt; unavailable
		// when the node's own sampling of the head banned the only peer
		// first (then no peer serves height 2 at all). Both are exit 1.
		{node.MisbehaveCorrupt, []string{"invalid", "unavailable"}},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			ctx := testCtx(t, 2*time.Minute)
			dir := t.TempDir()
			if _, err := producer.NewDevnet(producer.DevnetConfig{ChainID: "cli-" + tc.mode, Validators: 4, MaxK: 4}, dir); err != nil {
				t.Fatal(err)
			}
			genesis := filepath.Join(dir, producer.GenesisFile)
			full := start(t, ctx, "full", "--data-dir", filepath.Join(dir, "node"), "--genesis", genesis,
				"--keystore", filepath.Join(dir, producer.KeystoreDir), "--misbehave", tc.mode,
				"--listen", "/ip4/127.0.0.1/tcp/0", "--api", "off", "--interval", "300ms", "--blobs", "1")
			addr := strings.Fields(full.lineWith(t, ctx, "listening:"))[1]
			code, out := runCmd(t, ctx, "verify", "--height", "2", "--genesis", genesis, "--bootstrap", addr,
				"--sample-timeout", "2s")
			verdict := ""
			if f := strings.Fields(out); len(f) >= 3 && f[0] == "height" && f[1] == "2:" {
				verdict = f[2]
			}
			if code != 1 || !slices.Contains(tc.verdicts, verdict) {
				t.Fatalf("verify: exit %d, %q", code, out)
			}
			full.interrupt(t, ctx)
		})
	}
}

// TestVerifyNoNode: nothing to dial and a short timeout is an error (2),
// not a verdict.
func TestVerifyNoNode(t *testing.T) {
	ctx := testCtx(t, time.Minute)
	dir := t.TempDir()
	if _, err := producer.NewDevnet(producer.DevnetConfig{ChainID: "cli-none", Validators: 1, MaxK: 1}, dir); err != nil {
		t.Fatal(err)
	}
	code, _ := runCmd(t, ctx, "verify", "--height", "1", "--genesis", filepath.Join(dir, producer.GenesisFile),
		"--bootstrap", "/ip4/127.0.0.1/tcp/9/p2p/12D3KooWDizk6KjfFTKraTKE99jJ3ZZJRBz9VhSRNqzP7yehAiWH", "--timeout", "1s")
	if code != 2 {
		t.Fatalf("exit %d, want 2", code)
	}
}
