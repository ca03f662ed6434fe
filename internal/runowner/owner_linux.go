package runowner

import (
	"errors"
	"os"
	"strings"
	"sync"
	"syscall"
)

// pidNamespace names this process's PID table: the boot (a reboot reuses
// PIDs) and the PID namespace (containers sharing a host name and kernel
// have their own PIDs).
var pidNamespace = sync.OnceValue(func() string {
	boot, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	ns, err := os.Readlink("/proc/self/ns/pid")
	if err != nil {
		return ""
	}
	b := strings.TrimSpace(string(boot))
	return b[:min(len(b), 8)] + "/" + strings.TrimSuffix(strings.TrimPrefix(ns, "pid:["), "]")
})

// pidAlive reports whether a process exists (signal 0; EPERM means it
// exists under another user).
func pidAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
