// Package audit records who did what, from where, with which result: every
// privileged action and every failed authentication, as structured events
// on a log stream of their own and as a metric.
package audit

import (
	"context"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
)

// Result is how an audited attempt ended.
type Result string

// Results.
const (
	// Succeeded: the action was allowed and its handler answered without
	// an error.
	Succeeded Result = "succeeded"
	// Failed: the action was allowed and its handler answered an error.
	Failed Result = "failed"
	// Denied: the principal was authenticated but may not do this.
	Denied Result = "denied"
	// Unauthenticated: the credential was missing or invalid.
	Unauthenticated Result = "unauthenticated"
	// Limited: refused by a rate limit or quota.
	Limited Result = "limited"
)

// Event is one audited attempt.
type Event struct {
	// Who: the principal as method:subject, or what the caller claimed to
	// be when authentication failed.
	Who          string
	Organisation string
	Role         string
	// What: the action and the route or method it came through, and what it
	// acted on (a member id, a key id) when there is one.
	Action string
	Route  string
	Target string
	// From: the caller's address.
	From   string
	Result Result
	// Status is the HTTP status or gRPC code answered.
	Status string
	Reason string
}

// Log writes audit events. Its zero value discards them.
type Log struct {
	log    *slog.Logger
	events *prometheus.CounterVec
}

// New writes events to log (meant to be a handler of its own: a file or a
// stream apart from the operational logs) and counts them in
// aurigraph_audit_events_total{action,result}.
func New(log *slog.Logger, reg prometheus.Registerer) (*Log, error) {
	l := &Log{log: log, events: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "aurigraph_audit_events_total",
		Help: "Audited attempts: privileged actions and failed authentications, by action and result.",
	}, []string{"action", "result"})}
	if reg != nil {
		if err := reg.Register(l.events); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// Record writes ev.
func (l *Log) Record(ctx context.Context, ev Event) {
	if l == nil || l.log == nil {
		return
	}
	l.events.WithLabelValues(ev.Action, string(ev.Result)).Inc()
	attrs := []slog.Attr{
		slog.String("who", ev.Who),
		slog.String("action", ev.Action),
		slog.String("route", ev.Route),
		slog.String("from", ev.From),
		slog.String("result", string(ev.Result)),
	}
	for _, kv := range [][2]string{{"organisation", ev.Organisation}, {"role", ev.Role}, {"target", ev.Target}, {"status", ev.Status}, {"reason", ev.Reason}} {
		if kv[1] != "" {
			attrs = append(attrs, slog.String(kv[0], kv[1]))
		}
	}
	level := slog.LevelInfo
	if ev.Result != Succeeded {
		level = slog.LevelWarn
	}
	l.log.LogAttrs(ctx, level, "audit", attrs...)
}
