//go:build js && wasm

package webrtc

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"syscall/js"

	pion "github.com/pion/webrtc/v4"
)

// In the browser, pion wraps RTCPeerConnection, but its data channel and
// ondatachannel callbacks run the Go handler on a new goroutine per event
// ("go f(msg)"), so messages can be handled out of order and a channel's
// first messages can arrive before its handler is set. The streams
// therefore listen to the RTCDataChannel objects directly: each event is
// handled synchronously inside the JavaScript callback, which only
// appends to the stream's queue and never blocks.
//
// The browser cannot pause a data channel's delivery, so the receive side
// has no flow control; a stream holding more than recvWindow unread bytes
// is reset (ErrReceiveOverflow) instead of buffering without bound.
const (
	blockingReceive = false
	recvWindow      = 16 << 20
)

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

// newPeerConnection creates the browser's RTCPeerConnection (through
// pion) with its defaults: a fresh certificate, host candidates.
func newPeerConnection(_ Addr, _ *slog.Logger) (*pion.PeerConnection, error) {
	return pion.NewPeerConnection(pion.Configuration{})
}

func closePeerConnection(pc *pion.PeerConnection) { pc.Close() }

// watch routes the remote's data channels to acceptStream and ends the
// connection when it fails or closes.
func (c *conn) watch() {
	c.pc.OnConnectionStateChange(c.onState)
	c.plat.add(c.pc.JSValue(), "datachannel", js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch := args[0].Get("channel")
		c.acceptStream(func(s *stream) dataChannel { return attachChannel(ch, s) })
		return nil
	}))
}

// watchTransport ends the connection when the SCTP or DTLS transport
// closes or fails: the browser reports a remote that closed its peer
// connection there, long before ICE gives up.
func (c *conn) watchTransport() {
	sctp := c.pc.JSValue().Get("sctp")
	if sctp.IsUndefined() || sctp.IsNull() {
		return
	}
	c.plat.add(sctp, "statechange", js.FuncOf(func(this js.Value, _ []js.Value) any {
		if st := this.Get("state").String(); st == "closed" {
			go c.fail(errors.New("sctp transport closed"))
		}
		return nil
	}))
	dtls := sctp.Get("transport")
	if dtls.IsUndefined() || dtls.IsNull() {
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
	var init *pion.DataChannelInit
	if handshake {
		negotiated, id := true, uint16(0)
		init = &pion.DataChannelInit{Negotiated: &negotiated, ID: &id}
	}
	dc, err := c.pc.CreateDataChannel("", init)
	if err != nil {
		return err
	}
	attachChannel(dc.JSValue(), s)
	return nil
}

// jsChannel is an RTCDataChannel used directly.
type jsChannel struct {
	v      js.Value
	funcs  []js.Func
	closed bool // guarded by the stream's lock, like every call
}

var uint8Array = js.Global().Get("Uint8Array")

// attachChannel makes v s's channel and handles its events synchronously.
func attachChannel(v js.Value, s *stream) *jsChannel {
	j := &jsChannel{v: v}
	s.mu.Lock()
	s.ch = j
	s.mu.Unlock()
	v.Set("binaryType", "arraybuffer")
	v.Set("bufferedAmountLowThreshold", sendLowWater)
	j.on("open", func(js.Value) { s.channelOpen() })
	j.on("bufferedamountlow", func(js.Value) { s.channelWritable() })
	j.on("close", func(js.Value) { s.channelClosed(nil) })
	j.on("message", func(e js.Value) {
		data := e.Get("data")
		if data.Type() == js.TypeString {
			// Text messages are not part of the protocol: decode their
			// bytes like any other and let the framing reject them.
			s.channelMessage([]byte(data.String()))
			return
		}
		n := data.Get("byteLength").Int()
		if n > maxMessageSize {
			s.channelTooLarge(n)
			return
		}
		b := make([]byte, n)
		js.CopyBytesToGo(b, uint8Array.New(data))
		s.channelMessage(b)
	})
	if v.Get("readyState").String() == "open" {
		s.channelOpen()
	}
	return j
}

func (j *jsChannel) on(event string, fn func(js.Value)) {
	f := js.FuncOf(func(_ js.Value, args []js.Value) any {
		fn(args[0])
		return nil
	})
	j.funcs = append(j.funcs, f)
	j.v.Set("on"+event, f)
}

func (j *jsChannel) send(msg []byte) (err error) {
	if j.closed {
		return errors.New("data channel closed")
	}
	defer func() {
		if r := recover(); r != nil { // send throws unless the channel is open
			err = fmt.Errorf("data channel send: %v", r)
		}
	}()
	a := uint8Array.New(len(msg))
	js.CopyBytesToJS(a, msg)
	j.v.Call("send", a)
	return nil
}

func (j *jsChannel) bufferedAmount() uint64 {
	return uint64(j.v.Get("bufferedAmount").Int())
}

// close closes the channel and drops its handlers, so no event reaches a
// released function.
func (j *jsChannel) close() {
	if j.closed {
		return
	}
	j.closed = true
	for _, ev := range []string{"onopen", "onbufferedamountlow", "onclose", "onmessage"} {
		j.v.Set(ev, js.Null())
	}
	for _, f := range j.funcs {
		f.Release()
	}
	j.funcs = nil
	func() {
		defer func() { recover() }()
		j.v.Call("close")
	}()
}
