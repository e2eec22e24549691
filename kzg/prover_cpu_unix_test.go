//go:build unix && !js

package kzg

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time used by the process so far: benchmarks
// report it per op next to wall time, which on a shared machine depends on
// the other load.
func processCPU() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
