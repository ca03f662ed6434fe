package store

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// processOwner names this process in the runs it starts: "host:pid".
var processOwner = ownerOf(hostname(), os.Getpid())

func hostname() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "unknown"
	}
	return h
}

func ownerOf(host string, pid int) string { return host + ":" + strconv.Itoa(pid) }

// processAlive reports whether the process that owns a run may still be
// running it. Only a process on this host can be checked (signal 0); for
// another host, or an owner that does not parse, the lease decides.
func processAlive(owner string) bool {
	i := strings.LastIndexByte(owner, ':')
	if i < 0 {
		return true
	}
	host, pidText := owner[:i], owner[i+1:]
	pid, err := strconv.Atoi(pidText)
	if err != nil || pid <= 0 || host != hostname() {
		return true
	}
	if pid == os.Getpid() {
		return true
	}
	err = syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
