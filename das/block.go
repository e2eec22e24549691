package das

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"lightdas/headers"
	"lightdas/kzg"
	"lightdas/p2p"
)

// drawCoords returns n distinct cells of a 2k x 128 grid, uniformly at
// random from crypto/rand, sorted row-major. The grid has 256k cells, a
// power of two, so masking random bits is unbiased; duplicates are drawn
// again.
func drawCoords(k, n int) ([]Coord, error) {
	total := gridCells(k)
	if n < 0 || n > total {
		return nil, fmt.Errorf("%w: %d distinct cells of %d", ErrConfig, n, total)
	}
	seen := make(map[int]bool, n)
	out := make([]Coord, 0, n)
	buf := make([]byte, 4*n)
	for len(out) < n {
		need := n - len(out)
		if _, err := rand.Read(buf[:4*need]); err != nil {
			return nil, fmt.Errorf("das: reading randomness: %w", err)
		}
		for i := 0; i < need; i++ {
			v := int(binary.BigEndian.Uint32(buf[4*i:])) & (total - 1)
			if seen[v] {
				continue
			}
			seen[v] = true
			out = append(out, Coord{Row: v / kzg.CellsPerRow, Col: v % kzg.CellsPerRow})
		}
	}
	slices.SortFunc(out, func(a, b Coord) int {
		if a.less(b) {
			return -1
		}
		if b.less(a) {
			return 1
		}
		return 0
	})
	return out, nil
}

// cellState follows one sampled cell.
type cellState struct {
	coord    Coord
	failed   map[p2p.PeerID]bool // peers that did not deliver it this round
	pending  bool                // a request for it is in flight
	cand     *Entry              // data received, not verified yet
	from     p2p.PeerID
	verified bool
	invalid  bool // some peer served data for it that failed verification
	lastErr  error
}

type fetchResult struct {
	peer p2p.PeerID
	idx  []int // cells of the request, in its order
	resp *Response
	err  error
}

// blockRun is the sampling of one block: it assigns cells to peers,
// collects answers, verifies them in batches and reaches a verdict.
type blockRun struct {
	s       *Sampler
	h       *headers.Header
	commits []kzg.Commitment
	cells   []cellState
	res     *BlockResult

	ctx      context.Context // the block's deadline
	results  chan fetchResult
	wg       sync.WaitGroup
	inflight int
	load     map[p2p.PeerID]int // cells asked per peer in this block
	served   map[p2p.PeerID]bool
	badBlock error // the header's commitments do not decode
}

// sampleBlock samples one block until a verdict, the block deadline, or
// the cancellation of ctx (then it returns ctx's error and no result).
func (s *Sampler) sampleBlock(ctx context.Context, h *headers.Header, received time.Time, attempt int) (*BlockResult, error) {
	if err := s.checkHeader(h); err != nil {
		return nil, err
	}
	k := h.K()
	res := &BlockResult{
		Height: h.Height, Hash: h.Hash(), K: k, Samples: s.table.n[k],
		Attempt: attempt, Received: received, Started: time.Now(),
	}
	coords, err := drawCoords(k, res.Samples)
	if err != nil {
		return nil, err
	}
	s.emit(&BlockStarted{Height: h.Height, Hash: res.Hash, K: k, Attempt: attempt, Cells: slices.Clone(coords), Time: res.Started})
	bctx, cancel := context.WithTimeout(ctx, s.cfg.blockTimeout)
	defer cancel()
	r := &blockRun{
		s: s, h: h, res: res, ctx: bctx,
		commits: make([]kzg.Commitment, k),
		cells:   make([]cellState, len(coords)),
		results: make(chan fetchResult),
		load:    map[p2p.PeerID]int{},
		served:  map[p2p.PeerID]bool{},
	}
	for i := range h.Commitments {
		r.commits[i] = kzg.Commitment(h.Commitments[i])
	}
	for i, c := range coords {
		r.cells[i] = cellState{coord: c, failed: map[p2p.PeerID]bool{}}
	}
	err = r.run(ctx)
	cancel()
	r.wg.Wait() // requests end promptly: their streams are reset on cancel
	if err != nil {
		return nil, err
	}
	res.Duration = time.Since(res.Started)
	return res, nil
}

func (r *blockRun) run(parent context.Context) error {
	s := r.s
	backoff := s.cfg.retryBackoff
	round := 1
	var retry <-chan time.Time
	peersChanged := s.peerSignal()
	r.dispatch(true)
	for {
		if r.badBlock != nil || r.allVerified() {
			r.finish()
			return nil
		}
		if r.inflight == 0 {
			sent, exhausted := r.dispatch(false)
			switch {
			case sent > 0:
			case exhausted > 0 && s.cfg.retryRounds > 0 && round >= s.cfg.retryRounds:
				// A cell no peer delivers after the last round: the verdict
				// cannot be "available", whatever the rest verifies to.
				r.finish()
				return nil
			case r.hasCandidates():
				r.verify()
				continue
			case retry == nil:
				retry = time.After(backoff)
			}
		}
		select {
		case fr := <-r.results:
			r.inflight--
			r.handle(fr)
			if r.inflight > 0 {
				r.dispatch(false) // ask elsewhere now, in parallel
			}
		case <-retry:
			retry = nil
			round++
			backoff = min(2*backoff, s.cfg.maxRetryBackoff)
			for i := range r.cells {
				clear(r.cells[i].failed)
			}
		case <-peersChanged:
			peersChanged = s.peerSignal()
		case <-r.ctx.Done():
			if err := parent.Err(); err != nil {
				return err
			}
			// Deadline: verify what arrived, then judge.
			if r.hasCandidates() {
				r.verify()
			}
			r.finish()
			return nil
		}
	}
}

func (r *blockRun) allVerified() bool {
	for i := range r.cells {
		if !r.cells[i].verified {
			return false
		}
	}
	return true
}

func (r *blockRun) hasCandidates() bool {
	for i := range r.cells {
		if r.cells[i].cand != nil && !r.cells[i].verified {
			return true
		}
	}
	return false
}

// dispatch asks peers for every cell that has no data and no request in
// flight. The first dispatch spreads the cells round-robin over the best
// `spread` peers (so with 3 or more peers none learns more than
// ceil(n/3) of them); later ones give each cell to the least-loaded peer
// that has not failed it this round. It returns the number of requests
// sent and of cells no peer can be asked for.
func (r *blockRun) dispatch(initial bool) (sent, exhausted int) {
	s := r.s
	var need []int
	for i := range r.cells {
		c := &r.cells[i]
		if !c.verified && c.cand == nil && !c.pending {
			need = append(need, i)
		}
	}
	if len(need) == 0 {
		return 0, 0
	}
	now := time.Now()
	ranked := s.peers.rank(s.host.Peers(), now)
	rank := make(map[p2p.PeerID]int, len(ranked))
	for i, p := range ranked {
		rank[p] = i
	}
	groups := map[p2p.PeerID][]int{}
	var order []p2p.PeerID
	add := func(p p2p.PeerID, i int) {
		if groups[p] == nil {
			order = append(order, p)
		}
		groups[p] = append(groups[p], i)
		r.load[p]++
	}
	if initial && len(ranked) > 0 {
		m := min(len(ranked), s.cfg.spread)
		for j, i := range need {
			add(ranked[j%m], i)
		}
	} else {
		for _, i := range need {
			c := &r.cells[i]
			best := p2p.PeerID("")
			for _, p := range ranked {
				if c.failed[p] {
					continue
				}
				if best == "" || r.load[p] < r.load[best] || r.load[p] == r.load[best] && rank[p] < rank[best] {
					best = p
				}
			}
			if best == "" {
				exhausted++
				continue
			}
			add(best, i)
		}
	}
	for _, p := range order {
		idx := groups[p]
		for len(idx) > 0 {
			n := min(len(idx), MaxCellsPerRequest)
			r.launch(p, idx[:n])
			idx = idx[n:]
			sent++
		}
	}
	return sent, exhausted
}

// launch sends one request (cells idx, ascending) to peer.
func (r *blockRun) launch(peer p2p.PeerID, idx []int) {
	s := r.s
	q := &Request{Height: r.h.Height, Hash: r.res.Hash, Cells: make([]Coord, len(idx))}
	for j, i := range idx {
		q.Cells[j] = r.cells[i].coord
		r.cells[i].pending = true
	}
	r.inflight++
	r.res.Requests++
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		fr := fetchResult{peer: peer, idx: idx}
		select {
		case s.requests <- struct{}{}:
			ctx, cancel := context.WithTimeout(r.ctx, s.cfg.requestTimeout)
			fr.resp, fr.err = fetch(ctx, s.host, s.proto, peer, q)
			cancel()
			<-s.requests
		case <-r.ctx.Done():
			fr.err = r.ctx.Err()
		}
		select {
		case r.results <- fr:
		case <-r.ctx.Done():
		}
	}()
}

// handle records one request's outcome.
func (r *blockRun) handle(fr fetchResult) {
	s := r.s
	now := time.Now()
	height := r.h.Height
	fail := func(outcome CellOutcome, err error) {
		for _, i := range fr.idx {
			c := &r.cells[i]
			c.pending = false
			c.failed[fr.peer] = true
			c.lastErr = err
			s.emit(&CellResult{Height: height, Coord: c.coord, Peer: fr.peer, Outcome: outcome, Err: err, Elapsed: time.Since(r.res.Started)})
		}
	}
	if fr.err == nil && s.peers.banned(fr.peer, now) {
		// Banned meanwhile (bad data for another block): drop its answer.
		fail(CellFailed, fmt.Errorf("das: peer %s is banned", fr.peer))
		return
	}
	if fr.err != nil {
		switch classify(fr.err, fr.resp) {
		case failNoProtocol:
			s.peers.noProtocol(fr.peer, now)
		case failViolation:
			s.penalise(fr.peer, height, penaltyInvalid, fr.err)
		case failRefused:
			s.penalise(fr.peer, height, penaltyRefused, fr.err)
		case failUnknown:
			s.penalise(fr.peer, height, penaltyNotFound, fr.err)
			fail(CellNotFound, fr.err)
			return
		default:
			s.penalise(fr.peer, height, penaltyTimeout, fr.err)
		}
		fail(CellFailed, fr.err)
		return
	}
	missing := 0
	for j, i := range fr.idx {
		c := &r.cells[i]
		c.pending = false
		e := &fr.resp.Entries[j]
		if e.Found {
			c.cand, c.from = e, fr.peer
			continue
		}
		missing++
		c.failed[fr.peer] = true
		c.lastErr = fmt.Errorf("%w at %s", ErrCellNotFound, fr.peer)
		s.emit(&CellResult{Height: height, Coord: c.coord, Peer: fr.peer, Outcome: CellNotFound, Elapsed: time.Since(r.res.Started)})
	}
	if missing > 0 {
		s.penalise(fr.peer, height, penaltyNotFound, fmt.Errorf("%w: %d of %d cells", ErrCellNotFound, missing, len(fr.idx)))
	}
}

// verify checks every unverified candidate in one batch. When the batch
// fails, each serving peer's cells are checked on their own: peers whose
// cells fail are banned and their cells asked elsewhere.
func (r *blockRun) verify() {
	var idx []int
	for i := range r.cells {
		if r.cells[i].cand != nil && !r.cells[i].verified {
			idx = append(idx, i)
		}
	}
	err := r.check(idx)
	if err == nil {
		r.accept(idx)
		return
	}
	if isCommitmentErr(err) {
		r.badBlock = fmt.Errorf("%w: header commitments: %w", ErrHeader, err)
		return
	}
	groups := map[p2p.PeerID][]int{}
	var order []p2p.PeerID
	for _, i := range idx {
		p := r.cells[i].from
		if groups[p] == nil {
			order = append(order, p)
		}
		groups[p] = append(groups[p], i)
	}
	for _, p := range order {
		g := groups[p]
		gerr := err
		if len(order) > 1 {
			gerr = r.check(g)
		}
		if gerr == nil {
			r.accept(g)
			continue
		}
		r.s.penalise(p, r.h.Height, penaltyInvalid, gerr)
		for _, i := range g {
			c := &r.cells[i]
			c.cand = nil
			c.invalid = true
			c.failed[p] = true
			c.lastErr = gerr
			r.s.emit(&CellResult{Height: r.h.Height, Coord: c.coord, Peer: p, Outcome: CellInvalid, Err: gerr, Elapsed: time.Since(r.res.Started)})
		}
	}
}

// check verifies the candidates idx in one batch against the header's
// commitments (extended rows' commitments are derived inside).
func (r *blockRun) check(idx []int) error {
	samples := make([]kzg.Sample, len(idx))
	for j, i := range idx {
		c := &r.cells[i]
		samples[j] = kzg.Sample{Row: c.coord.Row, Column: c.coord.Col, Cell: c.cand.Cell, Proof: c.cand.Proof}
	}
	t := time.Now()
	err := r.s.verifier.VerifySamples(r.commits, samples)
	r.res.Verify += time.Since(t)
	return err
}

func (r *blockRun) accept(idx []int) {
	per := map[p2p.PeerID]int{}
	elapsed := time.Since(r.res.Started)
	for _, i := range idx {
		c := &r.cells[i]
		c.verified = true
		per[c.from]++
		r.served[c.from] = true
		r.s.emit(&CellResult{Height: r.h.Height, Coord: c.coord, Peer: c.from, Outcome: CellVerified, Elapsed: elapsed})
	}
	for p, n := range per {
		r.s.peers.reward(p, n)
	}
}

func isCommitmentErr(err error) bool {
	var ie *kzg.IndexError
	return errors.As(err, &ie) && ie.What == "commitment"
}

// finish fills in the verdict.
func (r *blockRun) finish() {
	res := r.res
	invalid := false
	var lastErr error
	for i := range r.cells {
		c := &r.cells[i]
		if c.verified {
			res.Verified++
			continue
		}
		res.Missing = append(res.Missing, c.coord)
		invalid = invalid || c.invalid
		if lastErr == nil {
			lastErr = c.lastErr
		}
	}
	res.Peers = len(r.served)
	switch {
	case r.badBlock != nil:
		res.Status, res.Err = Invalid, r.badBlock
	case len(res.Missing) == 0:
		res.Status = Available
		res.Confidence, _ = Confidence(res.K, res.Verified)
	case invalid:
		res.Status = Invalid
		res.Err = fmt.Errorf("das: %d of %d sampled cells only had invalid data: %w", len(res.Missing), res.Samples, lastErr)
	default:
		if lastErr == nil {
			lastErr = r.ctx.Err()
		}
		if lastErr == nil {
			lastErr = errors.New("no peers")
		}
		res.Status = Unavailable
		res.Err = fmt.Errorf("das: %d of %d sampled cells not obtained: %w", len(res.Missing), res.Samples, lastErr)
	}
}
