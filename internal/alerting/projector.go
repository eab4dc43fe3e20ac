package alerting

import (
	"time"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// ProjectorPosition is the height the projector reports as projected
// (a *projectorpos.Watcher); ok is false while none is known.
type ProjectorPosition interface {
	Projected() (height uint64, ok bool)
}

// Blocks is a validator's own chain (a *consensus.BlockStore).
type Blocks interface {
	Height() uint64
	Get(height uint64) (*aurigraphv1.Block, error)
}

// ProjectorLag measures, on one validator, how far the projection is
// behind that validator's chain: 0 when the projected height reaches the
// chain's, else the time since the first block not projected was proposed
// (its header's timestamp). Not safe for concurrent use; the sampler calls
// it from one goroutine.
type ProjectorLag struct {
	pos    ProjectorPosition
	blocks Blocks
	// The timestamp of block next, kept while the projector stands still
	// so that a stopped projector costs no block read a sample.
	next uint64
	at   time.Time
}

// NewProjectorLag measures the lag of pos behind blocks.
func NewProjectorLag(pos ProjectorPosition, blocks Blocks) *ProjectorLag {
	return &ProjectorLag{pos: pos, blocks: blocks}
}

// Measure returns the lag at now; ok is false while the projector's position is unknown, or when
// the first block not projected cannot be read.
func (l *ProjectorLag) Measure(now time.Time) (lag time.Duration, ok bool) {
	projected, known := l.pos.Projected()
	if !known {
		return 0, false
	}
	height := l.blocks.Height()
	if projected >= height {
		return 0, true
	}
	next := projected + 1
	if next != l.next || l.at.IsZero() {
		blk, err := l.blocks.Get(next)
		if err != nil {
			return 0, false
		}
		l.next, l.at = next, time.UnixMilli(blk.GetHeader().GetTimestampMs())
	}
	// The timestamp is the proposing leader's clock: a little ahead of
	// this one is no lag.
	return max(now.Sub(l.at), 0), true
}
