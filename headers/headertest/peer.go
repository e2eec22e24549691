package headertest

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"slices"
	"sync"

	"lightdas/headers"
)

// Lie rewrites a peer's honest response to a request before it is sent.
type Lie func(req headers.Request, resp headers.Response) headers.Response

// Peer is an in-memory headers.Peer: a headers.Server over its own store,
// reached through the wire encoding (every request and response is
// encoded and decoded, as over a stream). Lie, when set, rewrites its
// answers.
type Peer struct {
	id       string
	store    *headers.MemStore
	server   *headers.Server
	client   *headers.Client
	lieCodec *headers.Codec // decodes the honest answer before a lie

	mu       sync.Mutex
	lie      Lie
	rawLie   RawLie
	subs     []chan []byte
	requests int
}

// NewPeer serves blocks (heights must be contiguous); codec is the
// client-side codec (share one between peers to share its set cache).
func NewPeer(id string, blocks []*headers.LightBlock, codec *headers.Codec) *Peer {
	p := &Peer{id: id, store: headers.NewMemStore(), lieCodec: headers.NewCodec()}
	if err := p.store.Append(context.Background(), blocks...); err != nil {
		panic(err)
	}
	p.server = headers.NewServer(p.store)
	p.client = headers.NewClient(roundTripper{p}, codec)
	return p
}

// RawLie rewrites the encoded response (for answers that no valid
// LightBlock value can express, such as sets without proofs of possession).
type RawLie func(req headers.Request, raw []byte) []byte

// SetRawLie makes the peer rewrite its encoded answers (nil: honest).
func (p *Peer) SetRawLie(l RawLie) {
	p.mu.Lock()
	p.rawLie = l
	p.mu.Unlock()
}

// SetLie makes the peer lie (nil: honest).
func (p *Peer) SetLie(l Lie) {
	p.mu.Lock()
	p.lie = l
	p.mu.Unlock()
}

// Requests counts the requests the peer answered.
func (p *Peer) Requests() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.requests
}

type roundTripper struct{ p *Peer }

func (rt roundTripper) RoundTrip(ctx context.Context, req []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	p := rt.p
	p.mu.Lock()
	lie, rawLie := p.lie, p.rawLie
	p.requests++
	p.mu.Unlock()
	raw := p.server.Handle(ctx, req)
	q, err := headers.DecodeRequest(req)
	if err != nil {
		return raw, nil
	}
	if rawLie != nil {
		return rawLie(q, raw), nil
	}
	if lie == nil {
		return raw, nil
	}
	resp, err := p.lieCodec.DecodeResponse(raw)
	if err != nil {
		return nil, err
	}
	return headers.EncodeResponse(lie(q, resp))
}

// ID implements headers.Peer.
func (p *Peer) ID() string { return p.id }

// Head implements headers.Exchange.
func (p *Peer) Head(ctx context.Context) (*headers.LightBlock, error) { return p.client.Head(ctx) }

// GetRange implements headers.Exchange.
func (p *Peer) GetRange(ctx context.Context, from uint64, count int) ([]*headers.LightBlock, error) {
	return p.client.GetRange(ctx, from, count)
}

// GetByHash implements headers.Exchange.
func (p *Peer) GetByHash(ctx context.Context, hash headers.Hash) (*headers.LightBlock, error) {
	return p.client.GetByHash(ctx, hash)
}

// SubscribeHeads implements headers.Peer over an in-memory pipe carrying
// framed head announcements.
func (p *Peer) SubscribeHeads(ctx context.Context) (headers.Subscription, error) {
	pr, pw := io.Pipe()
	ch := make(chan []byte, 64)
	p.mu.Lock()
	p.subs = append(p.subs, ch)
	p.mu.Unlock()
	go func() {
		defer pw.Close()
		for msg := range ch {
			if err := headers.WriteFrame(pw, msg); err != nil {
				p.unsubscribe(ch)
				return
			}
		}
	}()
	return &memSubscription{StreamSubscription: headers.NewStreamSubscription(pr, nil), peer: p, ch: ch}, nil
}

// memSubscription ends the writer goroutine when the subscriber closes,
// instead of leaving it blocked until the next announcement.
type memSubscription struct {
	*headers.StreamSubscription
	peer *Peer
	ch   chan []byte
}

// Close implements headers.Subscription.
func (s *memSubscription) Close() error {
	s.peer.unsubscribe(s.ch)
	return s.StreamSubscription.Close()
}

func (p *Peer) unsubscribe(ch chan []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if i := slices.Index(p.subs, ch); i >= 0 {
		p.subs = slices.Delete(p.subs, i, i+1)
		close(ch)
	}
}

// Subscribers is the number of live head subscriptions.
func (p *Peer) Subscribers() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.subs)
}

// Serve appends blocks to what the peer serves, without announcing them.
func (p *Peer) Serve(blocks ...*headers.LightBlock) error {
	return p.store.Append(context.Background(), blocks...)
}

// Publish serves b and announces it to every subscriber.
func (p *Peer) Publish(b *headers.LightBlock) error {
	if err := p.Serve(b); err != nil {
		return err
	}
	return p.Announce(b)
}

// Announce sends b to every subscriber without serving it (a lying peer
// may announce what it will not serve).
func (p *Peer) Announce(b *headers.LightBlock) error {
	msg, err := headers.EncodeHeadAnnouncement(b)
	if err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, ch := range p.subs {
		select {
		case ch <- msg:
		default:
			return errors.New("headertest: subscriber not reading")
		}
	}
	return nil
}

// Lies for the syncer's tests. Each rewrites range answers only.

// ShortRange drops the last block of every range.
func ShortRange(q headers.Request, r headers.Response) headers.Response {
	if q.Kind == headers.RequestRange && len(r.Blocks) > 1 {
		r.Blocks = r.Blocks[:len(r.Blocks)-1]
	}
	return r
}

// OutOfOrderRange swaps the first two blocks of every range.
func OutOfOrderRange(q headers.Request, r headers.Response) headers.Response {
	if q.Kind == headers.RequestRange && len(r.Blocks) > 1 {
		r.Blocks = slices.Clone(r.Blocks)
		r.Blocks[0], r.Blocks[1] = r.Blocks[1], r.Blocks[0]
	}
	return r
}

// ForgeRange replaces the last block of every range with forge(block).
func ForgeRange(forge func(*headers.LightBlock) *headers.LightBlock) Lie {
	return func(q headers.Request, r headers.Response) headers.Response {
		if q.Kind == headers.RequestRange && len(r.Blocks) > 0 {
			r.Blocks = slices.Clone(r.Blocks)
			r.Blocks[len(r.Blocks)-1] = forge(r.Blocks[len(r.Blocks)-1])
		}
		return r
	}
}

// RawBlockEntry encodes a block entry with an inline validator list that
// is not checked (see headers.EncodeValidators); nil vals refers to the
// previous entry's set.
func RawBlockEntry(h *headers.Header, c *headers.Commit, vals []headers.Validator) []byte {
	hb, err := h.Encode()
	if err != nil {
		panic(err)
	}
	cb, err := c.Encode()
	if err != nil {
		panic(err)
	}
	vb := headers.EncodeValidators(vals)
	b := binary.BigEndian.AppendUint16(nil, uint16(len(hb)))
	b = append(b, hb...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(cb)))
	b = append(b, cb...)
	if vals == nil {
		return append(b, 0)
	}
	b = append(b, 1)
	b = binary.BigEndian.AppendUint32(b, uint32(len(vb)))
	return append(b, vb...)
}

// RawResponse wraps block entries in an OK response.
func RawResponse(entries ...[]byte) []byte {
	b := []byte{headers.WireVersion, 0x81, byte(headers.StatusOK), byte(len(entries))}
	for _, e := range entries {
		b = append(b, e...)
	}
	return b
}
