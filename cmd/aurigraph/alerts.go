package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurigraph/aurigraph/consensus"
	"github.com/aurigraph/aurigraph/internal/alerting"
	"github.com/aurigraph/aurigraph/internal/projectorpos"
	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// alertFlags configure the user-defined alerts of dev and node.
type alertFlags struct {
	allowPrivate bool
}

func (f *alertFlags) register(fl *pflag.FlagSet) {
	fl.BoolVar(&f.allowPrivate, "alerts-allow-private-webhooks", false,
		"let alert rules post webhooks to loopback, private and link-local addresses (refused by default, so that a rule cannot reach into the cluster's own network)")
}

// startAlerts runs the alerts of each of nodes in outputs: the sampler
// always, the evaluator and the webhook notifier while the validator leads;
// the projector's position is read from brokers for all of them. publish,
// when set, receives every transition applied. It returns the alert API's
// service.
func startAlerts(ctx context.Context, outputs *runGroup, stack *shutdownStack, nodes []*consensus.Node, brokers []string, kafkaOpts []kgo.Opt,
	f alertFlags, publish func(*aurigraphv1.AlertTransition), log *slog.Logger, reg prometheus.Registerer) (*alerting.Service, error) {
	log = log.With("component", "alerts")
	m := alerting.NewMetrics(reg)
	policy := alerting.URLPolicy{AllowPrivate: f.allowPrivate}
	position, err := projectorpos.NewWatcher(projectorpos.WatcherConfig{Kafka: projectorpos.Kafka{Brokers: brokers, ClientOpts: kafkaOpts, Topic: schemas.TopicBlocks, Logger: log}, Registerer: reg})
	if err != nil {
		return nil, err
	}
	stack.push("projector position watcher", func(context.Context) error { position.Close(); return nil })
	outputs.start(ctx, "projector position watcher", position.Run)
	members := make([]alerting.Member, 0, len(nodes))
	for _, n := range nodes {
		name := "alerts"
		if len(nodes) > 1 {
			name = fmt.Sprintf("alerts on validator %d", n.ID())
		}
		sampler := alerting.NewSampler(n.AlertSample, 0,
			alerting.WithProjectorLag(alerting.NewProjectorLag(position, n.Blocks())))
		eval := alerting.NewEvaluator(n, sampler, m, log)
		notify := alerting.NewNotifier(n, alerting.NotifierConfig{Policy: policy, Metrics: m, Logger: log})
		outputs.start(ctx, name+" sampler", sampler.Run)
		outputs.start(ctx, name, func(ctx context.Context) error {
			return whileLeading(ctx, []*consensus.Node{n}, log, func(ctx context.Context) error {
				done := make(chan error, 1)
				go func() { done <- notify.Run(ctx) }()
				err := eval.Run(ctx)
				return errors.Join(err, <-done)
			})
		})
		members = append(members, n)
	}
	if publish != nil {
		outputs.start(ctx, "alert events", func(ctx context.Context) error {
			return alerting.Watch(ctx, nodes[0], 0, publish)
		})
	}
	return alerting.NewService(members, policy, 0), nil
}
