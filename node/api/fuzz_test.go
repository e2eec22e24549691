package api

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
)

func TestParseHeight(t *testing.T) {
	tests := []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"0", 0, true},
		{"1", 1, true},
		{"1234567890", 1234567890, true},
		{"18446744073709551615", 1<<64 - 1, true},
		{"18446744073709551616", 0, false},
		{"18446744073709551620", 0, false},
		{"99999999999999999999", 0, false},
		{"184467440737095516150", 0, false},
		{"", 0, false},
		{"01", 0, false},
		{"00", 0, false},
		{"-0", 0, false},
		{"+5", 0, false},
		{" 5", 0, false},
		{"5 ", 0, false},
		{"5\n", 0, false},
		{"0x1f", 0, false},
		{"1_000", 0, false},
		{"1e9", 0, false},
		{"١", 0, false},
	}
	for _, tc := range tests {
		got, err := ParseHeight(tc.in)
		if tc.ok != (err == nil) || got != tc.want {
			t.Errorf("ParseHeight(%q) = %d, %v; want %d ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrBadHeight) {
			t.Errorf("ParseHeight(%q) error %v is not ErrBadHeight", tc.in, err)
		}
	}
}

// FuzzParseHeight: exactly the canonical decimal spellings of uint64
// values parse, to the value strconv gives.
func FuzzParseHeight(f *testing.F) {
	for _, s := range []string{"0", "7", "42", "18446744073709551615", "18446744073709551616", "007", "-1", "+1", "1e3", "", " 1", "0x10", "١٢"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseHeight(s)
		ref, refErr := strconv.ParseUint(s, 10, 64)
		canonical := refErr == nil && strconv.FormatUint(ref, 10) == s
		if canonical != (err == nil) {
			t.Fatalf("ParseHeight(%q) err=%v, canonical=%v", s, err, canonical)
		}
		if err == nil && got != ref {
			t.Fatalf("ParseHeight(%q) = %d, strconv %d", s, got, ref)
		}
		if err != nil && (got != 0 || !errors.Is(err, ErrBadHeight)) {
			t.Fatalf("ParseHeight(%q) = %d, %v", s, got, err)
		}
	})
}

// FuzzEncodeEvent: whatever strings an event carries (peer ids and error
// texts come from the network), its frame is exactly one SSE event whose
// data decodes back to the event.
func FuzzEncodeEvent(f *testing.F) {
	f.Add(uint64(1), "peer", "verified", "", true)
	f.Add(uint64(1<<64-1), "p\n\nevent: forged\ndata: {}", "invalid", "line\r\nbreak\rcr", false)
	f.Add(uint64(0), "\x00\xff\xfe", ":comment", "\u2028\u2029", true)
	f.Fuzz(func(t *testing.T, seq uint64, peer, outcome, msg string, cell bool) {
		var ev Event = &CellEvent{Height: seq, Row: 1, Col: 2, Peer: peer, Outcome: outcome, Error: msg}
		if !cell {
			ev = &PeerPenalisedEvent{Peer: peer, Height: seq, Reason: msg}
		}
		frame, err := encodeEvent(seq, ev)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasSuffix(frame, []byte("\n\n")) || bytes.Count(frame, []byte("\n\n")) != 1 || bytes.ContainsRune(frame, '\r') {
			t.Fatalf("frame is not one event: %q", frame)
		}
		br := bufio.NewReader(bytes.NewReader(frame))
		got, err := readFrame(br)
		if err != nil {
			t.Fatalf("parsing %q: %v", frame, err)
		}
		if got.ID != strconv.FormatUint(seq, 10) || got.Event != ev.Kind() || len(got.Comments) != 0 || strings.Contains(got.Data, "\n") {
			t.Fatalf("frame %q parsed as %+v", frame, got)
		}
		if _, err := br.ReadByte(); err == nil {
			t.Fatalf("bytes after the event in %q", frame)
		}
		want, _ := json.Marshal(ev)
		if got.Data != string(want) {
			t.Fatalf("data %q, want %q", got.Data, want)
		}
		if cell {
			var back CellEvent
			if err := json.Unmarshal([]byte(got.Data), &back); err != nil || back.Height != seq || back.Row != 1 || back.Col != 2 {
				t.Fatalf("data does not decode back: %v %+v", err, back)
			}
		}
	})
}
