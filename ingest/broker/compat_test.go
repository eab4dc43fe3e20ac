package broker

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/aurigraph/aurigraph/internal/auth"
)

// The answers kfake leaves short of Apache Kafka's reach clients completed
// (compat.go), on a plain broker and through SASL over TLS. Each check
// reads what the Java AdminClient reads; test/kafka_conformance.sh runs
// the Java clients themselves against both brokers.
func TestCompletedAnswers(t *testing.T) {
	// Each setup starts a broker and returns how to connect to it.
	setups := []struct {
		name  string
		start func(t *testing.T) func(opts ...kgo.Opt) *kgo.Client
	}{
		{"plain", func(t *testing.T) func(opts ...kgo.Opt) *kgo.Client {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			b, err := Start(ctx, Config{DataDir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(b.Close)
			return func(opts ...kgo.Opt) *kgo.Client {
				cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(b.Addr())}, opts...)...)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(cl.Close)
				return cl
			}
		}},
		{"sasl_tls", func(t *testing.T) func(opts ...kgo.Opt) *kgo.Client {
			s := startSecured(t, true)
			return func(opts ...kgo.Opt) *kgo.Client { return s.client(t, auth.RoleAdmin, opts...) }
		}},
	}
	checks := []struct {
		name  string
		check func(t *testing.T, ctx context.Context, cl *kgo.Client, txnClient func(...kgo.Opt) *kgo.Client)
	}{
		{"CreateTopics lists every config with its source", checkCreatedConfigs},
		{"DescribeTopicPartitions lists no null replica set", checkReplicaLists},
		{"a finished transaction is CompleteCommit or CompleteAbort", checkFinishedTxns},
		{"a consumer-protocol group is described by topic names", checkConsumerGroup},
	}
	for _, s := range setups {
		t.Run(s.name, func(t *testing.T) {
			client := s.start(t)
			cl := client()
			for _, c := range checks {
				t.Run(c.name, func(t *testing.T) {
					ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
					defer cancel()
					c.check(t, ctx, cl, client)
				})
			}
		})
	}
}

func createTopic(t *testing.T, ctx context.Context, cl *kgo.Client, topic string, partitions int32) {
	t.Helper()
	req := kmsg.NewPtrCreateTopicsRequest()
	rt := kmsg.NewCreateTopicsRequestTopic()
	rt.Topic, rt.NumPartitions, rt.ReplicationFactor = topic, partitions, 1
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	if err := kerr.ErrorForCode(resp.Topics[0].ErrorCode); err != nil {
		t.Fatalf("create %s: %v", topic, err)
	}
}

func checkCreatedConfigs(t *testing.T, ctx context.Context, cl *kgo.Client, _ func(...kgo.Opt) *kgo.Client) {
	req := kmsg.NewPtrCreateTopicsRequest()
	for _, spec := range []struct {
		topic        string
		configs      map[string]string
		validateOnly bool
	}{
		{"created.bare", nil, false},
		{"created.configured", map[string]string{"retention.ms": "3600000"}, false},
	} {
		rt := kmsg.NewCreateTopicsRequestTopic()
		rt.Topic, rt.NumPartitions, rt.ReplicationFactor = spec.topic, 2, 1
		for k, v := range spec.configs {
			c := kmsg.NewCreateTopicsRequestTopicConfig()
			c.Name, c.Value = k, kmsg.StringPtr(v)
			rt.Configs = append(rt.Configs, c)
		}
		req.Topics = append(req.Topics, rt)
	}
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Version < 5 {
		t.Fatalf("CreateTopics v%d: configs are answered from v5", resp.Version)
	}
	want := map[string]map[string]kmsg.ConfigSource{
		"created.bare":       {"cleanup.policy": kmsg.ConfigSourceDefaultConfig, "retention.ms": kmsg.ConfigSourceDefaultConfig},
		"created.configured": {"cleanup.policy": kmsg.ConfigSourceDefaultConfig, "retention.ms": kmsg.ConfigSourceDynamicTopicConfig},
	}
	for _, rt := range resp.Topics {
		if err := kerr.ErrorForCode(rt.ErrorCode); err != nil {
			t.Fatalf("create %s: %v", rt.Topic, err)
		}
		if rt.Configs == nil {
			t.Fatalf("%s: configs are null", rt.Topic)
		}
		for name, source := range want[rt.Topic] {
			i := slices.IndexFunc(rt.Configs, func(c kmsg.CreateTopicsResponseTopicConfig) bool { return c.Name == name })
			if i < 0 {
				t.Errorf("%s: config %s not listed (%d listed)", rt.Topic, name, len(rt.Configs))
				continue
			}
			if got := kmsg.ConfigSource(rt.Configs[i].Source); got != source || rt.Configs[i].Value == nil {
				t.Errorf("%s: config %s has source %v and value %v, want source %v", rt.Topic, name, got, rt.Configs[i].Value, source)
			}
		}
	}

	// A topic only validated has no configs to describe, but a list.
	validate := kmsg.NewPtrCreateTopicsRequest()
	validate.ValidateOnly = true
	rt := kmsg.NewCreateTopicsRequestTopic()
	rt.Topic, rt.NumPartitions, rt.ReplicationFactor = "created.validated", 1, 1
	validate.Topics = append(validate.Topics, rt)
	vresp, err := validate.RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	if err := kerr.ErrorForCode(vresp.Topics[0].ErrorCode); err != nil || vresp.Topics[0].Configs == nil {
		t.Fatalf("validating a topic: error %v, configs null: %v", err, vresp.Topics[0].Configs == nil)
	}
}

func checkReplicaLists(t *testing.T, ctx context.Context, cl *kgo.Client, _ func(...kgo.Opt) *kgo.Client) {
	createTopic(t, ctx, cl, "described", 3)
	req := kmsg.NewPtrDescribeTopicPartitionsRequest()
	req.ResponsePartitionLimit = 100
	rt := kmsg.NewDescribeTopicPartitionsRequestTopic()
	rt.Topic = "described"
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 3 {
		t.Fatalf("described %+v, want one topic of 3 partitions", resp.Topics)
	}
	for _, p := range resp.Topics[0].Partitions {
		if p.EligibleLeaderReplicas == nil || p.LastKnownELR == nil {
			t.Errorf("partition %d: eligible leader replicas %v, last known %v; want empty lists, not null",
				p.Partition, p.EligibleLeaderReplicas, p.LastKnownELR)
		}
	}
}

func checkFinishedTxns(t *testing.T, ctx context.Context, cl *kgo.Client, txnClient func(...kgo.Opt) *kgo.Client) {
	const topic, txnID = "ledger", "ledger.txn"
	createTopic(t, ctx, cl, topic, 1)
	producer := txnClient(kgo.TransactionalID(txnID), kgo.DefaultProduceTopic(topic))
	end := func(commit kgo.TransactionEndTry) {
		t.Helper()
		if err := producer.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		if err := producer.ProduceSync(ctx, &kgo.Record{Value: []byte("v")}).FirstErr(); err != nil {
			t.Fatal(err)
		}
		if err := producer.EndTransaction(ctx, commit); err != nil {
			t.Fatal(err)
		}
	}
	state := func(filters ...string) (listed, described string) {
		t.Helper()
		list := kmsg.NewPtrListTransactionsRequest()
		list.StateFilters = filters
		lresp, err := list.RequestWith(ctx, cl)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range lresp.TransactionStates {
			if s.TransactionalID == txnID {
				listed = s.TransactionState
			}
		}
		desc := kmsg.NewPtrDescribeTransactionsRequest()
		desc.TransactionalIDs = []string{txnID}
		dresp, err := desc.RequestWith(ctx, cl)
		if err != nil {
			t.Fatal(err)
		}
		return listed, dresp.TransactionStates[0].State
	}
	for _, step := range []struct {
		name   string
		do     func()
		want   string
		absent []string // state filters that must not list it
	}{
		{"commit", func() { end(kgo.TryCommit) }, txnCompleteCommit, []string{txnEmpty, txnCompleteAbort, "Ongoing"}},
		{"abort", func() { end(kgo.TryAbort) }, txnCompleteAbort, []string{txnEmpty, txnCompleteCommit}},
		{"a producer starting over", func() {
			init := kmsg.NewPtrInitProducerIDRequest()
			init.TransactionalID, init.TransactionTimeoutMillis = kmsg.StringPtr(txnID), 60000
			resp, err := init.RequestWith(ctx, cl)
			if err == nil {
				err = kerr.ErrorForCode(resp.ErrorCode)
			}
			if err != nil {
				t.Fatal(err)
			}
		}, txnEmpty, []string{txnCompleteCommit, txnCompleteAbort}},
	} {
		step.do()
		if listed, described := state(); listed != step.want || described != step.want {
			t.Errorf("after %s: listed %q, described %q, want %q", step.name, listed, described, step.want)
		}
		if listed, _ := state(step.want); listed != step.want {
			t.Errorf("after %s: listing the state %q lists %q", step.name, step.want, listed)
		}
		for _, other := range step.absent {
			if listed, _ := state(other); listed != "" {
				t.Errorf("after %s: listing the state %q lists it as %q", step.name, other, listed)
			}
		}
	}
}

// checkConsumerGroup joins a group by the consumer protocol (KIP-848) as
// the Java consumer does: naming no assignor.
func checkConsumerGroup(t *testing.T, ctx context.Context, cl *kgo.Client, _ func(...kgo.Opt) *kgo.Client) {
	const topic, group = "orders", "orders.consumers"
	createTopic(t, ctx, cl, topic, 3)
	hb := kmsg.NewPtrConsumerGroupHeartbeatRequest()
	hb.Group, hb.MemberID, hb.MemberEpoch = group, "AAAAAAAAAAAAAAAAAAAAAA", 0
	hb.RebalanceTimeoutMillis = 30000
	hb.SubscribedTopicNames = []string{topic}
	hb.Topics = []kmsg.ConsumerGroupHeartbeatRequestTopic{}
	hresp, err := hb.RequestWith(ctx, cl)
	if err == nil {
		err = kerr.ErrorForCode(hresp.ErrorCode)
	}
	if err != nil {
		t.Fatal(err)
	}

	desc := kmsg.NewPtrConsumerGroupDescribeRequest()
	desc.Groups = []string{group}
	dresp, err := desc.RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	g := dresp.Groups[0]
	if err := kerr.ErrorForCode(g.ErrorCode); err != nil || len(g.Members) != 1 {
		t.Fatalf("described %s: %v, %d members", group, err, len(g.Members))
	}
	if g.AssignorName != defaultConsumerAssignor {
		t.Errorf("assignor %q, want %q", g.AssignorName, defaultConsumerAssignor)
	}
	target := g.Members[0].TargetAssignment.TopicPartitions
	if len(target) == 0 {
		t.Fatal("the member is assigned nothing")
	}
	for _, a := range [][]kmsg.AssignmentTopicPartition{target, g.Members[0].Assignment.TopicPartitions} {
		for _, tp := range a {
			if tp.Topic != topic {
				t.Errorf("assigned partitions %v of topic %q, want topic %q", tp.Partitions, tp.Topic, topic)
			}
		}
	}

	list := kmsg.NewPtrListGroupsRequest()
	lresp, err := list.RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	for _, lg := range lresp.Groups {
		if lg.Group == group && (lg.GroupType != "consumer" || lg.ProtocolType != "consumer") {
			t.Errorf("listed %s of type %q with protocol type %q, want consumer and consumer", group, lg.GroupType, lg.ProtocolType)
		}
	}
}
