//go:build !js

package node

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	ma "github.com/multiformats/go-multiaddr"

	"lightdas/das"
	"lightdas/node/api"
	"lightdas/node/pex"
	"lightdas/p2p"
	"lightdas/p2p/libp2phost"
)

// servingAddrs is the pex AddrSource of a libp2p host: this node's own
// full addresses when it serves samples, then those of the peers the
// peerstore knows (from identify) to serve the chain's sample protocol,
// connected peers first. Light clients are not offered: they serve
// nothing.
func servingAddrs(h *libp2phost.Host, chainID string, self bool) pex.AddrSource {
	proto := protocol.ID(das.ProtocolID(chainID))
	return func() []ma.Multiaddr {
		lh := h.Libp2p()
		ps := lh.Peerstore()
		var out []ma.Multiaddr
		if self {
			out = append(out, h.Addrs()...)
		}
		connected := map[peer.ID]bool{}
		var ids []peer.ID
		for _, id := range lh.Network().Peers() {
			connected[id] = true
			ids = append(ids, id)
		}
		var others []peer.ID
		for _, id := range ps.PeersWithAddrs() {
			if !connected[id] && id != lh.ID() {
				others = append(others, id)
			}
		}
		rand.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		rand.Shuffle(len(others), func(i, j int) { others[i], others[j] = others[j], others[i] })
		ids = append(ids, others...)
		for _, id := range ids {
			if len(out) >= pex.MaxAddrs {
				break
			}
			if ok, err := ps.SupportsProtocols(id, proto); err != nil || len(ok) == 0 {
				continue
			}
			p2pPart, err := ma.NewComponent("p2p", id.String())
			if err != nil {
				continue
			}
			n := 0
			for _, a := range ps.Addrs(id) {
				if n >= 8 {
					break // a few transports per peer is enough
				}
				if _, err := a.ValueForProtocol(ma.P_P2P); err == nil {
					continue
				}
				out = append(out, a.Encapsulate(p2pPart))
				n++
			}
		}
		return out
	}
}

// discoverer asks connected peers for serving nodes (pex) and connects to
// new ones up to maxPeers: the full node's discovery (light nodes use the
// light client's).
type discoverer struct {
	host     *libp2phost.Host
	chainID  string
	maxPeers int
	interval time.Duration
	log      *slog.Logger
	// bootstrap peers are dialled again whenever they are not connected.
	bootstrap []string
}

func (d *discoverer) run(ctx context.Context) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		d.round(ctx)
		t.Reset(d.interval)
	}
}

// round runs one exchange with every connected peer that serves pex, then
// dials the learned serving nodes not connected yet.
func (d *discoverer) round(ctx context.Context) {
	for _, a := range d.bootstrap {
		ai, err := libp2phost.ParseAddr(a)
		if err != nil || d.host.Libp2p().Network().Connectedness(ai.ID) == network.Connected {
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		d.host.ConnectAddr(cctx, a)
		cancel()
	}
	learned := map[peer.ID][]ma.Multiaddr{}
	self := d.host.ID()
	for _, pid := range d.host.Peers() {
		if ctx.Err() != nil {
			return
		}
		ectx, cancel := context.WithTimeout(ctx, 5*time.Second)
		addrs, err := pex.Exchange(ectx, d.host, d.chainID, pid, pex.MaxAddrs)
		cancel()
		if err != nil {
			d.log.Debug("peer exchange failed", "peer", pid, "err", err)
			continue
		}
		for _, a := range addrs {
			sid, err := pex.PeerOf(a)
			if err != nil || sid == self {
				continue
			}
			id, err := peer.Decode(string(sid))
			if err != nil {
				continue
			}
			learned[id] = append(learned[id], a)
		}
	}
	for _, addrs := range learned {
		strs := make([]string, len(addrs))
		for i, a := range addrs {
			strs[i] = a.String()
		}
		d.host.AddPeerAddrs(strs...)
	}
	connected := map[p2p.PeerID]bool{}
	for _, p := range d.host.Peers() {
		connected[p] = true
	}
	for id := range learned {
		if len(connected) >= d.maxPeers || ctx.Err() != nil {
			return
		}
		if connected[p2p.PeerID(id.String())] {
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := d.host.Connect(cctx, peer.AddrInfo{ID: id})
		cancel()
		if err != nil {
			d.log.Debug("dialling a learned peer failed", "peer", id, "err", err)
			continue
		}
		connected[p2p.PeerID(id.String())] = true
		d.log.Info("connected to a peer learned by peer exchange", "peer", id)
	}
}

// connectBootstrap dials the bootstrap addresses once (the discoverer
// dials them again whenever they are not connected).
func connectBootstrap(ctx context.Context, h *libp2phost.Host, addrs []string, log *slog.Logger) {
	for _, a := range addrs {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := h.ConnectAddr(cctx, a)
		cancel()
		if err != nil {
			log.Warn("bootstrap peer unreachable", "addr", a, "err", err)
		}
	}
}

// watchPeers reports connectivity changes as API events until ctx ends.
func watchPeers(ctx context.Context, h *libp2phost.Host, events *hub) {
	cancel := h.Subscribe(func(ev p2p.PeerEvent) {
		events.publish(&api.PeerEvent{Peer: string(ev.Peer), Connected: ev.Kind == p2p.PeerConnected})
	})
	<-ctx.Done()
	cancel()
}
