package headers

import (
	"encoding/binary"
	"fmt"
	"io"
)

// Wire protocol constants (see docs/protocol.md).
const (
	WireVersion = 1
	// MaxRangeCount is the most headers one range request may ask for.
	MaxRangeCount = 64

	msgHeadRequest      = 0x01
	msgRangeRequest     = 0x02
	msgByHashRequest    = 0x03
	msgBlocksResponse   = 0x81
	msgHeadAnnouncement = 0x90

	valsPrevious = 0 // same validator set as the previous block of the message
	valsInline   = 1

	// MaxBlockEntrySize bounds one light block on the wire.
	MaxBlockEntrySize = 2 + MaxHeaderSize + 2 + MaxCommitSize + 1 + 4 + MaxValidatorSetSize
	// MaxMessageSize bounds every message of the protocol: a full range
	// whose validator set changes at every height.
	MaxMessageSize = 4 + MaxRangeCount*MaxBlockEntrySize
	// MaxRequestSize bounds requests.
	MaxRequestSize = 2 + HashSize
)

// ExchangeProtocolID is the stream protocol of header requests (one
// request and one response per stream) for a chain.
func ExchangeProtocolID(chainID string) string {
	return "/lightdas/" + chainID + "/headers/exchange/1"
}

// HeadsProtocolID is the stream protocol of the head subscription (a
// stream of framed head announcements) for a chain.
func HeadsProtocolID(chainID string) string {
	return "/lightdas/" + chainID + "/headers/heads/1"
}

// RequestKind selects what a request asks for.
type RequestKind uint8

// Request kinds.
const (
	RequestHead   RequestKind = msgHeadRequest
	RequestRange  RequestKind = msgRangeRequest
	RequestByHash RequestKind = msgByHashRequest
)

// Request asks a peer for headers.
type Request struct {
	Kind  RequestKind
	From  uint64 // RequestRange: first height (>= 1)
	Count int    // RequestRange: 1..MaxRangeCount
	Hash  Hash   // RequestByHash
}

// Validate checks the request fields.
func (q Request) Validate() error {
	switch q.Kind {
	case RequestHead:
		return nil
	case RequestRange:
		if q.From == 0 || q.Count < 1 || q.Count > MaxRangeCount || q.From+uint64(q.Count) < q.From {
			return fmt.Errorf("%w: range from %d count %d", ErrBadRequest, q.From, q.Count)
		}
		return nil
	case RequestByHash:
		return nil
	default:
		return fmt.Errorf("%w: kind %#x", ErrBadRequest, uint8(q.Kind))
	}
}

// Encode writes the request:
//
//	u8 version | u8 kind | body
//	head: empty; range: u64 from | u8 count; by hash: hash (32)
func (q Request) Encode() ([]byte, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	b := []byte{WireVersion, uint8(q.Kind)}
	switch q.Kind {
	case RequestRange:
		b = appendU64(b, q.From)
		b = appendU8(b, uint8(q.Count))
	case RequestByHash:
		b = append(b, q.Hash[:]...)
	}
	return b, nil
}

// DecodeRequest parses a request strictly.
func DecodeRequest(b []byte) (Request, error) {
	if len(b) > MaxRequestSize {
		return Request{}, fmt.Errorf("%w: %w: request of %d bytes", ErrMalformed, ErrTooLarge, len(b))
	}
	r := newReader(b, "request")
	if v := r.u8(); r.err == nil && v != WireVersion {
		return Request{}, fmt.Errorf("%w: %w: wire version %d", ErrMalformed, ErrUnknownVersion, v)
	}
	q := Request{Kind: RequestKind(r.u8())}
	switch q.Kind {
	case RequestHead:
	case RequestRange:
		q.From = r.u64()
		q.Count = int(r.u8())
	case RequestByHash:
		q.Hash = r.hash()
	default:
		if r.err == nil {
			r.fail("request kind %#x", uint8(q.Kind))
		}
	}
	if err := r.finish(); err != nil {
		return Request{}, err
	}
	if err := q.Validate(); err != nil {
		return Request{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return q, nil
}

// Status is a response's outcome.
type Status uint8

// Response statuses. Only StatusOK carries blocks.
const (
	StatusOK          Status = 0
	StatusNotFound    Status = 1 // the peer does not have (all of) it
	StatusBadRequest  Status = 2
	StatusUnavailable Status = 3 // overloaded or rate-limited: ask later
)

// Response answers a Request.
type Response struct {
	Status Status
	Blocks []*LightBlock
}

// EncodeResponse writes a response:
//
//	u8 version | u8 0x81 | u8 status | u8 count | count block entries
//
// Blocks only with StatusOK, and then 1..64 of them.
func EncodeResponse(resp Response) ([]byte, error) {
	if resp.Status > StatusUnavailable {
		return nil, fmt.Errorf("%w: status %d", ErrBadRequest, resp.Status)
	}
	if (resp.Status == StatusOK) != (len(resp.Blocks) > 0) || len(resp.Blocks) > MaxRangeCount {
		return nil, fmt.Errorf("%w: %d blocks with status %d", ErrBadRequest, len(resp.Blocks), resp.Status)
	}
	b := []byte{WireVersion, msgBlocksResponse, uint8(resp.Status), uint8(len(resp.Blocks))}
	var prev *LightBlock
	for _, lb := range resp.Blocks {
		var err error
		if b, err = appendBlock(b, lb, prev); err != nil {
			return nil, err
		}
		prev = lb
	}
	return b, nil
}

// appendBlock writes one block entry:
//
//	u16 len | header | u16 len | commit | u8 flag | [u32 len | validator set]
//
// flag 0 (only after another block of the same message whose header names
// the same set) means "the previous block's set"; 1 means the set follows.
func appendBlock(b []byte, lb *LightBlock, prev *LightBlock) ([]byte, error) {
	if lb == nil || lb.Header == nil || lb.Commit == nil || lb.Validators == nil {
		return nil, fmt.Errorf("%w: incomplete light block", ErrInvalidHeader)
	}
	hb, err := lb.Header.Encode()
	if err != nil {
		return nil, err
	}
	cb, err := lb.Commit.Encode()
	if err != nil {
		return nil, err
	}
	b = appendU16(b, uint16(len(hb)))
	b = append(b, hb...)
	b = appendU16(b, uint16(len(cb)))
	b = append(b, cb...)
	// Mirrors the decoder: the set is repeated by reference exactly when the
	// header names the same set as the previous header.
	if prev != nil && prev.Header.ValidatorsHash == lb.Header.ValidatorsHash {
		return appendU8(b, valsPrevious), nil
	}
	vb := lb.Validators.Encode()
	b = appendU8(b, valsInline)
	b = appendU32(b, uint32(len(vb)))
	return append(b, vb...), nil
}

// Codec decodes protocol messages. Validator sets in messages are checked
// structurally at decoding and cryptographically on first use (see
// ValidatorSet.Verify); the codec's SetCache makes a repeated set cost
// nothing. Safe for concurrent use.
type Codec struct {
	sets *SetCache
}

// NewCodec returns a codec with a small set cache.
func NewCodec() *Codec { return &Codec{sets: NewSetCache(16)} }

// Sets is the codec's cache; callers may add sets they already verified
// (the genesis set).
func (c *Codec) Sets() *SetCache { return c.sets }

// readBlock parses one block entry; prev is the previous block of the
// message (nil for the first).
func (c *Codec) readBlock(r *reader, prev *LightBlock) *LightBlock {
	hb := r.take(int(r.u16()))
	cb := r.take(int(r.u16()))
	flag := r.u8()
	if r.err != nil {
		return nil
	}
	h, err := DecodeHeader(hb)
	if err != nil {
		r.failErr(err)
		return nil
	}
	cm, err := DecodeCommit(cb)
	if err != nil {
		r.failErr(err)
		return nil
	}
	lb := &LightBlock{Header: h, Commit: cm}
	switch flag {
	case valsPrevious:
		if prev == nil {
			r.fail("first block refers to a previous validator set")
			return nil
		}
		if prev.Header.ValidatorsHash != h.ValidatorsHash {
			r.fail("height %d refers to the previous validator set but names another", h.Height)
			return nil
		}
		lb.Validators = prev.Validators
	case valsInline:
		vb := r.take(int(r.u32()))
		if r.err != nil {
			return nil
		}
		if prev != nil && prev.Header.ValidatorsHash == h.ValidatorsHash {
			r.fail("height %d repeats the previous validator set inline", h.Height)
			return nil
		}
		var vs *ValidatorSet
		var err error
		if c.sets != nil {
			vs, err = c.sets.decode(vb)
		} else {
			vs, err = parseValidatorSet(vb)
		}
		if err != nil {
			r.failErr(err)
			return nil
		}
		lb.Validators = vs
	default:
		r.fail("validator set flag %d", flag)
		return nil
	}
	return lb
}

// DecodeResponse parses a response strictly.
func (c *Codec) DecodeResponse(b []byte) (Response, error) {
	if len(b) > MaxMessageSize {
		return Response{}, fmt.Errorf("%w: %w: response of %d bytes", ErrMalformed, ErrTooLarge, len(b))
	}
	r := newReader(b, "response")
	if v := r.u8(); r.err == nil && v != WireVersion {
		return Response{}, fmt.Errorf("%w: %w: wire version %d", ErrMalformed, ErrUnknownVersion, v)
	}
	if t := r.u8(); r.err == nil && t != msgBlocksResponse {
		r.fail("message type %#x, want response", t)
	}
	resp := Response{Status: Status(r.u8())}
	n := int(r.u8())
	if r.err == nil {
		switch {
		case resp.Status > StatusUnavailable:
			r.fail("status %d", resp.Status)
		case (resp.Status == StatusOK) != (n > 0) || n > MaxRangeCount:
			r.fail("%d blocks with status %d", n, resp.Status)
		}
	}
	var prev *LightBlock
	for i := 0; i < n && r.err == nil; i++ {
		lb := c.readBlock(r, prev)
		if lb != nil {
			resp.Blocks = append(resp.Blocks, lb)
		}
		prev = lb
	}
	if err := r.finish(); err != nil {
		return Response{}, err
	}
	return resp, nil
}

// EncodeLightBlock writes a standalone block entry (set always inline),
// the form used by head announcements and persistent stores.
func EncodeLightBlock(lb *LightBlock) ([]byte, error) { return appendBlock(nil, lb, nil) }

// DecodeLightBlock parses a standalone block entry.
func (c *Codec) DecodeLightBlock(b []byte) (*LightBlock, error) {
	if len(b) > MaxBlockEntrySize {
		return nil, fmt.Errorf("%w: %w: block of %d bytes", ErrMalformed, ErrTooLarge, len(b))
	}
	r := newReader(b, "light block")
	lb := c.readBlock(r, nil)
	if err := r.finish(); err != nil {
		return nil, err
	}
	return lb, nil
}

// EncodeHeadAnnouncement writes a head-subscription message:
//
//	u8 version | u8 0x90 | block entry (set inline)
func EncodeHeadAnnouncement(lb *LightBlock) ([]byte, error) {
	return appendBlock([]byte{WireVersion, msgHeadAnnouncement}, lb, nil)
}

// DecodeHeadAnnouncement parses a head-subscription message.
func (c *Codec) DecodeHeadAnnouncement(b []byte) (*LightBlock, error) {
	if len(b) > 2+MaxBlockEntrySize {
		return nil, fmt.Errorf("%w: %w: announcement of %d bytes", ErrMalformed, ErrTooLarge, len(b))
	}
	r := newReader(b, "head announcement")
	if v := r.u8(); r.err == nil && v != WireVersion {
		return nil, fmt.Errorf("%w: %w: wire version %d", ErrMalformed, ErrUnknownVersion, v)
	}
	if t := r.u8(); r.err == nil && t != msgHeadAnnouncement {
		r.fail("message type %#x, want head announcement", t)
	}
	var lb *LightBlock
	if r.err == nil {
		lb = c.readBlock(r, nil)
	}
	if err := r.finish(); err != nil {
		return nil, err
	}
	return lb, nil
}

// WriteFrame writes msg with a u32 big-endian length prefix.
func WriteFrame(w io.Writer, msg []byte) error {
	if len(msg) > MaxMessageSize {
		return fmt.Errorf("%w: frame of %d bytes", ErrTooLarge, len(msg))
	}
	var p [4]byte
	binary.BigEndian.PutUint32(p[:], uint32(len(msg)))
	if _, err := w.Write(p[:]); err != nil {
		return err
	}
	_, err := w.Write(msg)
	return err
}

// ReadFrame reads one length-prefixed frame of at most limit bytes; a
// larger announced length fails before anything is allocated.
func ReadFrame(r io.Reader, limit int) ([]byte, error) {
	var p [4]byte
	if _, err := io.ReadFull(r, p[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(p[:])
	if uint64(n) > uint64(limit) {
		return nil, fmt.Errorf("%w: %w: frame of %d bytes, limit %d", ErrMalformed, ErrTooLarge, n, limit)
	}
	// Grow with what actually arrives rather than trusting the prefix
	// with a large allocation.
	msg, err := io.ReadAll(io.LimitReader(r, int64(n)))
	if err != nil {
		return nil, fmt.Errorf("%w: frame: %w", ErrMalformed, err)
	}
	if len(msg) != int(n) {
		return nil, fmt.Errorf("%w: truncated frame: %d of %d bytes", ErrMalformed, len(msg), n)
	}
	return msg, nil
}
