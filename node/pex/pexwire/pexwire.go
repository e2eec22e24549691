// Package pexwire is the wire format of lightdas peer exchange
// (/lightdas/<chain id>/pex/1, docs/protocol.md "Peer exchange"): the
// u32-length framing, the request and response messages, and the client
// side of one exchange. Addresses stay raw binary multiaddrs here; what
// they mean is the caller's business (node/pex reads them with
// go-multiaddr, the browser client with node/pex/maddr), so this package
// links no multiaddr library.
package pexwire

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

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

	// MsgRequest and MsgResponse are the message type bytes.
	MsgRequest  = 0x01
	MsgResponse = 0x81
)

// Errors. Decoders fail with errors wrapping ErrMalformed.
var (
	ErrMalformed      = errors.New("pex: malformed message")
	ErrTooLarge       = errors.New("pex: size limit exceeded")
	ErrUnknownVersion = errors.New("pex: unknown message version")
	ErrBadAddr        = errors.New("pex: bad address")
	// ErrRefused: the peer reset the stream without answering (rate
	// limited or overloaded).
	ErrRefused = errors.New("pex: peer refused the request")
)

// Malformed builds an error wrapping ErrMalformed and, when not nil,
// sentinel.
func Malformed(sentinel error, format string, args ...any) error {
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
	return []byte{WireVersion, MsgRequest, byte(q.Max)}, nil
}

// DecodeRequest parses a request strictly.
func DecodeRequest(b []byte) (Request, error) {
	if len(b) < 1 {
		return Request{}, Malformed(nil, "empty request")
	}
	if b[0] != WireVersion {
		return Request{}, Malformed(ErrUnknownVersion, "request version %d", b[0])
	}
	if len(b) != RequestSize {
		return Request{}, Malformed(nil, "request of %d bytes, want %d", len(b), RequestSize)
	}
	if b[1] != MsgRequest {
		return Request{}, Malformed(nil, "request type %#x", b[1])
	}
	if b[2] < 1 || int(b[2]) > MaxAddrs {
		return Request{}, Malformed(nil, "request for %d addresses, want 1..%d", b[2], MaxAddrs)
	}
	return Request{Max: int(b[2])}, nil
}

// Response lists binary multiaddrs.
type Response struct {
	Addrs [][]byte
}

// Encode writes the response:
//
//	u8 version | u8 0x81 | u8 n | n x (u16 len | binary multiaddr)
//
// It checks counts and sizes only; whether each address is a full one is
// the caller's check.
func (r *Response) Encode() ([]byte, error) {
	if len(r.Addrs) > MaxAddrs {
		return nil, fmt.Errorf("pex: %d addresses, limit %d", len(r.Addrs), MaxAddrs)
	}
	b := []byte{WireVersion, MsgResponse, byte(len(r.Addrs))}
	for _, a := range r.Addrs {
		if len(a) == 0 || len(a) > MaxAddrSize {
			return nil, fmt.Errorf("%w: address of %d bytes", ErrBadAddr, len(a))
		}
		b = binary.BigEndian.AppendUint16(b, uint16(len(a)))
		b = append(b, a...)
	}
	return b, nil
}

// DecodeResponse parses a response's framing strictly: known version and
// type, at most MaxAddrs addresses of 1..MaxAddrSize bytes each, no
// address twice, no trailing bytes. The addresses alias b and are not
// decoded.
func DecodeResponse(b []byte) (*Response, error) {
	if len(b) < 1 {
		return nil, Malformed(nil, "empty response")
	}
	if b[0] != WireVersion {
		return nil, Malformed(ErrUnknownVersion, "response version %d", b[0])
	}
	if len(b) < 3 {
		return nil, Malformed(nil, "response of %d bytes", len(b))
	}
	if b[1] != MsgResponse {
		return nil, Malformed(nil, "response type %#x", b[1])
	}
	n := int(b[2])
	if n > MaxAddrs {
		return nil, Malformed(ErrTooLarge, "%d addresses, limit %d", n, MaxAddrs)
	}
	rest := b[3:]
	r := &Response{Addrs: make([][]byte, 0, n)}
	seen := make(map[string]bool, n)
	for i := range n {
		if len(rest) < 2 {
			return nil, Malformed(nil, "address %d: short length", i)
		}
		l := int(binary.BigEndian.Uint16(rest))
		rest = rest[2:]
		if l == 0 || l > MaxAddrSize {
			return nil, Malformed(ErrBadAddr, "address %d of %d bytes", i, l)
		}
		if len(rest) < l {
			return nil, Malformed(nil, "address %d: %d bytes left, want %d", i, len(rest), l)
		}
		raw := rest[:l:l]
		rest = rest[l:]
		if seen[string(raw)] {
			return nil, Malformed(ErrBadAddr, "address %d repeated", i)
		}
		seen[string(raw)] = true
		r.Addrs = append(r.Addrs, raw)
	}
	if len(rest) != 0 {
		return nil, Malformed(nil, "%d trailing bytes", len(rest))
	}
	return r, nil
}

// Exchange asks peer for up to max addresses and returns the raw ones of
// a well-framed answer (at most max of them). The exchange is bounded by
// ctx.
func Exchange(ctx context.Context, host p2p.Host, chainID string, peerID p2p.PeerID, max int) ([][]byte, error) {
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
		if err := WriteFrame(st, msg); err != nil {
			return nil, err
		}
		if err := st.CloseWrite(); err != nil {
			return nil, err
		}
		b, err := ReadFrame(st, MaxResponseSize)
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

// WriteFrame writes u32 length | msg.
func WriteFrame(w io.Writer, msg []byte) error {
	buf := make([]byte, 4+len(msg))
	binary.BigEndian.PutUint32(buf, uint32(len(msg)))
	copy(buf[4:], msg)
	_, err := w.Write(buf)
	return err
}

// ReadFrame reads one non-empty frame of at most limit bytes.
func ReadFrame(r io.Reader, limit int) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, fmt.Errorf("reading frame length: %w", err)
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if n == 0 {
		return nil, Malformed(nil, "empty frame")
	}
	if uint64(n) > uint64(limit) {
		return nil, Malformed(ErrTooLarge, "frame of %d bytes, limit %d", n, limit)
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
