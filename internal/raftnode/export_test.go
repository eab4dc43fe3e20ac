package raftnode

import "go.etcd.io/raft/v3/raftpb"

// ZapLogger is zapLogger, for the tests of what etcd's storage logs.
var ZapLogger = zapLogger

// RetainedEntries returns the entries the node's in-memory log keeps.
func (n *Node) RetainedEntries() []raftpb.Entry {
	first, _ := n.memory.FirstIndex()
	last, _ := n.memory.LastIndex()
	ents, err := n.memory.Entries(first, last+1, 1<<40)
	if err != nil {
		return nil
	}
	return ents
}

// SnapshotIndex is the index of the node's newest snapshot.
func (n *Node) SnapshotIndex() uint64 {
	s, _ := n.memory.MemoryStorage.Snapshot()
	return s.Metadata.Index
}

// InMemorySnapshotBytes is the size of the snapshot data the node's
// in-memory log holds.
func (n *Node) InMemorySnapshotBytes() int {
	s, _ := n.memory.MemoryStorage.Snapshot()
	return len(s.Data)
}
