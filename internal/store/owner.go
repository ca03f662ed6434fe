package store

import (
	"os"
	"strconv"
	"strings"
)

// processOwner names this process in the runs it starts:
// "host:pid namespace", where namespace tells apart the PID tables a
// host name can hide (boot and PID namespace on Linux; "" elsewhere).
var processOwner = ProcessOwner(os.Getpid())

// ProcessOwner is the owner a run started by process pid of this
// machine's PID table records.
func ProcessOwner(pid int) string {
	return hostname() + ":" + strconv.Itoa(pid) + " " + pidNamespace()
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "unknown"
	}
	return h
}

// processAlive reports whether the process that owns a run may still be
// running it. Only an owner in this process's PID table (same host, boot
// and PID namespace) can be checked; for any other, or an owner that does
// not parse, the lease decides.
func processAlive(owner string) bool {
	id, ns, ok := strings.Cut(owner, " ")
	if !ok || ns == "" || ns != pidNamespace() {
		return true
	}
	i := strings.LastIndexByte(id, ':')
	if i < 0 || id[:i] != hostname() {
		return true
	}
	pid, err := strconv.Atoi(id[i+1:])
	if err != nil || pid <= 0 {
		return true
	}
	if pid == os.Getpid() {
		return true
	}
	return pidAlive(pid)
}
