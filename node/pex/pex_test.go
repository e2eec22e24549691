package pex

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"

	"lightdas/p2p"
	"lightdas/p2p/memnet"
)

const (
	idA = "12D3KooWCrvbQxCL6cpryxERWYtxRHrS4H7NaiZAkmry6XWXAyMd"
	idB = "12D3KooWHJrFGaQsQFWmjMbW6mq1LAkmVmXgSDyXgu6dQ2u4GN2T"
)

func addrs(t testing.TB, ss ...string) []ma.Multiaddr {
	t.Helper()
	out := make([]ma.Multiaddr, len(ss))
	for i, s := range ss {
		a, err := ma.NewMultiaddr(s)
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		out[i] = a
	}
	return out
}

func sampleAddrs(t testing.TB) []ma.Multiaddr {
	return addrs(t,
		"/ip4/127.0.0.1/tcp/4001/p2p/"+idA,
		"/ip4/127.0.0.1/udp/4001/quic-v1/p2p/"+idA,
		"/ip4/127.0.0.1/udp/4002/webrtc-direct/certhash/uEiAkH5a4DPGKUuOBjYw0CgwjvcJCJMD2K_1aluKR_tpevQ/p2p/"+idB,
		"/ip6/::1/tcp/4003/ws/p2p/"+idB,
	)
}

func TestWireRoundTrip(t *testing.T) {
	b, err := Request{Max: 17}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if q, err := DecodeRequest(b); err != nil || q.Max != 17 {
		t.Fatalf("request: %+v, %v", q, err)
	}
	for _, list := range [][]ma.Multiaddr{nil, sampleAddrs(t)} {
		r := &Response{Addrs: list}
		b, err := r.Encode()
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeResponse(b)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Addrs) != len(list) {
			t.Fatalf("%d addresses, want %d", len(got.Addrs), len(list))
		}
		for i := range list {
			if !got.Addrs[i].Equal(list[i]) {
				t.Fatalf("address %d: %s, want %s", i, got.Addrs[i], list[i])
			}
		}
	}
}

// TestPeerOf pins the id PeerOf reads to go-libp2p's own spelling of it
// (the native node dials what PeerOf returns through core/peer), for ids
// written as base58 multihashes and as CIDv1 libp2p-key strings.
func TestPeerOf(t *testing.T) {
	const (
		identityID = "12D3KooWCrvbQxCL6cpryxERWYtxRHrS4H7NaiZAkmry6XWXAyMd"        // ed25519 key inlined
		sha256ID   = "QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N"              // sha2-256 of a key
		cidID      = "bafzbeie5745rpv2m6tjyuugywy4d5ewrqgqqhfnf445he3omzpjbx5xqxe" // libp2p-key CIDv1
		webrtc     = "/ip4/127.0.0.1/udp/4002/webrtc-direct/certhash/uEiAkH5a4DPGKUuOBjYw0CgwjvcJCJMD2K_1aluKR_tpevQ"
	)
	for _, tc := range []struct {
		addr, id string // id: the id as written; "" when the address is rejected
	}{
		{"/ip4/127.0.0.1/tcp/4001/p2p/" + identityID, identityID},
		{"/ip6/::1/udp/4001/quic-v1/p2p/" + sha256ID, sha256ID},
		{webrtc + "/p2p/" + cidID, cidID},
		{"/p2p/" + identityID, ""},                                // no transport part
		{"/ip4/127.0.0.1/tcp/4001", ""},                           // no id
		{"/ip4/127.0.0.1/tcp/4001/p2p/" + identityID + "/ws", ""}, // id not last
		{"/ip4/127.0.0.1/tcp/4001/p2p/" + idA + "/p2p-circuit/p2p/" + idB, ""},
		{"/ip4/127.0.0.1/tcp/4001/p2p/" + idA + "/p2p/" + idB, ""},
	} {
		got, err := PeerOf(addrs(t, tc.addr)[0])
		if tc.id == "" {
			if !errors.Is(err, ErrBadAddr) {
				t.Errorf("%s: %q, %v; want ErrBadAddr", tc.addr, got, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.addr, err)
			continue
		}
		want, err := peer.Decode(tc.id)
		if err != nil {
			t.Fatal(err)
		}
		if got != p2p.PeerID(want.String()) {
			t.Errorf("%s: %s, want %s", tc.addr, got, want)
		}
	}
}

func encodeRaw(raws ...[]byte) []byte {
	b := []byte{WireVersion, msgResponse, byte(len(raws))}
	for _, r := range raws {
		b = binary.BigEndian.AppendUint16(b, uint16(len(r)))
		b = append(b, r...)
	}
	return b
}

func TestWireRejects(t *testing.T) {
	good := sampleAddrs(t)[0].Bytes()
	noPeer := addrs(t, "/ip4/127.0.0.1/tcp/4001")[0].Bytes()
	relayed := addrs(t, "/ip4/127.0.0.1/tcp/4001/p2p/"+idA+"/p2p-circuit/p2p/"+idB)[0].Bytes()
	// A non-minimal varint for the ip4 code (0x04 as 0x84 0x00).
	nonCanonical := append([]byte{0x84, 0x00}, good[1:]...)
	ok := encodeRaw(good)
	requests := []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, ErrMalformed},
		{"version", []byte{2, msgRequest, 1}, ErrUnknownVersion},
		{"type", []byte{1, msgResponse, 1}, ErrMalformed},
		{"zero", []byte{1, msgRequest, 0}, ErrMalformed},
		{"too many", []byte{1, msgRequest, MaxAddrs + 1}, ErrMalformed},
		{"trailing", []byte{1, msgRequest, 1, 0}, ErrMalformed},
	}
	for _, tc := range requests {
		if _, err := DecodeRequest(tc.b); !errors.Is(err, tc.want) || !errors.Is(err, ErrMalformed) {
			t.Errorf("request %s: %v, want %v", tc.name, err, tc.want)
		}
	}
	many := make([][]byte, MaxAddrs+1)
	for i := range many {
		many[i] = good
	}
	responses := []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, ErrMalformed},
		{"version", append([]byte{0}, ok[1:]...), ErrUnknownVersion},
		{"type", append([]byte{1, msgRequest}, ok[2:]...), ErrMalformed},
		{"count beyond the addresses", append([]byte{1, msgResponse, 2}, ok[3:]...), ErrMalformed},
		{"trailing", append(bytes.Clone(ok), 0), ErrMalformed},
		{"too many", encodeRaw(many...), ErrTooLarge},
		{"zero length", encodeRaw([]byte{}), ErrBadAddr},
		{"garbage", encodeRaw([]byte{0xff, 0xff, 0xff}), ErrBadAddr},
		{"no peer id", encodeRaw(noPeer), ErrBadAddr},
		{"relayed", encodeRaw(relayed), ErrBadAddr},
		{"non-canonical", encodeRaw(nonCanonical), ErrBadAddr},
		{"duplicate", encodeRaw(good, good), ErrBadAddr},
	}
	for _, tc := range responses {
		if _, err := DecodeResponse(tc.b); !errors.Is(err, tc.want) || !errors.Is(err, ErrMalformed) {
			t.Errorf("response %s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := (&Response{Addrs: addrs(t, "/ip4/1.2.3.4/tcp/1")}).Encode(); !errors.Is(err, ErrBadAddr) {
		t.Errorf("encode without peer id: %v", err)
	}
}

func FuzzDecodeRequest(f *testing.F) {
	f.Add([]byte{1, msgRequest, 8})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		q, err := DecodeRequest(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		again, err := q.Encode()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("accepted a non-canonical request %x", b)
		}
	})
}

func FuzzDecodeResponse(f *testing.F) {
	ok, _ := (&Response{Addrs: sampleAddrs(f)}).Encode()
	f.Add(ok)
	f.Add(encodeRaw())
	f.Add(encodeRaw([]byte{0xff}))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeResponse(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		again, err := r.Encode()
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("accepted a non-canonical response %x", b)
		}
	})
}

// TestExchange runs the protocol over memnet: the server offers its
// source minus the requester's own addresses, bounded by the request;
// beyond the rate limit the stream is reset.
func TestExchange(t *testing.T) {
	net := memnet.NewNetwork(memnet.WithSeed(1))
	defer net.Close()
	srv, _ := net.NewHost("server")
	cli, _ := net.NewHost(p2p.PeerID(idA)) // the requester is idA
	if err := net.Connect("server", idA); err != nil {
		t.Fatal(err)
	}
	list := sampleAddrs(t)
	NewServer("c", func() []ma.Multiaddr { return list }, ServerConfig{RequestsPerSecond: 0.001, Burst: 2}).Register(srv)
	ctx := context.Background()
	got, err := Exchange(ctx, cli, "c", "server", MaxAddrs)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !got[0].Equal(list[2]) || !got[1].Equal(list[3]) {
		t.Fatalf("got %v, want idB's two addresses", got)
	}
	got, err = Exchange(ctx, cli, "c", "server", 1)
	if err != nil || len(got) != 1 {
		t.Fatalf("bounded request: %v, %v", got, err)
	}
	if _, err := Exchange(ctx, cli, "c", "server", 1); !errors.Is(err, ErrRefused) {
		t.Fatalf("over the rate limit: %v, want ErrRefused", err)
	}
}
