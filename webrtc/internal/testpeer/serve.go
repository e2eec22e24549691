//go:build !js

package testpeer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/libp2p/go-libp2p/core/peer"

	"lightdas/das"
	"lightdas/headers"
	"lightdas/headers/headertest"
	"lightdas/kzg"
	"lightdas/p2p"
	"lightdas/p2p/libp2phost"
)

// streamTimeout bounds every exchange the peer serves.
const streamTimeout = 30 * time.Second

// Peer is a running test peer.
type Peer struct {
	Host *libp2phost.Host
	Info Info
	svc  *headers.HeaderService
}

// Start starts a peer on 127.0.0.1. It takes a few seconds: it computes
// the KZG proofs of the block it serves.
func Start(log *slog.Logger) (*Peer, error) {
	if log == nil {
		log = slog.Default()
	}
	h, err := libp2phost.New(libp2phost.Config{
		ListenAddrs: []string{"/ip4/127.0.0.1/udp/0/webrtc-direct"},
		Role:        libp2phost.FullNode,
		Logger:      log,
	})
	if err != nil {
		return nil, err
	}
	p := &Peer{Host: h}
	if err := p.setup(); err != nil {
		h.Close()
		return nil, err
	}
	return p, nil
}

// Close stops the peer.
func (p *Peer) Close() error {
	if p.svc != nil {
		p.svc.Close()
	}
	return p.Host.Close()
}

func (p *Peer) setup() error {
	h := p.Host
	for _, a := range h.AddrStrings() {
		if strings.Contains(a, "/webrtc-direct/") {
			p.Info.Addr = a
		}
	}
	if p.Info.Addr == "" {
		return fmt.Errorf("testpeer: no webrtc-direct address among %v", h.AddrStrings())
	}
	h.SetStreamHandler(Echo, serveEcho)
	h.SetStreamHandler(Big, serveBig)
	h.SetStreamHandler(Callback, func(s p2p.Stream) { serveCallback(h, s) })
	h.SetStreamHandler(Reset, func(s p2p.Stream) {
		s.SetDeadline(time.Now().Add(streamTimeout))
		var b [1]byte
		io.ReadFull(s, b[:])
		s.Reset()
	})
	h.SetStreamHandler(Kick, func(s p2p.Stream) {
		// Wait for the caller's FIN: it has seen the negotiation finish.
		s.SetDeadline(time.Now().Add(streamTimeout))
		io.Copy(io.Discard, s)
		s.Close()
		if id, err := peer.Decode(string(s.RemotePeer())); err == nil {
			h.Libp2p().Network().ClosePeer(id)
		}
	})

	// Header exchange over a forged chain of 5 blocks.
	chain := headertest.MustChain(headertest.Config{}, 5)
	store := headers.NewMemStore()
	if err := store.Append(context.Background(), chain.Blocks...); err != nil {
		return err
	}
	p.svc = headers.ServeHeaders(h, chain.Config.ChainID, headers.NewServer(store))
	p.Info.HeadersChain = chain.Config.ChainID
	for _, b := range chain.Blocks {
		p.Info.HeaderHashes = append(p.Info.HeaderHashes, b.Hash().String())
	}

	// Samples of a real 2-blob block.
	const sampleChain = "webrtctest"
	prover, err := kzg.NewProver()
	if err != nil {
		return err
	}
	blobs := make([]kzg.Blob, 2)
	for i := range blobs {
		for e := 0; e < kzg.FieldElementsPerBlob; e++ {
			d := sha256.Sum256(binary.BigEndian.AppendUint64([]byte("testpeer"), uint64(i<<32|e)))
			d[0] = 0 // below the field modulus
			copy(blobs[i][e*kzg.BytesPerFieldElement:], d[:])
		}
	}
	block, err := prover.ExtendBlock(blobs)
	if err != nil {
		return err
	}
	hdr := &headers.Header{ChainID: sampleChain, Height: 1, Time: time.Unix(1_700_000_000, 0), Blobs: len(blobs)}
	for _, c := range block.Commitments[:block.K] {
		hdr.Commitments = append(hdr.Commitments, headers.Commitment(c))
	}
	enc, err := hdr.Encode()
	if err != nil {
		return err
	}
	bs := das.NewMemBlockStore()
	if err := bs.Put(hdr.Height, hdr.Hash(), block); err != nil {
		return err
	}
	srv, err := das.NewServer(sampleChain, bs, das.ServerConfig{})
	if err != nil {
		return err
	}
	srv.Register(h)
	p.Info.SampleChain = sampleChain
	p.Info.SampleHeader = enc
	return nil
}

func serveEcho(s p2p.Stream) {
	s.SetDeadline(time.Now().Add(streamTimeout))
	msg, err := io.ReadAll(s)
	if err == nil {
		_, err = s.Write(msg)
	}
	if err != nil {
		s.Reset()
		return
	}
	s.Close()
}

func serveBig(s p2p.Stream) {
	s.SetDeadline(time.Now().Add(streamTimeout))
	req, err := io.ReadAll(io.LimitReader(s, 16))
	if err != nil {
		s.Reset()
		return
	}
	n, err := strconv.Atoi(string(req))
	if err != nil || n < 0 || n > 64<<20 {
		s.Reset()
		return
	}
	if _, err := s.Write(Pattern(n)); err != nil {
		s.Reset()
		return
	}
	s.Close()
}

// serveCallback opens an Echo stream to the caller and reports how it
// went.
func serveCallback(h *libp2phost.Host, s p2p.Stream) {
	s.SetDeadline(time.Now().Add(streamTimeout))
	ctx, cancel := context.WithTimeout(context.Background(), streamTimeout)
	defer cancel()
	err := func() error {
		back, err := h.NewStream(ctx, s.RemotePeer(), Echo)
		if err != nil {
			return err
		}
		defer back.Close()
		back.SetDeadline(time.Now().Add(streamTimeout))
		msg := Pattern(CallbackSize)
		if _, err := back.Write(msg); err != nil {
			return err
		}
		if err := back.CloseWrite(); err != nil {
			return err
		}
		got, err := io.ReadAll(back)
		if err != nil {
			return err
		}
		if !bytes.Equal(got, msg) {
			return errors.New("echo differs")
		}
		return nil
	}()
	answer := "ok"
	if err != nil {
		answer = err.Error()
	}
	s.Write([]byte(answer))
	s.Close()
}
