// Package p2ptest is the conformance suite of the p2p interface. Every
// implementation (memnet, the go-libp2p host, webrtc) runs it:
//
//	func TestConformance(t *testing.T) {
//		p2ptest.TestHost(t, func(t *testing.T) (a, b p2p.Host) { ... })
//	}
//
// newPair returns two distinct hosts that are connected to each other and
// registers with t.Cleanup whatever releases them. The suite may Close
// either host; Close must therefore be idempotent.
package p2ptest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"lightdas/p2p"
)

// heavy scales data sizes down under wasm, which is much slower.
const heavy = runtime.GOARCH != "wasm"

// testTimeout bounds every subtest so a broken implementation fails rather
// than hangs.
const testTimeout = 60 * time.Second

// Proto is the protocol id the suite serves.
const Proto p2p.ProtocolID = "/lightdas/p2ptest/1"

// TestHost runs the conformance suite. Cases named in notApplicable are
// left out, for pairs whose other end is a third-party implementation
// that cannot meet them; the caller must test what happens instead.
func TestHost(t *testing.T, newPair func(t *testing.T) (a, b p2p.Host), notApplicable ...string) {
	tests := []struct {
		name string
		fn   func(t *testing.T, ctx context.Context, a, b p2p.Host)
	}{
		{"Identity", testIdentity},
		{"EchoHalfClose", testEchoHalfClose},
		{"EmptyHalfClose", testEmptyHalfClose},
		{"WriteAfterCloseWrite", testWriteAfterCloseWrite},
		{"ProtocolNotSupported", testProtocolNotSupported},
		{"HandlerReplaced", testHandlerReplaced},
		{"NoConnection", testNoConnection},
		{"LargeDuplex", testLargeDuplex},
		{"ConcurrentStreams", testConcurrentStreams},
		{"Backpressure", testBackpressure},
		{"ReadDeadline", testReadDeadline},
		{"RemoteReset", testRemoteReset},
		{"LocalReset", testLocalReset},
		{"ResetUnblocksWriter", testResetUnblocksWriter},
		{"RemoteHostClose", testRemoteHostClose},
		{"ClosedHost", testClosedHost},
	}
	for _, tc := range tests {
		if slices.Contains(notApplicable, tc.name) {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			a, b := newPair(t)
			if a.ID() == b.ID() {
				t.Fatalf("newPair returned one id twice: %q", a.ID())
			}
			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			tc.fn(t, ctx, a, b)
		})
	}
}

// guard puts the context's deadline on the stream, so a broken
// implementation fails the test instead of hanging it.
func guard(ctx context.Context, s p2p.Stream) {
	if dl, ok := ctx.Deadline(); ok {
		s.SetDeadline(dl)
	}
}

func open(t *testing.T, ctx context.Context, a, b p2p.Host) p2p.Stream {
	t.Helper()
	s, err := a.NewStream(ctx, b.ID(), Proto)
	if err != nil {
		t.Fatalf("NewStream: %v", err)
	}
	guard(ctx, s)
	return s
}

// pattern returns n bytes that reveal reordering, loss and duplication.
func pattern(seed byte, n int) []byte {
	b := make([]byte, n)
	x := uint32(seed) + 1
	for i := range b {
		x = x*1664525 + 1013904223
		b[i] = byte(x >> 24)
	}
	return b
}

func testIdentity(t *testing.T, ctx context.Context, a, b p2p.Host) {
	if !slices.Contains(a.Peers(), b.ID()) {
		t.Errorf("a.Peers() = %v, want it to contain %q", a.Peers(), b.ID())
	}
	if !slices.Contains(b.Peers(), a.ID()) {
		t.Errorf("b.Peers() = %v, want it to contain %q", b.Peers(), a.ID())
	}
}

// testEchoHalfClose: the handler reads to EOF and echoes; identity and
// protocol are visible on both ends.
func testEchoHalfClose(t *testing.T, ctx context.Context, a, b p2p.Host) {
	type seen struct {
		proto  p2p.ProtocolID
		remote p2p.PeerID
		err    error
	}
	got := make(chan seen, 1)
	b.SetStreamHandler(Proto, func(s p2p.Stream) {
		guard(ctx, s)
		msg, err := io.ReadAll(s)
		if err == nil {
			_, err = s.Write(msg)
		}
		got <- seen{s.Protocol(), s.RemotePeer(), err}
		if err != nil {
			s.Reset()
			return
		}
		s.Close()
	})
	s := open(t, ctx, a, b)
	defer s.Close()
	if s.Protocol() != Proto || s.RemotePeer() != b.ID() {
		t.Errorf("opener sees protocol %q peer %q, want %q %q", s.Protocol(), s.RemotePeer(), Proto, b.ID())
	}
	msg := pattern(1, 3000)
	if _, err := s.Write(msg[:1000]); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Write(msg[1000:]); err != nil {
		t.Fatal(err)
	}
	if err := s.CloseWrite(); err != nil {
		t.Fatalf("CloseWrite: %v", err)
	}
	echo, err := io.ReadAll(s)
	if err != nil {
		t.Fatalf("reading echo: %v", err)
	}
	if !bytes.Equal(echo, msg) {
		t.Errorf("echo differs: %d bytes, want %d", len(echo), len(msg))
	}
	h := <-got
	if h.err != nil {
		t.Errorf("handler: %v", h.err)
	}
	if h.proto != Proto || h.remote != a.ID() {
		t.Errorf("handler sees protocol %q peer %q, want %q %q", h.proto, h.remote, Proto, a.ID())
	}
}

func testEmptyHalfClose(t *testing.T, ctx context.Context, a, b p2p.Host) {
	b.SetStreamHandler(Proto, func(s p2p.Stream) {
		guard(ctx, s)
		var buf [1]byte
		if n, err := s.Read(buf[:]); n != 0 || err != io.EOF {
			s.Reset()
			return
		}
		s.Write([]byte("ok"))
		s.Close()
	})
	s := open(t, ctx, a, b)
	defer s.Close()
	if err := s.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	resp, err := io.ReadAll(s)
	if err != nil || string(resp) != "ok" {
		t.Fatalf("got %q, %v; want the handler to read EOF at once and answer ok", resp, err)
	}
}

func testWriteAfterCloseWrite(t *testing.T, ctx context.Context, a, b p2p.Host) {
	b.SetStreamHandler(Proto, func(s p2p.Stream) {
		guard(ctx, s)
		io.Copy(io.Discard, s)
		s.Close()
	})
	s := open(t, ctx, a, b)
	defer s.Close()
	if err := s.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Write([]byte("x")); err == nil {
		t.Fatal("Write after CloseWrite succeeded")
	}
}

func testProtocolNotSupported(t *testing.T, ctx context.Context, a, b p2p.Host) {
	if s, err := a.NewStream(ctx, b.ID(), "/lightdas/p2ptest/none/1"); !errors.Is(err, p2p.ErrProtocolNotSupported) {
		if s != nil {
			s.Reset()
		}
		t.Errorf("unserved protocol: err = %v, want ErrProtocolNotSupported", err)
	}
	b.SetStreamHandler(Proto, func(s p2p.Stream) { s.Reset() })
	b.RemoveStreamHandler(Proto)
	if s, err := a.NewStream(ctx, b.ID(), Proto); !errors.Is(err, p2p.ErrProtocolNotSupported) {
		if s != nil {
			s.Reset()
		}
		t.Errorf("removed handler: err = %v, want ErrProtocolNotSupported", err)
	}
}

func testHandlerReplaced(t *testing.T, ctx context.Context, a, b p2p.Host) {
	for _, word := range []string{"first", "second"} {
		b.SetStreamHandler(Proto, func(s p2p.Stream) {
			s.Write([]byte(word))
			s.Close()
		})
	}
	s := open(t, ctx, a, b)
	defer s.Close()
	got, err := io.ReadAll(s)
	if err != nil || string(got) != "second" {
		t.Fatalf("got %q, %v; want the replacing handler's answer", got, err)
	}
}

func testNoConnection(t *testing.T, ctx context.Context, a, b p2p.Host) {
	s, err := a.NewStream(ctx, "p2ptest-nobody", Proto)
	if !errors.Is(err, p2p.ErrNoConnection) {
		if s != nil {
			s.Reset()
		}
		t.Fatalf("unknown peer: err = %v, want ErrNoConnection", err)
	}
}

// testLargeDuplex sends more than any sane window each way at once, so
// both ends block on full windows simultaneously.
func testLargeDuplex(t *testing.T, ctx context.Context, a, b p2p.Host) {
	size := 256 << 10
	if heavy {
		size = 4 << 20
	}
	up, down := pattern(2, size), pattern(3, size)
	handlerErr := make(chan error, 1)
	b.SetStreamHandler(Proto, func(s p2p.Stream) {
		guard(ctx, s)
		werr := make(chan error, 1)
		go func() {
			_, err := s.Write(down)
			if err == nil {
				err = s.CloseWrite()
			}
			werr <- err
		}()
		got, err := io.ReadAll(s)
		if err == nil && !bytes.Equal(got, up) {
			err = fmt.Errorf("handler received %d bytes that differ from the %d sent", len(got), len(up))
		}
		if err2 := <-werr; err == nil {
			err = err2
		}
		handlerErr <- err
		if err != nil {
			s.Reset()
			return
		}
		s.Close()
	})
	s := open(t, ctx, a, b)
	defer s.Close()
	werr := make(chan error, 1)
	go func() {
		// Odd-sized writes cross any chunking.
		var err error
		for off := 0; off < len(up) && err == nil; off += 7919 {
			_, err = s.Write(up[off:min(off+7919, len(up))])
		}
		if err == nil {
			err = s.CloseWrite()
		}
		werr <- err
	}()
	got, err := io.ReadAll(s)
	if err != nil {
		t.Fatalf("reading: %v", err)
	}
	if !bytes.Equal(got, down) {
		t.Errorf("received %d bytes that differ from the %d sent", len(got), len(down))
	}
	if err := <-werr; err != nil {
		t.Errorf("writing: %v", err)
	}
	if err := <-handlerErr; err != nil {
		t.Errorf("handler: %v", err)
	}
}

func testConcurrentStreams(t *testing.T, ctx context.Context, a, b p2p.Host) {
	b.SetStreamHandler(Proto, func(s p2p.Stream) {
		guard(ctx, s)
		msg, err := io.ReadAll(s)
		if err != nil {
			s.Reset()
			return
		}
		s.Write(msg)
		s.Close()
	})
	const streams = 16
	var wg sync.WaitGroup
	errs := make(chan error, streams)
	for i := range streams {
		wg.Go(func() {
			s, err := a.NewStream(ctx, b.ID(), Proto)
			if err != nil {
				errs <- err
				return
			}
			defer s.Close()
			guard(ctx, s)
			msg := pattern(byte(i), 10000+i)
			if _, err := s.Write(msg); err != nil {
				errs <- err
				return
			}
			s.CloseWrite()
			got, err := io.ReadAll(s)
			if err == nil && !bytes.Equal(got, msg) {
				err = fmt.Errorf("stream %d: echo differs", i)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// testBackpressure: a writer whose reader does not read blocks (and so
// hits its write deadline) after a bounded amount of data; once the reader
// reads, everything accepted arrives and the stream carries on.
func testBackpressure(t *testing.T, ctx context.Context, a, b p2p.Host) {
	const limit = 64 << 20 // far above any transport's window
	release := make(chan struct{})
	received := make(chan []byte, 1)
	b.SetStreamHandler(Proto, func(s p2p.Stream) {
		guard(ctx, s)
		select {
		case <-release:
		case <-ctx.Done():
		}
		got, err := io.ReadAll(s)
		if err != nil {
			got = nil
			s.Reset()
		} else {
			s.Close()
		}
		received <- got
	})
	s := open(t, ctx, a, b)
	defer s.Close()
	chunk := pattern(4, 32<<10)
	var sent []byte
	blocked := false
	for len(sent) < limit {
		s.SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
		n, err := s.Write(chunk)
		sent = append(sent, chunk[:n]...)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			blocked = true
			break
		}
		if err != nil {
			t.Fatalf("write after %d bytes: %v", len(sent), err)
		}
	}
	if !blocked {
		t.Fatalf("wrote %d bytes to a stream nobody reads without blocking", len(sent))
	}
	close(release)
	guard(ctx, s)
	tail := []byte("tail")
	if _, err := s.Write(tail); err != nil {
		t.Fatalf("write after the reader resumed: %v", err)
	}
	sent = append(sent, tail...)
	if err := s.CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if got := <-received; !bytes.Equal(got, sent) {
		t.Errorf("reader got %d bytes, want the %d accepted", len(got), len(sent))
	}
}

func testReadDeadline(t *testing.T, ctx context.Context, a, b p2p.Host) {
	release := make(chan struct{})
	b.SetStreamHandler(Proto, func(s p2p.Stream) {
		guard(ctx, s)
		select {
		case <-release:
		case <-ctx.Done():
		}
		s.Write([]byte("late"))
		s.Close()
	})
	s := open(t, ctx, a, b)
	defer s.Close()
	var buf [8]byte
	s.SetReadDeadline(time.Now().Add(-time.Second))
	if _, err := s.Read(buf[:]); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read with a past deadline: %v, want os.ErrDeadlineExceeded", err)
	}
	s.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if _, err := s.Read(buf[:]); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read with nothing to read: %v, want os.ErrDeadlineExceeded", err)
	}
	close(release)
	guard(ctx, s)
	got, err := io.ReadAll(s)
	if err != nil || string(got) != "late" {
		t.Fatalf("after extending the deadline: %q, %v", got, err)
	}
}

func testRemoteReset(t *testing.T, ctx context.Context, a, b p2p.Host) {
	b.SetStreamHandler(Proto, func(s p2p.Stream) {
		guard(ctx, s)
		var buf [1]byte
		io.ReadFull(s, buf[:])
		s.Reset()
	})
	s := open(t, ctx, a, b)
	defer s.Close()
	if _, err := s.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	var buf [1]byte
	if _, err := s.Read(buf[:]); !errors.Is(err, p2p.ErrStreamReset) {
		t.Fatalf("read after the peer reset: %v, want ErrStreamReset", err)
	}
}

func testLocalReset(t *testing.T, ctx context.Context, a, b p2p.Host) {
	handlerErr := make(chan error, 1)
	b.SetStreamHandler(Proto, func(s p2p.Stream) {
		guard(ctx, s)
		_, err := io.ReadAll(s)
		handlerErr <- err
		s.Reset()
	})
	s := open(t, ctx, a, b)
	if _, err := s.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := s.Reset(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Write([]byte("y")); !errors.Is(err, p2p.ErrStreamReset) {
		t.Errorf("write after Reset: %v, want ErrStreamReset", err)
	}
	var buf [1]byte
	if _, err := s.Read(buf[:]); !errors.Is(err, p2p.ErrStreamReset) {
		t.Errorf("read after Reset: %v, want ErrStreamReset", err)
	}
	if err := <-handlerErr; !errors.Is(err, p2p.ErrStreamReset) {
		t.Errorf("peer's read after Reset: %v, want ErrStreamReset", err)
	}
}

func testResetUnblocksWriter(t *testing.T, ctx context.Context, a, b p2p.Host) {
	b.SetStreamHandler(Proto, func(s p2p.Stream) {
		guard(ctx, s)
		var buf [1]byte
		io.ReadFull(s, buf[:])
		s.Reset()
	})
	s := open(t, ctx, a, b)
	defer s.Close()
	const limit = 64 << 20
	chunk := pattern(5, 16<<10)
	var err error
	for sent := 0; sent < limit && err == nil; sent += len(chunk) {
		_, err = s.Write(chunk)
	}
	if !errors.Is(err, p2p.ErrStreamReset) {
		t.Fatalf("writer to a reset stream: %v, want ErrStreamReset", err)
	}
}

func testRemoteHostClose(t *testing.T, ctx context.Context, a, b p2p.Host) {
	events := make(chan p2p.PeerEvent, 16)
	cancel := a.Subscribe(func(ev p2p.PeerEvent) { events <- ev })
	defer cancel()
	accepted := make(chan struct{})
	b.SetStreamHandler(Proto, func(s p2p.Stream) {
		guard(ctx, s)
		close(accepted)
		io.Copy(io.Discard, s)
		s.Reset()
	})
	s := open(t, ctx, a, b)
	defer s.Close()
	if _, err := s.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-accepted:
	case <-ctx.Done():
		t.Fatal("handler never ran")
	}
	if err := b.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	var buf [1]byte
	if _, err := s.Read(buf[:]); !errors.Is(err, p2p.ErrStreamReset) && !errors.Is(err, p2p.ErrNoConnection) {
		t.Errorf("read from a closed host: %v, want ErrStreamReset or ErrNoConnection", err)
	}
	for {
		select {
		case ev := <-events:
			if ev.Peer != b.ID() || ev.Kind != p2p.PeerDisconnected {
				continue
			}
		case <-ctx.Done():
			t.Fatal("no PeerDisconnected event")
		}
		break
	}
	if slices.Contains(a.Peers(), b.ID()) {
		t.Errorf("a.Peers() = %v still lists the closed host", a.Peers())
	}
	if s2, err := a.NewStream(ctx, b.ID(), Proto); !errors.Is(err, p2p.ErrNoConnection) {
		if s2 != nil {
			s2.Reset()
		}
		t.Errorf("NewStream to a closed host: %v, want ErrNoConnection", err)
	}
}

func testClosedHost(t *testing.T, ctx context.Context, a, b p2p.Host) {
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err := a.NewStream(ctx, b.ID(), Proto); !errors.Is(err, p2p.ErrClosed) {
		if s != nil {
			s.Reset()
		}
		t.Errorf("NewStream from a closed host: %v, want ErrClosed", err)
	}
	if err := a.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}
