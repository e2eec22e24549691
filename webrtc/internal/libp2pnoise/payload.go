package libp2pnoise

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// Limits on a received handshake payload. A Noise message bounds it to
// 64 KiB already; these keep each part to what a libp2p peer can need (an
// RSA-8192 key and signature fit; Ed25519 needs 36 and 64 bytes).
const (
	maxIdentityKeySize = 2048
	maxSignatureSize   = 1024
	// maxExtensionItems bounds each repeated extension field, as go-libp2p
	// bounds the muxers it considers.
	maxExtensionItems    = 100
	maxExtensionItemSize = 1024
)

// Extensions is the NoiseExtensions message: early data about the
// connection that some libp2p transports exchange in the handshake.
// WebRTC-direct uses none.
type Extensions struct {
	// WebTransportCerthashes (field 1) are the certificate hashes of a
	// WebTransport listener.
	WebTransportCerthashes [][]byte
	// StreamMuxers (field 2) are the stream muxers the sender supports.
	StreamMuxers []string
}

// payload is the NoiseHandshakePayload message.
type payload struct {
	identityKey []byte      // field 1: libp2p PublicKey protobuf
	identitySig []byte      // field 2: signature of the static key
	extensions  *Extensions // field 4
}

const (
	fieldIdentityKey protowire.Number = 1
	fieldIdentitySig protowire.Number = 2
	fieldExtensions  protowire.Number = 4

	fieldCerthashes   protowire.Number = 1
	fieldStreamMuxers protowire.Number = 2
)

func (p payload) marshal() []byte {
	var b []byte
	b = protowire.AppendTag(b, fieldIdentityKey, protowire.BytesType)
	b = protowire.AppendBytes(b, p.identityKey)
	b = protowire.AppendTag(b, fieldIdentitySig, protowire.BytesType)
	b = protowire.AppendBytes(b, p.identitySig)
	if p.extensions != nil {
		var e []byte
		for _, h := range p.extensions.WebTransportCerthashes {
			e = protowire.AppendTag(e, fieldCerthashes, protowire.BytesType)
			e = protowire.AppendBytes(e, h)
		}
		for _, m := range p.extensions.StreamMuxers {
			e = protowire.AppendTag(e, fieldStreamMuxers, protowire.BytesType)
			e = protowire.AppendString(e, m)
		}
		b = protowire.AppendTag(b, fieldExtensions, protowire.BytesType)
		b = protowire.AppendBytes(b, e)
	}
	return b
}

// decodePayload parses a NoiseHandshakePayload. Unknown fields are
// skipped; a repeated scalar field keeps its last value and repeated
// extensions messages merge, as protobuf decoders do. Both the identity
// key and signature are required. Errors wrap ErrBadPayload.
func decodePayload(b []byte) (payload, error) {
	var p payload
	var haveKey, haveSig bool
	for len(b) > 0 {
		num, wt, n := protowire.ConsumeTag(b)
		if n < 0 {
			return payload{}, fmt.Errorf("%w: %v", ErrBadPayload, protowire.ParseError(n))
		}
		b = b[n:]
		if num != fieldIdentityKey && num != fieldIdentitySig && num != fieldExtensions {
			n := protowire.ConsumeFieldValue(num, wt, b)
			if n < 0 {
				return payload{}, fmt.Errorf("%w: field %d: %v", ErrBadPayload, num, protowire.ParseError(n))
			}
			b = b[n:]
			continue
		}
		if wt != protowire.BytesType {
			return payload{}, fmt.Errorf("%w: field %d has wire type %d", ErrBadPayload, num, wt)
		}
		v, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return payload{}, fmt.Errorf("%w: field %d: %v", ErrBadPayload, num, protowire.ParseError(n))
		}
		b = b[n:]
		switch num {
		case fieldIdentityKey:
			if len(v) > maxIdentityKeySize {
				return payload{}, fmt.Errorf("%w: identity key of %d bytes (at most %d)", ErrBadPayload, len(v), maxIdentityKeySize)
			}
			p.identityKey, haveKey = v, true
		case fieldIdentitySig:
			if len(v) > maxSignatureSize {
				return payload{}, fmt.Errorf("%w: signature of %d bytes (at most %d)", ErrBadPayload, len(v), maxSignatureSize)
			}
			p.identitySig, haveSig = v, true
		case fieldExtensions:
			if p.extensions == nil {
				p.extensions = &Extensions{}
			}
			if err := decodeExtensions(v, p.extensions); err != nil {
				return payload{}, err
			}
		}
	}
	switch {
	case !haveKey || len(p.identityKey) == 0:
		return payload{}, fmt.Errorf("%w: no identity key", ErrBadPayload)
	case !haveSig || len(p.identitySig) == 0:
		return payload{}, fmt.Errorf("%w: no identity signature", ErrBadPayload)
	}
	return p, nil
}

// decodeExtensions merges a NoiseExtensions message into e.
func decodeExtensions(b []byte, e *Extensions) error {
	for len(b) > 0 {
		num, wt, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("%w: extensions: %v", ErrBadPayload, protowire.ParseError(n))
		}
		b = b[n:]
		if num != fieldCerthashes && num != fieldStreamMuxers {
			n := protowire.ConsumeFieldValue(num, wt, b)
			if n < 0 {
				return fmt.Errorf("%w: extensions field %d: %v", ErrBadPayload, num, protowire.ParseError(n))
			}
			b = b[n:]
			continue
		}
		if wt != protowire.BytesType {
			return fmt.Errorf("%w: extensions field %d has wire type %d", ErrBadPayload, num, wt)
		}
		v, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return fmt.Errorf("%w: extensions field %d: %v", ErrBadPayload, num, protowire.ParseError(n))
		}
		b = b[n:]
		if len(v) > maxExtensionItemSize {
			return fmt.Errorf("%w: extension item of %d bytes (at most %d)", ErrBadPayload, len(v), maxExtensionItemSize)
		}
		switch num {
		case fieldCerthashes:
			if len(e.WebTransportCerthashes) >= maxExtensionItems {
				return fmt.Errorf("%w: more than %d certhashes", ErrBadPayload, maxExtensionItems)
			}
			e.WebTransportCerthashes = append(e.WebTransportCerthashes, v)
		case fieldStreamMuxers:
			if len(e.StreamMuxers) >= maxExtensionItems {
				return fmt.Errorf("%w: more than %d stream muxers", ErrBadPayload, maxExtensionItems)
			}
			e.StreamMuxers = append(e.StreamMuxers, string(v))
		}
	}
	return nil
}
