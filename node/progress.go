package node

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"lightdas/node/api"
)

// ProgressLine renders the catch-up progress of a status as one line,
// "[#####.....] 37/100 heights sampled"; ok is false when the node is not
// catching up (no window yet).
func ProgressLine(st api.Status, width int) (line string, done bool, ok bool) {
	cu := st.CatchUp
	if cu == nil || cu.To < cu.From {
		return "", false, false
	}
	total := cu.To - cu.From + 1
	n := min(cu.Done, total)
	width = max(width, 1)
	filled := int(n * uint64(width) / total)
	bar := strings.Repeat("#", filled) + strings.Repeat(".", width-filled)
	return fmt.Sprintf("[%s] %d/%d heights sampled", bar, n, total), n == total, true
}

// ShowProgress redraws the catch-up bar on w (a terminal: "\r" rewrites
// the line) every interval until the catch-up window is done or ctx ends.
func ShowProgress(ctx context.Context, b api.Backend, w io.Writer, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	drawn := false
	for {
		if st, err := b.Status(ctx); err == nil {
			if line, done, ok := ProgressLine(st, 30); ok {
				fmt.Fprintf(w, "\r%s", line)
				drawn = true
				if done {
					fmt.Fprintln(w)
					return
				}
			}
		}
		select {
		case <-ctx.Done():
			if drawn {
				fmt.Fprintln(w)
			}
			return
		case <-t.C:
		}
	}
}
