package das

import (
	"context"
	"errors"
	"fmt"

	"lightdas/p2p"
)

// failure classes of a request, deciding the penalty.
type failure int

const (
	failNone       failure = iota
	failTransport          // timeout, reset, EOF, dial error: retry elsewhere, light penalty
	failNoProtocol         // peer does not serve the protocol: skip it for a while
	failRefused            // rate limited or bad request
	failUnknown            // peer does not have the block: like not found
	failViolation          // malformed or mismatched response: ban
)

// classify sorts a request error.
func classify(err error, resp *Response) failure {
	switch {
	case err == nil:
		return failNone
	case errors.Is(err, p2p.ErrProtocolNotSupported):
		return failNoProtocol
	case errors.Is(err, ErrMalformed), errors.Is(err, ErrUnexpectedCells):
		return failViolation
	case errors.Is(err, ErrPeerStatus) && resp != nil && resp.Status == ResponseUnknownBlock:
		return failUnknown
	case errors.Is(err, ErrPeerStatus):
		return failRefused
	}
	return failTransport
}

// fetch sends one request to peer and returns its matching response. The
// exchange is bounded by ctx and the stream's deadlines; ctx cancellation
// resets the stream.
func fetch(ctx context.Context, host p2p.Host, proto p2p.ProtocolID, peer p2p.PeerID, q *Request) (*Response, error) {
	msg, err := q.Encode()
	if err != nil {
		return nil, err
	}
	st, err := host.NewStream(ctx, peer, proto)
	if err != nil {
		return nil, fmt.Errorf("das: opening stream to %s: %w", peer, err)
	}
	stop := context.AfterFunc(ctx, func() { st.Reset() })
	defer stop()
	if deadline, ok := ctx.Deadline(); ok {
		if err := st.SetDeadline(deadline); err != nil {
			st.Reset()
			return nil, fmt.Errorf("das: stream to %s: %w", peer, err)
		}
	}
	resp, err := exchange(st, msg, q)
	if err != nil {
		st.Reset()
		if cerr := ctx.Err(); cerr != nil {
			// The stream failed because the request's time ran out.
			err = fmt.Errorf("%w: %w", cerr, err)
		}
		return resp, fmt.Errorf("das: request to %s: %w", peer, err)
	}
	st.Close()
	return resp, nil
}

func exchange(st p2p.Stream, msg []byte, q *Request) (*Response, error) {
	if err := writeFrame(st, msg); err != nil {
		return nil, fmt.Errorf("writing request: %w", err)
	}
	if err := st.CloseWrite(); err != nil {
		return nil, fmt.Errorf("closing request: %w", err)
	}
	frame, err := readFrame(st, MaxResponseSize)
	if err != nil {
		return nil, err
	}
	resp, err := DecodeResponse(frame)
	if err != nil {
		return nil, err
	}
	if err := resp.Match(q); err != nil {
		return resp, err
	}
	return resp, nil
}
