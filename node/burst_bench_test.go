//go:build !js

package node

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"lightdas/das"
	"lightdas/headers"
	"lightdas/headers/bls"
	"lightdas/kzg"
	"lightdas/node/api"
	"lightdas/node/store"
	"lightdas/p2p"
	"lightdas/p2p/libp2phost"
)

// Burst: what one full node serves when light clients ask as fast as it
// answers. The live benchmark (load_bench_test.go) can only offer M x 19
// cells per 500 ms block; here each of M clients asks for samples of
// blocks the node already stores in a closed loop (one request in flight
// per client, the next sent when the last is read), for a fixed window.
//
// The clients run in a second process (this test binary re-executed with
// burstEnv set, see TestMain), so that the server process's CPU time can
// be told apart from theirs; both share the machine's cores, as they would
// on one box. Each client is a dial-only go-libp2p host (role LightClient)
// speaking the real sample protocol: a new stream per request, the request
// frame, the whole response read and decoded with das.DecodeResponse and
// matched against the request. KZG verification is off by default (the
// point is the server; verifying 19 cells costs a client ~3 ms, which
// would throttle the offered load on 2 cores); burstVerifyEnv=1 turns it
// on. burstBlobsEnv sets the blobs a block (default loadBlobs, as the live
// benchmark; the devnet allows up to 8).
//
// Reported per M:
//   - cells/s: cells the full node's das.Server answered found over the
//     window (its own counter), per second.
//   - client-cells/s: found cells the clients decoded, per second (the
//     same cells seen from the other end).
//   - req-p50-ms, req-p99-ms: stream open to response decoded.
//   - server-cpu, client-cpu: each process's CPU time over the window per
//     second of wall time (2.0 = both cores); server-us/cell: the server
//     process's CPU time per cell served, which moves less than cells/s
//     when other work shares the cores.
//   - rate-limited, failed: responses refused by the per-peer rate limit
//     (1024 cells/s a peer: at M = 10 it caps the total near 10 240
//     cells/s) and requests that failed in transport (reset, timeout).
//     Answers that break the protocol (malformed, not matching the
//     request, a stored cell not found, a proof that does not verify)
//     fail the benchmark.
const (
	burstEnv       = "LIGHTDAS_BURST_CLIENTS"
	burstVerifyEnv = "LIGHTDAS_BURST_VERIFY"
	burstBlobsEnv  = "LIGHTDAS_BURST_BLOBS"
	burstBlocks    = 8 // stored blocks the requests spread over
	burstWarmup    = time.Second
	burstWindow    = 5 * time.Second
	// A polite client waits after a rate-limited answer instead of
	// hammering the server with requests it will refuse.
	burstBackoff = 25 * time.Millisecond
	// burstRequestTimeout bounds one exchange (a hang guard).
	burstRequestTimeout = 10 * time.Second
)

// TestMain runs the burst's client process when burstEnv is set, the
// package's tests and benchmarks otherwise.
func TestMain(m *testing.M) {
	if spec := os.Getenv(burstEnv); spec != "" {
		os.Exit(burstClientsMain(spec, os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// burstSpec is what the benchmark hands the client process (JSON in
// burstEnv).
type burstSpec struct {
	Addr    string // the full node's multiaddr with /p2p/
	ChainID string
	Clients int
	Cells   int // per request
	Verify  bool
	Blocks  []burstBlock
}

type burstBlock struct {
	Height      uint64
	Hash        headers.Hash
	Commitments []headers.Commitment
}

// burstMark is the client process's answer to "mark": its CPU time and
// counters so far.
type burstMark struct {
	at              time.Time // parent's clock, when the answer was read
	cpu             time.Duration
	requests, cells int64
	limited, failed int64
	invalid         int64
	served          uint64        // server counter, read by the parent
	serverCPU       time.Duration // parent process CPU
}

// burstDone is the client process's last line: request latencies over the
// window between its first and last mark.
type burstDone struct {
	Requests int
	P50ms    float64
	P99ms    float64
	Errors   []string // a few failures, for the log
}

func BenchmarkLightClientsBurst(b *testing.B) {
	raiseFDLimit(b)
	ctx := testCtx(b, 10*time.Minute)
	g, keys := devnet(b, "burst")
	dir := b.TempDir()
	blobs := loadBlobs
	if v := os.Getenv(burstBlobsEnv); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 8 {
			b.Fatalf("%s=%q: want 1..8 blobs", burstBlobsEnv, v)
		}
		blobs = n
	}
	blocks := produceBurstBlocks(b, ctx, g, keys, dir, blobs)
	for _, m := range loadClients {
		b.Run(fmt.Sprintf("M=%d", m), func(b *testing.B) {
			for range b.N {
				benchBurst(b, ctx, g, keys, dir, blocks, m)
			}
		})
	}
}

// produceBurstBlocks has a producing node store burstBlocks blocks in dir,
// closes it, and returns the blocks' heights, hashes and commitments.
func produceBurstBlocks(b *testing.B, ctx context.Context, g *headers.Genesis, keys []*bls.SecretKey, dir string, blobs int) []burstBlock {
	b.Helper()
	prod := startFull(b, ctx, g, keys, fullOpts{dir: dir, produce: true, interval: 50 * time.Millisecond, blobs: blobs})
	heights := make(chan uint64, burstBlocks)
	cancel := prod.Subscribe(func(e api.Event) {
		if he, ok := e.(*api.HeaderEvent); ok {
			select {
			case heights <- he.Height:
			default:
			}
		}
	})
	var blocks []burstBlock
	for len(blocks) < burstBlocks {
		select {
		case h := <-heights:
			lb, err := prod.db.Headers().GetByHeight(ctx, h)
			if err != nil {
				b.Fatalf("header %d: %v", h, err)
			}
			blocks = append(blocks, burstBlock{Height: h, Hash: lb.Hash(), Commitments: lb.Header.Commitments})
		case <-ctx.Done():
			b.Fatalf("waiting for %d blocks: %v", burstBlocks, ctx.Err())
		}
	}
	cancel()
	closeNode(b, prod)
	return blocks
}

func benchBurst(b *testing.B, ctx context.Context, g *headers.Genesis, keys []*bls.SecretKey, dir string, blocks []burstBlock, m int) {
	b.StopTimer()
	// The producer's next block is an hour away: the node serves the
	// stored blocks and encodes nothing while measured.
	srv := startFull(b, ctx, g, keys, fullOpts{dir: dir, produce: true, interval: time.Hour})
	cells, err := das.SamplesFor(len(blocks[0].Commitments), das.DefaultConfidence)
	if err != nil {
		b.Fatal(err)
	}
	spec := &burstSpec{Addr: srv.Addrs()[0], ChainID: g.ChainID, Clients: m, Cells: cells,
		Verify: os.Getenv(burstVerifyEnv) == "1", Blocks: blocks}
	setup := time.Now()
	p, err := startBurstClients(ctx, spec)
	if err != nil {
		b.Fatal(err)
	}
	defer p.kill()
	if _, err := p.expect("ready"); err != nil {
		b.Fatalf("client process: %v\n%s", err, p.stderr())
	}
	b.Logf("M=%d: %d clients connected in %v (k=%d, %d cells a request, verify %v)", m, m, time.Since(setup).Round(time.Millisecond),
		len(blocks[0].Commitments), cells, spec.Verify)

	if err := p.send("go"); err != nil {
		b.Fatal(err)
	}
	time.Sleep(burstWarmup)
	m0, err := p.mark(srv)
	if err != nil {
		b.Fatalf("client process: %v\n%s", err, p.stderr())
	}
	b.StartTimer()
	time.Sleep(burstWindow)
	b.StopTimer()
	m1, err := p.mark(srv)
	if err != nil {
		b.Fatalf("client process: %v\n%s", err, p.stderr())
	}
	if err := p.send("stop"); err != nil {
		b.Fatal(err)
	}
	line, err := p.expect("done")
	if err != nil {
		b.Fatalf("client process: %v\n%s", err, p.stderr())
	}
	var done burstDone
	if err := json.Unmarshal([]byte(line), &done); err != nil {
		b.Fatalf("client process result %q: %v", line, err)
	}
	if err := p.wait(); err != nil {
		b.Fatalf("client process: %v\n%s", err, p.stderr())
	}

	wall := m1.at.Sub(m0.at).Seconds()
	served := m1.served - m0.served
	b.ReportMetric(float64(served)/wall, "cells/s")
	b.ReportMetric(float64(m1.cells-m0.cells)/wall, "client-cells/s")
	b.ReportMetric(done.P50ms, "req-p50-ms")
	b.ReportMetric(done.P99ms, "req-p99-ms")
	b.ReportMetric((m1.serverCPU-m0.serverCPU).Seconds()/wall, "server-cpu")
	b.ReportMetric((m1.cpu-m0.cpu).Seconds()/wall, "client-cpu")
	if served > 0 {
		b.ReportMetric(float64((m1.serverCPU-m0.serverCPU).Microseconds())/float64(served), "server-us/cell")
	}
	b.ReportMetric(float64(m1.limited-m0.limited), "rate-limited")
	b.ReportMetric(float64(m1.failed-m0.failed), "failed")
	if m1.invalid > 0 {
		b.Errorf("M=%d: %d answers broke the protocol (first errors below)", m, m1.invalid)
	}
	b.Logf("M=%d: %d cells served in %.2f s, %d requests answered, %d rate limited, %d failed; CPU server %.2f s, clients %.2f s",
		m, served, wall, m1.requests-m0.requests, m1.limited-m0.limited, m1.failed-m0.failed,
		(m1.serverCPU - m0.serverCPU).Seconds(), (m1.cpu - m0.cpu).Seconds())
	for _, e := range done.Errors {
		b.Logf("M=%d: client error: %s", m, e)
	}
	if served == 0 {
		b.Errorf("M=%d: the server answered no cells", m)
	}
}

// processCPU is this process's user + system CPU time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// burstProc is the benchmark's handle on the client process: commands go
// to its stdin one a line, answers come back on its stdout.
type burstProc struct {
	cmd   *exec.Cmd
	in    io.WriteCloser
	out   *bufio.Scanner
	errb  *limitedBuffer
	waitO sync.Once
	werr  error
}

func startBurstClients(ctx context.Context, spec *burstSpec) (*burstProc, error) {
	js, err := json.Marshal(spec)
	if err != nil {
		return nil, err
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("burst: finding the test binary: %w", err)
	}
	// TestMain takes over before flags matter; the flags only make sure a
	// lost environment runs nothing.
	cmd := exec.CommandContext(ctx, exe, "-test.run=^$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), burstEnv+"="+string(js))
	p := &burstProc{cmd: cmd, errb: &limitedBuffer{max: 64 << 10}}
	cmd.Stderr = p.errb
	if p.in, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	p.out = bufio.NewScanner(stdout)
	p.out.Buffer(make([]byte, 64<<10), 1<<20)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("burst: starting the client process: %w", err)
	}
	return p, nil
}

func (p *burstProc) send(cmd string) error {
	_, err := io.WriteString(p.in, cmd+"\n")
	return err
}

// expect reads the next line, which must start with word, and returns the
// rest. The process is killed with the benchmark's context, which ends a
// hung read.
func (p *burstProc) expect(word string) (string, error) {
	if !p.out.Scan() {
		err := p.out.Err()
		if err == nil {
			err = io.EOF
		}
		return "", fmt.Errorf("waiting for %q: %w", word, err)
	}
	rest, ok := strings.CutPrefix(p.out.Text(), word)
	if !ok {
		return "", fmt.Errorf("got %q, want %q", p.out.Text(), word)
	}
	return strings.TrimSpace(rest), nil
}

// mark reads both processes' CPU time and counters at one moment.
func (p *burstProc) mark(srv *FullNode) (*burstMark, error) {
	if err := p.send("mark"); err != nil {
		return nil, err
	}
	line, err := p.expect("mark")
	if err != nil {
		return nil, err
	}
	mk := &burstMark{at: time.Now(), served: srv.samples.CellsServed(), serverCPU: processCPU()}
	var cpuNS int64
	if _, err := fmt.Sscan(line, &cpuNS, &mk.requests, &mk.cells, &mk.limited, &mk.failed, &mk.invalid); err != nil {
		return nil, fmt.Errorf("mark %q: %w", line, err)
	}
	mk.cpu = time.Duration(cpuNS)
	return mk, nil
}

func (p *burstProc) wait() error {
	p.waitO.Do(func() {
		p.in.Close()
		p.werr = p.cmd.Wait()
	})
	return p.werr
}

// kill ends the process if it is still running (on a failed benchmark).
func (p *burstProc) kill() {
	if p.cmd.ProcessState == nil {
		p.cmd.Process.Kill()
	}
	p.wait()
}

func (p *burstProc) stderr() string { return p.errb.String() }

// limitedBuffer keeps the first max bytes written to it.
type limitedBuffer struct {
	mu  sync.Mutex
	max int
	buf bytes.Buffer
}

func (l *limitedBuffer) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if room := l.max - l.buf.Len(); room > 0 {
		l.buf.Write(b[:min(room, len(b))])
	}
	return len(b), nil
}

func (l *limitedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// burstClientsMain is the client process: it connects spec.Clients hosts,
// says "ready", and then obeys its stdin: "go" starts the clients, "mark"
// prints "mark <cpu ns> <requests> <cells> <rate limited> <failed>
// <invalid>",
// "stop" (or EOF) stops them and prints "done <burstDone JSON>".
func burstClientsMain(specJSON string, in io.Reader, out, errw io.Writer) int {
	var spec burstSpec
	if err := json.Unmarshal([]byte(specJSON), &spec); err != nil {
		fmt.Fprintf(errw, "burst clients: spec: %v\n", err)
		return 2
	}
	if err := runBurstClients(&spec, in, out); err != nil {
		fmt.Fprintf(errw, "burst clients: %v\n", err)
		return 1
	}
	return 0
}

// burstCounters are the client process's totals.
type burstCounters struct {
	requests, cells, limited, failed, invalid atomic.Int64
}

// burstLatency is one answered request.
type burstLatency struct {
	done time.Time
	d    time.Duration
}

func runBurstClients(spec *burstSpec, in io.Reader, out io.Writer) error {
	if spec.Clients <= 0 || spec.Cells <= 0 || len(spec.Blocks) == 0 {
		return fmt.Errorf("spec: %d clients, %d cells a request, %d blocks", spec.Clients, spec.Cells, len(spec.Blocks))
	}
	if _, err := raiseNoFile(); err != nil {
		return err
	}
	ai, err := libp2phost.ParseAddr(spec.Addr)
	if err != nil {
		return err
	}
	server := p2p.PeerID(ai.ID.String())
	var verifier *kzg.Verifier
	if spec.Verify {
		if verifier, err = kzg.NewVerifier(); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	hosts := make([]*libp2phost.Host, spec.Clients)
	defer func() {
		for _, h := range hosts {
			if h != nil {
				h.Close()
			}
		}
	}()
	// Dial in small batches: the full node's transient scope (256
	// connections in handshake) is not what is measured.
	sem := make(chan struct{}, 32)
	var dials sync.WaitGroup
	var dialErr atomic.Pointer[error]
	for i := range hosts {
		h, err := libp2phost.New(libp2phost.Config{Role: libp2phost.LightClient, ListenAddrs: []string{}, Logger: quiet})
		if err != nil {
			return fmt.Errorf("client %d host: %w", i, err)
		}
		hosts[i] = h
		dials.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			dctx, dcancel := context.WithTimeout(ctx, time.Minute)
			defer dcancel()
			if err := h.ConnectAddr(dctx, spec.Addr); err != nil {
				err = fmt.Errorf("client %d: %w", i, err)
				dialErr.CompareAndSwap(nil, &err)
			}
		})
	}
	dials.Wait()
	if e := dialErr.Load(); e != nil {
		return *e
	}
	fmt.Fprintln(out, "ready")

	var (
		cnt     burstCounters
		workers sync.WaitGroup
		lats    = make([][]burstLatency, len(hosts))
		errMu   sync.Mutex
		errs    []string
		marks   []time.Time
		started bool
	)
	record := func(err error) {
		if protocolViolation(err) {
			cnt.invalid.Add(1)
		} else {
			cnt.failed.Add(1)
		}
		errMu.Lock()
		if len(errs) < 5 {
			errs = append(errs, err.Error())
		}
		errMu.Unlock()
	}
	lines := bufio.NewScanner(in)
	for lines.Scan() && lines.Text() != "stop" {
		switch lines.Text() {
		case "go":
			if started {
				continue
			}
			started = true
			for i, h := range hosts {
				c := &burstClient{host: h, server: server, proto: das.ProtocolID(spec.ChainID), spec: spec,
					verifier: verifier, rng: rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))}
				workers.Go(func() { lats[i] = c.run(ctx, &cnt, record) })
			}
		case "mark":
			marks = append(marks, time.Now())
			fmt.Fprintf(out, "mark %d %d %d %d %d %d\n", processCPU().Nanoseconds(),
				cnt.requests.Load(), cnt.cells.Load(), cnt.limited.Load(), cnt.failed.Load(), cnt.invalid.Load())
		}
	}
	cancel()
	workers.Wait()

	// Latencies of the requests answered between the first and last mark.
	var ds []time.Duration
	if len(marks) >= 2 {
		from, to := marks[0], marks[len(marks)-1]
		for _, l := range lats {
			for _, x := range l {
				if !x.done.Before(from) && !x.done.After(to) {
					ds = append(ds, x.d)
				}
			}
		}
	}
	slices.Sort(ds)
	done := burstDone{Requests: len(ds), P50ms: percentileMS(ds, 0.50), P99ms: percentileMS(ds, 0.99), Errors: errs}
	js, err := json.Marshal(done)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "done %s\n", js)
	return nil
}

// protocolViolation tells answers that break the sample protocol from
// transport failures.
func protocolViolation(err error) bool {
	return errors.Is(err, das.ErrMalformed) || errors.Is(err, das.ErrUnexpectedCells) || errors.Is(err, kzg.ErrVerify)
}

// percentileMS is the p-quantile of sorted durations, in milliseconds.
func percentileMS(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := min(len(sorted)-1, int(p*float64(len(sorted))))
	return float64(sorted[i]) / float64(time.Millisecond)
}

// burstClient is one light client of the burst: one host, one request in
// flight at a time.
type burstClient struct {
	host     *libp2phost.Host
	server   p2p.PeerID
	proto    p2p.ProtocolID
	spec     *burstSpec
	verifier *kzg.Verifier
	rng      *rand.Rand
	buf      []byte // response frame, reused
}

func (c *burstClient) run(ctx context.Context, cnt *burstCounters, fail func(error)) []burstLatency {
	var lats []burstLatency
	for ctx.Err() == nil {
		blk := &c.spec.Blocks[c.rng.IntN(len(c.spec.Blocks))]
		q := &das.Request{Height: blk.Height, Hash: blk.Hash, Cells: randomCells(c.rng, len(blk.Commitments), c.spec.Cells)}
		start := time.Now()
		resp, err := c.fetch(ctx, q)
		switch {
		case ctx.Err() != nil:
			return lats // stopped mid-request
		case err != nil:
			fail(err)
			continue
		case resp.Status == das.ResponseRateLimited:
			cnt.limited.Add(1)
			select {
			case <-ctx.Done():
			case <-time.After(burstBackoff):
			}
			continue
		}
		if err := resp.Match(q); err != nil {
			fail(err)
			continue
		}
		found := 0
		for i := range resp.Entries {
			if resp.Entries[i].Found {
				found++
			}
		}
		if found != len(q.Cells) {
			// The node stores these blocks whole.
			fail(fmt.Errorf("%w: block %d: %d of %d cells not found", das.ErrUnexpectedCells, blk.Height, len(q.Cells)-found, len(q.Cells)))
			continue
		}
		if c.verifier != nil {
			if err := c.verify(blk, resp); err != nil {
				fail(err)
				continue
			}
		}
		now := time.Now()
		lats = append(lats, burstLatency{done: now, d: now.Sub(start)})
		cnt.requests.Add(1)
		cnt.cells.Add(int64(found))
	}
	return lats
}

// fetch is one exchange of the sample protocol (docs/protocol.md,
// "Samples"): a new stream, u32 length || request, half-close, then
// u32 length || response read whole and decoded.
func (c *burstClient) fetch(ctx context.Context, q *das.Request) (*das.Response, error) {
	msg, err := q.Encode()
	if err != nil {
		return nil, err
	}
	rctx, cancel := context.WithTimeout(ctx, burstRequestTimeout)
	defer cancel()
	st, err := c.host.NewStream(rctx, c.server, c.proto)
	if err != nil {
		return nil, err
	}
	stop := context.AfterFunc(rctx, func() { st.Reset() })
	defer stop()
	if err := st.SetDeadline(time.Now().Add(burstRequestTimeout)); err != nil {
		st.Reset()
		return nil, err
	}
	resp, err := c.exchange(st, msg)
	if err != nil {
		st.Reset()
		return nil, err
	}
	st.Close()
	return resp, nil
}

func (c *burstClient) exchange(st p2p.Stream, msg []byte) (*das.Response, error) {
	req := binary.BigEndian.AppendUint32(make([]byte, 0, 4+len(msg)), uint32(len(msg)))
	if _, err := st.Write(append(req, msg...)); err != nil {
		return nil, fmt.Errorf("writing request: %w", err)
	}
	if err := st.CloseWrite(); err != nil {
		return nil, fmt.Errorf("closing request: %w", err)
	}
	var hdr [4]byte
	if _, err := io.ReadFull(st, hdr[:]); err != nil {
		return nil, fmt.Errorf("reading response length: %w", err)
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n == 0 || n > das.MaxResponseSize {
		return nil, fmt.Errorf("%w: response frame of %d bytes", das.ErrMalformed, n)
	}
	if cap(c.buf) < int(n) {
		c.buf = make([]byte, das.MaxResponseSize)
	}
	body := c.buf[:n]
	if _, err := io.ReadFull(st, body); err != nil {
		return nil, fmt.Errorf("reading response: %w", err)
	}
	return das.DecodeResponse(body)
}

func (c *burstClient) verify(blk *burstBlock, resp *das.Response) error {
	commits := make([]kzg.Commitment, len(blk.Commitments))
	for i := range commits {
		commits[i] = kzg.Commitment(blk.Commitments[i])
	}
	var samples []kzg.Sample
	for i := range resp.Entries {
		e := &resp.Entries[i]
		if e.Found {
			samples = append(samples, kzg.Sample{Row: e.Row, Column: e.Col, Cell: e.Cell, Proof: e.Proof})
		}
	}
	if err := c.verifier.VerifySamples(commits, samples); err != nil {
		return fmt.Errorf("block %d: %w", blk.Height, err)
	}
	return nil
}

// randomCells draws n distinct cells of a 2k x 128 grid, sorted row-major
// as requests list them. Load generation only: math/rand suffices.
func randomCells(rng *rand.Rand, k, n int) []das.Coord {
	total := 2 * k * kzg.CellsPerRow
	n = min(n, total, das.MaxCellsPerRequest)
	seen := make(map[int]bool, n)
	idx := make([]int, 0, n)
	for len(idx) < n {
		if v := rng.IntN(total); !seen[v] {
			seen[v] = true
			idx = append(idx, v)
		}
	}
	slices.Sort(idx)
	cells := make([]das.Coord, n)
	for i, v := range idx {
		cells[i] = das.Coord{Row: v / kzg.CellsPerRow, Col: v % kzg.CellsPerRow}
	}
	return cells
}

// raiseNoFile lifts the soft file-descriptor limit to the hard one and
// returns it: each client holds a connection.
func raiseNoFile() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Errorf("getrlimit: %w", err)
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return 0, fmt.Errorf("setrlimit: %w", err)
		}
	}
	return lim.Cur, nil
}

// BenchmarkServeSamples is the full node's serving path without the
// network: das.Server.Respond to a request of one block's samples (19
// random cells of a k = 2 block) from the node's bbolt store, one request
// an op on one goroutine. It shows what the burst's server CPU is spent on
// besides libp2p (go test -bench ServeSamples -cpuprofile ...).
func BenchmarkServeSamples(b *testing.B) {
	blobs := make([]kzg.Blob, loadBlobs)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range blobs {
		for j := range kzg.FieldElementsPerBlob {
			e := blobs[i][32*j : 32*j+32]
			for k := 1; k < 32; k++ { // top byte 0: canonical
				e[k] = byte(rng.Uint32())
			}
		}
	}
	blk, err := sharedProver(b).ExtendBlock(blobs)
	if err != nil {
		b.Fatal(err)
	}
	db, err := store.Open(filepath.Join(b.TempDir(), DBFile), store.Options{ChainID: "serve"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	hash := headers.Hash{1}
	if err := db.Blocks().Put(1, hash, blk); err != nil {
		b.Fatal(err)
	}
	// No rate limit: one peer asks for everything.
	srv, err := das.NewServer("serve", db.Blocks(), das.ServerConfig{CellsPerSecond: 1e12, Burst: 1 << 30})
	if err != nil {
		b.Fatal(err)
	}
	n, err := das.SamplesFor(blk.K, das.DefaultConfidence)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		q := &das.Request{Height: 1, Hash: hash, Cells: randomCells(rng, blk.K, n)}
		if r := srv.Respond(ctx, "peer", q); r.Status != das.ResponseOK {
			b.Fatalf("status %v", r.Status)
		}
	}
	b.ReportMetric(float64(srv.CellsServed())/b.Elapsed().Seconds(), "cells/s")
}
