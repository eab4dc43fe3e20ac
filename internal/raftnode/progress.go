package raftnode

import "time"

// progressInterval paces the apply lag sample.
const progressInterval = time.Second

// startWorkers runs the background loops that live as long as the node;
// they stop when stopc closes, and Close waits for them.
func (n *Node) startWorkers() {
	n.workers.Add(1)
	go func() {
		defer n.workers.Done()
		n.sampleProgress()
	}()
}

// sampleProgress records the apply lag once per interval.
func (n *Node) sampleProgress() {
	tick := time.NewTicker(progressInterval)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
		case <-n.stopc:
			return
		}
		committed, applied := n.committed.Load(), n.applied.Load()
		n.m.applyLag.Set(float64(committed - min(committed, applied)))
	}
}
