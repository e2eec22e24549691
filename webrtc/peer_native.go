//go:build !js

package webrtc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"

	"github.com/pion/ice/v4"
	"github.com/pion/logging"
	pion "github.com/pion/webrtc/v4"
)

// peerConn is the peer connection natively: pion's own ICE, DTLS and
// SCTP stack.
type peerConn struct {
	pc *pion.PeerConnection
}

// connPlatform holds nothing natively: pion's callbacks need no release.
type connPlatform struct{}

func (*connPlatform) release() {}

// newPeerConnection builds a pion peer connection for dialling a: host
// candidates only (no mDNS, no STUN), loopback ones exactly when the
// listener is on loopback, 16 KiB messages.
func newPeerConnection(a Addr, log *slog.Logger) (*peerConn, error) {
	var se pion.SettingEngine
	se.LoggerFactory = pionLogs{log}
	se.DetachDataChannels()
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	if a.IP.Is4() {
		se.SetNetworkTypes([]pion.NetworkType{pion.NetworkTypeUDP4})
	} else {
		se.SetNetworkTypes([]pion.NetworkType{pion.NetworkTypeUDP6})
	}
	if a.IP.IsLoopback() {
		se.SetIncludeLoopbackCandidate(true)
		se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	}
	se.SetSCTPMaxMessageSize(maxMessageSize)
	api := pion.NewAPI(pion.WithSettingEngine(se))
	pc, err := api.NewPeerConnection(pion.Configuration{})
	if err != nil {
		return nil, err
	}
	return &peerConn{pc: pc}, nil
}

// offer creates an offer, sets it unchanged as the local description and
// returns the local description's SDP. pion answers at once; ctx only
// matters in the browser.
func (p *peerConn) offer(context.Context) (string, error) {
	offer, err := p.pc.CreateOffer(nil)
	if err != nil {
		return "", fmt.Errorf("creating offer: %w", err)
	}
	if err := p.pc.SetLocalDescription(offer); err != nil {
		return "", fmt.Errorf("setting offer: %w", err)
	}
	desc := p.pc.LocalDescription()
	if desc == nil {
		return "", errors.New("no local description")
	}
	return desc.SDP, nil
}

// setAnswer sets the remote description to the answer sdp.
func (p *peerConn) setAnswer(_ context.Context, sdp string) error {
	return p.pc.SetRemoteDescription(pion.SessionDescription{Type: pion.SDPTypeAnswer, SDP: sdp})
}

// state is the peer connection's state; pion spells it as the W3C enum.
func (p *peerConn) state() connState { return connState(p.pc.ConnectionState().String()) }

// close closes the peer connection and waits for pion's goroutines.
func (p *peerConn) close() { p.pc.GracefulClose() }

// watch routes the remote's data channels to acceptStream and ends the
// connection when ICE or DTLS fails or the peer connection closes (pion
// closes it on a DTLS close_notify).
func (c *conn) watch() {
	c.pc.pc.OnConnectionStateChange(func(st pion.PeerConnectionState) {
		c.onState(connState(st.String()))
	})
	c.pc.pc.OnDataChannel(func(dc *pion.DataChannel) {
		c.acceptStream(func(s *stream) dataChannel {
			return attachChannel(c, dc, s)
		})
	})
}

// watchTransport ends the connection when the SCTP association closes.
func (c *conn) watchTransport() {
	c.pc.pc.SCTP().OnClose(func(err error) {
		if err == nil {
			err = errors.New("sctp association closed")
		}
		c.fail(err)
	})
}

// pionLogs sends pion's logs to slog at debug level (errors at warn).
type pionLogs struct{ log *slog.Logger }

func (f pionLogs) NewLogger(scope string) logging.LeveledLogger {
	return pionLogger{f.log.With("pion", scope)}
}

type pionLogger struct{ log *slog.Logger }

func (l pionLogger) logf(level slog.Level, format string, args ...any) {
	if l.log.Enabled(context.Background(), level) {
		l.log.Log(context.Background(), level, "webrtc: "+fmt.Sprintf(format, args...))
	}
}

func (l pionLogger) Trace(string)                      {}
func (l pionLogger) Tracef(string, ...any)             {}
func (l pionLogger) Debug(msg string)                  { l.logf(slog.LevelDebug, "%s", msg) }
func (l pionLogger) Debugf(format string, args ...any) { l.logf(slog.LevelDebug, format, args...) }
func (l pionLogger) Info(msg string)                   { l.logf(slog.LevelDebug, "%s", msg) }
func (l pionLogger) Infof(format string, args ...any)  { l.logf(slog.LevelDebug, format, args...) }
func (l pionLogger) Warn(msg string)                   { l.logf(slog.LevelDebug, "%s", msg) }
func (l pionLogger) Warnf(format string, args ...any)  { l.logf(slog.LevelDebug, format, args...) }
func (l pionLogger) Error(msg string)                  { l.logf(slog.LevelWarn, "%s", msg) }
func (l pionLogger) Errorf(format string, args ...any) { l.logf(slog.LevelWarn, format, args...) }
