package alerting

import (
	"context"
	"time"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// Watch calls fn with each transition v applies from now on, in order,
// checking every interval (default 1s): on every validator, leading or not,
// so that each process's live stream carries the cluster's transitions.
// Transitions that left the bounded history between two checks are not
// seen.
func Watch(ctx context.Context, v Validator, interval time.Duration, fn func(*aurigraphv1.AlertTransition)) error {
	if interval <= 0 {
		interval = time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	// A validator just started applies its log again: what it replays is
	// history, not news, so "now" is once it applied what was committed.
	for v.LinearizableRead(ctx) != nil {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
	last := lastID(v.Alerts())
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		for _, tr := range v.Alerts().GetHistory() {
			if tr.GetId() > last {
				last = tr.GetId()
				tr.WebhookUrl, tr.WebhookSecret = "", ""
				fn(tr)
			}
		}
	}
}

func lastID(st *aurigraphv1.AlertState) uint64 {
	h := st.GetHistory()
	if len(h) == 0 {
		return 0
	}
	return h[len(h)-1].GetId()
}
