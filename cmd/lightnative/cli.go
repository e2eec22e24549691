//go:build !js

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"lightdas/node"
)

// Exit codes (verify maps verdicts onto them too).
const (
	exitOK    = 0
	exitFail  = 1 // the command failed (verify: unavailable or invalid)
	exitUsage = 2 // bad flags (verify: any error)
)

// env is what every command gets: its output streams and the logger the
// global flags asked for.
type env struct {
	stdout, stderr io.Writer
	logFormat      string
	logLevel       string
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) int
}

func commands() []command {
	return []command{
		{"devnet", "run a local chain: producing full node, HTTP API and web page", runDevnet},
		{"full", "run a full node (following, or producing with --keystore)", runFull},
		{"light", "run a headless light client", runLight},
		{"verify", "check whether one height is available (exit code 0, 1 or 2)", runVerify},
		{"keys", "create and list validator keys (keys new|list --keystore DIR)", runKeys},
	}
}

const globalUsage = `Usage: lightnative [--log-format text|json] [--log-level LEVEL] <command> [flags]

Commands:
%s  help       show this text, or a command's flags (lightnative help <command>)

Global flags (also accepted after the command):
  --log-format text|json   log format on stderr (default text)
  --log-level LEVEL        debug, info, warn or error (default info; verify: warn)
`

func usage(w io.Writer) {
	var b strings.Builder
	for _, c := range commands() {
		fmt.Fprintf(&b, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, globalUsage, b.String())
}

// run is main without the process: it parses the global flags and runs
// one command, returning the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	e := &env{stdout: stdout, stderr: stderr}
	fs := flag.NewFlagSet("lightnative", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { usage(stderr) }
	e.logFlags(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	rest := fs.Args()
	if len(rest) == 0 {
		usage(stderr)
		return exitUsage
	}
	name, rest := rest[0], rest[1:]
	if name == "help" || name == "-h" || name == "--help" {
		return runHelp(e, rest)
	}
	for _, c := range commands() {
		if c.name == name {
			return c.run(ctx, e, rest)
		}
	}
	fmt.Fprintf(stderr, "lightnative: unknown command %q\n\n", name)
	usage(stderr)
	return exitUsage
}

func runHelp(e *env, args []string) int {
	if len(args) == 0 {
		usage(e.stdout)
		return exitOK
	}
	// A command's flag set prints its own usage on -h.
	for _, c := range commands() {
		if c.name == args[0] {
			h := *e
			h.stderr = e.stdout
			c.run(context.Background(), &h, append(args[1:], "-h"))
			return exitOK
		}
	}
	fmt.Fprintf(e.stderr, "lightnative: unknown command %q\n", args[0])
	return exitUsage
}

// logFlags registers the global log flags on fs (the top-level set and
// every command's set share the same fields).
func (e *env) logFlags(fs *flag.FlagSet) {
	fs.StringVar(&e.logFormat, "log-format", orStr(e.logFormat, node.LogText), "log format: text or json")
	fs.StringVar(&e.logLevel, "log-level", e.logLevel, "log level: debug, info, warn or error (default info; verify: warn)")
}

// logger builds the logger; level "" takes the command's default.
func (e *env) logger(defaultLevel string) (*slog.Logger, error) {
	return node.NewLogger(e.stderr, e.logFormat, orStr(e.logLevel, defaultLevel))
}

// newFlagSet makes a command's flag set: errors and usage on stderr, the
// log flags included, hidden flags left out of the usage text.
func (e *env) newFlagSet(name, synopsis string, hidden ...string) *flag.FlagSet {
	fs := flag.NewFlagSet("lightnative "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: lightnative %s %s\n\nFlags:\n", name, synopsis)
		fs.VisitAll(func(f *flag.Flag) {
			for _, h := range hidden {
				if f.Name == h {
					return
				}
			}
			name, help := flag.UnquoteUsage(f)
			line := "  --" + f.Name
			if name != "" {
				line += " " + name
			}
			fmt.Fprintf(w, "%-28s %s", line, help)
			if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "[]" {
				fmt.Fprintf(w, " (default %s)", f.DefValue)
			}
			fmt.Fprintln(w)
		})
	}
	e.logFlags(fs)
	return fs
}

// parse parses a command's flags; positional arguments are refused. done
// reports the exit code when the command must stop here (help or error).
func parse(fs *flag.FlagSet, args []string) (code int, done bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, true
		}
		return exitUsage, true
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "%s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		fs.Usage()
		return exitUsage, true
	}
	return 0, false
}

// usageError reports a flag combination the flag package cannot check.
type usageError struct{ msg string }

func (u *usageError) Error() string { return u.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// fail prints err and returns its exit code: usage errors exitUsage,
// anything else exitFail.
func (e *env) fail(name string, err error) int {
	fmt.Fprintf(e.stderr, "lightnative %s: %v\n", name, err)
	var u *usageError
	if errors.As(err, &u) || errors.Is(err, node.ErrConfig) {
		return exitUsage
	}
	return exitFail
}

// listFlag is a repeatable flag whose values may also be comma-separated.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(s string) error {
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			*l = append(*l, v)
		}
	}
	return nil
}

func orStr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// isTerminal reports whether f is a character device (a TTY).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
