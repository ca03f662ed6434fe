//go:build unix

package testenv

import (
	"syscall"
	"time"
)

// CPUTime is the CPU time the process has used, user and system, or 0
// when it cannot be read. On a shared machine a benchmark's work per CPU
// second measures the code, where work per wall second measures the
// neighbours too.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
