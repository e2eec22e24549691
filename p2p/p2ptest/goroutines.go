package p2ptest

import (
	"bytes"
	"runtime"
	"testing"
	"time"
)

// Goroutines counts the program's goroutines, leaving out the ones the
// js/wasm runtime starts on its own to handle JavaScript events. Leak
// checks take it before a test and hand it to WaitGoroutines after.
func Goroutines() int {
	n, _ := goroutines()
	return n
}

func goroutines() (int, []byte) {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	count := 0
	for g := range bytes.SplitSeq(buf, []byte("\n\n")) {
		if len(bytes.TrimSpace(g)) > 0 && !bytes.Contains(g, []byte("runtime.handleEvent")) {
			count++
		}
	}
	return count, buf
}

// WaitGoroutines waits, for at most 10 seconds, until no more than n
// goroutines (as counted by Goroutines) remain, and fails the test with
// every stack otherwise.
func WaitGoroutines(t testing.TB, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, stacks := goroutines()
		if got <= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines remain, want at most %d:\n%s", got, n, stacks)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
