package webrtc

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// ufragPrefixV2 selects the WebRTC-direct v2 handshake (libp2p/specs PR
// 715): the dialer keeps the ICE credentials its WebRTC stack generated
// and tells the listener its password through the listener's ufrag,
// "libp2p+webrtc+v2/<dialer ice-pwd>", which the listener reads from the
// STUN USERNAME of the first connectivity check. The listener then uses
// that string as its own ufrag and password. No SDP is munged.
const ufragPrefixV2 = "libp2p+webrtc+v2/"

// noiseProloguePrefix starts the Noise prologue of WebRTC-direct.
const noiseProloguePrefix = "libp2p-webrtc-noise:"

var errLocalSDP = errors.New("webrtc: local description lacks what the handshake needs")

// localSDP is what the handshake needs from the local offer.
type localSDP struct {
	icePwd      string
	fingerprint []byte // sha-256 of the local DTLS certificate
}

// parseLocalSDP reads the ICE password and the sha-256 certificate
// fingerprint from the offer the local WebRTC stack created. Browsers and
// pion put both at session or media level; the first of each is used.
func parseLocalSDP(sdp string) (localSDP, error) {
	var l localSDP
	for _, line := range strings.Split(sdp, "\n") {
		line = strings.TrimRight(line, "\r")
		switch {
		case l.icePwd == "" && strings.HasPrefix(line, "a=ice-pwd:"):
			l.icePwd = strings.TrimSpace(strings.TrimPrefix(line, "a=ice-pwd:"))
		case l.fingerprint == nil && strings.HasPrefix(line, "a=fingerprint:"):
			alg, value, ok := strings.Cut(strings.TrimPrefix(line, "a=fingerprint:"), " ")
			if !ok || !strings.EqualFold(alg, "sha-256") {
				continue
			}
			fp, err := hex.DecodeString(strings.ReplaceAll(strings.TrimSpace(value), ":", ""))
			if err != nil || len(fp) != 32 {
				return localSDP{}, fmt.Errorf("%w: bad sha-256 fingerprint %q", errLocalSDP, value)
			}
			l.fingerprint = fp
		}
	}
	switch {
	case !validICEPwd(l.icePwd):
		return localSDP{}, fmt.Errorf("%w: no usable a=ice-pwd (%q)", errLocalSDP, l.icePwd)
	case l.fingerprint == nil:
		return localSDP{}, fmt.Errorf("%w: no sha-256 a=fingerprint", errLocalSDP)
	}
	return l, nil
}

// validICEPwd: RFC 8839 ice-pwd (22 to 256 ice-chars), short enough that
// the v2 ufrag built from it stays within the 256-character ufrag limit.
func validICEPwd(pwd string) bool {
	if len(pwd) < 22 || len(ufragPrefixV2)+len(pwd) > 256 {
		return false
	}
	for i := 0; i < len(pwd); i++ {
		c := pwd[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '/') {
			return false
		}
	}
	return true
}

// answerSDP is the listener's answer, built locally from its address: an
// ICE-lite agent whose only candidate is the multiaddr's IP and port,
// with the certificate fingerprint of the certhash, as DTLS server
// (setup:passive), and the 16 KiB message size limit.
func answerSDP(a Addr, ufrag string) string {
	ipVer := "IP4"
	if a.IP.Is6() {
		ipVer = "IP6"
	}
	ip := a.IP.String()
	lines := []string{
		"v=0",
		fmt.Sprintf("o=- 0 0 IN %s %s", ipVer, ip),
		"s=-",
		"t=0 0",
		"a=ice-lite",
		fmt.Sprintf("m=application %d UDP/DTLS/SCTP webrtc-datachannel", a.Port),
		fmt.Sprintf("c=IN %s %s", ipVer, ip),
		"a=mid:0",
		"a=ice-options:ice2",
		"a=ice-ufrag:" + ufrag,
		"a=ice-pwd:" + ufrag,
		"a=fingerprint:sha-256 " + fingerprintHex(a.Fingerprint()),
		"a=setup:passive",
		"a=sctp-port:5000",
		fmt.Sprintf("a=max-message-size:%d", maxMessageSize),
		fmt.Sprintf("a=candidate:1 1 UDP 1 %s %d typ host", ip, a.Port),
		"a=end-of-candidates",
	}
	return strings.Join(lines, "\r\n") + "\r\n"
}

// fingerprintHex formats a digest as SDP wants it: upper-case hex pairs
// separated by colons.
func fingerprintHex(d []byte) string {
	var b strings.Builder
	for i, c := range d {
		if i > 0 {
			b.WriteByte(':')
		}
		fmt.Fprintf(&b, "%02X", c)
	}
	return b.String()
}

// noisePrologue is "libp2p-webrtc-noise:" followed by the multihashes of
// the Noise responder's (the dialer's) and then the initiator's (the
// listener's) certificate fingerprints. A sha2-256 multihash is its code
// and digest length, one byte each, and the digest.
func noisePrologue(localFingerprint, remoteCertHash []byte) ([]byte, error) {
	if len(localFingerprint) != mhSHA256Len {
		return nil, fmt.Errorf("webrtc: local fingerprint has %d bytes, want %d", len(localFingerprint), mhSHA256Len)
	}
	p := make([]byte, 0, len(noiseProloguePrefix)+2+len(localFingerprint)+len(remoteCertHash))
	p = append(p, noiseProloguePrefix...)
	p = append(p, mhSHA256, mhSHA256Len)
	p = append(p, localFingerprint...)
	return append(p, remoteCertHash...), nil
}
