//go:build !js

package webrtc

import (
	"testing"

	"lightdas/webrtc/internal/testpeer"
)

// TestAgainstTestPeer runs the browser suite natively, against a testpeer
// in this process.
func TestAgainstTestPeer(t *testing.T) {
	p, err := testpeer.Start(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	runPeerSuite(t, p.Info)
}
