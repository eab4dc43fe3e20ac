package projector

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// envOn is newEnv on a cluster the test holds, to inject faults into.
func envOn(t *testing.T) (*env, *kfake.Cluster) {
	t.Helper()
	e := newEnv(t)
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, DefaultTopic))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cluster.Close)
	prod, err := kgo.NewClient(kgo.SeedBrokers(cluster.ListenAddrs()...), kgo.DefaultProduceTopic(DefaultTopic))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(prod.Close)
	e.brokers, e.prod = cluster.ListenAddrs(), prod
	return e, cluster
}

// A fetch the broker fails at once, every time, is retried after growing
// pauses: the projector neither spins on it nor floods the log.
func TestFailingFetchesBackOff(t *testing.T) {
	e, cluster := envOn(t)
	e.publish(1, 10)
	r := start(e.projector(Config{}))
	r.waitHeight(t, 10)
	refuse := cluster.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Fetch}, Err: kerr.TopicAuthorizationFailed, Count: -1})
	// New blocks end the fetch waiting for them; the next ones fail.
	e.publish(11, 15)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := refuse.Wait(ctx, 1); err != nil {
		t.Fatal("no fetch reached the fault")
	}
	time.Sleep(3 * time.Second)
	n := refuse.Hits()
	if n > 60 {
		t.Fatalf("%d fetches in 3s against a broker failing every one: no backoff", n)
	}
	refuse.Remove()
	e.publish(11, 20)
	r.waitHeight(t, 20)
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	e.wantExactly(20)
	t.Logf("%d failing fetches in 3s", n)
}

// The blocks topic deleted and created again, the chain published to it
// anew: the projector follows the new topic and goes on from its height.
func TestFollowsARecreatedTopic(t *testing.T) {
	e, _ := envOn(t)
	e.publish(1, 30)
	r := start(e.projector(Config{TopicCheck: 20 * time.Millisecond}))
	r.waitHeight(t, 30)
	adm := kadm.NewClient(e.prod)
	ctx := context.Background()
	if _, err := adm.DeleteTopics(ctx, DefaultTopic); err != nil {
		t.Fatal(err)
	}
	if _, err := adm.CreateTopic(ctx, 1, 1, nil, DefaultTopic); err != nil {
		t.Fatal(err)
	}
	prod, err := kgo.NewClient(kgo.SeedBrokers(e.brokers...), kgo.DefaultProduceTopic(DefaultTopic))
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	e.prod = prod
	e.publish(1, 45)
	r.waitHeight(t, 45)
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	e.wantExactly(45)
}
