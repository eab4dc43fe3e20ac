// Package raftnodetest helps test what runs on internal/raftnode: an
// in-memory Network of transports (messages travel encoded, a node can be
// isolated), a Machine that keeps what it applies and snapshots it, and a
// Cluster of nodes over them in temporary data dirs. It is for tests only;
// nothing the binary links imports it.
package raftnodetest
