package webrtc

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"lightdas/das"
	"lightdas/headers"
	"lightdas/kzg"
	"lightdas/p2p"
	"lightdas/p2p/p2ptest"
	"lightdas/webrtc/internal/testpeer"
)

// suiteTimeout bounds each step of runPeerSuite (a hang guard; the
// browser is slower than native code).
const suiteTimeout = 2 * time.Minute

// runPeerSuite exercises a host against a testpeer: in the browser
// (browser_test.go, the peer runs beside it) and natively
// (TestAgainstTestPeer, in-process), with the same code.
func runPeerSuite(t *testing.T, info testpeer.Info) {
	base := p2ptest.Goroutines()
	h, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := h.Close(); err != nil {
			t.Error(err)
		}
		p2ptest.WaitGoroutines(t, base)
	}()
	h.SetStreamHandler(testpeer.Echo, func(s p2p.Stream) {
		s.SetDeadline(time.Now().Add(suiteTimeout))
		msg, err := io.ReadAll(s)
		if err == nil {
			_, err = s.Write(msg)
		}
		if err != nil {
			s.Reset()
			return
		}
		s.Close()
	})
	events := make(chan p2p.PeerEvent, 16)
	defer h.Subscribe(func(ev p2p.PeerEvent) { events <- ev })()
	ctx, cancel := context.WithTimeout(context.Background(), 5*suiteTimeout)
	defer cancel()
	id, err := h.Connect(ctx, info.Addr)
	if err != nil {
		t.Fatalf("Connect(%s): %v", info.Addr, err)
	}
	nextEvent := func() p2p.PeerEvent {
		select {
		case ev := <-events:
			return ev
		case <-ctx.Done():
			t.Fatal("no peer event")
		}
		return p2p.PeerEvent{}
	}
	if ev := nextEvent(); ev != (p2p.PeerEvent{Peer: id, Kind: p2p.PeerConnected}) {
		t.Fatalf("event %v, want %s connected", ev, id)
	}

	t.Run("Ping", func(t *testing.T) {
		s, err := h.NewStream(ctx, id, "/ipfs/ping/1.0.0")
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		s.SetDeadline(time.Now().Add(suiteTimeout))
		for range 3 {
			ping, pong := make([]byte, 32), make([]byte, 32)
			rand.Read(ping)
			if _, err := s.Write(ping); err != nil {
				t.Fatal(err)
			}
			if _, err := io.ReadFull(s, pong); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(ping, pong) {
				t.Fatal("pong differs from ping")
			}
		}
	})

	t.Run("ProtocolNotSupported", func(t *testing.T) {
		if s, err := h.NewStream(ctx, id, "/lightdas/webrtctest/none/1"); !errors.Is(err, p2p.ErrProtocolNotSupported) {
			if s != nil {
				s.Reset()
			}
			t.Fatalf("unserved protocol: %v, want ErrProtocolNotSupported", err)
		}
	})

	t.Run("RemoteReset", func(t *testing.T) {
		s, err := h.NewStream(ctx, id, testpeer.Reset)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		s.SetDeadline(time.Now().Add(suiteTimeout))
		if _, err := s.Write([]byte("x")); err != nil {
			t.Fatal(err)
		}
		var b [1]byte
		if _, err := s.Read(b[:]); !errors.Is(err, p2p.ErrStreamReset) {
			t.Fatalf("read after the peer's reset: %v, want ErrStreamReset", err)
		}
	})

	t.Run("ReadDeadline", func(t *testing.T) {
		s, err := h.NewStream(ctx, id, testpeer.Echo)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		var b [8]byte
		s.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
		if _, err := s.Read(b[:]); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("read with nothing to read: %v, want os.ErrDeadlineExceeded", err)
		}
		s.SetDeadline(time.Now().Add(suiteTimeout))
		if _, err := s.Write([]byte("late")); err != nil {
			t.Fatal(err)
		}
		s.CloseWrite()
		got, err := io.ReadAll(s)
		if err != nil || string(got) != "late" {
			t.Fatalf("after the deadline moved: %q, %v", got, err)
		}
	})

	t.Run("Echo1MiB", func(t *testing.T) {
		if err := echoRoundTrip(ctx, h, id, testpeer.Pattern(1<<20)); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("Big4MiB", func(t *testing.T) {
		const n = 4 << 20
		s, err := h.NewStream(ctx, id, testpeer.Big)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		s.SetDeadline(time.Now().Add(suiteTimeout))
		if _, err := s.Write([]byte(strconv.Itoa(n))); err != nil {
			t.Fatal(err)
		}
		if err := s.CloseWrite(); err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(s)
		if err != nil || !bytes.Equal(got, testpeer.Pattern(n)) {
			t.Fatalf("read %d bytes (%v), want the peer's %d", len(got), err, n)
		}
	})

	t.Run("Concurrent32", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan error, 32)
		for i := range 32 {
			wg.Go(func() {
				msg := testpeer.Pattern(20000 + 97*i)
				if err := echoRoundTrip(ctx, h, id, msg); err != nil {
					errs <- fmt.Errorf("stream %d: %w", i, err)
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})

	t.Run("IncomingStream", func(t *testing.T) {
		s, err := h.NewStream(ctx, id, testpeer.Callback)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		s.SetDeadline(time.Now().Add(suiteTimeout))
		s.CloseWrite()
		got, err := io.ReadAll(s)
		if err != nil || string(got) != "ok" {
			t.Fatalf("the peer's stream to this host: %q, %v", got, err)
		}
	})

	t.Run("Headers", func(t *testing.T) {
		peer := headers.NewP2PPeer(h, id, info.HeadersChain, nil)
		got, err := headers.NewClient(peer, headers.NewCodec()).GetRange(ctx, 1, len(info.HeaderHashes))
		if err != nil || len(got) != len(info.HeaderHashes) {
			t.Fatalf("GetRange: %d blocks, %v", len(got), err)
		}
		for i, b := range got {
			if b.Hash().String() != info.HeaderHashes[i] {
				t.Fatalf("block %d: hash %s, want %s", i+1, b.Hash(), info.HeaderHashes[i])
			}
		}
	})

	t.Run("Sampling", func(t *testing.T) {
		hdr, err := headers.DecodeHeader(info.SampleHeader)
		if err != nil {
			t.Fatal(err)
		}
		verifier, err := kzg.NewVerifier()
		if err != nil {
			t.Fatal(err)
		}
		sampler, err := das.NewSampler(h, info.SampleChain, verifier, das.NewMemCheckpointStore())
		if err != nil {
			t.Fatal(err)
		}
		res, err := sampler.Sample(ctx, hdr)
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != das.Available || res.Verified != res.Samples || res.Samples == 0 {
			t.Fatalf("%v: %d of %d cells verified (%v)", res.Status, res.Verified, res.Samples, res.Err)
		}
	})

	// Last: the peer drops the connection while a read waits.
	t.Run("PeerDropsConnection", func(t *testing.T) {
		hold, err := h.NewStream(ctx, id, testpeer.Echo)
		if err != nil {
			t.Fatal(err)
		}
		hold.SetDeadline(time.Now().Add(suiteTimeout))
		readErr := make(chan error, 1)
		go func() {
			var b [1]byte
			_, err := hold.Read(b[:])
			readErr <- err
		}()
		kick, err := h.NewStream(ctx, id, testpeer.Kick)
		if err != nil {
			t.Fatal(err)
		}
		if err := kick.CloseWrite(); err != nil {
			t.Fatal(err)
		}
		if err := <-readErr; !errors.Is(err, p2p.ErrStreamReset) && !errors.Is(err, p2p.ErrNoConnection) {
			t.Fatalf("blocked read: %v, want ErrStreamReset or ErrNoConnection", err)
		}
		if ev := nextEvent(); ev != (p2p.PeerEvent{Peer: id, Kind: p2p.PeerDisconnected}) {
			t.Fatalf("event %v, want %s disconnected", ev, id)
		}
		if _, err := h.NewStream(ctx, id, testpeer.Echo); !errors.Is(err, p2p.ErrNoConnection) {
			t.Fatalf("NewStream after the drop: %v, want ErrNoConnection", err)
		}
		// Connecting again works.
		if _, err := h.Connect(ctx, info.Addr); err != nil {
			t.Fatal(err)
		}
		if ev := nextEvent(); ev != (p2p.PeerEvent{Peer: id, Kind: p2p.PeerConnected}) {
			t.Fatalf("event %v, want %s connected", ev, id)
		}
		if err := echoRoundTrip(ctx, h, id, []byte("again")); err != nil {
			t.Fatal(err)
		}
	})
}

func echoRoundTrip(ctx context.Context, h *Host, id p2p.PeerID, msg []byte) error {
	s, err := h.NewStream(ctx, id, testpeer.Echo)
	if err != nil {
		return err
	}
	defer s.Close()
	s.SetDeadline(time.Now().Add(suiteTimeout))
	werr := make(chan error, 1)
	go func() {
		_, err := s.Write(msg)
		if err == nil {
			err = s.CloseWrite()
		}
		werr <- err
	}()
	got, err := io.ReadAll(s)
	if err := <-werr; err != nil {
		return fmt.Errorf("write: %w", err)
	}
	if err != nil {
		return fmt.Errorf("read: %w", err)
	}
	if !bytes.Equal(got, msg) {
		return fmt.Errorf("echo: %d bytes that differ from the %d sent", len(got), len(msg))
	}
	return nil
}
