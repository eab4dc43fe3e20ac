package consensus

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/ingest"
	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// runConsumer runs an ingest consumer over validator n until the returned
// stop is called.
func runConsumer(t *testing.T, addr string, n *Node) (stop func()) {
	t.Helper()
	cons, err := ingest.NewConsumer(ingest.ConsumerConfig{
		Brokers: []string{addr}, Topic: testTopic, DLQTopic: testTopic + ".dlq", Partitions: 3,
		NodeID: n.ID(), MaxBatchTxs: 25, Linger: 2 * time.Millisecond, MaxInflight: 4,
		LeaderPoll: 5 * time.Millisecond, Logger: testLogger(),
	}, n)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cons.Run(ctx) }()
	var stopped bool
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("consumer on validator %d: %v", n.ID(), err)
		}
	}
	t.Cleanup(stop)
	return stop
}

// TestIngestExactlyOnceAcrossFailover runs the real pipeline (kfake, ingest
// consumers on every validator, raft over loopback) through a leader shutdown
// under load and its restart, and checks every record is in the chain once,
// on every validator, with identical blocks.
func TestIngestExactlyOnceAcrossFailover(t *testing.T) {
	t.Parallel()
	kc, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, testTopic))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(kc.Close)
	addr := kc.ListenAddrs()[0]
	prod, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic(testTopic))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(prod.Close)
	var want []string
	produceN := func(n int) {
		t.Helper()
		recs := make([]*kgo.Record, n)
		for i := range recs {
			seq := len(want)
			tx := &aurigraphv1.Transaction{Type: aurigraphv1.TxType_TX_TYPE_MINT, To: "acct-" + strconv.Itoa(seq%11), Amount: 1, Nonce: uint64(seq + 1)}
			want = append(want, schemas.TxID(tx))
			v, err := proto.Marshal(tx)
			if err != nil {
				t.Fatal(err)
			}
			recs[i] = &kgo.Record{Key: []byte(tx.To), Value: v}
		}
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		if err := prod.ProduceSync(ctx, recs...).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}

	c := newCluster(t, 3, func(cfg *Config) { cfg.SnapshotEntries = 50 })
	stops := map[uint64]func(){}
	for id, n := range c.nodes {
		stops[id] = runConsumer(t, addr, n)
	}
	lead := c.leader()
	produceN(200)
	waitFor(t, "first records applied", func() bool { return lead.Blocks().Height() > 0 })
	// Close the leader while its consumer is proposing, then its consumer.
	produceN(200)
	old := lead.ID()
	c.stop(old)
	stops[old]()
	produceN(200)
	c.start(old)
	stops[old] = runConsumer(t, addr, c.nodes[old])
	produceN(200)

	adm := kadm.NewClient(prod)
	ends, err := adm.ListEndOffsets(context.Background(), testTopic)
	if err != nil {
		t.Fatal(err)
	}
	caughtUp := func(n *Node) bool {
		n.chain.mu.RLock()
		defer n.chain.mu.RUnlock()
		ok := true
		ends.Each(func(o kadm.ListedOffset) {
			if n.chain.fsm.offsets[offsetKey{testTopic, o.Partition}] != o.Offset {
				ok = false
			}
		})
		return ok
	}
	for id, n := range c.nodes {
		waitFor(t, fmt.Sprintf("validator %d consumed every partition", id), func() bool { return caughtUp(n) })
	}
	var ref []byte
	for id, n := range c.nodes {
		seen := map[string]int{}
		st := n.Blocks().Stats()
		for h := uint64(1); h <= st.Height; h++ {
			blk, err := n.Blocks().Get(h)
			if err != nil {
				t.Fatalf("validator %d: %v", id, err)
			}
			for _, r := range blk.GetTxs() {
				seen[r.GetTx().GetId()]++
			}
		}
		for _, w := range want {
			if seen[w] != 1 {
				t.Errorf("validator %d: %s is in the chain %d times, want once", id, w, seen[w])
			}
		}
		if len(seen) != len(want) {
			t.Errorf("validator %d: %d distinct txs, want %d", id, len(seen), len(want))
		}
		if ref == nil {
			ref = st.LastHash
		} else if string(ref) != string(st.LastHash) {
			t.Errorf("validator %d: head hash %x differs from %x", id, st.LastHash, ref)
		}
	}
}
