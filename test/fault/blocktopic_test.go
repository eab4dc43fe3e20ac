package fault

import "github.com/aurigraph/aurigraph/test/testbin"

// checkBlocksTopic checks the block events the leaders published across
// every fault: block h at offset h-1 with the chain's hash for every h up
// to the tip, and nothing more.
func (c *cluster) checkBlocksTopic(tip chainStats, hashes map[uint64]string) {
	c.t.Helper()
	testbin.CheckBlocksTopic(c.t, []string{c.kafka}, nil, tip.Height, hashes)
}
