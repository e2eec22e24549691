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
	"errors"
	"fmt"
	"time"

	ma "github.com/multiformats/go-multiaddr"

	"lightdas/node/pex/pexwire"
	"lightdas/p2p"
	"lightdas/p2p/limit"
)

// Wire constants (see pexwire).
const (
	WireVersion     = pexwire.WireVersion
	MaxAddrs        = pexwire.MaxAddrs
	MaxAddrSize     = pexwire.MaxAddrSize
	RequestSize     = pexwire.RequestSize
	MaxResponseSize = pexwire.MaxResponseSize

	msgRequest  = pexwire.MsgRequest
	msgResponse = pexwire.MsgResponse
)

// Errors, shared with pexwire. Decoders fail with errors wrapping
// ErrMalformed.
var (
	ErrMalformed      = pexwire.ErrMalformed
	ErrTooLarge       = pexwire.ErrTooLarge
	ErrUnknownVersion = pexwire.ErrUnknownVersion
	ErrBadAddr        = pexwire.ErrBadAddr
	// ErrRefused: the peer answered with an empty frame-less refusal
	// (rate limited or overloaded): the stream was reset.
	ErrRefused = pexwire.ErrRefused
)

// ProtocolID is the peer-exchange protocol of a chain.
func ProtocolID(chainID string) p2p.ProtocolID { return pexwire.ProtocolID(chainID) }

// Request asks for at most Max addresses (1..MaxAddrs).
type Request = pexwire.Request

// DecodeRequest parses a request strictly.
func DecodeRequest(b []byte) (Request, error) { return pexwire.DecodeRequest(b) }

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
	w := &pexwire.Response{Addrs: make([][]byte, 0, len(r.Addrs))}
	for _, a := range r.Addrs {
		if _, err := PeerOf(a); err != nil {
			return nil, err
		}
		w.Addrs = append(w.Addrs, a.Bytes())
	}
	return w.Encode()
}

// DecodeResponse parses a response strictly: known version and type, at
// most MaxAddrs addresses, each a canonical binary multiaddr of 1..
// MaxAddrSize bytes ending in a valid /p2p/<id>, no duplicates, no
// trailing bytes.
func DecodeResponse(b []byte) (*Response, error) {
	w, err := pexwire.DecodeResponse(b)
	if err != nil {
		return nil, err
	}
	return fromWire(w.Addrs)
}

func fromWire(raws [][]byte) (*Response, error) {
	r := &Response{Addrs: make([]ma.Multiaddr, 0, len(raws))}
	for i, raw := range raws {
		a, err := parseAddr(raw)
		if err != nil {
			return nil, pexwire.Malformed(ErrBadAddr, "address %d: %v", i, err)
		}
		r.Addrs = append(r.Addrs, a)
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
	slots   *limit.Slots
	rate    *limit.Rate
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
	return &Server{chainID: chainID, source: source, cfg: cfg,
		slots: limit.NewSlots(cfg.MaxStreams, 0), rate: limit.NewRate(cfg.RequestsPerSecond, cfg.Burst)}
}

// Register serves the protocol on h.
func (s *Server) Register(h p2p.Host) { h.SetStreamHandler(ProtocolID(s.chainID), s.HandleStream) }

// HandleStream serves one stream. Requests over the rate limit, beyond
// the stream cap or malformed are reset without an answer.
func (s *Server) HandleStream(st p2p.Stream) {
	peer := st.RemotePeer()
	if !s.admit(peer) {
		st.Reset()
		return
	}
	defer s.slots.Release(peer)
	if err := st.SetDeadline(time.Now().Add(s.cfg.Timeout)); err != nil {
		st.Reset()
		return
	}
	msg, err := pexwire.ReadFrame(st, RequestSize)
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
	seen := map[string]bool{}
	for _, a := range s.source() {
		if len(resp.Addrs) >= q.Max {
			break
		}
		id, err := PeerOf(a)
		if err != nil || id == peer || len(a.Bytes()) > MaxAddrSize || seen[string(a.Bytes())] {
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
	if err := pexwire.WriteFrame(st, out); err != nil {
		st.Reset()
		return
	}
	st.Close()
}

// admit takes a stream slot, then a token: a peer refused for the stream
// cap keeps its tokens, and a rate-limited request holds no slot.
func (s *Server) admit(peer p2p.PeerID) bool {
	if !s.slots.Acquire(peer) {
		return false
	}
	if !s.rate.Allow(peer, 1) {
		s.slots.Release(peer)
		return false
	}
	return true
}

// Exchange asks peer for up to max addresses and returns them decoded and
// checked. The exchange is bounded by ctx.
func Exchange(ctx context.Context, host p2p.Host, chainID string, peerID p2p.PeerID, max int) ([]ma.Multiaddr, error) {
	raws, err := pexwire.Exchange(ctx, host, chainID, peerID, max)
	if err != nil {
		return nil, err
	}
	resp, err := fromWire(raws)
	if err != nil {
		return nil, fmt.Errorf("pex: exchange with %s: %w", peerID, err)
	}
	return resp.Addrs, nil
}
