package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/config"
	"github.com/spoor/spoor/internal/intel"
	"github.com/spoor/spoor/internal/secret/keyfile"
)

// env is what a command gets from the process: arguments after its name,
// configuration, standard streams and a logger. Tests build one directly.
type env struct {
	args   []string
	cfg    config.Config
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// keys seal the secrets of the store openStore opened.
	keys *keyfile.Keys
	// readTimeout is spoor serve's --read-timeout (web.Deps.ReadTimeout:
	// 0 the default, negative none).
	readTimeout time.Duration
}

// command is one verb of the CLI, in the style of cmd/go's base.Command.
type command struct {
	name  string
	usage string // arguments after the name
	short string // one line for the command list
	long  string // paragraph for spoor help NAME
	flags config.Flag
	// setFlags adds the command's own flags; the returned func runs it.
	setFlags func(fs *flag.FlagSet, e *env) func(ctx context.Context) error
}

// commands is the whole CLI surface.
func commands() []*command {
	return []*command{
		// One command a line, so that adding one touches one line.
		serveCmd(),
		demoCmd(),
		importCmd(),
		searchCmd(),
		exportCmd(),
		matchCmd(),
		groupCmd(),
		relatedCmd(),
		duplicatesCmd(),
		stixCmd(),
		graphCmd(),
		evalCmd(),
		trainCmd(),
		attributeCmd(),
		reputationCmd(),
		nlpCmd(),
		forumClassifyCmd(),
		forumCrawlCmd(),
		forumEventsCmd(),
		analyzeCmd(),
		userCmd(),
		tokenCmd(),
		modelCmd(),
		watchCmd(),
		extractCmd(),
		collectCmd(),
		forumCmd(),
		sourceCmd(),
		workerCmd(),
		secretsCmd(),
		backupCmd(),
		restoreCmd(),
		migrateCmd(),
		doctorCmd(),
		versionCmd(),
	}
}

// usageError is a mistake in how a command was called (exit status 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// run is spoor's real main: it takes everything from the outside world as
// arguments so that tests can drive it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" && len(args) == 1 {
		printUsage(stdout)
		return nil
	}
	if args[0] == "help" {
		args = append(args[1:], "--help")
	}
	if args[0] == "forum" && len(args) > 1 && forumSubcommands[args[1]] {
		args = append([]string{"forum " + args[1]}, args[2:]...)
	}
	var cmd *command
	for _, c := range commands() {
		if c.name == args[0] {
			cmd = c
		}
	}
	if cmd == nil {
		return usagef("unknown command %q; run 'spoor help' for the list", args[0])
	}
	cfg, err := config.FromEnv(getenv)
	if err != nil {
		return err
	}
	e := &env{cfg: cfg, getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	fs := flag.NewFlagSet("spoor "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	e.cfg.Register(fs, cmd.flags)
	runFn := cmd.setFlags(fs, e)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: spoor %s %s\n\n%s\n", cmd.name, cmd.usage, strings.TrimSpace(cmd.long))
		if hasFlags(fs) {
			fmt.Fprintln(fs.Output(), "\nflags:")
			fs.PrintDefaults()
		}
	}
	positional, err := parseInterspersed(fs, args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return &usageError{err.Error()}
	}
	if err := e.cfg.Validate(); err != nil {
		return err
	}
	e.args = positional
	return runFn(ctx)
}

// parseInterspersed parses flags wherever they stand among the arguments
// ("user add --role analyst alice"), as people type them; "--" ends flags.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, "spoor collects, analyses and serves threat intelligence.\n\nusage: spoor COMMAND [flags] [args]\n\ncommands:\n")
	cmds := commands()
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].name < cmds[j].name })
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.short)
	}
	fmt.Fprint(w, "\nRun 'spoor help COMMAND' (or spoor COMMAND --help) for a command's flags.\nSettings: flags, then SPOOR_* environment variables, then defaults.\n")
}

// logger returns a text logger on stderr at the configured level.
func (e *env) logger() *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(e.cfg.LogLevel)) // validated by config
	return slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))
}

// errorLine is the one line a user sees for err.
func errorLine(err error) string {
	var ue *usageError
	if errors.As(err, &ue) {
		return ue.msg
	}
	if intel.ErrorCode(err) == intel.CodeInternal {
		// Not a user-facing error: show the chain, which names where it
		// happened, but never a stack trace.
		return err.Error()
	}
	return intel.ErrorMessage(err)
}

// exitCode maps an error to the process exit status.
func exitCode(err error) int {
	var ue *usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}
