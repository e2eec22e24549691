package node

import (
	"fmt"

	"lightdas/das"
)

// Misbehaviours a full node can be told to show (tests and devnets only).
const (
	// MisbehaveWithhold: answer every sample and row request with "not
	// found", as a producer hiding its block would.
	MisbehaveWithhold = "withhold"
	// MisbehaveCorrupt: flip a bit in every cell served.
	MisbehaveCorrupt = "corrupt"
)

// ParseMisbehavior maps a misbehaviour name to the serving hooks; "" is
// honest (nil).
func ParseMisbehavior(name string) (*das.Misbehavior, error) {
	switch name {
	case "":
		return nil, nil
	case MisbehaveWithhold:
		return &das.Misbehavior{Withhold: func(uint64, das.Coord) bool { return true }}, nil
	case MisbehaveCorrupt:
		return &das.Misbehavior{Tamper: func(_ *das.Request, r *das.Response) {
			for i := range r.Entries {
				if r.Entries[i].Found {
					r.Entries[i].Cell[100] ^= 1
				}
			}
		}}, nil
	}
	return nil, fmt.Errorf("%w: misbehaviour %q (want %s or %s)", ErrConfig, name, MisbehaveWithhold, MisbehaveCorrupt)
}
