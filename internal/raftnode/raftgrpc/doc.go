// Package raftgrpc carries raft messages between the processes of a
// cluster: the raftnode.Transport a validator uses. Each node serves
// aurigraph.v1.RaftTransport on its raft address and keeps one client
// stream open to every peer, fed from a bounded queue that never blocks the
// raft loop; a stream that breaks is opened again with capped backoff, and
// gRPC keepalive finds a connection that died silently. With a TLSConfig
// every connection is mutual TLS 1.3 against one CA.
//
// Services other than raft that peers call (block catch-up, key proofs)
// share the server (RegisterService) and the connections (PeerConn); the
// transport serves the standard health service on it and checks each peer's
// every second, whose round trip is aurigraph_consensus_peer_rtt_seconds.
package raftgrpc
