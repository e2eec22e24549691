//go:build !js

package main

import (
	"context"
	"encoding/json"
	"fmt"

	"lightdas/node"
)

const keysSynopsis = "new|list --keystore DIR [--json]"

type keysOpts struct {
	sub      string
	keystore string
	json     bool
}

func parseKeys(e *env, args []string) (keysOpts, int, bool) {
	var o keysOpts
	fs := e.newFlagSet("keys", keysSynopsis)
	fs.StringVar(&o.keystore, "keystore", "", "keystore directory (required)")
	fs.BoolVar(&o.json, "json", false, "print JSON")
	if len(args) > 0 && (args[0] == "new" || args[0] == "list") {
		o.sub, args = args[0], args[1:]
	}
	if code, done := parse(fs, args); done {
		return o, code, true
	}
	if o.sub == "" {
		fs.Usage()
		return o, exitUsage, true
	}
	if o.keystore == "" {
		return o, e.fail("keys", usageErrorf("--keystore is required")), true
	}
	return o, 0, false
}

func runKeys(_ context.Context, e *env, args []string) int {
	o, code, done := parseKeys(e, args)
	if done {
		return code
	}
	var keys []node.ValidatorKey
	if o.sub == "new" {
		k, err := node.NewValidatorKey(o.keystore)
		if err != nil {
			return e.fail("keys new", err)
		}
		keys = []node.ValidatorKey{k}
	} else {
		var err error
		if keys, err = node.ListValidatorKeys(o.keystore); err != nil {
			return e.fail("keys list", err)
		}
	}
	if o.json {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if o.sub == "new" {
			enc.Encode(keys[0])
		} else {
			enc.Encode(keys)
		}
		return exitOK
	}
	for _, k := range keys {
		fmt.Fprintf(e.stdout, "%s\n  file:       %s\n  possession: %s\n", k.PublicKey, k.Path, k.Possession)
	}
	return exitOK
}
