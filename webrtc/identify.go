package webrtc

import (
	"time"

	"lightdas/p2p"
	"lightdas/webrtc/internal/identifymsg"
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
	if _, err := s.Write(h.identifyMessage(s.c)); err != nil {
		h.log.Debug("webrtc: identify", "peer", s.peer, "err", err)
		s.Reset()
	}
}

// identifyMessage is the length-prefixed Identify message for c.
func (h *Host) identifyMessage(c *conn) []byte {
	protos := h.mux.Protocols()
	names := make([]string, len(protos))
	for i, p := range protos {
		names[i] = string(p)
	}
	return identifymsg.Identify{
		ProtocolVersion: "ipfs/0.1.0",
		AgentVersion:    h.cfg.UserAgent,
		PublicKey:       h.key.Public().Marshal(),
		ObservedAddr:    identifymsg.WebRTCDirectAddr(c.addr.IP, c.addr.Port),
		Protocols:       names,
	}.MarshalDelimited()
}
