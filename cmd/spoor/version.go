package main

import (
	"context"
	"flag"
	"fmt"
	"runtime"
)

func versionCmd() *command {
	return &command{
		name:  "version",
		short: "print the version",
		long:  "Version prints spoor's version and the Go version it was built with.",
		setFlags: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			return func(context.Context) error {
				fmt.Fprintf(e.stdout, "spoor %s %s\n", version, runtime.Version())
				return nil
			}
		},
	}
}
