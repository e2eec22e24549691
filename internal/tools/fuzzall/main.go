// Command fuzzall runs every fuzz test of the module, one after another, for
// a fixed time each (`make fuzz`). Plain `go test` already runs their seed
// corpora; this explores beyond them.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

func main() {
	fuzztime := flag.String("time", "20s", "time per fuzz test (go test -fuzztime)")
	match := flag.String("run", "", "only fuzz tests whose name contains this")
	flag.Parse()

	list := exec.Command("go", "test", "-list", "^Fuzz", "./...")
	list.Stderr = os.Stderr
	out, err := list.Output()
	if err != nil {
		fmt.Fprintln(os.Stderr, "fuzzall: listing fuzz tests:", err)
		os.Exit(1)
	}
	// go test -list prints the test names, then "ok <pkg> ..." per package.
	var names []string
	failed := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 1 && strings.HasPrefix(f[0], "Fuzz"):
			names = append(names, f[0])
		case len(f) >= 2 && f[0] == "ok":
			for _, name := range names {
				if !strings.Contains(name, *match) {
					continue
				}
				fmt.Printf("== %s %s\n", f[1], name)
				// A short minimisation budget: the default 60 s would spend a
				// slow target's whole time shrinking its first new inputs.
				cmd := exec.Command("go", "test", "-run", "^$", "-fuzz", "^"+name+"$", "-fuzztime", *fuzztime, "-fuzzminimizetime", "2s", f[1])
				cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
				if err := cmd.Run(); err != nil {
					failed++
				}
			}
			names = nil
		}
	}
	if failed > 0 {
		fmt.Fprintf(os.Stderr, "fuzzall: %d fuzz test(s) failed\n", failed)
		os.Exit(1)
	}
}
