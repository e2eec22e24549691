package light

import (
	"errors"
	"slices"
	"testing"

	"lightdas/node/pex/maddr"
	"lightdas/node/pex/pexwire"
)

func TestPexAddrs(t *testing.T) {
	const id = "12D3KooWJLvf5bwMSf21mQVGZEzRsmjhWLcJq9tjjP2inUGnyzJh"
	good := "/ip4/127.0.0.1/udp/4001/quic-v1/p2p/" + id
	goodRaw, err := maddr.Parse(good)
	if err != nil {
		t.Fatal(err)
	}
	// /p2p-circuit (0x0122) and an unassigned code: outside the codec's
	// set, so skipped.
	p2pPart, err := maddr.Parse("/p2p/" + id)
	if err != nil {
		t.Fatal(err)
	}
	circuit := append([]byte{0x04, 127, 0, 0, 1, 0xa2, 0x02}, p2pPart...)
	unknown := []byte{0x7f, 1, 2}
	truncated := goodRaw[:len(goodRaw)-1]
	for _, tc := range []struct {
		name string
		raws [][]byte
		want []string
		err  bool
	}{
		{"valid", [][]byte{goodRaw}, []string{good}, false},
		{"unsupported skipped", [][]byte{circuit, goodRaw, unknown}, []string{good}, false},
		{"corrupt spoils the answer", [][]byte{goodRaw, truncated}, nil, true},
		{"none", nil, []string{}, false},
	} {
		got, err := pexAddrs(tc.raws)
		if tc.err {
			if !errors.Is(err, pexwire.ErrMalformed) || !errors.Is(err, pexwire.ErrBadAddr) {
				t.Errorf("%s: err = %v", tc.name, err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%s: pexAddrs = %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
}

func TestPeerOfUnsupported(t *testing.T) {
	_, err := PeerOf("/ip4/127.0.0.1/tcp/1/p2p-circuit/p2p/12D3KooWJLvf5bwMSf21mQVGZEzRsmjhWLcJq9tjjP2inUGnyzJh")
	if !errors.Is(err, ErrBadAddr) || !errors.Is(err, maddr.ErrUnsupportedProtocol) {
		t.Errorf("PeerOf(p2p-circuit) = %v", err)
	}
}
