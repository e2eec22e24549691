// Package pex is lightdas's peer exchange: a node asks a peer it is
// connected to for the full multiaddrs (ending in /p2p/<id>, WebRTC-direct
// ones with their /certhash) of the serving nodes that peer knows, so that
// a client that bootstraps from one node finds the others.
//
// Protocol /lightdas/<chain id>/pex/1: one request and one response per
// stream, each framed as u32 length || message (docs/protocol.md, "Peer
// exchange"). Addresses travel in the binary multiaddr form and are
// decoded strictly (canonical encoding, ending in a valid /p2p/<id>).
// It is written against the transport-neutral p2p.Host; where addresses
// come from (a libp2p peerstore) is the caller's AddrSource.
package pex

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	ma "github.com/multiformats/go-multiaddr"

	"lightdas/p2p"
)

// Wire constants.
const (
	WireVersion = 1
	// MaxAddrs bounds the addresses of one response (and a request's
	// limit).
	MaxAddrs = 64
	// MaxAddrSize bounds one binary multiaddr (a WebRTC-direct address
	// with its certhash and peer id is about 100 bytes).
	MaxAddrSize = 512
	// RequestSize is the exact size of a request: version | type | u8 max.
	RequestSize = 3
	// MaxResponseSize bounds a response.
	MaxResponseSize = 3 + MaxAddrs*(2+MaxAddrSize)

	msgRequest  = 0x01
	msgResponse = 0x81
)

// Errors. Decoders fail with errors wrapping ErrMalformed.
var (
	ErrMalformed      = errors.New("pex: malformed message")
	ErrTooLarge       = errors.New("pex: size limit exceeded")
	ErrUnknownVersion = errors.New("pex: unknown message version")
	ErrBadAddr        = errors.New("pex: bad address")
	// ErrRefused: the peer answered with an empty frame-less refusal
	// (rate limited or overloaded): the stream was reset.
	ErrRefused = errors.New("pex: peer refused the request")
)

func malformed(sentinel error, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if sentinel == nil {
		return fmt.Errorf("%w: %s", ErrMalformed, msg)
	}
	return fmt.Errorf("%w: %w: %s", ErrMalformed, sentinel, msg)
}

// ProtocolID is the peer-exchange protocol of a chain.
func ProtocolID(chainID string) p2p.ProtocolID {
	return p2p.ProtocolID("/lightdas/" + chainID + "/pex/1")
}

// Request asks for at most Max addresses (1..MaxAddrs).
type Request struct {
	Max int
}

// Encode writes the request: u8 version | u8 0x01 | u8 max.
func (q Request) Encode() ([]byte, error) {
	if q.Max < 1 || q.Max > MaxAddrs {
		return nil, fmt.Errorf("pex: request for %d addresses, want 1..%d", q.Max, MaxAddrs)
	}
	return []byte{WireVersion, msgRequest, byte(q.Max)}, nil
}

// DecodeRequest parses a request strictly.
func DecodeRequest(b []byte) (Request, error) {
	if len(b) < 1 {
		return Request{}, malformed(nil, "empty request")
	}
	if b[0] != WireVersion {
		return Request{}, malformed(ErrUnknownVersion, "request version %d", b[0])
	}
	if len(b) != RequestSize {
		return Request{}, malformed(nil, "request of %d bytes, want %d", len(b), RequestSize)
	}
	if b[1] != msgRequest {
		return Request{}, malformed(nil, "request type %#x", b[1])
	}
	if b[2] < 1 || int(b[2]) > MaxAddrs {
		return Request{}, malformed(nil, "request for %d addresses, want 1..%d", b[2], MaxAddrs)
	}
	return Request{Max: int(b[2])}, nil
}

// Response lists full multiaddrs (each ending in /p2p/<id>).
type Response struct {
	Addrs []ma.Multiaddr
}

// Encode writes the response:
//
//	u8 version | u8 0x81 | u8 n | n x (u16 len | binary multiaddr)
func (r *Response) Encode() ([]byte, error) {
	if len(r.Addrs) > MaxAddrs {
		return nil, fmt.Errorf("pex: %d addresses, limit %d", len(r.Addrs), MaxAddrs)
	}
	b := []byte{WireVersion, msgResponse, byte(len(r.Addrs))}
	for _, a := range r.Addrs {
		if _, err := PeerOf(a); err != nil {
			return nil, err
		}
		ab := a.Bytes()
		if len(ab) > MaxAddrSize {
			return nil, fmt.Errorf("%w: address of %d bytes", ErrBadAddr, len(ab))
		}
		b = binary.BigEndian.AppendUint16(b, uint16(len(ab)))
		b = append(b, ab...)
	}
	return b, nil
}

// DecodeResponse parses a response strictly: known version and type, at
// most MaxAddrs addresses, each a canonical binary multiaddr of 1..
// MaxAddrSize bytes ending in a valid /p2p/<id>, no duplicates, no
// trailing bytes.
func DecodeResponse(b []byte) (*Response, error) {
	if len(b) < 1 {
		return nil, malformed(nil, "empty response")
	}
	if b[0] != WireVersion {
		return nil, malformed(ErrUnknownVersion, "response version %d", b[0])
	}
	if len(b) < 3 {
		return nil, malformed(nil, "response of %d bytes", len(b))
	}
	if b[1] != msgResponse {
		return nil, malformed(nil, "response type %#x", b[1])
	}
	n := int(b[2])
	if n > MaxAddrs {
		return nil, malformed(ErrTooLarge, "%d addresses, limit %d", n, MaxAddrs)
	}
	rest := b[3:]
	r := &Response{Addrs: make([]ma.Multiaddr, 0, n)}
	seen := make(map[string]bool, n)
	for i := range n {
		if len(rest) < 2 {
			return nil, malformed(nil, "address %d: short length", i)
		}
		l := int(binary.BigEndian.Uint16(rest))
		rest = rest[2:]
		if l == 0 || l > MaxAddrSize {
			return nil, malformed(ErrBadAddr, "address %d of %d bytes", i, l)
		}
		if len(rest) < l {
			return nil, malformed(nil, "address %d: %d bytes left, want %d", i, len(rest), l)
		}
		raw := rest[:l]
		rest = rest[l:]
		a, err := parseAddr(raw)
		if err != nil {
			return nil, malformed(ErrBadAddr, "address %d: %v", i, err)
		}
		if seen[string(raw)] {
			return nil, malformed(ErrBadAddr, "address %d repeated", i)
		}
		seen[string(raw)] = true
		r.Addrs = append(r.Addrs, a)
	}
	if len(rest) != 0 {
		return nil, malformed(nil, "%d trailing bytes", len(rest))
	}
	return r, nil
}

// parseAddr decodes a canonical binary multiaddr ending in /p2p/<id>.
func parseAddr(raw []byte) (a ma.Multiaddr, err error) {
	defer func() {
		// go-multiaddr's transcoders are not all hardened against
		// arbitrary bytes; treat a panic as a bad address.
		if r := recover(); r != nil {
			a, err = nil, fmt.Errorf("undecodable multiaddr: %v", r)
		}
	}()
	a, err = ma.NewMultiaddrBytes(raw)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(a.Bytes(), raw) {
		return nil, errors.New("non-canonical multiaddr encoding")
	}
	if _, err := PeerOf(a); err != nil {
		return nil, err
	}
	return a, nil
}

// PeerOf returns the peer id a full multiaddr ends with, in its string
// form (base58 of the id's multihash, as p2p.PeerID and go-libp2p spell
// it). It reads the id through go-multiaddr's own /p2p/ codec rather than
// go-libp2p's core/peer, which would link libp2p's key types (and
// protobuf) into the browser client.
func PeerOf(a ma.Multiaddr) (p2p.PeerID, error) {
	if len(a) < 2 {
		return "", fmt.Errorf("%w: %q is not a transport address with /p2p/<id>", ErrBadAddr, a.String())
	}
	last := a[len(a)-1]
	if last.Protocol().Code != ma.P_P2P {
		return "", fmt.Errorf("%w: %q does not end in /p2p/<id>", ErrBadAddr, a.String())
	}
	// The id must be a sha2-256 (32-byte) or identity multihash, as the
	// peer-id spec says; go-multiaddr checked it when it built the
	// component, this makes the rule explicit here.
	raw := last.RawValue()
	if err := ma.TranscoderP2P.ValidateBytes(raw); err != nil {
		return "", fmt.Errorf("%w: %q: %v", ErrBadAddr, a.String(), err)
	}
	id, err := ma.TranscoderP2P.BytesToString(raw)
	if err != nil {
		return "", fmt.Errorf("%w: %q: %v", ErrBadAddr, a.String(), err)
	}
	for _, c := range a[:len(a)-1] {
		if c.Protocol().Code == ma.P_P2P || c.Protocol().Code == ma.P_CIRCUIT {
			return "", fmt.Errorf("%w: %q: relayed or nested addresses are not exchanged", ErrBadAddr, a.String())
		}
	}
	return p2p.PeerID(id), nil
}

// AddrSource lists the full multiaddrs to offer to requester: the
// serving nodes the local node knows (requester's own excluded by the
// server).
type AddrSource func() []ma.Multiaddr

// ServerConfig configures a Server; zero fields take the defaults.
type ServerConfig struct {
	// Timeout bounds one exchange. Default 5 s.
	Timeout time.Duration
	// RequestsPerSecond and Burst are each peer's token bucket. Defaults
	// 1 and 5.
	RequestsPerSecond float64
	Burst             int
	// MaxStreams caps concurrent exchanges. Default 16.
	MaxStreams int
}

// Server answers peer-exchange requests.
type Server struct {
	chainID string
	source  AddrSource
	cfg     ServerConfig

	mu      sync.Mutex
	streams int
	buckets map[p2p.PeerID]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// NewServer returns a server for chainID answering from source.
func NewServer(chainID string, source AddrSource, cfg ServerConfig) *Server {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.RequestsPerSecond <= 0 || cfg.Burst <= 0 {
		cfg.RequestsPerSecond, cfg.Burst = 1, 5
	}
	if cfg.MaxStreams <= 0 {
		cfg.MaxStreams = 16
	}
	return &Server{chainID: chainID, source: source, cfg: cfg, buckets: map[p2p.PeerID]*bucket{}}
}

// Register serves the protocol on h.
func (s *Server) Register(h p2p.Host) { h.SetStreamHandler(ProtocolID(s.chainID), s.HandleStream) }

// HandleStream serves one stream. Requests over the rate limit, beyond
// the stream cap or malformed are reset without an answer.
func (s *Server) HandleStream(st p2p.Stream) {
	if !s.admit(st.RemotePeer()) {
		st.Reset()
		return
	}
	defer s.done()
	if err := st.SetDeadline(time.Now().Add(s.cfg.Timeout)); err != nil {
		st.Reset()
		return
	}
	msg, err := readFrame(st, RequestSize)
	if err != nil {
		st.Reset()
		return
	}
	q, err := DecodeRequest(msg)
	if err != nil {
		st.Reset()
		return
	}
	resp := &Response{}
	requester := st.RemotePeer()
	seen := map[string]bool{}
	for _, a := range s.source() {
		if len(resp.Addrs) >= q.Max {
			break
		}
		id, err := PeerOf(a)
		if err != nil || id == requester || len(a.Bytes()) > MaxAddrSize || seen[string(a.Bytes())] {
			continue
		}
		seen[string(a.Bytes())] = true
		resp.Addrs = append(resp.Addrs, a)
	}
	out, err := resp.Encode()
	if err != nil {
		st.Reset()
		return
	}
	if err := writeFrame(st, out); err != nil {
		st.Reset()
		return
	}
	st.Close()
}

func (s *Server) admit(peer p2p.PeerID) bool {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.streams >= s.cfg.MaxStreams {
		return false
	}
	burst := float64(s.cfg.Burst)
	b := s.buckets[peer]
	if b == nil {
		if len(s.buckets) >= 4096 {
			for id, o := range s.buckets {
				if o.tokens+now.Sub(o.last).Seconds()*s.cfg.RequestsPerSecond >= burst {
					delete(s.buckets, id)
				}
			}
		}
		b = &bucket{tokens: burst, last: now}
		s.buckets[peer] = b
	}
	b.tokens = min(burst, b.tokens+now.Sub(b.last).Seconds()*s.cfg.RequestsPerSecond)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	s.streams++
	return true
}

func (s *Server) done() {
	s.mu.Lock()
	s.streams--
	s.mu.Unlock()
}

// Exchange asks peer for up to max addresses and returns them decoded and
// checked. The exchange is bounded by ctx.
func Exchange(ctx context.Context, host p2p.Host, chainID string, peerID p2p.PeerID, max int) ([]ma.Multiaddr, error) {
	msg, err := Request{Max: max}.Encode()
	if err != nil {
		return nil, err
	}
	st, err := host.NewStream(ctx, peerID, ProtocolID(chainID))
	if err != nil {
		return nil, fmt.Errorf("pex: stream to %s: %w", peerID, err)
	}
	stop := context.AfterFunc(ctx, func() { st.Reset() })
	defer stop()
	if dl, ok := ctx.Deadline(); ok {
		st.SetDeadline(dl)
	}
	resp, err := func() (*Response, error) {
		if err := writeFrame(st, msg); err != nil {
			return nil, err
		}
		if err := st.CloseWrite(); err != nil {
			return nil, err
		}
		b, err := readFrame(st, MaxResponseSize)
		if err != nil {
			if errors.Is(err, p2p.ErrStreamReset) {
				return nil, fmt.Errorf("%w: %w", ErrRefused, err)
			}
			return nil, err
		}
		return DecodeResponse(b)
	}()
	if err != nil {
		st.Reset()
		return nil, fmt.Errorf("pex: exchange with %s: %w", peerID, err)
	}
	st.Close()
	if len(resp.Addrs) > max {
		return nil, fmt.Errorf("pex: exchange with %s: %w: %d addresses, asked %d", peerID, ErrMalformed, len(resp.Addrs), max)
	}
	return resp.Addrs, nil
}

func writeFrame(w io.Writer, msg []byte) error {
	buf := make([]byte, 4+len(msg))
	binary.BigEndian.PutUint32(buf, uint32(len(msg)))
	copy(buf[4:], msg)
	_, err := w.Write(buf)
	return err
}

func readFrame(r io.Reader, limit int) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, fmt.Errorf("reading frame length: %w", err)
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n == 0 {
		return nil, malformed(nil, "empty frame")
	}
	if uint64(n) > uint64(limit) {
		return nil, malformed(ErrTooLarge, "frame of %d bytes, limit %d", n, limit)
	}
	msg := make([]byte, n)
	if _, err := io.ReadFull(r, msg); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("reading frame body: %w", err)
	}
	return msg, nil
}
