package raftnode

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"slices"
	"sync"
	"time"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

var (
	// ErrMemberExists is returned by AddMember for an id already in the
	// cluster, as voter or learner.
	ErrMemberExists = errors.New("consensus: a validator with this id is already a member")
	// ErrMemberNotFound is returned by RemoveMember for an id not in the
	// cluster.
	ErrMemberNotFound = errors.New("consensus: no validator with this id is a member")
	// ErrLastVoter is returned by RemoveMember when the change would leave no
	// voting validator.
	ErrLastVoter = errors.New("consensus: cannot remove the only voting validator")
	// ErrRemoved is what Err reports once this node applied a
	// configuration change that removed it; its raft loop has stopped.
	ErrRemoved = errors.New("consensus: this validator was removed from the cluster")
	// ErrLearner is returned by TransferLeadership to a learner: only a
	// voter can lead.
	ErrLearner = errors.New("consensus: the validator is a learner")
)

// Member is one validator in the replicated cluster configuration.
type Member struct {
	ID          uint64 `json:"id"`
	RaftAddress string `json:"raft_address"`
	// Voter is false while a new validator is a learner: it receives the log
	// but does not count towards quorum until it has caught up and the
	// leader promotes it.
	Voter bool `json:"voter"`
}

const (
	// promoteSlack is how many committed entries a learner may still be
	// missing when the leader promotes it: close enough that it acknowledges
	// new entries right away instead of holding up quorum while it catches up.
	promoteSlack = 128
	// snapshotMembersField is the field of the state machine's snapshot
	// message the loop owns (StateSnapshot.members, for the chain). The
	// addresses are appended after the encoded state (protobuf
	// concatenation is a merge) and read back by scanning for this field
	// alone, so neither side copies or decodes the state a second time.
	snapshotMembersField protowire.Number = 10
	// removalGraceTicks is how long a removed validator keeps its raft loop
	// running: long enough to pass leadership on and for peers to learn the
	// commit of the change that removed it.
	removalGraceTicks = 2 * electionTicks
)

// membership is the validator's view of the cluster configuration: which ids
// vote or learn (as of the last applied conf change) and every known raft
// address.
type membership struct {
	mu    sync.RWMutex
	conf  raftpb.ConfState
	addrs map[uint64]string

	// changeMu lets one configuration change at a time be proposed from this
	// validator, so each is validated against the configuration the previous
	// one produced.
	changeMu sync.Mutex
	wg       sync.WaitGroup

	// Owned by the raft loop.
	removedIndex uint64
	removedTicks int
}

// initMembership collects the addresses known before replay. Once this
// validator has applied any configuration, what it recorded (and what its
// newest snapshot carries) is authoritative: Peers may be the flags the
// cluster was bootstrapped with, naming removed validators and missing added
// ones. Before that, Peers is all there is.
func (n *Node) initMembership(snapshot *raftpb.Snapshot) error {
	stored := n.members.load()
	addrs := map[uint64]string{}
	if snapshot != nil {
		carried, err := snapshotMembers(snapshot.Data)
		if err != nil {
			return fmt.Errorf("snapshot at index %d: %w", snapshot.Metadata.Index, err)
		}
		maps.Copy(addrs, carried)
	}
	maps.Copy(addrs, stored)
	if len(addrs) == 0 {
		addrs = maps.Clone(n.cfg.Peers)
	}
	if _, ok := addrs[n.cfg.ID]; !ok {
		addrs[n.cfg.ID] = n.cfg.Peers[n.cfg.ID]
	}
	n.mem.addrs = addrs
	return nil
}

// learnPeerAddress adopts the address a peer advertised when it opened a
// stream, if nothing recorded one yet and the peer belongs to the
// configuration (or this validator has none yet, as when it joins).
func (n *Node) learnPeerAddress(id uint64, addr string) {
	n.mem.mu.Lock()
	_, known := n.mem.addrs[id]
	member := len(n.mem.conf.Voters) == 0 || slices.Contains(n.mem.conf.Voters, id) || slices.Contains(n.mem.conf.Learners, id)
	if known || !member {
		n.mem.mu.Unlock()
		return
	}
	n.mem.addrs[id] = addr
	n.mem.mu.Unlock()
	if err := n.transport.AddPeer(id, addr); err != nil {
		n.logger.Warn("cannot dial the address a peer advertised", "peer", id, "addr", addr, "err", err)
		return
	}
	n.logger.Info("learned a peer's raft address from its stream", "peer", id, "addr", addr)
}

// peerAddrs returns every known address except this validator's.
func (n *Node) peerAddrs() map[uint64]string {
	n.mem.mu.RLock()
	defer n.mem.mu.RUnlock()
	out := make(map[uint64]string, len(n.mem.addrs))
	for id, addr := range n.mem.addrs {
		if id != n.cfg.ID {
			out[id] = addr
		}
	}
	return out
}

// setConfState records the configuration raft reports after a conf change
// or a snapshot; the raft loop calls it.
func (n *Node) setConfState(cs raftpb.ConfState) {
	n.confState = cs
	n.mem.mu.Lock()
	n.mem.conf = cs
	n.mem.mu.Unlock()
}

// Members returns the validators of the current configuration in id order.
func (n *Node) Members() []Member {
	n.mem.mu.RLock()
	defer n.mem.mu.RUnlock()
	out := make([]Member, 0, len(n.mem.conf.Voters)+len(n.mem.conf.Learners))
	for _, id := range n.mem.conf.Voters {
		out = append(out, Member{ID: id, RaftAddress: n.mem.addrs[id], Voter: true})
	}
	for _, id := range n.mem.conf.Learners {
		out = append(out, Member{ID: id, RaftAddress: n.mem.addrs[id]})
	}
	slices.SortFunc(out, func(a, b Member) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// member reports whether id is in the configuration and whether it votes.
func (n *Node) member(id uint64) (present, voter bool) {
	n.mem.mu.RLock()
	defer n.mem.mu.RUnlock()
	if slices.Contains(n.mem.conf.Voters, id) {
		return true, true
	}
	return slices.Contains(n.mem.conf.Learners, id), false
}

// Done is closed when the raft loop has stopped: after Close, after a
// storage failure, or after this validator applied its own removal.
func (n *Node) Done() <-chan struct{} { return n.donec }

// Err returns why the raft loop stopped (wrapping ErrRemoved after a
// removal), or nil while it runs or after a plain Close.
func (n *Node) Err() error {
	select {
	case <-n.donec:
		return n.loopErr
	default:
		return nil
	}
}

// AddMember adds validator id, reachable for raft at raftAddr, to the
// cluster. It joins as a learner; the leader promotes it to voter once its
// log has caught up, so an added validator that is not running yet never
// weakens quorum. Call it on the leader; it returns once the change applied
// here. Start the new validator with Config.Join afterwards.
func (n *Node) AddMember(ctx context.Context, id uint64, raftAddr string) error {
	if id == 0 {
		return errors.New("consensus: add member: id must be >= 1")
	}
	if _, _, err := net.SplitHostPort(raftAddr); err != nil {
		return fmt.Errorf("consensus: add member %d: raft address %q: %w (want host:port)", id, raftAddr, err)
	}
	mc, err := proto.Marshal(&aurigraphv1.MemberContext{Id: id, RaftAddress: raftAddr})
	if err != nil {
		return fmt.Errorf("encode member context of %d: %w", id, err)
	}
	cc := raftpb.ConfChangeV2{
		Changes: []raftpb.ConfChangeSingle{{Type: raftpb.ConfChangeAddLearnerNode, NodeID: id}},
		Context: mc,
	}
	err = n.changeMembership(ctx, cc, func(first bool) (bool, error) {
		present, _ := n.member(id)
		switch {
		case present && first:
			return false, fmt.Errorf("add validator %d: %w", id, ErrMemberExists)
		case present:
			return true, nil
		}
		return false, nil
	})
	if err == nil {
		n.logger.Info("validator added as learner", "member", id, "raft_address", raftAddr)
	}
	return err
}

// RemoveMember removes validator id from the cluster. Call it on the leader;
// it returns once the change applied here. When id is the leader itself, it
// hands leadership to the most caught-up voter and then stops its raft loop
// (Done closes, Err wraps ErrRemoved).
func (n *Node) RemoveMember(ctx context.Context, id uint64) error {
	cc := raftpb.ConfChangeV2{Changes: []raftpb.ConfChangeSingle{{Type: raftpb.ConfChangeRemoveNode, NodeID: id}}}
	err := n.changeMembership(ctx, cc, func(first bool) (bool, error) {
		present, voter := n.member(id)
		if !present {
			if first {
				return false, fmt.Errorf("remove validator %d: %w", id, ErrMemberNotFound)
			}
			return true, nil
		}
		n.mem.mu.RLock()
		voters := len(n.mem.conf.Voters)
		n.mem.mu.RUnlock()
		if voter && voters == 1 {
			return false, fmt.Errorf("remove validator %d: %w", id, ErrLastVoter)
		}
		return false, nil
	})
	if err == nil {
		n.logger.Info("validator removed", "member", id)
	}
	return err
}

// changeMembership proposes cc until check reports it applied. check is
// called with first set before the first proposal, to refuse an invalid
// change. raft drops a conf change while another is still unapplied, so an
// unapplied proposal is retried after an election timeout.
func (n *Node) changeMembership(ctx context.Context, cc raftpb.ConfChangeV2, check func(first bool) (bool, error)) error {
	n.mem.changeMu.Lock()
	defer n.mem.changeMu.Unlock()
	isLeader, term := n.Leader()
	if !isLeader {
		return ErrNotLeader
	}
	retry := electionTicks * n.cfg.TickInterval
	for first := true; ; first = false {
		done, err := check(first)
		if err != nil || done {
			return err
		}
		if isLeader, t := n.Leader(); !isLeader || t != term {
			return fmt.Errorf("configuration change %v: %w", cc.Changes, ErrLeadershipLost)
		}
		if err := n.raft.ProposeConfChange(ctx, cc); err != nil {
			if errors.Is(err, raft.ErrStopped) {
				return ErrStopped
			}
			return fmt.Errorf("propose configuration change %v: %w", cc.Changes, err)
		}
		timer := time.NewTimer(retry)
		for wait := true; wait; {
			n.mu.Lock()
			ch, stopped := n.appliedCh, n.stopped
			n.mu.Unlock()
			if stopped {
				timer.Stop()
				return ErrStopped
			}
			if done, err := check(false); err != nil || done {
				timer.Stop()
				return err
			}
			select {
			case <-ch:
			case <-timer.C:
				wait = false
			case <-ctx.Done():
				timer.Stop()
				return fmt.Errorf("configuration change %v not applied yet: %w", cc.Changes, ctx.Err())
			}
		}
	}
}

// applyMembership records the addresses and transport peers a conf change
// at index implies. The raft loop calls it for every conf change entry in log
// order, replayed ones included; every step is idempotent.
func (n *Node) applyMembership(index uint64, cc raftpb.ConfChangeV2) error {
	var mc aurigraphv1.MemberContext
	if len(cc.Context) > 0 {
		if err := proto.Unmarshal(cc.Context, &mc); err != nil {
			n.logger.Error("conf change carries an undecodable member context; its address stays unknown", "index", index, "err", err)
		}
	}
	for _, c := range cc.Changes {
		id := c.NodeID
		switch c.Type {
		case raftpb.ConfChangeAddNode, raftpb.ConfChangeAddLearnerNode:
			var addr string
			if mc.GetId() == id {
				addr = mc.GetRaftAddress()
			}
			if addr == "" {
				n.mem.mu.RLock()
				addr = n.mem.addrs[id]
				n.mem.mu.RUnlock()
				if addr == "" {
					n.logger.Warn("validator joined without a known raft address; list it in Peers", "member", id, "index", index)
					continue
				}
			}
			if err := n.members.save(id, addr); err != nil {
				return err
			}
			n.mem.mu.Lock()
			n.mem.addrs[id] = addr
			n.mem.mu.Unlock()
			if id != n.cfg.ID {
				if err := n.transport.AddPeer(id, addr); err != nil {
					return err
				}
			}
		case raftpb.ConfChangeRemoveNode:
			if err := n.members.remove(id); err != nil {
				return err
			}
			n.mem.mu.Lock()
			delete(n.mem.addrs, id)
			n.mem.mu.Unlock()
			if id == n.cfg.ID {
				if n.mem.removedIndex == 0 {
					n.logger.Warn("this validator was removed from the cluster; stopping its raft loop", "index", index)
				}
				n.mem.removedIndex = index
				n.removed.Store(true)
				n.notifyLeadership()
			} else {
				n.transport.RemovePeer(id)
			}
		}
	}
	return nil
}

// restoreMembership adopts the configuration of a snapshot from the leader:
// addresses it carries, peers for every member, none for anyone else.
func (n *Node) restoreMembership(s raftpb.Snapshot) error {
	carried, err := snapshotMembers(s.Data)
	if err != nil {
		return fmt.Errorf("snapshot at index %d: %w", s.Metadata.Index, err)
	}
	cs := s.Metadata.ConfState
	n.mem.mu.Lock()
	maps.Copy(n.mem.addrs, carried)
	keep := make(map[uint64]string)
	for _, id := range slices.Concat(cs.Voters, cs.Learners, cs.VotersOutgoing, cs.LearnersNext) {
		if addr, ok := n.mem.addrs[id]; ok {
			keep[id] = addr
		}
	}
	n.mem.addrs = keep
	n.mem.mu.Unlock()
	if err := n.members.replace(keep); err != nil {
		return err
	}
	for _, id := range n.transport.Peers() {
		if _, ok := keep[id]; !ok {
			n.transport.RemovePeer(id)
		}
	}
	for id, addr := range keep {
		if id == n.cfg.ID {
			continue
		}
		if err := n.transport.AddPeer(id, addr); err != nil {
			return err
		}
	}
	if !slices.Contains(cs.Voters, n.cfg.ID) && !slices.Contains(cs.Learners, n.cfg.ID) && len(cs.Voters) > 0 {
		n.logger.Warn("installed a snapshot whose configuration does not include this validator", "index", s.Metadata.Index)
	}
	return nil
}

// appendSnapshotMembers appends the member addresses to encoded snapshot
// state (see snapshotMembersField).
func appendSnapshotMembers(data []byte, addrs map[uint64]string) ([]byte, error) {
	for _, id := range slices.Sorted(maps.Keys(addrs)) {
		mc, err := proto.Marshal(&aurigraphv1.MemberContext{Id: id, RaftAddress: addrs[id]})
		if err != nil {
			return nil, fmt.Errorf("encode member %d: %w", id, err)
		}
		data = protowire.AppendTag(data, snapshotMembersField, protowire.BytesType)
		data = protowire.AppendBytes(data, mc)
	}
	return data, nil
}

// snapshotMembers extracts the member addresses appended to snapshot data.
func snapshotMembers(data []byte) (map[uint64]string, error) {
	out := map[uint64]string{}
	for len(data) > 0 {
		num, typ, n := protowire.ConsumeTag(data)
		if n < 0 {
			return nil, fmt.Errorf("decode snapshot field tag: %w", protowire.ParseError(n))
		}
		data = data[n:]
		if num != snapshotMembersField || typ != protowire.BytesType {
			n = protowire.ConsumeFieldValue(num, typ, data)
			if n < 0 {
				return nil, fmt.Errorf("decode snapshot field %d: %w", num, protowire.ParseError(n))
			}
			data = data[n:]
			continue
		}
		v, n := protowire.ConsumeBytes(data)
		if n < 0 {
			return nil, fmt.Errorf("decode snapshot member: %w", protowire.ParseError(n))
		}
		data = data[n:]
		var mc aurigraphv1.MemberContext
		if err := proto.Unmarshal(v, &mc); err != nil {
			return nil, fmt.Errorf("decode snapshot member: %w", err)
		}
		if mc.GetId() != 0 && mc.GetRaftAddress() != "" {
			out[mc.GetId()] = mc.GetRaftAddress()
		}
	}
	return out, nil
}

// snapshotAddrs copies the addresses of the current members for a snapshot.
func (n *Node) snapshotAddrs() map[uint64]string {
	n.mem.mu.RLock()
	defer n.mem.mu.RUnlock()
	return maps.Clone(n.mem.addrs)
}

// leaveAfterRemoval runs on every tick once this validator applied its own
// removal. A leader first passes leadership to the most caught-up voter; the
// loop then stops. It reports whether the loop should stop now.
func (n *Node) leaveAfterRemoval() bool {
	n.mem.removedTicks++
	if n.raftLeader() && n.mem.removedTicks < removalGraceTicks {
		if n.mem.removedTicks%heartbeatTicks == 0 {
			if target := n.transferTarget(); target != raft.None {
				n.raft.TransferLeadership(context.Background(), n.cfg.ID, target)
			}
		}
		return false
	}
	// A few heartbeats more so peers learn the commit index that removed us.
	if n.mem.removedTicks < 3*heartbeatTicks {
		return false
	}
	n.logger.Warn("raft loop stopped: this validator is no longer a member", "index", n.mem.removedIndex)
	n.halt(fmt.Errorf("%w by the configuration change at raft index %d; start it with an empty data dir and add it again to rejoin", ErrRemoved, n.mem.removedIndex))
	return true
}

// transferTarget picks the voter, other than this validator, with the
// highest replicated index; raft.None when there is none.
func (n *Node) transferTarget() uint64 {
	rs := n.raft.Status()
	var target, best uint64
	for id, pr := range rs.Progress {
		if id == n.cfg.ID || pr.IsLearner {
			continue
		}
		if present, voter := n.member(id); !present || !voter {
			continue
		}
		if target == raft.None || pr.Match > best {
			target, best = id, pr.Match
		}
	}
	return target
}

// promoteLearners runs on every validator and, while it leads, promotes
// learners whose log has caught up.
func (n *Node) promoteLearners() {
	defer n.mem.wg.Done()
	interval := electionTicks / 2 * n.cfg.TickInterval
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-n.stopc:
			return
		case <-tick.C:
		}
		if isLeader, _ := n.Leader(); !isLeader {
			continue
		}
		n.mem.mu.RLock()
		learners := slices.Clone(n.mem.conf.Learners)
		n.mem.mu.RUnlock()
		if len(learners) == 0 {
			continue
		}
		rs := n.raft.Status()
		for _, id := range learners {
			// Raft marks a member it just added recently active and its
			// match is 0: on a young log that alone would pass the slack, so
			// a learner must have acknowledged something first.
			pr, ok := rs.Progress[id]
			if !ok || !pr.RecentActive || pr.Match == 0 || pr.Match+promoteSlack < rs.Commit {
				continue
			}
			n.promote(id, pr.Match, rs.Commit)
		}
	}
}

func (n *Node) promote(id, match, commit uint64) {
	// Close wakes changeMembership through appliedCh, so a timeout is the
	// only bound needed here.
	ctx, cancel := context.WithTimeout(context.Background(), 2*electionTicks*n.cfg.TickInterval)
	defer cancel()
	n.mem.mu.RLock()
	addr := n.mem.addrs[id]
	n.mem.mu.RUnlock()
	mc, err := proto.Marshal(&aurigraphv1.MemberContext{Id: id, RaftAddress: addr})
	if err != nil {
		n.logger.Error("encode member context", "member", id, "err", err)
		return
	}
	cc := raftpb.ConfChangeV2{Changes: []raftpb.ConfChangeSingle{{Type: raftpb.ConfChangeAddNode, NodeID: id}}, Context: mc}
	err = n.changeMembership(ctx, cc, func(bool) (bool, error) {
		present, voter := n.member(id)
		if !present {
			return false, fmt.Errorf("learner %d was removed before its promotion", id)
		}
		return voter, nil
	})
	if err != nil {
		n.logger.Debug("learner promotion not applied; retrying later", "member", id, "err", err)
		return
	}
	n.logger.Info("learner caught up and promoted to voter", "member", id, "match", match, "commit", commit)
}
