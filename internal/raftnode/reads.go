package raftnode

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"go.etcd.io/raft/v3"
)

// ErrNoLeader means a linearizable read found no raft leader to confirm it
// with before its deadline: the cluster is electing one or has lost its
// quorum. Retry shortly, or read stale local state.
var ErrNoLeader = errors.New("consensus: no raft leader known; the cluster is electing one or has lost its quorum")

// LinearizableRead returns once this node has applied every entry
// committed before the call, so state read afterwards reflects every write
// acknowledged before it. It works on any node: raft's ReadIndex asks the leader for its commit index, which the
// leader confirms with a heartbeat round to a quorum. It returns an error
// wrapping ErrNoLeader when no leader is known before ctx ends, ErrStopped
// once the node is closing, or ctx's error.
func (n *Node) LinearizableRead(ctx context.Context) error {
	start := time.Now()
	index, err := n.readIndex(ctx)
	if err != nil {
		return err
	}
	if err := n.waitApplied(ctx, index); err != nil {
		return err
	}
	n.m.readIndexDuration.Observe(time.Since(start).Seconds())
	return nil
}

// readIndex obtains a read index from the leader. A request lost on the way
// (a peer stream reconnecting, a leader change) is never answered by raft, so
// it is issued again every election timeout until ctx ends.
func (n *Node) readIndex(ctx context.Context) (uint64, error) {
	retry := electionTicks * n.cfg.TickInterval
	for {
		if err := n.waitLeader(ctx); err != nil {
			return 0, err
		}
		index, err := n.readIndexOnce(ctx, retry)
		switch {
		case err == nil:
			return index, nil
		case errors.Is(err, ErrLeadershipLost), errors.Is(err, errReadUnanswered):
			continue
		case ctx.Err() != nil && n.leader.Load() == raft.None:
			return 0, fmt.Errorf("%w: %w", ErrNoLeader, ctx.Err())
		default:
			return 0, err
		}
	}
}

var errReadUnanswered = errors.New("consensus: read index request unanswered")

func (n *Node) readIndexOnce(ctx context.Context, wait time.Duration) (uint64, error) {
	n.mu.Lock()
	if n.stopped {
		n.mu.Unlock()
		return 0, ErrStopped
	}
	n.nextRead++
	rctx := binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, n.cfg.ID), n.nextRead)
	rw := &readWaiter{ch: make(chan readResult, 1), term: n.term.Load()}
	n.reads[string(rctx)] = rw
	n.mu.Unlock()
	defer func() {
		n.mu.Lock()
		delete(n.reads, string(rctx))
		n.mu.Unlock()
	}()

	if err := n.raft.ReadIndex(ctx, rctx); err != nil {
		if errors.Is(err, raft.ErrStopped) {
			return 0, ErrStopped
		}
		return 0, fmt.Errorf("request read index: %w", err)
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case r := <-rw.ch:
		return r.index, r.err
	case <-timer.C:
		return 0, errReadUnanswered
	case <-ctx.Done():
		return 0, fmt.Errorf("wait for read index: %w", ctx.Err())
	}
}

// waitLeader returns once some validator is known to lead.
func (n *Node) waitLeader(ctx context.Context) error {
	if n.leader.Load() != raft.None {
		return nil
	}
	tick := time.NewTicker(n.cfg.TickInterval)
	defer tick.Stop()
	for n.leader.Load() == raft.None {
		n.mu.Lock()
		stopped := n.stopped
		n.mu.Unlock()
		if stopped {
			return ErrStopped
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return fmt.Errorf("%w: %w", ErrNoLeader, ctx.Err())
		}
	}
	return nil
}
