//go:build !js

// Command lightnative runs lightdas natively: a local devnet, full and
// light nodes, one-off availability checks for scripts, and validator
// keys. Run `lightnative help` for the commands and their flags.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
