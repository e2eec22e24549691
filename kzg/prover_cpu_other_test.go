//go:build !unix && !js

package kzg

import "time"

func processCPU() (time.Duration, bool) { return 0, false }
