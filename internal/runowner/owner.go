// Package runowner names the process that owns a collection run
// ("host:pid namespace") and says whether that process still lives, so
// that a run left behind by a killed process frees its source without
// waiting for its lease. Only a process of this PID table can be checked.
package runowner

import (
	"os"
	"strconv"
	"strings"
)

// Self names this process in the runs it starts: "host:pid namespace",
// where namespace tells apart the PID tables a host name can hide (boot
// and PID namespace on Linux; "" elsewhere).
var Self = Of(os.Getpid())

// Of is the owner a run started by process pid of this machine's PID
// table records.
func Of(pid int) string {
	return hostname() + ":" + strconv.Itoa(pid) + " " + pidNamespace()
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "unknown"
	}
	return h
}

// State says whether the process that owns a run is alive, and whether
// that could be known: only an owner in this process's PID table (same
// host, boot and PID namespace) can be checked.
func State(owner string) (alive, known bool) {
	id, ns, ok := strings.Cut(owner, " ")
	if !ok || ns == "" || ns != pidNamespace() {
		return false, false
	}
	i := strings.LastIndexByte(id, ':')
	if i < 0 || id[:i] != hostname() {
		return false, false
	}
	pid, err := strconv.Atoi(id[i+1:])
	if err != nil || pid <= 0 {
		return false, false
	}
	return pidAlive(pid), true
}
