//go:build !js

package node

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"lightdas/das"
	"lightdas/headers"
	"lightdas/kzg"
	"lightdas/node/pex"
	"lightdas/p2p"
	"lightdas/p2p/libp2phost"
)

// attackEnd bounds how long an attacked stream may stay open. Every serve
// path of the node bounds a stream by its own timeout (headers, samples,
// rows: 10 s; pex: 5 s), so 30 s only catches a stream the node never ends.
const attackEnd = 30 * time.Second

// badInput is one malformed request: the bytes sent and whether the write
// side is closed after them (false: the attacker just goes silent).
type badInput struct {
	name      string
	payload   []byte
	closeSide bool
}

func badInputs() []badInput {
	truncated := binary.BigEndian.AppendUint32(nil, 100)
	truncated = append(truncated, make([]byte, 10)...)
	garbage := binary.BigEndian.AppendUint32(nil, 16)
	for i := range 16 {
		garbage = append(garbage, byte(0xA5^i*37))
	}
	return []badInput{
		{"oversized", []byte{0xFF, 0xFF, 0xFF, 0xFF}, false},
		{"truncated", truncated, true},
		{"garbage", garbage, true},
		{"slowloris", []byte{0x00}, false},
	}
}

func nodeProtocols(chainID string) []p2p.ProtocolID {
	return []p2p.ProtocolID{
		p2p.ProtocolID(headers.ExchangeProtocolID(chainID)),
		p2p.ProtocolID(headers.HeadsProtocolID(chainID)),
		das.ProtocolID(chainID),
		RowsProtocolID(chainID),
		pex.ProtocolID(chainID),
	}
}

// streamEnd is how an attacked stream ended.
type streamEnd int

const (
	endRefused streamEnd = iota // NewStream or the first write failed
	endReset
	endEOF
)

func (e streamEnd) String() string {
	return [...]string{"refused", "reset", "eof"}[e]
}

// attack opens a stream for proto, sends in, and reads until the node ends
// the stream. It fails only when the stream outlives attackEnd or ends in
// an error that is neither a reset nor EOF.
func attack(ctx context.Context, h *libp2phost.Host, node p2p.PeerID, proto p2p.ProtocolID, in badInput) (streamEnd, []byte, error) {
	st, err := h.NewStream(ctx, node, proto)
	if err != nil {
		// Resource limits or a per-peer cap refusing at negotiation.
		return endRefused, nil, nil
	}
	defer st.Reset()
	st.SetDeadline(time.Now().Add(attackEnd))
	if _, err := st.Write(in.payload); err != nil {
		if errors.Is(err, p2p.ErrStreamReset) {
			return endRefused, nil, nil
		}
		return 0, nil, fmt.Errorf("write: %w", err)
	}
	if in.closeSide {
		if err := st.CloseWrite(); err != nil && !errors.Is(err, p2p.ErrStreamReset) {
			return 0, nil, fmt.Errorf("close write: %w", err)
		}
	}
	// Bounded: the node's largest frame is a headers response.
	got, err := io.ReadAll(io.LimitReader(st, 4+headers.MaxMessageSize+1))
	switch {
	case err == nil:
		return endEOF, got, nil
	case errors.Is(err, os.ErrDeadlineExceeded):
		return 0, got, fmt.Errorf("the node kept the stream open for %v: %w", attackEnd, err)
	case errors.Is(err, p2p.ErrStreamReset):
		return endReset, got, nil
	}
	return 0, got, fmt.Errorf("read: %w", err)
}

// checkBadRequestAnswer: a stream the node closed gracefully after bad
// input must carry exactly one frame saying "bad request".
func checkBadRequestAnswer(t *testing.T, chainID string, proto p2p.ProtocolID, got []byte) {
	t.Helper()
	if len(got) < 4 || int(binary.BigEndian.Uint32(got))+4 != len(got) {
		t.Fatalf("graceful end with %d bytes that are not one frame", len(got))
	}
	body := got[4:]
	switch proto {
	case p2p.ProtocolID(headers.ExchangeProtocolID(chainID)):
		r, err := headers.NewCodec().DecodeResponse(body)
		if err != nil || r.Status != headers.StatusBadRequest {
			t.Fatalf("headers answer to bad input: %+v, %v", r, err)
		}
	case das.ProtocolID(chainID):
		r, err := das.DecodeResponse(body)
		if err != nil || r.Status != das.ResponseBadRequest {
			t.Fatalf("samples answer to bad input: %+v, %v", r, err)
		}
	case RowsProtocolID(chainID):
		r, err := DecodeRowResponse(body)
		if err != nil || r.Status == RowOK {
			t.Fatalf("rows answer to bad input: %+v, %v", r, err)
		}
	default:
		t.Fatalf("%s answered bad input instead of resetting", proto)
	}
}

// honestClient asks the node for its head over header exchange and for
// cells of that block over the sample protocol, and verifies the cells
// against the header's commitments.
type honestClient struct {
	host    *libp2phost.Host
	node    p2p.PeerID
	chainID string
	headers *headers.P2PPeer
	codec   *headers.Codec
	v       *kzg.Verifier
}

func (c *honestClient) check(ctx context.Context) (uint64, error) {
	req, err := headers.Request{Kind: headers.RequestHead}.Encode()
	if err != nil {
		return 0, err
	}
	raw, err := c.headers.RoundTrip(ctx, req)
	if err != nil {
		return 0, fmt.Errorf("head request: %w", err)
	}
	resp, err := c.codec.DecodeResponse(raw)
	if err != nil {
		return 0, fmt.Errorf("head response: %w", err)
	}
	if resp.Status != headers.StatusOK || len(resp.Blocks) != 1 {
		return 0, fmt.Errorf("head response: status %d, %d blocks", resp.Status, len(resp.Blocks))
	}
	h := resp.Blocks[0].Header
	cells := []das.Coord{{Row: 0, Col: 3}, {Row: 1, Col: 77}, {Row: 2*h.K() - 1, Col: 127}}
	if h.K() == 1 {
		cells = []das.Coord{{Row: 0, Col: 3}, {Row: 1, Col: 127}}
	}
	q := &das.Request{Height: h.Height, Hash: h.Hash(), Cells: cells}
	msg, err := q.Encode()
	if err != nil {
		return 0, err
	}
	rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	st, err := c.host.NewStream(rctx, c.node, das.ProtocolID(c.chainID))
	if err != nil {
		return 0, fmt.Errorf("sample stream: %w", err)
	}
	defer st.Close()
	dl, _ := rctx.Deadline()
	st.SetDeadline(dl)
	if _, err := st.Write(binary.BigEndian.AppendUint32(nil, uint32(len(msg)))); err != nil {
		return 0, fmt.Errorf("sample request: %w", err)
	}
	if _, err := st.Write(msg); err != nil {
		return 0, fmt.Errorf("sample request: %w", err)
	}
	if err := st.CloseWrite(); err != nil {
		return 0, fmt.Errorf("sample request: %w", err)
	}
	var n [4]byte
	if _, err := io.ReadFull(st, n[:]); err != nil {
		return 0, fmt.Errorf("sample response: %w", err)
	}
	if l := binary.BigEndian.Uint32(n[:]); l > das.MaxResponseSize {
		return 0, fmt.Errorf("sample response of %d bytes", l)
	}
	body := make([]byte, binary.BigEndian.Uint32(n[:]))
	if _, err := io.ReadFull(st, body); err != nil {
		return 0, fmt.Errorf("sample response: %w", err)
	}
	r, err := das.DecodeResponse(body)
	if err != nil {
		return 0, fmt.Errorf("sample response: %w", err)
	}
	if r.Status != das.ResponseOK {
		return 0, fmt.Errorf("sample response status %v", r.Status)
	}
	if err := r.Match(q); err != nil {
		return 0, err
	}
	commits := make([]kzg.Commitment, h.K())
	for i := range commits {
		commits[i] = kzg.Commitment(h.Commitments[i])
	}
	samples := make([]kzg.Sample, 0, len(r.Entries))
	for _, e := range r.Entries {
		if !e.Found {
			return 0, fmt.Errorf("cell (%d, %d) not found", e.Row, e.Col)
		}
		samples = append(samples, kzg.Sample{Row: e.Row, Column: e.Col, Cell: e.Cell, Proof: e.Proof})
	}
	if err := c.v.VerifySamples(commits, samples); err != nil {
		return 0, fmt.Errorf("cells of height %d: %w", h.Height, err)
	}
	return h.Height, nil
}

// honestLoop runs check until stop is closed, counting successes and
// keeping the first failure.
type honestLoop struct {
	ok   atomic.Int64
	mu   sync.Mutex
	err  error
	done chan struct{}
}

func runHonest(ctx context.Context, c *honestClient, stop <-chan struct{}) *honestLoop {
	l := &honestLoop{done: make(chan struct{})}
	go func() {
		defer close(l.done)
		for {
			if _, err := c.check(ctx); err != nil {
				l.mu.Lock()
				if l.err == nil {
					l.err = err
				}
				l.mu.Unlock()
			} else {
				l.ok.Add(1)
			}
			select {
			case <-stop:
				return
			case <-ctx.Done():
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	return l
}

func newAttacker(t *testing.T, ctx context.Context, addr string) *libp2phost.Host {
	t.Helper()
	h, err := libp2phost.New(libp2phost.Config{ListenAddrs: []string{}, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	if err := h.ConnectAddr(ctx, addr); err != nil {
		t.Fatal(err)
	}
	return h
}

func heapInuse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// TestBadInput: every protocol of a producing full node resets (or ends)
// oversized, truncated, garbage and slow-loris streams; an honest client
// keeps getting verified headers and samples during and after the attack;
// 200 concurrent slow-loris streams leave the heap bounded.
func TestBadInput(t *testing.T) {
	ctx := testCtx(t, 85*time.Second)
	const chainID = "e2e-badinput"
	g, keys := devnet(t, chainID)
	prod := startFull(t, ctx, g, keys, fullOpts{produce: true, interval: time.Second})
	addr := prod.Addrs()[0]
	nodeID := prod.Host().ID()

	hh := newAttacker(t, ctx, addr)
	honest := &honestClient{host: hh, node: nodeID, chainID: chainID, codec: headers.NewCodec(), v: newVerifier(t)}
	honest.headers = headers.NewP2PPeer(hh, nodeID, chainID, honest.codec)
	// Wait for the first block to be served.
	for {
		if _, err := honest.check(ctx); err == nil {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("the node never served a verified head and samples")
		case <-time.After(200 * time.Millisecond):
		}
	}
	base := heapInuse()

	stop := make(chan struct{})
	loop := runHonest(ctx, honest, stop)

	// Every bad input on every protocol, all at once from one attacker.
	t.Run("protocols", func(t *testing.T) {
		attacker := newAttacker(t, ctx, addr)
		for _, proto := range nodeProtocols(chainID) {
			for _, in := range badInputs() {
				t.Run(fmt.Sprintf("%s/%s", proto, in.name), func(t *testing.T) {
					t.Parallel()
					end, got, err := attack(ctx, attacker, nodeID, proto, in)
					if err != nil {
						t.Fatal(err)
					}
					t.Logf("%s %s: %v after %d bytes", proto, in.name, end, len(got))
					if end == endEOF {
						checkBadRequestAnswer(t, chainID, proto, got)
					}
				})
			}
		}
	})

	// 200 slow-loris streams across the protocols from four attackers.
	t.Run("memory", func(t *testing.T) {
		const attackers, perAttacker = 4, 50
		protos := nodeProtocols(chainID)
		slow := badInputs()[3]
		var (
			wg     sync.WaitGroup
			opened sync.WaitGroup
			mu     sync.Mutex
			ends   = map[streamEnd]int{}
			errs   []error
		)
		hosts := make([]*libp2phost.Host, attackers)
		for a := range hosts {
			hosts[a] = newAttacker(t, ctx, addr)
		}
		gate := make(chan struct{})
		for a, h := range hosts {
			for i := range perAttacker {
				proto := protos[(a*perAttacker+i)%len(protos)]
				wg.Add(1)
				opened.Add(1)
				go func() {
					defer wg.Done()
					st, err := h.NewStream(ctx, nodeID, proto)
					if err != nil {
						opened.Done()
						mu.Lock()
						ends[endRefused]++
						mu.Unlock()
						return
					}
					defer st.Reset()
					st.SetDeadline(time.Now().Add(attackEnd))
					_, werr := st.Write(slow.payload)
					opened.Done()
					<-gate
					end := endRefused
					var err2 error
					if werr == nil {
						_, err2 = io.Copy(io.Discard, st)
						switch {
						case err2 == nil:
							end = endEOF
						case errors.Is(err2, p2p.ErrStreamReset):
							end = endReset
						}
					}
					mu.Lock()
					defer mu.Unlock()
					if werr == nil && err2 != nil && end == endRefused {
						errs = append(errs, fmt.Errorf("%s: %w", proto, err2))
						return
					}
					ends[end]++
				}()
			}
		}
		opened.Wait()
		peak := heapInuse()
		close(gate)
		wg.Wait()
		for _, err := range errs {
			t.Error(err)
		}
		t.Logf("slow-loris streams: %v; heap in use: base %d MiB, under attack %d MiB", ends, base>>20, peak>>20)
		if sum := ends[endRefused] + ends[endReset] + ends[endEOF]; sum+len(errs) != attackers*perAttacker {
			t.Fatalf("%d of %d streams accounted for", sum+len(errs), attackers*perAttacker)
		}
		const bound = 64 << 20
		if peak > base+bound {
			t.Fatalf("heap in use grew from %d to %d bytes under 200 slow-loris streams", base, peak)
		}
		for _, h := range hosts {
			h.Close()
		}
		after := heapInuse()
		t.Logf("heap in use after the attackers left: %d MiB", after>>20)
		if after > base+bound/2 {
			t.Fatalf("heap in use %d bytes after the attack, baseline %d", after, base)
		}
	})

	close(stop)
	<-loop.done
	loop.mu.Lock()
	herr := loop.err
	loop.mu.Unlock()
	if herr != nil {
		t.Fatalf("honest client during the attack: %v", herr)
	}
	if loop.ok.Load() == 0 {
		t.Fatal("the honest client got no answer during the attack")
	}
	height, err := honest.check(ctx)
	if err != nil {
		t.Fatalf("honest client after the attack: %v", err)
	}
	t.Logf("honest client: %d verified rounds during the attack, head %d after", loop.ok.Load(), height)
}
