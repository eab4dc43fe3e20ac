package broker

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// A restart on the same directory must keep every record: `aurigraph dev`
// relies on it to continue where the previous run stopped.
func TestRestartKeepsRecords(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const topic = "restart.test"

	b, err := Start(ctx, Config{DataDir: dir, Topics: map[string]int32{topic: 2}})
	if err != nil {
		t.Fatal(err)
	}
	produce(ctx, t, b.Addr(), topic, 100)
	b.Close()

	b, err = Start(ctx, Config{DataDir: dir, Topics: map[string]int32{topic: 2}})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	produce(ctx, t, b.Addr(), topic, 50)
	if got := consumeAll(ctx, t, b.Addr(), topic); got != 150 {
		t.Fatalf("records after restart = %d, want 150", got)
	}
}

func TestStartRejectsBadAddress(t *testing.T) {
	for _, addr := range []string{"nohost", "127.0.0.1:notaport", "127.0.0.1:70000"} {
		if _, err := Start(context.Background(), Config{Addr: addr}); err == nil {
			t.Errorf("Start(%q) succeeded, want error", addr)
		}
	}
}

func produce(ctx context.Context, t *testing.T, addr, topic string, n int) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic(topic))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	recs := make([]*kgo.Record, n)
	for i := range recs {
		recs[i] = &kgo.Record{Key: []byte{byte(i)}, Value: []byte("v")}
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

func consumeAll(ctx context.Context, t *testing.T, addr, topic string) int {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	n := 0
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		pctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		fs := cl.PollFetches(pctx)
		cancel()
		n += fs.NumRecords()
		if n >= 150 {
			break
		}
	}
	return n
}
