package ingest

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// notifyingChain is a fakeChain whose nodes notify leadership changes, as
// consensus.Node does, and count how often they are asked who leads.
type notifyingChain struct {
	*fakeChain
	mu    sync.Mutex
	ch    chan struct{}
	asked atomic.Int64
}

func (c *notifyingChain) elect(node uint64) {
	c.fakeChain.elect(node)
	c.mu.Lock()
	defer c.mu.Unlock()
	close(c.ch)
	c.ch = make(chan struct{})
}

type notifyingView struct {
	nodeView
	c *notifyingChain
}

func (v notifyingView) Leader() (bool, uint64) {
	v.c.asked.Add(1)
	return v.nodeView.Leader()
}

func (v notifyingView) LeadershipChanged() <-chan struct{} {
	v.c.mu.Lock()
	defer v.c.mu.Unlock()
	return v.c.ch
}

// TestConsumerActsOnTheNotificationAlone: a consumer whose node notifies
// leadership changes starts and stops on the notification and asks nothing
// in between, following or leading; LeaderPoll is for nodes that cannot
// notify.
func TestConsumerActsOnTheNotificationAlone(t *testing.T) {
	addr := newCluster(t, 2)
	cl := newClient(t, addr)
	chain := &notifyingChain{fakeChain: newFakeChain(t), ch: make(chan struct{})}
	c := startConsumer(t, addr, notifyingView{nodeView{chain.fakeChain, 1}, chain}, 1, nil)
	// LeaderPoll is 5ms: a polling consumer asks about a hundred times in
	// the half second, even on a loaded machine more than a few.
	const window, most = 500 * time.Millisecond, 5
	quiet := func(state string) {
		t.Helper()
		before := chain.asked.Load()
		time.Sleep(window)
		if asked := chain.asked.Load() - before; asked > most {
			t.Fatalf("%s, the node was asked who leads %d times in %v without a change; want at most %d", state, asked, window, most)
		}
	}
	waitFor(t, "the consumer to follow", func() bool { return chain.asked.Load() > 0 })
	quiet("following")

	chain.elect(1)
	recs, ids := txRecords(t, 0, 100)
	produce(t, cl, recs...)
	checkExactlyOnce(t, chain.fakeChain, cl, ids)
	waitFor(t, "the consumer to consume", func() bool { return c.Status().State == StateConsuming })
	quiet("leading")

	chain.elect(2)
	waitFor(t, "the deposed consumer to follow", func() bool { return !c.Status().Leading })
}
