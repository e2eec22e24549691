package api

import (
	"time"

	"lightdas/headers"
)

// HeaderEventFor describes a header the node stored or produced, received
// at the given time.
func HeaderEventFor(lb *headers.LightBlock, received time.Time) *HeaderEvent {
	h := lb.Header
	return &HeaderEvent{Height: h.Height, Hash: h.Hash().String(), K: h.K(), Time: h.Time, ReceivedAt: received}
}
