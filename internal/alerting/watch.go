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
	last := lastID(v.Alerts())
	t := time.NewTicker(interval)
	defer t.Stop()
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
