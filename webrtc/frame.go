package webrtc

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// The stream framing of the libp2p WebRTC specification
// (webrtc/README.md, "Multiplexing"): every message on a data channel is
// a uvarint length followed by a protobuf
//
//	message Message {
//	  enum Flag { FIN = 0; STOP_SENDING = 1; RESET_STREAM = 2; FIN_ACK = 3; }
//	  optional Flag flag = 1;
//	  optional bytes message = 2;
//	  optional uint32 errorCode = 3; // go-libp2p's extension
//	}
//
// and an encoded message with its prefix must not exceed 16 KiB. Senders
// may split a frame over several data channel messages (go-libp2p writes
// the length prefix and the protobuf as two), so the receiver treats a
// channel's messages as one byte stream of frames.

// flag is a Message flag.
type flag int32

const (
	flagFIN         flag = 0
	flagStopSending flag = 1
	flagReset       flag = 2
	flagFINACK      flag = 3
)

func (f flag) String() string {
	switch f {
	case flagFIN:
		return "FIN"
	case flagStopSending:
		return "STOP_SENDING"
	case flagReset:
		return "RESET_STREAM"
	case flagFINACK:
		return "FIN_ACK"
	}
	return fmt.Sprintf("flag(%d)", int32(f))
}

const (
	// maxMessageSize bounds an encoded frame (prefix included) and a data
	// channel message received: the specification's 16 KiB.
	maxMessageSize = 16 << 10
	// maxFrameBody bounds the protobuf of a frame. A length prefix
	// announcing more is refused before the body is read. (go-libp2p sends
	// at most 16 382 bytes of protobuf.)
	maxFrameBody = maxMessageSize - 2
	// sendMessageSize bounds the messages this side sends: 4 KiB, which
	// the specification allows ("MAY choose to send smaller messages").
	// go-libp2p v0.51 reads a data channel through a bufio.Reader of 4096
	// bytes, and pion fails a read whose buffer is smaller than the
	// message (io.ErrShortBuffer): a larger message that carries a whole
	// frame kills the stream on that side.
	sendMessageSize = 4 << 10
	// maxPayload is the most data one frame carries: 1 byte of tag, a
	// 2-byte length and the data make the protobuf, and its 2-byte prefix
	// makes exactly sendMessageSize.
	maxPayload = sendMessageSize - 2 - 1 - 2
	// maxPrefixLen is the longest uvarint below maxFrameBody.
	maxPrefixLen = 2
)

// message is a decoded Message. hasFlag is false when the flag is absent
// or has a value this implementation does not know (proto2 keeps unknown
// enum values out of the field, so they mean "no flag").
type message struct {
	flag      flag
	hasFlag   bool
	payload   []byte
	errorCode uint32
}

// appendFrame appends the frame of m (prefix and protobuf) to dst.
func appendFrame(dst []byte, m message) []byte {
	size := 0
	if m.hasFlag {
		size += protowire.SizeTag(1) + protowire.SizeVarint(uint64(m.flag))
	}
	if m.payload != nil {
		size += protowire.SizeTag(2) + protowire.SizeBytes(len(m.payload))
	}
	if m.errorCode != 0 {
		size += protowire.SizeTag(3) + protowire.SizeVarint(uint64(m.errorCode))
	}
	dst = protowire.AppendVarint(dst, uint64(size))
	if m.hasFlag {
		dst = protowire.AppendTag(dst, 1, protowire.VarintType)
		dst = protowire.AppendVarint(dst, uint64(m.flag))
	}
	if m.payload != nil {
		dst = protowire.AppendTag(dst, 2, protowire.BytesType)
		dst = protowire.AppendBytes(dst, m.payload)
	}
	if m.errorCode != 0 {
		dst = protowire.AppendTag(dst, 3, protowire.VarintType)
		dst = protowire.AppendVarint(dst, uint64(m.errorCode))
	}
	return dst
}

func dataFrame(p []byte) []byte { return appendFrame(nil, message{payload: p}) }
func flagFrame(f flag) []byte   { return appendFrame(nil, message{flag: f, hasFlag: true}) }

// decodeMessage decodes a frame's protobuf. Unknown fields are skipped as
// protobuf requires; a truncated or malformed field, a known field with
// the wrong wire type, or a flag or error code out of range is ErrBadFrame.
// The payload aliases b.
func decodeMessage(b []byte) (message, error) {
	var m message
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return message{}, fmt.Errorf("%w: %v", ErrBadFrame, protowire.ParseError(n))
		}
		b = b[n:]
		switch {
		case num == 1 && typ == protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return message{}, fmt.Errorf("%w: flag: %v", ErrBadFrame, protowire.ParseError(n))
			}
			b = b[n:]
			// Enum values are int32; proto2 leaves unknown ones out.
			if int64(v) >= -1<<31 && int64(v) < 1<<31 && flag(v) >= flagFIN && flag(v) <= flagFINACK {
				m.flag, m.hasFlag = flag(v), true
			}
		case num == 2 && typ == protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return message{}, fmt.Errorf("%w: message: %v", ErrBadFrame, protowire.ParseError(n))
			}
			b = b[n:]
			m.payload = v
		case num == 3 && typ == protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return message{}, fmt.Errorf("%w: errorCode: %v", ErrBadFrame, protowire.ParseError(n))
			}
			if v > 1<<32-1 {
				return message{}, fmt.Errorf("%w: errorCode %d out of range", ErrBadFrame, v)
			}
			b = b[n:]
			m.errorCode = uint32(v)
		case num >= 1 && num <= 3:
			return message{}, fmt.Errorf("%w: field %d with wire type %d", ErrBadFrame, num, typ)
		default:
			n := protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return message{}, fmt.Errorf("%w: field %d: %v", ErrBadFrame, num, protowire.ParseError(n))
			}
			b = b[n:]
		}
	}
	return m, nil
}

// frameReader reassembles frames from a data channel's messages.
type frameReader struct {
	buf []byte // the start of a frame that continues in a later message
}

// feed consumes one data channel message and calls fn for every frame it
// completes, in order; the message passed to fn is only valid during the
// call. It stops at the first error (from the framing or from fn) and
// returns it; the reader must not be used after an error.
func (r *frameReader) feed(data []byte, fn func(message) error) error {
	if len(data) > maxMessageSize {
		return fmt.Errorf("%w: %w: data channel message of %d bytes", ErrBadFrame, ErrFrameTooLarge, len(data))
	}
	if len(r.buf) > 0 {
		r.buf = append(r.buf, data...)
		data = r.buf
	}
	for len(data) > 0 {
		size, n, err := framePrefix(data)
		if err != nil {
			return err
		}
		if n == 0 || len(data) < n+size {
			break
		}
		m, err := decodeMessage(data[n : n+size])
		if err != nil {
			return err
		}
		if err := fn(m); err != nil {
			return err
		}
		data = data[n+size:]
	}
	// Keep an incomplete frame (at most a prefix and 16 KiB) for the next
	// message; append copies with memmove when data aliases r.buf.
	r.buf = append(r.buf[:0], data...)
	return nil
}

// framePrefix parses the uvarint length at the start of b: the length and
// the prefix's size, or n == 0 when b ends inside the prefix. Lengths above
// maxFrameBody and non-minimal encodings (which the multiformats uvarint
// forbids) are errors.
func framePrefix(b []byte) (size, n int, err error) {
	for i, c := range b {
		if i == maxPrefixLen {
			return 0, 0, fmt.Errorf("%w: %w: length prefix above %d", ErrBadFrame, ErrFrameTooLarge, maxFrameBody)
		}
		size |= int(c&0x7f) << (7 * i)
		if c < 0x80 {
			if i > 0 && c == 0 {
				return 0, 0, fmt.Errorf("%w: non-minimal length prefix", ErrBadFrame)
			}
			if size > maxFrameBody {
				return 0, 0, fmt.Errorf("%w: %w: frame of %d bytes", ErrBadFrame, ErrFrameTooLarge, size)
			}
			return size, i + 1, nil
		}
	}
	return 0, 0, nil
}
