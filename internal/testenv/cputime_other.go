//go:build !unix

package testenv

import "time"

// CPUTime is unknown here: 0, and the CPU-second metrics are left out.
func CPUTime() time.Duration { return 0 }
