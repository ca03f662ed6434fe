//go:build !unix

package nlp_test

import "time"

// cpuTime is unknown here: the CPU-second metrics are left out.
func cpuTime() time.Duration { return 0 }
