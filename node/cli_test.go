//go:build !js

package node

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"lightdas/das"
	"lightdas/node/api"
)

func TestVerifyExitCode(t *testing.T) {
	cases := []struct {
		res  api.BlockResult
		err  error
		want int
	}{
		{api.BlockResult{Status: api.StatusAvailable}, nil, 0},
		{api.BlockResult{Status: api.StatusUnavailable}, nil, 1},
		{api.BlockResult{Status: api.StatusInvalid}, nil, 1},
		{api.BlockResult{Status: api.StatusPending}, nil, 2},
		{api.BlockResult{}, nil, 2},
		{api.BlockResult{Status: api.StatusAvailable}, ErrNoVerdict, 2},
		{api.BlockResult{}, errors.New("boom"), 2},
	}
	for _, tc := range cases {
		if got := VerifyExitCode(tc.res, tc.err); got != tc.want {
			t.Errorf("VerifyExitCode(%q, %v) = %d, want %d", tc.res.Status, tc.err, got, tc.want)
		}
	}
}

func TestProgressLine(t *testing.T) {
	cases := []struct {
		cu         *api.CatchUp
		line       string
		done, isOK bool
	}{
		{nil, "", false, false},
		{&api.CatchUp{From: 1, To: 100, Done: 37}, "[###.......] 37/100 heights sampled", false, true},
		{&api.CatchUp{From: 5, To: 14, Done: 10}, "[##########] 10/10 heights sampled", true, true},
		{&api.CatchUp{From: 5, To: 14, Done: 0}, "[..........] 0/10 heights sampled", false, true},
		{&api.CatchUp{From: 9, To: 8}, "", false, false},
	}
	for _, tc := range cases {
		line, done, ok := ProgressLine(api.Status{CatchUp: tc.cu}, 10)
		if line != tc.line || done != tc.done || ok != tc.isOK {
			t.Errorf("ProgressLine(%+v) = %q %v %v", tc.cu, line, done, ok)
		}
	}
}

func TestBootstrapOrder(t *testing.T) {
	addrs := []string{"/ip4/1/tcp/1/ws/p2p/x", "/ip4/1/tcp/2/p2p/x", "/ip4/1/udp/3/quic-v1/p2p/x", "/ip4/1/udp/4/webrtc-direct/certhash/u/p2p/x"}
	want := []string{addrs[3], addrs[0], addrs[1], addrs[2]}
	if got := BrowserFirst(addrs); !slices.Equal(got, want) {
		t.Fatalf("BrowserFirst = %q", got)
	}
	if got := NativeBootstrap(addrs); got != addrs[1] {
		t.Fatalf("NativeBootstrap = %q", got)
	}
	if got := NativeBootstrap(addrs[2:]); got != addrs[2] {
		t.Fatalf("NativeBootstrap without TCP = %q", got)
	}
	if NativeBootstrap(nil) != "" {
		t.Fatal("NativeBootstrap(nil)")
	}
}

func TestDevnetListenAddrs(t *testing.T) {
	got, err := DevnetListenAddrs("::1", 7000)
	if err != nil || !slices.Equal(got, []string{"/ip6/::1/tcp/7000", "/ip6/::1/udp/7000/quic-v1", "/ip6/::1/tcp/7001/ws", "/ip6/::1/udp/7002/webrtc-direct"}) {
		t.Fatalf("%q %v", got, err)
	}
	for _, p := range []int{-1, 65534, 70000} {
		if _, err := DevnetListenAddrs("127.0.0.1", p); !errors.Is(err, ErrConfig) {
			t.Errorf("port %d: %v", p, err)
		}
	}
}

func TestParseMisbehavior(t *testing.T) {
	if m, err := ParseMisbehavior(""); m != nil || err != nil {
		t.Fatal(m, err)
	}
	w, err := ParseMisbehavior(MisbehaveWithhold)
	if err != nil || !w.Withhold(3, das.Coord{Row: 1, Col: 2}) {
		t.Fatal(err)
	}
	c, err := ParseMisbehavior(MisbehaveCorrupt)
	if err != nil {
		t.Fatal(err)
	}
	r := &das.Response{Entries: []das.Entry{{Found: true}, {Found: false}}}
	c.Tamper(nil, r)
	if r.Entries[0].Cell[100] != 1 || r.Entries[1].Cell[100] != 0 {
		t.Fatal("corrupt did not flip exactly the found cell")
	}
	if _, err := ParseMisbehavior("lie"); !errors.Is(err, ErrConfig) {
		t.Fatal(err)
	}
}

func TestNewLogger(t *testing.T) {
	var b bytes.Buffer
	l, err := NewLogger(&b, "json", "WARN")
	if err != nil {
		t.Fatal(err)
	}
	l.Info("hidden")
	l.Warn("shown", "k", 1)
	if s := b.String(); strings.Contains(s, "hidden") || !strings.Contains(s, `"msg":"shown"`) {
		t.Fatalf("%s", s)
	}
	for _, bad := range [][2]string{{"xml", "info"}, {"text", "loud"}} {
		if _, err := NewLogger(&b, bad[0], bad[1]); !errors.Is(err, ErrConfig) {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
