package erasure

import (
	"math/big"
	"runtime"
	"sync"
	"sync/atomic"
)

// parallelFor runs fn(0..n-1) on a pool of GOMAXPROCS goroutines (inline
// when there is only one, as under wasm). Work items are handed out one at a
// time, so uneven items balance.
func parallelFor(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				fn(i)
			}
		})
	}
	wg.Wait()
}

func bigInt(x int) *big.Int { return big.NewInt(int64(x)) }
