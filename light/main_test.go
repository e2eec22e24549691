package light_test

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestMain fails the run when goroutines outlive the tests (clients,
// hosts and servers must all stop).
func TestMain(m *testing.M) {
	before := len(goroutines())
	code := m.Run()
	if code == 0 {
		deadline := time.Now().Add(10 * time.Second)
		for len(goroutines()) > before && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if g := goroutines(); len(g) > before {
			fmt.Fprintf(os.Stderr, "%d goroutines leaked (%d before):\n%s\n", len(g)-before, before, strings.Join(g, "\n\n"))
			code = 1
		}
	}
	os.Exit(code)
}

// goroutines returns the stacks of the live goroutines, except the
// runtime's own event handler under js/wasm (it waits for JavaScript
// callbacks for as long as the program runs).
func goroutines() []string {
	buf := make([]byte, 1<<20)
	var out []string
	for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		if strings.Contains(g, "runtime.handleEvent()") {
			continue
		}
		out = append(out, g)
	}
	return out
}
