package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurigraph/aurigraph/schemas"
)

// TestDevBrokerRetention runs dev with its embedded broker bounded: the
// transaction records the validators applied are deleted, those they have
// not stay; the blocks topic, held to one byte, keeps every block the
// projector has not projected; and a restart on the trimmed topics resumes
// ingest, publishing and projection where they were.
func TestDevBrokerRetention(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end pipeline run; skipped with -short")
	}
	dataDir := t.TempDir()
	flags := testDevFlags(t, dataDir)
	flags.retention = brokerRetentionFlags{trimConsumed: true, blocksBytes: "1B"}

	first := startPipeline(t, flags)
	const batch1 = 6000
	produceTxs(t, first.addrs.Kafka, 0, batch1)
	waitCommitted(t, first.addrs.HTTP, batch1)
	tx := topicBounds(t, first.addrs.Kafka, schemas.TopicTransactions)
	// Every partition was consumed to its end: all but its newest record go.
	waitFor(t, 40*time.Second, "consumed transaction records deleted", func() (bool, string) {
		starts := topicBounds(t, first.addrs.Kafka, schemas.TopicTransactions)
		for p, b := range tx {
			if starts[p].start != b.end-1 {
				return false, fmt.Sprintf("partition %d starts at %d, ends at %d", p, starts[p].start, b.end)
			}
		}
		return true, ""
	})
	waitFor(t, 40*time.Second, "projected blocks deleted", func() (bool, string) {
		// The start first: the projector only moves on meanwhile.
		start := topicBounds(t, first.addrs.Kafka, schemas.TopicBlocks)[0].start
		projected := first.addrs.Projected()
		if start > int64(projected)-1 {
			t.Fatalf("blocks topic starts at offset %d, past the projected height %d", start, projected)
		}
		return start > 0 && start == int64(projected)-1, fmt.Sprintf("starts at %d, projected %d", start, projected)
	})
	first.stop(t)

	// The deleted blocks cannot be projected again.
	rebuild := flags
	rebuild.rebuildFrom = 1
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := runPipeline(ctx, rebuild, testLog(t), nil); err == nil || !strings.Contains(err.Error(), "can be rebuilt from height") {
		t.Fatalf("rebuild from height 1 of a trimmed blocks topic: %v, want a refusal", err)
	}

	second := startPipeline(t, flags)
	defer second.stop(t)
	const batch2 = 2000
	produceTxs(t, second.addrs.Kafka, batch1, batch2)
	waitCommitted(t, second.addrs.HTTP, batch1+batch2)
	assertVerified(t, second.addrs.HTTP, batch1+batch2)
	assertProjected(t, second.addrs.ClickHouseHTTP, batch1+batch2)
}

func waitCommitted(t *testing.T, httpAddr string, want uint64) {
	t.Helper()
	waitFor(t, 90*time.Second, "transactions committed", func() (bool, string) {
		var st struct {
			TxCount uint64 `json:"tx_count"`
		}
		if err := tryGetJSON(httpAddr, "/api/v12/chain/stats", &st); err != nil {
			return false, err.Error()
		}
		return st.TxCount == want, fmt.Sprintf("tx_count=%d, want %d", st.TxCount, want)
	})
}

type partitionBounds struct{ start, end int64 }

func topicBounds(t *testing.T, brokers []string, topic string) map[int32]partitionBounds {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	starts, err := adm.ListStartOffsets(ctx, topic)
	if err == nil {
		err = starts.Error()
	}
	if err != nil {
		t.Fatal(err)
	}
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[int32]partitionBounds)
	starts.Each(func(o kadm.ListedOffset) { out[o.Partition] = partitionBounds{start: o.Offset} })
	ends.Each(func(o kadm.ListedOffset) {
		b := out[o.Partition]
		b.end = o.Offset
		out[o.Partition] = b
	})
	return out
}

func TestProjectedFloor(t *testing.T) {
	for _, tc := range []struct {
		projected uint64
		want      map[int32]int64
	}{
		{0, nil},
		{1, nil},
		{2, map[int32]int64{0: 1}},
		{1000, map[int32]int64{0: 999}},
	} {
		id, got := projectedFloor(func() uint64 { return tc.projected })()
		if id != nil || fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("projected %d: floor %x %v, want none %v", tc.projected, id, got, tc.want)
		}
	}
}

func TestRetentionFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    brokerRetentionFlags
		ok   bool
	}{
		{"defaults", brokerRetentionFlags{blocksAge: defaultBlocksRetention, blocksBytes: defaultBlocksRetentionBytes, dlqAge: defaultDLQRetention, dlqBytes: defaultDLQRetentionBytes}, true},
		{"keep everything", brokerRetentionFlags{}, true},
		{"negative age", brokerRetentionFlags{blocksAge: -time.Hour}, false},
		{"bad size", brokerRetentionFlags{dlqBytes: "lots"}, false},
		{"zero size", brokerRetentionFlags{blocksBytes: "0"}, false},
	} {
		if err := tc.f.validate(); (err == nil) != tc.ok {
			t.Errorf("%s: validate() = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}
