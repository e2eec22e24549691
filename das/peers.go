package das

import (
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"lightdas/p2p"
)

// Score changes. Invalid data and protocol violations ban the peer; the
// rest only lowers its rank, so good peers are asked first.
const (
	penaltyInvalid   = 100 // invalid cell or proof, malformed or mismatched response: ban
	penaltyTimeout   = 5   // no (complete) answer in time, reset stream
	penaltyRefused   = 2   // rate limited or bad-request status
	penaltyNotFound  = 0.5 // unknown block or cells not found: maybe just behind
	rewardVerified   = 1   // per response whose cells verified
	maxScore         = 50
	noProtocolPeriod = time.Minute
)

type peerState struct {
	score       float64
	bannedUntil time.Time
	noProtoTill time.Time // does not serve the protocol (re-checked later)
	verified    uint64
	failures    uint64
}

// peerBook scores the peers a sampler asks.
type peerBook struct {
	banFor time.Duration

	mu    sync.Mutex
	peers map[p2p.PeerID]*peerState
}

func newPeerBook(banFor time.Duration) *peerBook {
	return &peerBook{banFor: banFor, peers: map[p2p.PeerID]*peerState{}}
}

func (b *peerBook) get(id p2p.PeerID) *peerState {
	p := b.peers[id]
	if p == nil {
		p = &peerState{}
		b.peers[id] = p
	}
	return p
}

// rank returns the usable peers among ids (not banned, not known to lack
// the protocol), best score first, ties in random order.
func (b *peerBook) rank(ids []p2p.PeerID, now time.Time) []p2p.PeerID {
	out := make([]p2p.PeerID, 0, len(ids))
	scores := make(map[p2p.PeerID]float64, len(ids))
	b.mu.Lock()
	for _, id := range ids {
		p := b.peers[id]
		if p != nil && (now.Before(p.bannedUntil) || now.Before(p.noProtoTill)) {
			continue
		}
		if p != nil {
			scores[id] = p.score
		}
		out = append(out, id)
	}
	b.mu.Unlock()
	rand.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	slices.SortStableFunc(out, func(x, y p2p.PeerID) int {
		sx, sy := scores[x], scores[y]
		switch {
		case sx > sy:
			return -1
		case sx < sy:
			return 1
		}
		return 0
	})
	return out
}

func (b *peerBook) banned(id p2p.PeerID, now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.peers[id]
	return p != nil && now.Before(p.bannedUntil)
}

func (b *peerBook) reward(id p2p.PeerID, cells int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.get(id)
	p.score = min(maxScore, p.score+rewardVerified)
	p.verified += uint64(cells)
}

// penalise lowers id's score (banning it for penaltyInvalid) and returns
// the event to report.
func (b *peerBook) penalise(id p2p.PeerID, height uint64, penalty float64, reason error, now time.Time) *PeerPenalised {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.get(id)
	p.score -= penalty
	p.failures++
	if penalty >= penaltyInvalid {
		p.bannedUntil = now.Add(b.banFor)
	}
	return &PeerPenalised{Peer: id, Height: height, Reason: reason, Penalty: penalty, Score: p.score, BannedUntil: p.bannedUntil}
}

func (b *peerBook) noProtocol(id p2p.PeerID, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.get(id).noProtoTill = now.Add(noProtocolPeriod)
}

// connected forgets that a peer lacked the protocol (it may have
// restarted with it).
func (b *peerBook) connected(id p2p.PeerID) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if p := b.peers[id]; p != nil {
		p.noProtoTill = time.Time{}
	}
}

// disconnected forgets a peer's score (bans are kept until they expire),
// so the book holds connected and banned peers only.
func (b *peerBook) disconnected(id p2p.PeerID, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if p := b.peers[id]; p != nil && !now.Before(p.bannedUntil) {
		delete(b.peers, id)
	}
}

func (b *peerBook) snapshot() []PeerInfo {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]PeerInfo, 0, len(b.peers))
	for id, p := range b.peers {
		out = append(out, PeerInfo{ID: id, Score: p.score, BannedUntil: p.bannedUntil, Verified: p.verified, Failures: p.failures})
	}
	slices.SortFunc(out, func(x, y PeerInfo) int {
		switch {
		case x.ID < y.ID:
			return -1
		case x.ID > y.ID:
			return 1
		}
		return 0
	})
	return out
}
