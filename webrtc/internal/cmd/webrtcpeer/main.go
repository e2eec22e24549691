//go:build !js

// Command webrtcpeer runs the remote end of lightdas/webrtc's browser
// tests (package testpeer) on 127.0.0.1 and, given a command, runs it with
// LIGHTDAS_WEBRTC_PEER naming the peer's info file, then stops the peer
// and exits with the command's status. That makes it a `go test -exec`
// wrapper around wasmbrowsertest:
//
//	go build -o .bin/webrtcpeer ./webrtc/internal/cmd/webrtcpeer
//	GOOS=js GOARCH=wasm go test -exec "$PWD/.bin/webrtcpeer $PWD/.bin/wasmbrowsertest" ./webrtc/
//
// Without a command it prints the info file's path and serves until
// interrupted.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"

	"lightdas/webrtc/internal/testpeer"
)

func main() {
	os.Exit(run())
}

func run() int {
	info := flag.String("info", "", "write the peer's info (JSON) to this file (default: in a temporary directory)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: webrtcpeer [-info file] [command [args...]]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	p, err := testpeer.Start(log)
	if err != nil {
		fmt.Fprintln(os.Stderr, "webrtcpeer:", err)
		return 1
	}
	defer p.Close()

	path := *info
	if path == "" {
		dir, err := os.MkdirTemp("", "webrtcpeer-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "webrtcpeer:", err)
			return 1
		}
		defer os.RemoveAll(dir)
		path = filepath.Join(dir, "peer.json")
	}
	data, err := json.MarshalIndent(p.Info, "", "  ")
	if err != nil {
		fmt.Fprintln(os.Stderr, "webrtcpeer:", err)
		return 1
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "webrtcpeer:", err)
		return 1
	}

	if flag.NArg() == 0 {
		fmt.Printf("%s=%s\n%s\n", testpeer.EnvVar, path, p.Info.Addr)
		<-ctx.Done()
		return 0
	}
	cmd := exec.CommandContext(ctx, flag.Arg(0), flag.Args()[1:]...)
	cmd.Env = append(os.Environ(), testpeer.EnvVar+"="+path)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() > 0 {
			return exit.ExitCode()
		}
		fmt.Fprintln(os.Stderr, "webrtcpeer:", err)
		return 1
	}
	return 0
}
