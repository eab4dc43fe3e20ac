package consensus

import (
	"context"
	"time"

	"github.com/aurigraph/aurigraph/internal/alerting"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// ProposeAlert proposes a change to the user-defined alerts and waits until
// it applied on this validator. It returns raftnode.ErrNotLeader on a
// follower, an error wrapping ErrRejected and the internal/alerting error
// when the state machine refused the entry, and the errors of
// ProposeAsync otherwise. The entry carries the leader's clock, which every
// validator records.
func (n *Node) ProposeAlert(ctx context.Context, e *aurigraphv1.AlertEntry) error {
	ch, err := n.ProposeAsync(ctx, &aurigraphv1.Batch{TimestampMs: time.Now().UnixMilli(), Alert: e})
	if err != nil {
		return err
	}
	select {
	case err := <-ch:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Alerts returns a copy of the alerts in this validator's applied state;
// nil when there are none. After LinearizableRead it includes every change
// committed before the read.
func (n *Node) Alerts() *aurigraphv1.AlertState {
	n.chain.mu.RLock()
	defer n.chain.mu.RUnlock()
	return n.chain.fsm.alerts.Proto()
}

// AlertSample is what this process applied since it started, as the alert
// evaluator samples it; blocks replayed after a restart are not counted
// again.
func (n *Node) AlertSample() alerting.Sample {
	voters := 0
	for _, m := range n.Members() {
		if m.Voter {
			voters++
		}
	}
	return alerting.Sample{
		Blocks:    n.chain.progress.blocks.Load(),
		Txs:       n.chain.progress.txs.Load(),
		FailedTxs: n.chain.progress.failed.Load(),
		LatencyMs: n.chain.progress.latencyMs.Load(),
		Voters:    voters,
	}
}

// LeaderID is the validator this one believes leads; 0 while none is known.
func (n *Node) LeaderID() uint64 { return n.Node.Status().Leader }
