package raftnode

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.etcd.io/raft/v3"
)

// ClusterStatus is the cluster configuration as one node sees it.
type ClusterStatus struct {
	// ID is the node that answered.
	ID      uint64         `json:"id"`
	Leader  uint64         `json:"leader"`
	Term    uint64         `json:"term"`
	Members []MemberStatus `json:"members"`
}

// MemberStatus is one member with its role and, when the answering node
// leads, its replication progress.
type MemberStatus struct {
	Member
	// Role is leader, follower or learner.
	Role string `json:"role"`
	// Match is the highest log index known to be replicated on the member.
	Match uint64 `json:"match,omitempty"`
	// Replication is the leader's replication mode towards the member:
	// probe, replicate or snapshot.
	Replication string `json:"replication,omitempty"`
	// Active reports whether the member was heard from within the last
	// election timeout.
	Active *bool `json:"active,omitempty"`
}

// ClusterStatus returns the members, the leader and term, and the
// replication progress of each member when this node leads.
func (n *Node) ClusterStatus() ClusterStatus {
	isLeader, term := n.Leader()
	cs := ClusterStatus{ID: n.cfg.ID, Leader: n.leader.Load(), Term: term, Members: []MemberStatus{}}
	var rs raft.Status
	if isLeader {
		rs = n.raft.Status()
	}
	for _, m := range n.Members() {
		ms := MemberStatus{Member: m, Role: "follower"}
		switch {
		case !m.Voter:
			ms.Role = "learner"
		case m.ID == cs.Leader:
			ms.Role = "leader"
		}
		if pr, ok := rs.Progress[m.ID]; ok {
			active := pr.RecentActive || m.ID == n.cfg.ID
			ms.Match, ms.Replication, ms.Active = pr.Match, strings.ToLower(pr.State.String()), &active
		}
		cs.Members = append(cs.Members, ms)
	}
	return cs
}

// TransferLeadership hands the leadership of this node, which must lead,
// to the voter target, and waits until target leads or ctx ends. Raft
// first brings target up to date, so no committed entry is lost. A learner
// target is refused with an error wrapping ErrLearner.
func (n *Node) TransferLeadership(ctx context.Context, target uint64) error {
	if lead, _ := n.Leader(); !lead {
		return fmt.Errorf("transfer leadership to %d: %w", target, ErrNotLeader)
	}
	if target == n.cfg.ID {
		return nil
	}
	switch present, voter := n.member(target); {
	case !present:
		return fmt.Errorf("transfer leadership to %d: %w", target, ErrMemberNotFound)
	case !voter:
		return fmt.Errorf("transfer leadership to %d: %w", target, ErrLearner)
	}
	n.logger.Info("transferring leadership on request", "to", target)
	tick := time.NewTicker(n.cfg.TickInterval)
	defer tick.Stop()
	// Raft gives up a transfer that does not finish within an election
	// timeout; asking again on every election timeout keeps it going until
	// the caller's deadline.
	ask := 0
	for {
		if ask%electionTicks == 0 {
			n.raft.TransferLeadership(ctx, n.cfg.ID, target)
		}
		ask++
		if n.leader.Load() == target {
			n.logger.Info("leadership transferred", "to", target)
			return nil
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return fmt.Errorf("transfer leadership to %d: %w", target, ctx.Err())
		case <-n.donec:
			return fmt.Errorf("transfer leadership to %d: %w", target, ErrStopped)
		}
	}
}
