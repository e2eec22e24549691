//go:build !js

package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestLightKilled: a `lightnative light` process SIGKILLed mid-run and
// restarted on its data dir resumes where it stopped: every height from 1
// to the new sampled head has a verdict, no height settled before the kill
// is sampled again (no new block event on the restarted process's SSE
// stream, and its persisted result is the one of the first run).
func TestLightKilled(t *testing.T) {
	ctx := testCtx(t, 90*time.Second)
	dir := t.TempDir()
	dn := start(t, ctx, "devnet", "--dir", filepath.Join(dir, "devnet"), "--port", "0", "--api", "127.0.0.1:0",
		"--http", "127.0.0.1:0", "--web", filepath.Join(dir, "no-web"), "--interval", "300ms", "--blobs", "1")
	lightArgs := commandArgs(t, strings.TrimSpace(dn.lineWith(t, ctx, "lightnative light ")))
	dataDir := filepath.Join(dir, "light")
	// The API port is picked up front so that the SSE stream of the
	// restarted process can be dialled while it is still starting (the
	// API listener is bound before the node starts sampling).
	apiAddr := freePort(t)
	base := "http://" + apiAddr
	args := append(lightArgs, "--data-dir", dataDir, "--api", apiAddr, "--progress", "off")

	first := start(t, ctx, args...)
	first.lineWith(t, ctx, "API: ")
	st := waitStatus(t, ctx, base, "first run sampling 3 heights", func(s lightStatus) bool { return s.DoneUpTo >= 3 })
	before := map[uint64]blockJSON{}
	for h := uint64(1); h <= st.DoneUpTo; h++ {
		b := getBlock(t, ctx, base, h)
		if b.Status != "available" || b.Confidence < 0.9999 {
			t.Fatalf("first run, height %d: %+v", h, b)
		}
		before[h] = b
	}
	killedAt := st.DoneUpTo
	if err := first.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-first.done
	t.Logf("killed with every height up to %d settled (sampled head %d)", killedAt, st.SampledHead)

	second := start(t, ctx, args...)
	events := subscribe(t, ctx, base)
	second.lineWith(t, ctx, "API: ")
	st = waitStatus(t, ctx, base, "second run sampling 3 more heights", func(s lightStatus) bool {
		return s.SampledHead >= killedAt+3
	})
	head := st.SampledHead
	st = waitStatus(t, ctx, base, "second run settling every height up to its sampled head", func(s lightStatus) bool {
		return s.DoneUpTo >= head
	})
	for h := uint64(1); h <= head; h++ {
		b := getBlock(t, ctx, base, h)
		if b.Status != "available" || b.Confidence < 0.9999 {
			t.Fatalf("after restart, height %d: %+v", h, b)
		}
		if old, ok := before[h]; ok && (b.StartedAt != old.StartedAt || b.Attempt != old.Attempt || b.Samples != old.Samples) {
			t.Errorf("height %d settled before the kill has a new result after restart: was %+v, now %+v", h, old, b)
		}
	}
	seen := events.heights()
	for h := range before {
		if seen[h] > 0 {
			t.Errorf("height %d, settled before the kill, was sampled again after restart (%d block events)", h, seen[h])
		}
	}
	// The stream must have seen the second run's verdicts from its start,
	// or the check above proves nothing.
	for h := killedAt + 1; h <= head; h++ {
		if seen[h] == 0 {
			t.Errorf("no block event for height %d, sampled after the restart: the SSE stream missed events", h)
		}
	}
	t.Logf("restart: sampled head %d, block events for %d heights", head, len(seen))
}

// freePort returns a loopback address whose port was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

type lightStatus struct {
	Role        string `json:"role"`
	SampledHead uint64 `json:"sampled_head"`
	DoneUpTo    uint64 `json:"done_up_to"`
}

type blockJSON struct {
	Height     uint64  `json:"height"`
	Hash       string  `json:"hash"`
	Status     string  `json:"status"`
	Confidence float64 `json:"confidence"`
	Samples    int     `json:"samples"`
	Attempt    int     `json:"attempt"`
	StartedAt  string  `json:"started_at"`
}

// waitStatus polls GET /v1/status until cond holds or ctx ends.
func waitStatus(t *testing.T, ctx context.Context, base, what string, cond func(lightStatus) bool) lightStatus {
	t.Helper()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		var st lightStatus
		if err := tryJSON(ctx, base+"/v1/status", &st); err == nil {
			if st.Role != "light" {
				t.Fatalf("status: role %q", st.Role)
			}
			if cond(st) {
				return st
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: %v (last status %+v)", what, ctx.Err(), st)
		case <-tick.C:
		}
	}
}

func tryJSON(ctx context.Context, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

func getBlock(t *testing.T, ctx context.Context, base string, h uint64) blockJSON {
	t.Helper()
	var b blockJSON
	getJSON(t, ctx, fmt.Sprintf("%s/v1/blocks/%d", base, h), &b)
	if b.Height != h {
		t.Fatalf("GET /v1/blocks/%d answered height %d", h, b.Height)
	}
	return b
}

// sseBlocks counts the block events of an SSE stream by height.
type sseBlocks struct {
	mu   sync.Mutex
	seen map[uint64]int
}

func (s *sseBlocks) heights() map[uint64]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[uint64]int, len(s.seen))
	for h, n := range s.seen {
		out[h] = n
	}
	return out
}

// subscribe dials GET /v1/events as soon as the API listener exists and
// records block events until the test ends.
func subscribe(t *testing.T, ctx context.Context, base string) *sseBlocks {
	t.Helper()
	sctx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	var resp *http.Response
	for {
		req, err := http.NewRequestWithContext(sctx, http.MethodGet, base+"/v1/events", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err = http.DefaultClient.Do(req)
		if err == nil {
			break
		}
		select {
		case <-sctx.Done():
			t.Fatalf("connecting to %s/v1/events: %v", base, err)
		case <-time.After(5 * time.Millisecond):
		}
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		resp.Body.Close()
		t.Fatalf("GET /v1/events: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	s := &sseBlocks{seen: map[uint64]int{}}
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		var kind string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				kind = ""
			case strings.HasPrefix(line, "event: "):
				kind = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: ") && kind == "block":
				var b blockJSON
				if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &b); err != nil || b.Height == 0 {
					t.Errorf("bad block event %q: %v", line, err)
					continue
				}
				s.mu.Lock()
				s.seen[b.Height]++
				s.mu.Unlock()
			}
		}
	}()
	return s
}
