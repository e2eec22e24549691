//go:build !js

package webrtc

import (
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/pion/datachannel"
	pion "github.com/pion/webrtc/v4"
)

// Natively the data channels are detached and read by one goroutine each,
// which delivers the messages in order and stops reading while the
// stream's queue is full: SCTP's flow control then holds the sender back.
const (
	blockingReceive = true
	recvWindow      = 256 << 10
)

// openChannel creates s's data channel: the negotiated handshake channel
// (id 0) or a stream's (pion picks the next even id, as the DTLS client).
func openChannel(c *conn, s *stream, handshake bool) error {
	var init *pion.DataChannelInit
	if handshake {
		negotiated, id := true, uint16(0)
		init = &pion.DataChannelInit{Negotiated: &negotiated, ID: &id}
	}
	dc, err := c.pc.pc.CreateDataChannel("", init)
	if err != nil {
		return err
	}
	attachChannel(c, dc, s)
	return nil
}

// pionChannel is a detached pion data channel.
type pionChannel struct {
	c  *conn
	dc *pion.DataChannel

	mu     sync.Mutex
	rwc    datachannel.ReadWriteCloserDeadliner // nil until open
	closed bool
}

// attachChannel makes dc s's channel and routes its events to s.
func attachChannel(c *conn, dc *pion.DataChannel, s *stream) *pionChannel {
	p := &pionChannel{c: c, dc: dc}
	s.mu.Lock()
	s.ch = p
	s.mu.Unlock()
	dc.SetBufferedAmountLowThreshold(sendLowWater)
	dc.OnBufferedAmountLow(s.channelWritable)
	dc.OnOpen(func() {
		rwc, err := dc.DetachWithDeadline()
		if err != nil {
			s.channelClosed(fmt.Errorf("detaching: %w", err))
			return
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			rwc.Close()
			return
		}
		p.rwc = rwc
		p.mu.Unlock()
		if !c.h.goTracked(func() { p.readLoop(rwc, s) }) {
			s.channelClosed(errors.New("host closing"))
			return
		}
		s.channelOpen()
	})
	return p
}

func (p *pionChannel) readLoop(rwc datachannel.ReadWriteCloserDeadliner, ev channelEvents) {
	buf := make([]byte, maxMessageSize)
	for {
		n, _, err := rwc.ReadDataChannel(buf)
		if errors.Is(err, io.ErrShortBuffer) {
			// pion keeps the message; the channel cannot go on.
			ev.channelTooLarge(n)
			p.close()
			return
		}
		if err != nil {
			ev.channelClosed(err)
			return
		}
		ev.channelMessage(buf[:n])
	}
}

func (p *pionChannel) send(msg []byte) error {
	p.mu.Lock()
	rwc, closed := p.rwc, p.closed
	p.mu.Unlock()
	if closed || rwc == nil {
		return errors.New("data channel not open")
	}
	_, err := rwc.WriteDataChannel(msg, false)
	return err
}

func (p *pionChannel) bufferedAmount() uint64 { return p.dc.BufferedAmount() }

func (p *pionChannel) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.closed = true
	if p.rwc == nil {
		p.dc.Close()
		return
	}
	// Closing resets our outgoing SCTP stream only. The read loop goes on,
	// discarding, until the remote resets its side too (pion reports
	// io.EOF) or the connection ends: data the remote still sends would
	// otherwise pile up in the association's receive buffer, whose window
	// is shared by every stream, and stall the whole connection.
	p.rwc.Close()
}
