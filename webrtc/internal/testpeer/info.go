// Package testpeer is the remote end of lightdas/webrtc's end-to-end
// tests: an unmodified go-libp2p host (lightdas/p2p/libp2phost) listening
// on WebRTC-direct on 127.0.0.1 and serving ping, identify, test
// protocols, the header exchange and sample requests. Native tests start
// it in-process (Start); the browser tests, which cannot, reach one that
// cmd/webrtcpeer runs beside the browser and describes in a JSON file
// named by the LIGHTDAS_WEBRTC_PEER environment variable (wasmbrowsertest
// passes the environment to the page and proxies file reads).
package testpeer

import (
	"encoding/json"
	"fmt"
	"os"

	"lightdas/p2p"
)

// EnvVar names the info file of a running peer.
const EnvVar = "LIGHTDAS_WEBRTC_PEER"

// Test protocols the peer serves besides ping, identify, headers and
// samples.
const (
	// Echo: read to EOF, write it all back, close.
	Echo p2p.ProtocolID = "/lightdas/webrtctest/echo/1"
	// Big: read a decimal byte count to EOF, answer Pattern(count).
	Big p2p.ProtocolID = "/lightdas/webrtctest/big/1"
	// Callback: the peer opens an Echo stream back to the caller on the
	// same connection, checks the echo of Pattern(Callback size) and
	// answers "ok" or the error.
	Callback p2p.ProtocolID = "/lightdas/webrtctest/callback/1"
	// Reset: read one byte, reset the stream.
	Reset p2p.ProtocolID = "/lightdas/webrtctest/reset/1"
	// Kick: once the caller closes its side, the peer closes its
	// connection to the caller.
	Kick p2p.ProtocolID = "/lightdas/webrtctest/kick/1"
)

// CallbackSize is the size of the callback's echo.
const CallbackSize = 100_000

// Info describes a running peer.
type Info struct {
	Addr string `json:"addr"` // its /webrtc-direct/certhash/.../p2p/... address
	// HeadersChain is the chain of the header exchange and HeaderHashes
	// the hashes of its blocks 1..n (hex).
	HeadersChain string   `json:"headersChain"`
	HeaderHashes []string `json:"headerHashes"`
	// SampleChain is the chain of the sample protocol and SampleHeader
	// the encoded header (headers.Header.Encode) of the block it serves.
	SampleChain  string `json:"sampleChain"`
	SampleHeader []byte `json:"sampleHeader"`
}

// Load reads the info of the peer named by EnvVar.
func Load() (Info, error) {
	path := os.Getenv(EnvVar)
	if path == "" {
		return Info{}, fmt.Errorf("testpeer: %s is not set: run the browser tests with webrtcpeer as the -exec wrapper: go build -o .bin/webrtcpeer ./webrtc/internal/cmd/webrtcpeer && GOOS=js GOARCH=wasm go test -exec \"$PWD/.bin/webrtcpeer $PWD/.bin/wasmbrowsertest\" ./webrtc/", EnvVar)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return Info{}, fmt.Errorf("testpeer: %w", err)
	}
	var info Info
	if err := json.Unmarshal(data, &info); err != nil {
		return Info{}, fmt.Errorf("testpeer: %s: %w", path, err)
	}
	return info, nil
}

// Pattern returns n bytes that reveal loss, reordering and duplication.
func Pattern(n int) []byte {
	b := make([]byte, n)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}
