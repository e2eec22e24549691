package lighttest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"

	"lightdas/das"
	"lightdas/headers"
	"lightdas/headers/headertest"
	"lightdas/kzg"
	"lightdas/node/pex"
	"lightdas/p2p"
	"lightdas/p2p/memnet"
)

// Net is a chain served by full nodes on an in-memory network.
type Net struct {
	Mem     *memnet.Network
	ChainID string
	Genesis *headers.Genesis
	Block   *kzg.ExtendedBlock

	mu     sync.Mutex
	chain  *headertest.Chain
	nodes  []*FullNode
	forks  []*FullNode // serve a fork; outside Produce and peer exchange
	down   map[p2p.PeerID]bool
	nextID int
	dials  []Dial
}

// Dial is one Connect call on a Dialer of the net.
type Dial struct {
	From p2p.PeerID
	Addr string
	Time time.Time
	Err  error
}

// NewNet makes a chain (genesis a day ago, four validators) and an empty
// network. Close it when done.
func NewNet(chainID string) (*Net, error) {
	b, err := Block()
	if err != nil {
		return nil, err
	}
	start := time.Now().Add(-24 * time.Hour).Truncate(time.Second)
	c, err := headertest.NewChain(headertest.Config{ChainID: chainID, Start: start, K: FixtureK, MaxK: 8})
	if err != nil {
		return nil, err
	}
	return &Net{Mem: memnet.NewNetwork(), ChainID: chainID, Genesis: c.Genesis, Block: b, chain: c, down: map[p2p.PeerID]bool{}}, nil
}

// Close closes the network and every host on it.
func (n *Net) Close() error {
	n.mu.Lock()
	nodes := append(append([]*FullNode(nil), n.nodes...), n.forks...)
	n.mu.Unlock()
	for _, f := range nodes {
		f.Service.Close()
	}
	return n.Mem.Close()
}

// NewPeerID returns a fresh libp2p peer id (Ed25519), so that addresses
// built with it pass the peer-exchange decoder.
func NewPeerID() (p2p.PeerID, error) {
	sk, _, err := crypto.GenerateEd25519Key(rand.Reader)
	if err != nil {
		return "", err
	}
	id, err := peer.IDFromPrivateKey(sk)
	if err != nil {
		return "", err
	}
	return p2p.PeerID(id.String()), nil
}

// NewHost adds a host with a fresh peer id (for a light client).
func (n *Net) NewHost() (*memnet.Host, error) {
	id, err := NewPeerID()
	if err != nil {
		return nil, err
	}
	return n.Mem.NewHost(id)
}

// FullNode serves the chain: headers, cells and peer exchange.
type FullNode struct {
	ID      p2p.PeerID
	Addr    string // /memory/<n>/p2p/<id>
	Host    *memnet.Host
	Headers *headers.MemStore
	Blocks  *das.MemBlockStore
	Service *headers.HeaderService
	Samples *das.Server
}

// NodeOption configures AddFullNode.
type NodeOption func(*nodeConfig)

type nodeConfig struct {
	mis    *das.Misbehavior
	silent bool
}

// WithMisbehavior makes the node's sample server withhold or tamper.
func WithMisbehavior(m *das.Misbehavior) NodeOption { return func(c *nodeConfig) { c.mis = m } }

// WithoutPex makes a node that does not serve peer exchange.
func WithoutPex() NodeOption { return func(c *nodeConfig) { c.silent = true } }

// AddFullNode starts a full node holding the chain so far. Its peer
// exchange offers itself and every other full node of the net that is not
// down (as a peerstore that knows them would).
func (n *Net) AddFullNode(opts ...NodeOption) (*FullNode, error) {
	var nc nodeConfig
	for _, o := range opts {
		o(&nc)
	}
	id, err := NewPeerID()
	if err != nil {
		return nil, err
	}
	h, err := n.Mem.NewHost(id)
	if err != nil {
		return nil, err
	}
	n.mu.Lock()
	n.nextID++
	addr := fmt.Sprintf("/memory/%d/p2p/%s", n.nextID, id)
	n.mu.Unlock()
	f := &FullNode{ID: id, Addr: addr, Host: h, Headers: headers.NewMemStore(), Blocks: das.NewMemBlockStore()}
	f.Service = headers.ServeHeaders(h, n.ChainID, headers.NewServer(f.Headers))
	f.Samples, err = das.NewServer(n.ChainID, f.Blocks, das.ServerConfig{
		CellsPerSecond: 1e9, Burst: 1 << 30, MaxStreamsPerPeer: 64, Misbehavior: nc.mis})
	if err != nil {
		return nil, err
	}
	f.Samples.Register(h)
	if !nc.silent {
		pex.NewServer(n.ChainID, n.pexSource(id), pex.ServerConfig{RequestsPerSecond: 100, Burst: 100}).Register(h)
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, lb := range n.chain.Blocks {
		if err := f.put(lb, n.Block); err != nil {
			return nil, err
		}
	}
	n.nodes = append(n.nodes, f)
	return f, nil
}

func (n *Net) pexSource(self p2p.PeerID) pex.AddrSource {
	return func() []ma.Multiaddr {
		n.mu.Lock()
		defer n.mu.Unlock()
		var out []ma.Multiaddr
		for _, f := range n.nodes {
			if n.down[f.ID] && f.ID != self {
				continue
			}
			a, err := ma.NewMultiaddr(f.Addr)
			if err == nil {
				out = append(out, a)
			}
		}
		return out
	}
}

func (f *FullNode) put(lb *headers.LightBlock, b *kzg.ExtendedBlock) error {
	if err := f.Headers.Append(context.Background(), lb); err != nil {
		return err
	}
	return f.Blocks.Put(lb.Height(), lb.Hash(), b)
}

// Produce signs count more blocks (each committing to the fixture block)
// at the current time, gives them to every full node and announces each
// new head.
func (n *Net) Produce(count int) ([]*headers.LightBlock, error) {
	return n.produce(count, func(prev time.Time) time.Time {
		return later(time.Now(), prev.Add(time.Millisecond))
	})
}

// ProduceHistory is Produce for blocks made in the past: block i (from 0)
// at start + i*interval (and after the current head).
func (n *Net) ProduceHistory(count int, start time.Time, interval time.Duration) ([]*headers.LightBlock, error) {
	i := 0
	return n.produce(count, func(prev time.Time) time.Time {
		t := start.Add(time.Duration(i) * interval)
		i++
		return later(t, prev.Add(time.Millisecond))
	})
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func (n *Net) produce(count int, at func(prev time.Time) time.Time) ([]*headers.LightBlock, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []*headers.LightBlock
	for range count {
		h := n.chain.NextHeader()
		prev := n.Genesis.Time
		if head := n.chain.Head(); head != nil {
			prev = head.Header.Time
		}
		h.Time = at(prev).UTC()
		h.Blobs = FixtureBlobs
		for i := range h.Commitments {
			h.Commitments[i] = headers.Commitment(n.Block.Commitments[i])
		}
		lb := n.chain.Append(h)
		for _, f := range n.nodes {
			if err := f.put(lb, n.Block); err != nil {
				return nil, err
			}
			if err := f.Service.Publish(lb); err != nil {
				return nil, err
			}
		}
		out = append(out, lb)
	}
	return out, nil
}

// AddForkNode starts a node that serves another chain from height at on:
// blocks signed by the same validators as the real ones (equivocation),
// as many as the chain has now. It gets no blocks from Produce.
func (n *Net) AddForkNode(at uint64) (*FullNode, error) {
	id, err := NewPeerID()
	if err != nil {
		return nil, err
	}
	h, err := n.Mem.NewHost(id)
	if err != nil {
		return nil, err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if at < 1 || at > uint64(len(n.chain.Blocks)) {
		return nil, fmt.Errorf("lighttest: fork at %d of a chain of %d blocks", at, len(n.chain.Blocks))
	}
	fork := n.chain.Fork(at)
	for uint64(len(fork.Blocks)) < uint64(len(n.chain.Blocks)) {
		fh := fork.NextHeader()
		fh.Blobs = FixtureBlobs
		for i := range fh.Commitments {
			fh.Commitments[i] = headers.Commitment(n.Block.Commitments[i])
		}
		// Later than the real block of that height, so it differs.
		prev := n.Genesis.Time
		if head := fork.Head(); head != nil {
			prev = head.Header.Time
		}
		fh.Time = later(time.Now(), prev.Add(time.Millisecond)).UTC()
		fork.Append(fh)
	}
	n.nextID++
	f := &FullNode{ID: id, Addr: fmt.Sprintf("/memory/%d/p2p/%s", n.nextID, id), Host: h,
		Headers: headers.NewMemStore(), Blocks: das.NewMemBlockStore()}
	f.Service = headers.ServeHeaders(h, n.ChainID, headers.NewServer(f.Headers))
	for _, lb := range fork.Blocks {
		if err := f.put(lb, n.Block); err != nil {
			return nil, err
		}
	}
	if err := f.Service.Publish(fork.Head()); err != nil {
		return nil, err
	}
	n.forks = append(n.forks, f)
	return f, nil
}

// Head is the chain's highest block (nil before the first).
func (n *Net) Head() *headers.LightBlock {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.chain.Head()
}

// SetDown takes a node off the network (its links drop and dials to it
// fail) or brings it back.
func (n *Net) SetDown(id p2p.PeerID, down bool) {
	n.mu.Lock()
	n.down[id] = down
	n.mu.Unlock()
	if !down {
		return
	}
	if h := n.Mem.Host(id); h != nil {
		for _, p := range h.Peers() {
			n.Mem.Disconnect(id, p)
		}
	}
}

// Dials lists every Connect call so far.
func (n *Net) Dials() []Dial {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]Dial(nil), n.dials...)
}

// Dialer connects one host of the net to the full nodes by address.
type Dialer struct {
	net  *Net
	self p2p.PeerID
}

// Dialer returns the dialer of host self.
func (n *Net) Dialer(self p2p.PeerID) *Dialer { return &Dialer{net: n, self: self} }

// Connect links the host to the full node listening on addr. Addresses
// of no node, and nodes that are down, fail like a refused connection.
func (d *Dialer) Connect(ctx context.Context, addr string) (p2p.PeerID, error) {
	n := d.net
	id, err := d.connect(ctx, addr)
	n.mu.Lock()
	n.dials = append(n.dials, Dial{From: d.self, Addr: addr, Time: time.Now(), Err: err})
	n.mu.Unlock()
	return id, err
}

func (d *Dialer) connect(ctx context.Context, addr string) (p2p.PeerID, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	n := d.net
	n.mu.Lock()
	var target *FullNode
	for _, f := range append(n.nodes, n.forks...) {
		if f.Addr == addr {
			target = f
		}
	}
	down := target != nil && n.down[target.ID]
	n.mu.Unlock()
	if target == nil || down {
		return "", fmt.Errorf("lighttest: %s: %w", addr, errRefused)
	}
	if err := n.Mem.Connect(d.self, target.ID); err != nil {
		return "", err
	}
	return target.ID, nil
}

// Disconnect drops the link to id.
func (d *Dialer) Disconnect(id p2p.PeerID) error { return d.net.Mem.Disconnect(d.self, id) }

var errRefused = errors.New("connection refused")
