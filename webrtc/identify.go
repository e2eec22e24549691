package webrtc

import (
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/crypto"
	pb "github.com/libp2p/go-libp2p/p2p/protocol/identify/pb"
	ma "github.com/multiformats/go-multiaddr"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"lightdas/p2p"
)

// identifyProtocol is libp2p identify. go-libp2p hosts run it on every new
// connection; answering it tells the listener our key, agent and
// protocols, and keeps "failed to identify peer" out of its logs.
const identifyProtocol p2p.ProtocolID = "/ipfs/id/1.0.0"

// serveIdentify writes one length-prefixed Identify message and closes.
// The host listens nowhere, so it announces no addresses; the observed
// address is the listener's as this side dialled it.
func (h *Host) serveIdentify(s *stream) {
	defer s.Close()
	s.SetWriteDeadline(time.Now().Add(NegotiationTimeout))
	msg, err := h.identifyMessage(s.c)
	if err != nil {
		h.log.Debug("webrtc: identify", "err", err)
		s.Reset()
		return
	}
	if _, err := s.Write(msg); err != nil {
		h.log.Debug("webrtc: identify", "peer", s.peer, "err", err)
		s.Reset()
	}
}

func (h *Host) identifyMessage(c *conn) ([]byte, error) {
	pub, err := crypto.MarshalPublicKey(h.key.GetPublic())
	if err != nil {
		return nil, fmt.Errorf("webrtc: identify: %w", err)
	}
	protos := h.mux.Protocols()
	names := make([]string, len(protos))
	for i, p := range protos {
		names[i] = string(p)
	}
	observed, err := ma.NewMultiaddr(fmt.Sprintf("/%s/%s/udp/%d/webrtc-direct", ipProto(c.addr), c.addr.IP, c.addr.Port))
	if err != nil {
		return nil, fmt.Errorf("webrtc: identify: %w", err)
	}
	body, err := proto.Marshal(&pb.Identify{
		ProtocolVersion: proto.String("ipfs/0.1.0"),
		AgentVersion:    proto.String(h.cfg.UserAgent),
		PublicKey:       pub,
		ObservedAddr:    observed.Bytes(),
		Protocols:       names,
	})
	if err != nil {
		return nil, fmt.Errorf("webrtc: identify: %w", err)
	}
	return append(protowire.AppendVarint(nil, uint64(len(body))), body...), nil
}

func ipProto(a Addr) string {
	if a.IP.Is6() {
		return "ip6"
	}
	return "ip4"
}
