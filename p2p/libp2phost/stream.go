//go:build !js

package libp2phost

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync/atomic"
	"time"

	"github.com/libp2p/go-libp2p/core/network"

	"lightdas/p2p"
)

// stream adapts a network.Stream to p2p.Stream, translating errors.
type stream struct {
	s     network.Stream
	proto p2p.ProtocolID
	peer  p2p.PeerID
	reset atomic.Bool // Reset was called here
}

var _ p2p.Stream = (*stream)(nil)

func newStream(s network.Stream, proto p2p.ProtocolID) *stream {
	return &stream{s: s, proto: proto, peer: p2p.PeerID(s.Conn().RemotePeer().String())}
}

func (s *stream) Read(b []byte) (int, error) {
	n, err := s.s.Read(b)
	return n, s.mapErr("read", err)
}

func (s *stream) Write(b []byte) (int, error) {
	n, err := s.s.Write(b)
	return n, s.mapErr("write", err)
}

func (s *stream) CloseWrite() error { return s.mapErr("close write", s.s.CloseWrite()) }
func (s *stream) Close() error      { return s.mapErr("close", s.s.Close()) }

func (s *stream) Reset() error {
	s.reset.Store(true)
	return s.mapErr("reset", s.s.Reset())
}

func (s *stream) SetDeadline(t time.Time) error      { return s.s.SetDeadline(t) }
func (s *stream) SetReadDeadline(t time.Time) error  { return s.s.SetReadDeadline(t) }
func (s *stream) SetWriteDeadline(t time.Time) error { return s.s.SetWriteDeadline(t) }
func (s *stream) Protocol() p2p.ProtocolID           { return s.proto }
func (s *stream) RemotePeer() p2p.PeerID             { return s.peer }

// mapErr puts the p2p sentinels on a transport's error, keeping the
// original in the chain. io.EOF stays bare: callers compare it with ==.
func (s *stream) mapErr(op string, err error) error {
	if err == nil || err == io.EOF {
		return err
	}
	if s.reset.Load() && !errors.Is(err, p2p.ErrStreamReset) {
		return fmt.Errorf("libp2phost: %s: %w: %w", op, p2p.ErrStreamReset, err)
	}
	return mapStreamErr(op, s.s.Conn(), err)
}

func mapStreamErr(op string, conn network.Conn, err error) error {
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Errorf("libp2phost: %s: %w", op, err)
	case isTimeout(err):
		// yamux's deadline error is a net.Error without the os sentinel.
		return fmt.Errorf("libp2phost: %s: %w: %w", op, os.ErrDeadlineExceeded, err)
	case errors.Is(err, network.ErrReset):
		// Stream resets and connection errors (network.StreamError and
		// network.ConnError unwrap to ErrReset).
		return fmt.Errorf("libp2phost: %s: %w: %w", op, p2p.ErrStreamReset, err)
	case conn != nil && conn.IsClosed():
		return fmt.Errorf("libp2phost: %s: %w: %w: %w", op, p2p.ErrStreamReset, p2p.ErrNoConnection, err)
	}
	return fmt.Errorf("libp2phost: %s: %w", op, err)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
