// Command spoor is a threat-intelligence platform in one binary: it
// collects intelligence, stores it with provenance, and serves it as a web
// application, a JSON API and this command line.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "spoor:", errorLine(err))
		os.Exit(exitCode(err))
	}
}
