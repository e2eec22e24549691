//go:build js && wasm

package webrtc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"syscall/js"
)

// In the browser the peer connection is the page's RTCPeerConnection,
// used directly through syscall/js: pion's js build wraps the same
// object, but links its whole native stack (ICE, DTLS, SCTP, TURN, mDNS,
// SDP, crypto/tls) into the wasm, several MB the browser never runs.
//
// Promises are awaited from the calling goroutine (Connect's); the
// JavaScript callbacks only hand the outcome over and never block.

// peerConn is an RTCPeerConnection.
type peerConn struct {
	v js.Value
}

// newPeerConnection creates an RTCPeerConnection with the browser's
// defaults: a fresh certificate, host candidates, no ICE servers.
func newPeerConnection(_ Addr, _ *slog.Logger) (*peerConn, error) {
	ctor := js.Global().Get("RTCPeerConnection")
	if ctor.Type() != js.TypeFunction {
		return nil, errors.New("RTCPeerConnection is not available")
	}
	v, err := jsTry(func() js.Value { return ctor.New() })
	if err != nil {
		return nil, err
	}
	return &peerConn{v: v}, nil
}

// offer creates an offer, sets it unchanged as the local description and
// returns the local description's SDP (which holds the ICE password and
// the certificate fingerprint the handshake needs).
func (p *peerConn) offer(ctx context.Context) (string, error) {
	offer, err := await(ctx, func() js.Value { return p.v.Call("createOffer") })
	if err != nil {
		return "", fmt.Errorf("creating offer: %w", err)
	}
	if _, err := await(ctx, func() js.Value { return p.v.Call("setLocalDescription", offer) }); err != nil {
		return "", fmt.Errorf("setting offer: %w", err)
	}
	desc := p.v.Get("localDescription")
	if desc.Type() != js.TypeObject {
		return "", errors.New("no local description")
	}
	return desc.Get("sdp").String(), nil
}

// setAnswer sets the remote description to the answer sdp.
func (p *peerConn) setAnswer(ctx context.Context, sdp string) error {
	answer := js.ValueOf(map[string]any{"type": "answer", "sdp": sdp})
	_, err := await(ctx, func() js.Value { return p.v.Call("setRemoteDescription", answer) })
	return err
}

// state is the RTCPeerConnection's connectionState.
func (p *peerConn) state() connState { return connState(p.v.Get("connectionState").String()) }

// close closes the RTCPeerConnection (it fires no more events).
func (p *peerConn) close() {
	jsTry(func() js.Value { return p.v.Call("close") })
}

// connPlatform holds the connection-level JavaScript callbacks.
type connPlatform struct {
	mu       sync.Mutex
	undo     func()
	released bool
}

// add listens to event on target until release. After release it only
// drops fn: a connection that died during its handshake must not keep
// listeners.
func (p *connPlatform) add(target js.Value, event string, fn js.Func) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.released {
		fn.Release()
		return
	}
	target.Call("addEventListener", event, fn)
	prev := p.undo
	p.undo = func() {
		target.Call("removeEventListener", event, fn)
		fn.Release()
		if prev != nil {
			prev()
		}
	}
}

func (p *connPlatform) release() {
	p.mu.Lock()
	r := p.undo
	p.undo, p.released = nil, true
	p.mu.Unlock()
	if r != nil {
		r()
	}
}

// watch routes the remote's data channels to acceptStream and ends the
// connection when it fails or closes. A state change is handled on a
// goroutine (it takes the connection's and host's locks); the
// disconnected timer reads the state again, so the order of those
// goroutines does not matter.
func (c *conn) watch() {
	c.plat.add(c.pc.v, "connectionstatechange", js.FuncOf(func(js.Value, []js.Value) any {
		st := c.pc.state()
		go c.onState(st)
		return nil
	}))
	c.plat.add(c.pc.v, "datachannel", js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch := args[0].Get("channel")
		c.acceptStream(func(s *stream) dataChannel { return attachChannel(ch, s) })
		return nil
	}))
}

// watchTransport ends the connection when the SCTP or DTLS transport
// closes or fails: the browser reports a remote that closed its peer
// connection there, long before ICE gives up.
func (c *conn) watchTransport() {
	sctp := c.pc.v.Get("sctp")
	if sctp.Type() != js.TypeObject {
		return
	}
	c.plat.add(sctp, "statechange", js.FuncOf(func(this js.Value, _ []js.Value) any {
		if st := this.Get("state").String(); st == "closed" {
			go c.fail(errors.New("sctp transport closed"))
		}
		return nil
	}))
	dtls := sctp.Get("transport")
	if dtls.Type() != js.TypeObject {
		return
	}
	c.plat.add(dtls, "statechange", js.FuncOf(func(this js.Value, _ []js.Value) any {
		if st := this.Get("state").String(); st == "closed" || st == "failed" {
			go c.fail(fmt.Errorf("dtls transport %s", st))
		}
		return nil
	}))
}

// openChannel creates s's data channel: the negotiated handshake channel
// (id 0) or a stream's (the browser picks the id).
func openChannel(c *conn, s *stream, handshake bool) error {
	v, err := jsTry(func() js.Value {
		if handshake {
			return c.pc.v.Call("createDataChannel", "", map[string]any{"negotiated": true, "id": 0})
		}
		return c.pc.v.Call("createDataChannel", "")
	})
	if err != nil {
		return err
	}
	attachChannel(v, s)
	return nil
}

// await calls start, which returns a promise, and waits for it to settle
// or for ctx to end. The callbacks send to a buffered channel and release
// themselves, so a promise settling after ctx ended leaks nothing.
func await(ctx context.Context, start func() js.Value) (js.Value, error) {
	promise, err := jsTry(start)
	if err != nil {
		return js.Undefined(), err
	}
	type outcome struct {
		v   js.Value
		err error
	}
	settled := make(chan outcome, 1)
	var resolve, reject js.Func
	settle := func(o outcome) {
		settled <- o // a promise settles once
		resolve.Release()
		reject.Release()
	}
	resolve = js.FuncOf(func(_ js.Value, args []js.Value) any {
		settle(outcome{v: firstArg(args)})
		return nil
	})
	reject = js.FuncOf(func(_ js.Value, args []js.Value) any {
		settle(outcome{err: jsError(firstArg(args))})
		return nil
	})
	promise.Call("then", resolve, reject)
	select {
	case o := <-settled:
		return o.v, o.err
	case <-ctx.Done():
		return js.Undefined(), ctx.Err()
	}
}

// jsTry runs f and turns a JavaScript exception it throws into an error.
func jsTry(f func() js.Value) (v js.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			if je, ok := r.(js.Error); ok {
				err = je
				return
			}
			err = fmt.Errorf("%v", r)
		}
	}()
	return f(), nil
}

// jsError is a rejection reason as an error; js.Error reads its message,
// which only objects have.
func jsError(reason js.Value) error {
	if t := reason.Type(); t == js.TypeObject || t == js.TypeFunction {
		return js.Error{Value: reason}
	}
	return fmt.Errorf("JavaScript error: %s", reason.String())
}

func firstArg(args []js.Value) js.Value {
	if len(args) == 0 {
		return js.Undefined()
	}
	return args[0]
}
