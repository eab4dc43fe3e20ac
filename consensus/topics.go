package consensus

import (
	"bytes"
	"fmt"
)

// ErrTopicChanged means the state machine rejected a batch because a range
// came from a topic other than the one the replicated offsets were recorded
// against: the topic was deleted and created again under the same name.
var ErrTopicChanged = fmt.Errorf("%w: the range comes from another topic of that name", ErrStaleOffsets)

// TopicID returns the broker's id of the topic the replicated offsets of
// topic were recorded against, nil when none was recorded. Read it after
// NextOffsets, in the same term, to get the id those offsets belong to: only
// the leader's own proposals change it.
func (n *Node) TopicID(topic string) []byte {
	n.chain.mu.RLock()
	defer n.chain.mu.RUnlock()
	return bytes.Clone(n.chain.fsm.topicIDs[topic])
}
