//go:build js && wasm

package webrtc

import (
	"testing"

	"lightdas/webrtc/internal/testpeer"
)

// TestBrowser runs the suite in the browser, through the browser's
// RTCPeerConnection, against the go-libp2p peer that cmd/webrtcpeer runs
// beside it (the -exec wrapper of the browser tests).
func TestBrowser(t *testing.T) {
	info, err := testpeer.Load()
	if err != nil {
		t.Fatal(err)
	}
	runPeerSuite(t, info)
}
