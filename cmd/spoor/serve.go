package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spoor/spoor/internal/auth"
	"github.com/spoor/spoor/internal/collect"
	"github.com/spoor/spoor/internal/config"
	"github.com/spoor/spoor/internal/notify"
	"github.com/spoor/spoor/internal/store"
	"github.com/spoor/spoor/internal/web"
)

func serveCmd() *command {
	return &command{
		name:  "serve",
		usage: "[--db DB] [--addr ADDR] [--import-dir DIR]… [--allowed-host NAME]…",
		short: "serve the web application and the JSON API",
		long: `Serve opens (and migrates) the database and serves the web application and
the JSON API under /api/v1. On first start, with no users, it creates the
user "admin" and prints its one-time password.

Sources defined or run through the server read server paths only inside
the --import-dir directories (none by default), never through a link out
of them, and never a device, socket or FIFO. --allowed-host names the host
names it answers to; on loopback, by default, only localhost, 127.0.0.1
and ::1.`,
		flags: config.FlagDB | config.FlagAddr | config.FlagSecureCookies | config.FlagLogLevel | config.FlagTrustedProxy | config.FlagImportDirs | config.FlagAllowedHosts,
		setFlags: func(fs *flag.FlagSet, e *env) func(context.Context) error {
			dev := fs.String("dev", "", "serve templates and static files from this directory (e.g. internal/web), re-read on each request")
			noScheduler := fs.Bool("no-scheduler", false, "do not collect due sources in the background (leave it to spoor worker)")
			readTimeout := fs.Duration("read-timeout", web.DefaultReadTimeout, "stop a page or API read that takes longer, waiting included, and answer 503 (0: no limit)")
			return func(ctx context.Context) error {
				if len(e.args) != 0 {
					return usagef("usage: spoor serve [flags]")
				}
				st, err := e.openStore(ctx)
				if err != nil {
					return err
				}
				defer st.Close()
				if err := ensureAdmin(ctx, e, st, false); err != nil {
					return err
				}
				// One collector for the scheduler and the web server: "Run
				// now" and scheduled runs share its report fetchers.
				c, err := e.serverCollector(st)
				if err != nil {
					return err
				}
				if !*noScheduler {
					go c.Schedule(ctx, time.Minute, logRun(e.logger()))
				}
				e.readTimeout = *readTimeout
				if *readTimeout == 0 {
					e.readTimeout = -1 // web.Deps: no limit
				}
				return serveHTTP(ctx, e, st, c, *dev, nil)
			}
		},
	}
}

// ensureAdmin creates the first admin when the base has no users, or, when
// reset is set (the demo), gives the admin a new password, and prints it.
func ensureAdmin(ctx context.Context, e *env, st *store.Store, reset bool) error {
	svc := authService(st)
	pw, created, err := svc.EnsureAdmin(ctx, "admin")
	if err != nil {
		return err
	}
	if !created && reset {
		pw = ""
		if u, err := svc.FindUser(ctx, "admin"); err == nil && u.Role == "admin" {
			pw = auth.GeneratePassword()
			if _, err := svc.SetPassword(ctx, "admin", pw, auth.PasswordOptions{}); err != nil {
				return err
			}
			if !u.Enabled {
				if _, err := svc.SetEnabled(ctx, "admin", true); err != nil {
					return err
				}
			}
		}
	}
	if pw != "" {
		fmt.Fprintf(e.stdout, "sign in as admin with password %s (shown once)\n", pw)
	}
	return nil
}

// serveHTTP runs the web server until ctx ends, then drains requests.
// ready, if not nil, receives the bound address (tests listen on :0).
// Alongside, the auth service's upkeep runs every minute (see maintain).
func serveHTTP(ctx context.Context, e *env, st *store.Store, c *collect.Collector, devDir string, ready chan<- string) error {
	log := e.logger()
	// One service for the server and its upkeep: it holds the token uses
	// not yet written.
	svc := authService(st)
	// One notifier for the pages, the API and the scheduler's
	// collections; its attempts under way finish before the store closes,
	// and retries still waiting are given up (and logged).
	notifier := notify.New(st, notify.Options{Logger: log})
	defer notifier.Close()
	if c != nil {
		c.Notify = notifier
	}
	deps := web.Deps{
		Store: st, Auth: svc, Collector: c, Notifier: notifier, Logger: log,
		Version: version, SecureCookies: e.cfg.SecureCookies, TrustedProxies: e.cfg.TrustedProxies,
		ReadTimeout: e.readTimeout, MaxReads: st.ReadPoolSize(),
	}
	if c != nil {
		deps.Reputation = c.Reputation // one loaded model for the pages and screening
	}
	if devDir != "" {
		deps.Dev = os.DirFS(devDir)
	}
	ln, err := net.Listen("tcp", e.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", e.cfg.Addr, err)
	}
	// The host allow-list depends on where the server listens: on
	// loopback, by default, only the loopback names (DNS rebinding).
	deps.AllowedHosts = web.HostsFor(ln.Addr().String(), e.cfg.AllowedHosts)
	handler, err := web.New(deps)
	if err != nil {
		ln.Close()
		return err
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          nil,
	}
	addr := ln.Addr().String()
	fmt.Fprintf(e.stdout, "spoor %s listening on http://%s\n", version, addr)
	log.Info("serving", "addr", addr, "config", e.cfg.String(), "allowed_hosts", strings.Join(deps.AllowedHosts, ","))
	if ready != nil {
		ready <- addr
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	upkeepCtx, stopUpkeep := context.WithCancel(ctx)
	upkeep := make(chan struct{})
	go func() {
		defer close(upkeep)
		maintain(upkeepCtx, svc, tick.C, log)
	}()
	defer func() { stopUpkeep(); <-upkeep }() // before the store closes
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	stopUpkeep()
	<-upkeep
	// The last token uses, noted after the last tick.
	if err := svc.FlushTokenUse(shutdown); err != nil {
		log.Warn("write token uses", "err", err)
	}
	log.Info("stopped")
	return nil
}

// maintain does the auth service's upkeep on every tick until ctx ends:
// it writes the API token uses noted in memory (so a request never waits
// for a write) and deletes expired sessions. A failure is logged and
// tried again on the next tick.
func maintain(ctx context.Context, svc *auth.Service, tick <-chan time.Time, log *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
		}
		n, err := svc.Maintain(ctx)
		if err != nil && ctx.Err() == nil {
			log.Warn("auth upkeep", "err", err)
		}
		if n > 0 {
			log.Info("pruned expired sessions", "sessions", n)
		}
	}
}
