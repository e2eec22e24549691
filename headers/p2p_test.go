package headers_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"slices"
	"testing"
	"time"

	"lightdas/headers"
	"lightdas/headers/headertest"
	"lightdas/p2p"
	"lightdas/p2p/memnet"
	"lightdas/p2p/p2ptest"
)

// eventually polls cond until it holds or ctx ends (bounded waits for
// asynchronous effects; nothing asserts on time).
func eventually(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("never happened: %s", what)
		case <-time.After(time.Millisecond):
		}
	}
}

// server is a host serving a store over the header protocols.
type server struct {
	host  *memnet.Host
	store *headers.MemStore
	svc   *headers.HeaderService
}

func newServer(t *testing.T, n *memnet.Network, id p2p.PeerID, chainID string, blocks []*headers.LightBlock, opts ...headers.ServeOption) *server {
	t.Helper()
	h, err := n.NewHost(id)
	if err != nil {
		t.Fatal(err)
	}
	store := headers.NewMemStore()
	if err := store.Append(context.Background(), blocks...); err != nil {
		t.Fatal(err)
	}
	svc := headers.ServeHeaders(h, chainID, headers.NewServer(store), opts...)
	t.Cleanup(func() { svc.Close() })
	return &server{host: h, store: store, svc: svc}
}

// publish serves and announces new blocks.
func (s *server) publish(t *testing.T, blocks ...*headers.LightBlock) {
	t.Helper()
	for _, b := range blocks {
		if err := s.store.Append(context.Background(), b); err != nil {
			t.Fatal(err)
		}
		if err := s.svc.Publish(b); err != nil {
			t.Fatal(err)
		}
	}
}

func newNet(t *testing.T, opts ...memnet.Option) *memnet.Network {
	n := memnet.NewNetwork(opts...)
	t.Cleanup(func() { n.Close() })
	return n
}

func newHost(t *testing.T, n *memnet.Network, id p2p.PeerID) *memnet.Host {
	t.Helper()
	h, err := n.NewHost(id)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func connect(t *testing.T, n *memnet.Network, a p2p.PeerID, others ...p2p.PeerID) {
	t.Helper()
	for _, b := range others {
		if err := n.Connect(a, b); err != nil {
			t.Fatal(err)
		}
	}
}

func sortedIDs(ids []p2p.PeerID) []p2p.PeerID {
	slices.Sort(ids)
	return ids
}

// A syncer whose peers come from the host's connections syncs from three
// serving hosts.
func TestP2PSyncToHead(t *testing.T) {
	n := 70
	if !heavy {
		n = 20
	}
	c := headertest.MustChain(headertest.Config{}, n)
	net := newNet(t)
	for _, id := range []p2p.PeerID{"s1", "s2", "s3"} {
		newServer(t, net, id, c.Config.ChainID, c.Blocks)
	}
	client := newHost(t, net, "client")
	connect(t, net, "client", "s1", "s2")
	store := headers.NewMemStore()
	s := newSyncer(t, c, store, nil, nil)
	ctx := testCtx(t)
	tr := headers.TrackPeers(client, s, c.Config.ChainID, nil)
	defer tr.Close()
	connect(t, net, "client", "s3")
	eventually(t, ctx, "three tracked peers", func() bool { return len(tr.Peers()) == 3 })
	if err := s.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	sameChain(t, store, c, 1, uint64(n))
	if len(s.Banned()) != 0 {
		t.Fatalf("honest servers banned: %v", s.Banned())
	}
}

// Run follows heads published through the servers' HeadPublishers (the
// poll interval is too long to matter), keeps going when a server
// disconnects, and leaves no goroutine behind.
func TestP2PRunFollowsPublishedHeads(t *testing.T) {
	base := p2ptest.Goroutines()
	c := headertest.MustChain(headertest.Config{}, 5)
	net := memnet.NewNetwork()
	s1 := newServer(t, net, "s1", c.Config.ChainID, c.Blocks)
	s2 := newServer(t, net, "s2", c.Config.ChainID, c.Blocks)
	client := newHost(t, net, "client")
	connect(t, net, "client", "s1", "s2")
	store := headers.NewMemStore()
	s := newSyncer(t, c, store, nil, func(cfg *headers.SyncerConfig) { cfg.PollInterval = time.Hour })
	tr := headers.TrackPeers(client, s, c.Config.ChainID, nil)
	ctx, cancel := context.WithCancel(testCtx(t))
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	if _, err := s.WaitForHeight(ctx, 5); err != nil {
		t.Fatal(err)
	}
	eventually(t, ctx, "both servers have a subscriber", func() bool {
		return s1.svc.Subscribers() == 1 && s2.svc.Subscribers() == 1
	})
	// One head at a time, announced by s1 and every other one by s2 too.
	for i, b := range c.Extend(4) {
		s1.publish(t, b)
		if err := s2.store.Append(ctx, b); err != nil {
			t.Fatal(err)
		}
		if i%2 == 1 {
			s2.svc.Publish(b)
		}
		if _, err := s.WaitForHeight(ctx, b.Height()); err != nil {
			t.Fatal(err)
		}
	}
	// s1 goes away; s2 announces a head several heights up and serves the
	// gap.
	if err := net.Disconnect("client", "s1"); err != nil {
		t.Fatal(err)
	}
	eventually(t, ctx, "s1 untracked", func() bool { return slices.Equal(tr.Peers(), []p2p.PeerID{"s2"}) })
	eventually(t, ctx, "s1's subscription ended", func() bool { return s1.svc.Subscribers() == 0 })
	more := c.Extend(5)
	s2.publish(t, more[:3]...) // the subscriber may see any of these
	s2.publish(t, more[3:]...)
	if _, err := s.WaitForHeight(ctx, c.Head().Height()); err != nil {
		t.Fatal(err)
	}
	sameChain(t, store, c, 1, c.Head().Height())

	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v", err)
	}
	tr.Close()
	s1.svc.Close()
	s2.svc.Close()
	net.Close()
	p2ptest.WaitGoroutines(t, base)
}

// garbageHandler answers every exchange request with a well-framed
// response that does not decode.
func garbageHandler(st p2p.Stream) {
	if _, err := headers.ReadFrame(st, headers.MaxRequestSize); err != nil {
		st.Reset()
		return
	}
	headers.WriteFrame(st, []byte{headers.WireVersion, 0x81, 0, 1, 0xde, 0xad})
	st.Close()
}

// A server with a forged block and one that speaks garbage are banned;
// the honest one is used.
func TestP2PLyingServersRejected(t *testing.T) {
	c := headertest.MustChain(headertest.Config{}, 20)
	forged := slices.Clone(c.Blocks)
	forged[9] = headertest.BadSignature(c.Signers(), forged[9])
	net := newNet(t)
	newServer(t, net, "honest", c.Config.ChainID, c.Blocks)
	newServer(t, net, "liar", c.Config.ChainID, forged)
	garbage := newHost(t, net, "garbage")
	garbage.SetStreamHandler(p2p.ProtocolID(headers.ExchangeProtocolID(c.Config.ChainID)), garbageHandler)
	client := newHost(t, net, "client")
	connect(t, net, "client", "honest", "liar", "garbage")
	codec := headers.NewCodec()
	var peers []headers.Peer
	// Order: heads are polled from all; the range goes to the liar first.
	for _, id := range []p2p.PeerID{"honest", "liar", "garbage"} {
		peers = append(peers, headers.NewP2PPeer(client, id, c.Config.ChainID, codec))
	}
	store := headers.NewMemStore()
	s := newSyncer(t, c, store, peers, nil)
	if err := s.SyncOnce(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	sameChain(t, store, c, 1, 20)
	banned := s.Banned()
	if !errors.Is(banned["liar"], headers.ErrInvalidSignature) {
		t.Errorf("liar: %v, want ErrInvalidSignature", banned["liar"])
	}
	if !errors.Is(banned["garbage"], headers.ErrMalformed) {
		t.Errorf("garbage: %v, want ErrMalformed", banned["garbage"])
	}
	if err, bad := banned["honest"]; bad {
		t.Errorf("honest banned: %v", err)
	}
}

// flakyHandler answers like srv but drops the connection halfway through
// every range response.
func flakyHandler(net *memnet.Network, srv *headers.Server, client p2p.PeerID, ranges chan<- struct{}) p2p.StreamHandler {
	return func(st p2p.Stream) {
		req, err := headers.ReadFrame(st, headers.MaxRequestSize)
		if err != nil {
			st.Reset()
			return
		}
		resp := srv.Handle(context.Background(), req)
		q, _ := headers.DecodeRequest(req)
		if q.Kind != headers.RequestRange {
			headers.WriteFrame(st, resp)
			st.Close()
			return
		}
		ranges <- struct{}{}
		var prefix [4]byte
		binary.BigEndian.PutUint32(prefix[:], uint32(len(resp)))
		st.Write(prefix[:])
		st.Write(resp[:len(resp)/2])
		net.Disconnect(client, st.RemotePeer()) // mid-response
		st.Reset()
	}
}

// A server that disconnects in the middle of a response is a transport
// failure, not a lie: the range comes from another server and the flaky
// one is not banned.
func TestP2PServerDisconnectsMidResponse(t *testing.T) {
	c := headertest.MustChain(headertest.Config{}, 20)
	net := newNet(t)
	newServer(t, net, "honest", c.Config.ChainID, c.Blocks)
	flaky := newServer(t, net, "flaky", c.Config.ChainID, c.Blocks)
	ranges := make(chan struct{}, 16)
	flaky.host.SetStreamHandler(p2p.ProtocolID(headers.ExchangeProtocolID(c.Config.ChainID)),
		flakyHandler(net, headers.NewServer(flaky.store), "client", ranges))
	client := newHost(t, net, "client")
	connect(t, net, "client", "honest", "flaky")
	ctx := testCtx(t)

	flakyPeer := headers.NewP2PPeer(client, "flaky", c.Config.ChainID, nil)
	_, err := flakyPeer.GetRange(ctx, 1, 10)
	if !errors.Is(err, p2p.ErrStreamReset) || errors.Is(err, headers.ErrMalformed) {
		t.Fatalf("cut-off response: %v, want a stream reset and not ErrMalformed", err)
	}
	<-ranges
	connect(t, net, "client", "flaky")

	peers := []headers.Peer{headers.NewP2PPeer(client, "honest", c.Config.ChainID, nil), flakyPeer}
	store := headers.NewMemStore()
	s := newSyncer(t, c, store, peers, nil)
	if err := s.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	sameChain(t, store, c, 1, 20)
	select {
	case <-ranges:
	default:
		t.Fatal("the flaky server was never asked for the range")
	}
	if len(s.Banned()) != 0 {
		t.Fatalf("banned: %v", s.Banned())
	}
}

// A subscriber that never reads is dropped once its queue overflows; a
// subscriber that keeps up gets every head in order and Publish never
// waits.
func TestP2PSlowSubscriberDoesNotBlockOthers(t *testing.T) {
	const queue = 4
	c := headertest.MustChain(headertest.Config{}, 1)
	net := newNet(t, memnet.WithStreamWindow(4096))
	srv := newServer(t, net, "srv", c.Config.ChainID, c.Blocks, headers.WithSubscriberQueue(queue))
	fast := newHost(t, net, "fast")
	slow := newHost(t, net, "slow")
	connect(t, net, "srv", "fast", "slow")
	ctx := testCtx(t)

	stalled, err := slow.NewStream(ctx, "srv", p2p.ProtocolID(headers.HeadsProtocolID(c.Config.ChainID)))
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Reset()
	sub, err := headers.NewP2PPeer(fast, "srv", c.Config.ChainID, nil).SubscribeHeads(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	eventually(t, ctx, "two subscribers", func() bool { return srv.svc.Subscribers() == 2 })

	msg, _ := headers.EncodeHeadAnnouncement(c.Head())
	// Enough heads to fill the slow stream's window, its queue, and more.
	heads := c.Extend(queue + 4096/len(msg) + 4)
	for _, b := range heads {
		srv.publish(t, b)
		got, err := sub.Next(ctx)
		if err != nil {
			t.Fatalf("fast subscriber at height %d: %v", b.Height(), err)
		}
		if got.Hash() != b.Hash() {
			t.Fatalf("fast subscriber got height %d, want %d", got.Height(), b.Height())
		}
	}
	eventually(t, ctx, "slow subscriber dropped", func() bool { return srv.svc.Subscribers() == 1 })
	// The slow side finds what fit in its window, then the reset.
	stalled.SetReadDeadline(time.Now().Add(time.Minute))
	var frames int
	for {
		m, err := headers.ReadFrame(stalled, 2+headers.MaxBlockEntrySize)
		if err != nil {
			if !errors.Is(err, p2p.ErrStreamReset) {
				t.Fatalf("slow subscriber: %v, want a reset", err)
			}
			break
		}
		if want, _ := headers.EncodeHeadAnnouncement(heads[frames]); !bytes.Equal(m, want) {
			t.Fatalf("slow subscriber's frame %d is not head %d", frames, heads[frames].Height())
		}
		frames++
	}
	if frames >= len(heads) {
		t.Fatalf("slow subscriber got all %d heads", frames)
	}
}

// The latest head greets a new subscriber, so one that subscribes after a
// Publish does not wait for the next block.
func TestP2PSubscribeGetsLatestHead(t *testing.T) {
	c := headertest.MustChain(headertest.Config{}, 3)
	net := newNet(t)
	srv := newServer(t, net, "srv", c.Config.ChainID, c.Blocks[:2])
	client := newHost(t, net, "client")
	connect(t, net, "client", "srv")
	srv.publish(t, c.Block(3))
	ctx := testCtx(t)
	sub, err := headers.NewP2PPeer(client, "srv", c.Config.ChainID, nil).SubscribeHeads(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got, err := sub.Next(ctx)
	if err != nil || got.Hash() != c.Block(3).Hash() {
		t.Fatalf("first announcement: %v, %v", got, err)
	}
	// Closing the subscription frees the server's slot.
	sub.Close()
	eventually(t, ctx, "subscription released", func() bool { return srv.svc.Subscribers() == 0 })
}

func frame(b []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(b))), b...)
}

// Bad frames reset the stream (or, framed but undecodable, get "bad
// request"); the server keeps serving and holds no stream afterwards.
func TestP2PBadFramesReset(t *testing.T) {
	c := headertest.MustChain(headertest.Config{}, 2)
	net := newNet(t)
	srv := newServer(t, net, "srv", c.Config.ChainID, c.Blocks)
	client := newHost(t, net, "client")
	connect(t, net, "client", "srv")
	ctx := testCtx(t)
	exchange := p2p.ProtocolID(headers.ExchangeProtocolID(c.Config.ChainID))
	heads := p2p.ProtocolID(headers.HeadsProtocolID(c.Config.ChainID))
	huge := binary.BigEndian.AppendUint32(nil, 0xffffffff)
	tooLong := frame(make([]byte, headers.MaxRequestSize+1))
	tests := []struct {
		name   string
		proto  p2p.ProtocolID
		send   []byte
		status headers.Status // the answer's status; 255 wants a reset
	}{
		{"huge length", exchange, huge, 255},
		{"above request limit", exchange, tooLong, 255},
		{"truncated", exchange, frame([]byte{1, 2, 0, 0, 0})[:6], 255},
		{"no request", exchange, nil, 255},
		{"short prefix", exchange, []byte{0, 0}, 255},
		{"garbage request", exchange, frame([]byte{0xde, 0xad, 0xbe, 0xef}), headers.StatusBadRequest},
		{"unknown version", exchange, frame([]byte{2, 1}), headers.StatusBadRequest},
		{"range too long", exchange, frame([]byte{1, 2, 0, 0, 0, 0, 0, 0, 0, 1, 65}), headers.StatusBadRequest},
		{"bytes on heads", heads, []byte{1}, 255},
	}
	codec := headers.NewCodec()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, err := client.NewStream(ctx, "srv", tc.proto)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			st.SetDeadline(time.Now().Add(time.Minute))
			st.Write(tc.send)
			if tc.proto == exchange {
				st.CloseWrite()
			}
			resp, err := headers.ReadFrame(st, headers.MaxMessageSize)
			if tc.status == 255 {
				if !errors.Is(err, p2p.ErrStreamReset) {
					t.Fatalf("got %x, %v; want a reset", resp, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			r, err := codec.DecodeResponse(resp)
			if err != nil || r.Status != tc.status {
				t.Fatalf("response %+v, %v; want status %d", r, err, tc.status)
			}
		})
	}
	head, err := headers.NewP2PPeer(client, "srv", c.Config.ChainID, codec).Head(ctx)
	if err != nil || head.Hash() != c.Head().Hash() {
		t.Fatalf("after bad frames: %v, %v", head, err)
	}
	eventually(t, ctx, "server released its streams", func() bool { return srv.host.NumStreams() == 0 })
}

// Requests beyond a peer's token bucket are answered "unavailable"; other
// peers are unaffected.
func TestP2PRateLimit(t *testing.T) {
	c := headertest.MustChain(headertest.Config{}, 2)
	net := newNet(t)
	// A bucket of 3 that refills once every ~11 days: no refill in a test.
	newServer(t, net, "srv", c.Config.ChainID, c.Blocks, headers.WithRateLimit(1e-6, 3))
	greedy := newHost(t, net, "greedy")
	other := newHost(t, net, "other")
	connect(t, net, "srv", "greedy", "other")
	ctx := testCtx(t)
	gp := headers.NewP2PPeer(greedy, "srv", c.Config.ChainID, nil)
	for i := range 3 {
		if _, err := gp.Head(ctx); err != nil {
			t.Fatalf("request %d within the burst: %v", i, err)
		}
	}
	if _, err := gp.Head(ctx); !errors.Is(err, headers.ErrUnavailable) {
		t.Fatalf("request beyond the burst: %v, want ErrUnavailable", err)
	}
	// Subscribing costs a token too: refused by a reset.
	if sub, err := gp.SubscribeHeads(ctx); err == nil {
		if _, err := sub.Next(ctx); !errors.Is(err, p2p.ErrStreamReset) {
			t.Fatalf("rate-limited subscription: %v, want a reset", err)
		}
		sub.Close()
	}
	if _, err := headers.NewP2PPeer(other, "srv", c.Config.ChainID, nil).Head(ctx); err != nil {
		t.Fatalf("another peer: %v", err)
	}
}

// A peer holding its stream quota (slow-loris) gets further streams reset
// at once, others are served, and a slot frees when a stream ends.
func TestP2PStreamCapPerPeer(t *testing.T) {
	c := headertest.MustChain(headertest.Config{}, 2)
	net := newNet(t)
	srv := newServer(t, net, "srv", c.Config.ChainID, c.Blocks, headers.WithMaxStreamsPerPeer(2))
	loris := newHost(t, net, "loris")
	other := newHost(t, net, "other")
	connect(t, net, "srv", "loris", "other")
	ctx := testCtx(t)
	exchange := p2p.ProtocolID(headers.ExchangeProtocolID(c.Config.ChainID))
	var held []p2p.Stream
	for i := range 2 {
		st, err := loris.NewStream(ctx, "srv", exchange)
		if err != nil {
			t.Fatal(err)
		}
		st.Write([]byte{0}) // a prefix byte, then nothing
		held = append(held, st)
		eventually(t, ctx, "held stream admitted", func() bool { return srv.svc.ActiveStreams() == i+1 })
	}
	lp := headers.NewP2PPeer(loris, "srv", c.Config.ChainID, nil)
	if _, err := lp.Head(ctx); !errors.Is(err, p2p.ErrStreamReset) {
		t.Fatalf("over the cap: %v, want a reset", err)
	}
	if _, err := headers.NewP2PPeer(other, "srv", c.Config.ChainID, nil).Head(ctx); err != nil {
		t.Fatalf("another peer: %v", err)
	}
	held[0].CloseWrite() // the request ends short: the server resets, freeing a slot
	eventually(t, ctx, "a slot freed", func() bool {
		_, err := lp.Head(ctx)
		return err == nil
	})
	for _, st := range held {
		st.Reset()
	}
}

// A server that never answers costs a request its timeout and is not
// banned; the stream is reset so the server learns of it.
func TestP2PRequestTimeout(t *testing.T) {
	c := headertest.MustChain(headertest.Config{}, 2)
	net := newNet(t)
	mute := newHost(t, net, "mute")
	client := newHost(t, net, "client")
	connect(t, net, "client", "mute")
	served := make(chan error, 1)
	release := make(chan struct{})
	mute.SetStreamHandler(p2p.ProtocolID(headers.ExchangeProtocolID(c.Config.ChainID)), func(st p2p.Stream) {
		_, err := io.Copy(io.Discard, st) // the request, then its EOF
		if err == nil {
			<-release // the client has given up
			_, err = st.Write([]byte{0})
		}
		served <- err
		st.Reset()
	})
	p := headers.NewP2PPeer(client, "mute", c.Config.ChainID, nil, headers.WithRequestTimeout(20*time.Millisecond))
	_, err := p.Head(testCtx(t))
	close(release)
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, headers.ErrMalformed) {
		t.Fatalf("mute server: %v, want a deadline and not ErrMalformed", err)
	}
	if err := <-served; !errors.Is(err, p2p.ErrStreamReset) {
		t.Fatalf("server side: %v, want the client's reset", err)
	}
}

func TestP2PPeerWithoutProtocol(t *testing.T) {
	c := headertest.MustChain(headertest.Config{}, 1)
	net := newNet(t)
	newHost(t, net, "plain")
	client := newHost(t, net, "client")
	connect(t, net, "client", "plain")
	ctx := testCtx(t)
	p := headers.NewP2PPeer(client, "plain", c.Config.ChainID, nil)
	if _, err := p.Head(ctx); !errors.Is(err, p2p.ErrProtocolNotSupported) || errors.Is(err, headers.ErrMalformed) {
		t.Fatalf("Head: %v, want ErrProtocolNotSupported", err)
	}
	if _, err := p.SubscribeHeads(ctx); !errors.Is(err, p2p.ErrProtocolNotSupported) {
		t.Fatalf("SubscribeHeads: %v, want ErrProtocolNotSupported", err)
	}
	if _, err := headers.NewP2PPeer(client, "nobody", c.Config.ChainID, nil).Head(ctx); !errors.Is(err, p2p.ErrNoConnection) {
		t.Fatalf("unconnected peer: %v, want ErrNoConnection", err)
	}
}

// The tracker follows connects and disconnects; a syncer without peers
// says so.
func TestPeerTracker(t *testing.T) {
	c := headertest.MustChain(headertest.Config{}, 3)
	net := newNet(t)
	newServer(t, net, "s1", c.Config.ChainID, c.Blocks)
	newServer(t, net, "s2", c.Config.ChainID, c.Blocks)
	client := newHost(t, net, "client")
	connect(t, net, "client", "s1")
	s := newSyncer(t, c, headers.NewMemStore(), nil, nil)
	tr := headers.TrackPeers(client, s, c.Config.ChainID, nil)
	defer tr.Close()
	ctx := testCtx(t)
	want := func(ids ...p2p.PeerID) func() bool {
		return func() bool { return slices.Equal(sortedIDs(tr.Peers()), ids) }
	}
	eventually(t, ctx, "s1 tracked", want("s1"))
	connect(t, net, "client", "s2")
	eventually(t, ctx, "s1, s2 tracked", want("s1", "s2"))
	net.Disconnect("client", "s1")
	eventually(t, ctx, "s2 tracked", want("s2"))
	if err := s.SyncOnce(ctx); err != nil {
		t.Fatal(err)
	}
	net.Disconnect("client", "s2")
	eventually(t, ctx, "none tracked", want())
	if err := s.SyncOnce(ctx); !errors.Is(err, headers.ErrNoPeers) {
		t.Fatalf("no peers: %v", err)
	}
	tr.Close()
	connect(t, net, "client", "s1")
	if err := s.SyncOnce(ctx); !errors.Is(err, headers.ErrNoPeers) {
		t.Fatalf("closed tracker added a peer: %v", err)
	}
}

// RemovePeer ends the peer's subscription in a running syncer and keeps
// its ban.
func TestSyncerRemovePeer(t *testing.T) {
	c := headertest.MustChain(headertest.Config{}, 5)
	honest := headertest.NewPeer("honest", c.Blocks, nil)
	liar := headertest.NewPeer("liar", c.Blocks, nil)
	liar.SetLie(headertest.ShortRange)
	s := newSyncer(t, c, headers.NewMemStore(), []headers.Peer{honest, liar}, func(cfg *headers.SyncerConfig) {
		cfg.PollInterval = time.Hour
	})
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	if _, err := s.WaitForHeight(ctx, 5); err != nil {
		t.Fatal(err)
	}
	waitSubscribed(t, ctx, honest)
	if !s.RemovePeer("honest") || s.RemovePeer("honest") {
		t.Fatal("RemovePeer reported wrongly whether the peer was known")
	}
	// headertest peers notice a closed subscription when they next write.
	eventually(t, ctx, "subscription ended", func() bool {
		honest.Announce(c.Head())
		return honest.Subscribers() == 0
	})
	cancel()
	<-done
	if _, bad := s.Banned()["liar"]; !bad {
		t.Fatal("liar not banned")
	}
	s.RemovePeer("liar")
	s.AddPeer(liar)
	if _, bad := s.Banned()["liar"]; !bad {
		t.Fatal("removing a peer lifted its ban")
	}
	if err := s.SyncOnce(testCtx(t)); !errors.Is(err, headers.ErrNoPeers) {
		t.Fatalf("only a banned peer left: %v", err)
	}
}

// FuzzServeExchange throws arbitrary bytes at the exchange handler: it
// answers with a response that decodes or resets, and keeps serving.
func FuzzServeExchange(f *testing.F) {
	c := headertest.MustChain(headertest.Config{}, 2)
	q, _ := headers.Request{Kind: headers.RequestRange, From: 1, Count: 2}.Encode()
	f.Add(frame(q))
	f.Add(frame([]byte{1, 1}))
	f.Add(frame([]byte{1, 3}))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 1})
	f.Add([]byte{})
	f.Add(append(frame([]byte{1, 1}), 7))
	net := memnet.NewNetwork()
	defer net.Close()
	srvHost, _ := net.NewHost("srv")
	store := headers.NewMemStore()
	store.Append(context.Background(), c.Blocks...)
	svc := headers.ServeHeaders(srvHost, c.Config.ChainID, headers.NewServer(store), headers.WithRateLimit(1e9, 1<<30))
	defer svc.Close()
	client, _ := net.NewHost("client")
	net.Connect("client", "srv")
	codec := headers.NewCodec()
	exchange := p2p.ProtocolID(headers.ExchangeProtocolID(c.Config.ChainID))
	f.Fuzz(func(t *testing.T, in []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		st, err := client.NewStream(ctx, "srv", exchange)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		st.SetDeadline(time.Now().Add(time.Minute))
		st.Write(in)
		st.CloseWrite()
		resp, err := headers.ReadFrame(st, headers.MaxMessageSize)
		if err != nil {
			if !errors.Is(err, p2p.ErrStreamReset) {
				t.Fatalf("neither an answer nor a reset: %v", err)
			}
		} else if _, err := codec.DecodeResponse(resp); err != nil {
			t.Fatalf("server sent an undecodable response: %v", err)
		}
		if _, err := headers.NewP2PPeer(client, "srv", c.Config.ChainID, codec).Head(ctx); err != nil {
			t.Fatalf("server stopped serving: %v", err)
		}
	})
}
