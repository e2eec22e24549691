//go:build !js

package libp2phost

import (
	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/network"
	rcmgr "github.com/libp2p/go-libp2p/p2p/host/resource-manager"
)

// Role picks the resource limits (and nothing else) of a host.
type Role int

const (
	// LightClient: a few dozen outgoing connections to full nodes, many
	// concurrent sample requests to each, little serving.
	LightClient Role = iota
	// FullNode: serves headers and samples to up to about 1000 light
	// clients at once.
	FullNode
)

func (r Role) String() string {
	switch r {
	case LightClient:
		return "light client"
	case FullNode:
		return "full node"
	}
	return "unknown role"
}

// ErrResourceLimit is go-libp2p's resource-manager refusal; NewStream
// errors caused by a local limit match it with errors.Is (and also
// p2p.ErrNoConnection).
var ErrResourceLimit = network.ErrResourceLimitExceeded

// Limits returns the fixed resource-manager limits of a role. They do not
// depend on the machine (go-libp2p's AutoScale does): a node behaves the
// same everywhere, and operators who need more pass their own config.
//
// Both start from go-libp2p's defaults scaled to a fixed budget, with
// go-libp2p's service limits for identify and ping, and then fix the
// scopes that matter:
//
// Full node (budget 2 GiB, 4096 file descriptors):
//   - system: 2048 connections (2048 in, 256 out) so 1000 light clients
//     fit with room for reconnect storms and multiple transports per
//     client; 16384 streams (16384 in, 2048 out); 4096 fds; 2 GiB.
//   - transient (connections and streams not yet attributed to a peer or
//     protocol, e.g. during handshakes): 256 connections, 512 streams,
//     128 MiB, 256 fds.
//   - per peer: 8 connections (a peer may dial several transports at
//     once), 64 streams (48 in, 32 out), 32 MiB, 8 fds. The protocols' own
//     per-peer caps (das: 8 streams, headers: 16 streams plus 2 head
//     subscriptions) sit below this, so they answer with their own typed
//     refusals before the resource manager resets streams.
//
// Light client (budget 256 MiB, 256 file descriptors):
//   - system: 128 connections (64 in, 128 out), 2048 streams (512 in,
//     2048 out), 256 fds, 256 MiB.
//   - transient: 32 connections, 128 streams, 32 MiB, 64 fds.
//   - per peer: 8 connections, 256 streams (64 in, 256 out) because the
//     sampler may spread many requests over few full nodes, 64 MiB.
func Limits(r Role) rcmgr.ConcreteLimitConfig {
	base := rcmgr.DefaultLimits // a copy; its maps are nil
	libp2p.SetDefaultServiceLimits(&base)
	switch r {
	case FullNode:
		return rcmgr.PartialLimitConfig{
			System: rcmgr.ResourceLimits{
				Conns: 2048, ConnsInbound: 2048, ConnsOutbound: 256,
				Streams: 16384, StreamsInbound: 16384, StreamsOutbound: 2048,
				FD: 4096, Memory: 2 << 30,
			},
			Transient: rcmgr.ResourceLimits{
				Conns: 256, ConnsInbound: 256, ConnsOutbound: 64,
				Streams: 512, StreamsInbound: 512, StreamsOutbound: 256,
				FD: 256, Memory: 128 << 20,
			},
			PeerDefault: rcmgr.ResourceLimits{
				Conns: 8, ConnsInbound: 8, ConnsOutbound: 8,
				Streams: 64, StreamsInbound: 48, StreamsOutbound: 32,
				FD: 8, Memory: 32 << 20,
			},
		}.Build(base.Scale(2<<30, 4096))
	default:
		return rcmgr.PartialLimitConfig{
			System: rcmgr.ResourceLimits{
				Conns: 128, ConnsInbound: 64, ConnsOutbound: 128,
				Streams: 2048, StreamsInbound: 512, StreamsOutbound: 2048,
				FD: 256, Memory: 256 << 20,
			},
			Transient: rcmgr.ResourceLimits{
				Conns: 32, ConnsInbound: 32, ConnsOutbound: 32,
				Streams: 128, StreamsInbound: 128, StreamsOutbound: 128,
				FD: 64, Memory: 32 << 20,
			},
			PeerDefault: rcmgr.ResourceLimits{
				Conns: 8, ConnsInbound: 8, ConnsOutbound: 8,
				Streams: 256, StreamsInbound: 64, StreamsOutbound: 256,
				FD: 8, Memory: 64 << 20,
			},
		}.Build(base.Scale(256<<20, 256))
	}
}
