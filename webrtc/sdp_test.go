package webrtc

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	mh "github.com/multiformats/go-multihash"
)

// The test vector of the WebRTC-direct specification ("Noise prologue",
// both sides sha-256; the client is the Noise responder).
func TestNoisePrologueSpecVector(t *testing.T) {
	client, _ := hex.DecodeString("3e79af40d6059617a0d83b83a52ce73b0c1f37a72c6043ad2969e2351bdca870")
	server, _ := hex.DecodeString("30fc9f469c207419dfdd0aab5f27a86c973c94e40548db9375cca2e915973b99")
	want := "6c69627032702d7765627274632d6e6f6973653a12203e79af40d6059617a0d83b83a52ce73b0c1f37a72c6043ad2969e2351bdca870122030fc9f469c207419dfdd0aab5f27a86c973c94e40548db9375cca2e915973b99"
	certHash, err := mh.Encode(server, mh.SHA2_256)
	if err != nil {
		t.Fatal(err)
	}
	got, err := noisePrologue(client, certHash)
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(got) != want {
		t.Fatalf("prologue %x\nwant     %s", got, want)
	}
}

// An offer as Chromium writes it (fingerprint at media level, a base64
// ice-pwd with '+' and '/').
const chromeOffer = "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n" +
	"a=group:BUNDLE 0\r\na=extmap-allow-mixed\r\na=msid-semantic: WMS\r\n" +
	"m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n" +
	"a=ice-ufrag:Fd2w\r\na=ice-pwd:Lh3/5PhEc+qRY7mHrlqOpcHq\r\na=ice-options:trickle\r\n" +
	"a=fingerprint:sha-256 3E:79:AF:40:D6:05:96:17:A0:D8:3B:83:A5:2C:E7:3B:0C:1F:37:A7:2C:60:43:AD:29:69:E2:35:1B:DC:A8:70\r\n" +
	"a=setup:actpass\r\na=mid:0\r\na=sctp-port:5000\r\na=max-message-size:262144\r\n"

func TestParseLocalSDP(t *testing.T) {
	l, err := parseLocalSDP(chromeOffer)
	if err != nil {
		t.Fatal(err)
	}
	if l.icePwd != "Lh3/5PhEc+qRY7mHrlqOpcHq" || hex.EncodeToString(l.fingerprint) != "3e79af40d6059617a0d83b83a52ce73b0c1f37a72c6043ad2969e2351bdca870" {
		t.Fatalf("parsed %+v", l)
	}
	for name, sdp := range map[string]string{
		"no ice-pwd":        strings.Replace(chromeOffer, "a=ice-pwd:", "a=x-pwd:", 1),
		"short ice-pwd":     strings.Replace(chromeOffer, "Lh3/5PhEc+qRY7mHrlqOpcHq", "short", 1),
		"ice-pwd with ':'":  strings.Replace(chromeOffer, "Lh3/5PhEc+qRY7mHrlqOpcHq", "Lh3/5PhEc+qRY7mHrlq:pcHq", 1),
		"no fingerprint":    strings.Replace(chromeOffer, "a=fingerprint:", "a=x:", 1),
		"sha-1 only":        strings.Replace(chromeOffer, "sha-256", "sha-1", 1),
		"short fingerprint": strings.Replace(chromeOffer, "3E:79:", "", 1),
	} {
		if _, err := parseLocalSDP(sdp); !errors.Is(err, errLocalSDP) {
			t.Errorf("%s: %v, want errLocalSDP", name, err)
		}
	}
}

func TestAnswerSDP(t *testing.T) {
	a, err := ParseAddr("/ip6/::1/udp/4001/webrtc-direct/certhash/" + testHash + "/p2p/" + testPeer)
	if err != nil {
		t.Fatal(err)
	}
	ufrag := ufragPrefixV2 + "Lh3/5PhEc+qRY7mHrlqOpcHq"
	sdp := answerSDP(a, ufrag)
	for _, line := range []string{
		"a=ice-lite",
		"m=application 4001 UDP/DTLS/SCTP webrtc-datachannel",
		"c=IN IP6 ::1",
		"a=ice-ufrag:" + ufrag,
		"a=ice-pwd:" + ufrag,
		"a=fingerprint:sha-256 00:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14:15:16:17:18:19:1A:1B:1C:1D:1E:1F",
		"a=setup:passive",
		"a=max-message-size:16384",
		"a=candidate:1 1 UDP 1 ::1 4001 typ host",
	} {
		if !strings.Contains(sdp, "\r\n"+line+"\r\n") {
			t.Errorf("answer lacks %q:\n%s", line, sdp)
		}
	}
}
