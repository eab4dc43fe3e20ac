package consensus

// AppliedOffsets returns, for each partition of topic, the next offset
// after what this validator has applied. Unlike NextOffsets it asks no
// leader and works on every validator: a cheap view, at most an apply
// behind, for watching whether ingest makes progress.
func (n *Node) AppliedOffsets(topic string) map[int32]int64 {
	n.chain.mu.RLock()
	defer n.chain.mu.RUnlock()
	return n.chain.fsm.nextOffsets(topic)
}
