//go:build js && wasm

package webrtc

import (
	"errors"
	"fmt"
	"syscall/js"
)

// In the browser the streams listen to the RTCDataChannel objects
// directly: each event is handled synchronously inside the JavaScript
// callback, which only appends to the stream's queue and never blocks, so
// messages are handled in order and a channel's first messages cannot
// arrive before its handler is set (as they could if every event started
// a goroutine).
//
// The browser cannot pause a data channel's delivery, so the receive side
// has no flow control; a stream holding more than recvWindow unread bytes
// is reset (ErrReceiveOverflow) instead of buffering without bound.
const (
	blockingReceive = false
	recvWindow      = 16 << 20
)

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
