package headers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
)

// Exchange fetches light blocks from one peer. Implementations are
// transport-neutral; answers are untrusted until verified.
type Exchange interface {
	// Head returns the peer's latest block.
	Head(ctx context.Context) (*LightBlock, error)
	// GetRange returns blocks from..from+count-1, 1 <= count <= MaxRangeCount.
	// A peer that lacks part of the range answers ErrNotFound.
	GetRange(ctx context.Context, from uint64, count int) ([]*LightBlock, error)
	// GetByHash returns the block whose header has this hash.
	GetByHash(ctx context.Context, hash Hash) (*LightBlock, error)
}

// Subscription delivers the heads a peer announces.
type Subscription interface {
	// Next blocks until the next announced head, ctx is done or the
	// subscription ends (io.EOF).
	Next(ctx context.Context) (*LightBlock, error)
	Close() error
}

// Peer is one remote node the syncer can ask.
type Peer interface {
	Exchange
	// ID names the peer in errors and misbehaviour reports.
	ID() string
	// SubscribeHeads starts a head subscription.
	SubscribeHeads(ctx context.Context) (Subscription, error)
}

// RoundTripper sends one encoded request and returns the encoded response
// (one stream per request, or anything else a transport offers).
type RoundTripper interface {
	RoundTrip(ctx context.Context, req []byte) ([]byte, error)
}

// Client is an Exchange over a RoundTripper using the wire protocol.
type Client struct {
	rt    RoundTripper
	codec *Codec
}

// NewClient returns a client; peers may share one codec (and its cache of
// verified validator sets).
func NewClient(rt RoundTripper, codec *Codec) *Client {
	if codec == nil {
		codec = NewCodec()
	}
	return &Client{rt: rt, codec: codec}
}

func (c *Client) do(ctx context.Context, q Request) ([]*LightBlock, error) {
	req, err := q.Encode()
	if err != nil {
		return nil, err
	}
	raw, err := c.rt.RoundTrip(ctx, req)
	if err != nil {
		return nil, err
	}
	resp, err := c.codec.DecodeResponse(raw)
	if err != nil {
		return nil, err
	}
	switch resp.Status {
	case StatusOK:
		return resp.Blocks, nil
	case StatusNotFound:
		return nil, ErrNotFound
	case StatusBadRequest:
		return nil, ErrBadRequest
	default:
		return nil, ErrUnavailable
	}
}

func one(blocks []*LightBlock, err error) (*LightBlock, error) {
	if err != nil {
		return nil, err
	}
	if len(blocks) != 1 {
		return nil, fmt.Errorf("%w: %d blocks, want 1", ErrMalformed, len(blocks))
	}
	return blocks[0], nil
}

// Head implements Exchange.
func (c *Client) Head(ctx context.Context) (*LightBlock, error) {
	return one(c.do(ctx, Request{Kind: RequestHead}))
}

// GetRange implements Exchange.
func (c *Client) GetRange(ctx context.Context, from uint64, count int) ([]*LightBlock, error) {
	return c.do(ctx, Request{Kind: RequestRange, From: from, Count: count})
}

// GetByHash implements Exchange.
func (c *Client) GetByHash(ctx context.Context, hash Hash) (*LightBlock, error) {
	return one(c.do(ctx, Request{Kind: RequestByHash, Hash: hash}))
}

// Server answers wire requests from a Store.
type Server struct {
	store Store
}

// NewServer serves store.
func NewServer(store Store) *Server { return &Server{store: store} }

// Handle answers one encoded request with an encoded response. It serves
// a range only whole (StatusNotFound otherwise), so a short range is
// always a lie.
func (s *Server) Handle(ctx context.Context, req []byte) []byte {
	resp := s.respond(ctx, req)
	b, err := EncodeResponse(resp)
	if err != nil {
		b, _ = EncodeResponse(Response{Status: StatusUnavailable})
	}
	return b
}

func (s *Server) respond(ctx context.Context, req []byte) Response {
	q, err := DecodeRequest(req)
	if err != nil {
		return Response{Status: StatusBadRequest}
	}
	var blocks []*LightBlock
	switch q.Kind {
	case RequestHead:
		var b *LightBlock
		if b, err = s.store.Head(ctx); err == nil {
			blocks = []*LightBlock{b}
		}
	case RequestByHash:
		var b *LightBlock
		if b, err = s.store.GetByHash(ctx, q.Hash); err == nil {
			blocks = []*LightBlock{b}
		}
	case RequestRange:
		for h := q.From; h < q.From+uint64(q.Count) && err == nil; h++ {
			var b *LightBlock
			if b, err = s.store.GetByHeight(ctx, h); err == nil {
				blocks = append(blocks, b)
			}
		}
	}
	switch {
	case errors.Is(err, ErrNotFound):
		return Response{Status: StatusNotFound}
	case err != nil:
		return Response{Status: StatusUnavailable}
	}
	return Response{Status: StatusOK, Blocks: blocks}
}

// StreamSubscription reads framed head announcements from a stream (one
// per frame). It is the receiving end of a head subscription on any
// transport.
type StreamSubscription struct {
	rc    io.ReadCloser
	codec *Codec
	once  sync.Once
}

// NewStreamSubscription reads announcements from rc.
func NewStreamSubscription(rc io.ReadCloser, codec *Codec) *StreamSubscription {
	if codec == nil {
		codec = NewCodec()
	}
	return &StreamSubscription{rc: rc, codec: codec}
}

// Next implements Subscription. Cancelling ctx closes the stream (a
// blocked read has no other way out).
func (s *StreamSubscription) Next(ctx context.Context) (*LightBlock, error) {
	stop := context.AfterFunc(ctx, func() { s.Close() })
	defer stop()
	msg, err := ReadFrame(s.rc, 2+MaxBlockEntrySize)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	return s.codec.DecodeHeadAnnouncement(msg)
}

// Close implements Subscription.
func (s *StreamSubscription) Close() error {
	var err error
	s.once.Do(func() { err = s.rc.Close() })
	return err
}
