package alerting_test

import (
	"context"
	"log/slog"
	"net"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/aurigraph/aurigraph/consensus"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

const (
	testTick    = 20 * time.Millisecond
	testTimeout = 20 * time.Second
	testTopic   = "aurigraph.tx.v1"
)

func testLogger() *slog.Logger {
	if os.Getenv("ALERTS_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// startCluster runs size real validators in this process, raft over
// loopback, each in its own temp directory, and returns them once one leads
// and has committed in its term.
func startCluster(t *testing.T, size int) (leader *consensus.Node, all []*consensus.Node) {
	t.Helper()
	peers, lis := map[uint64]string{}, map[uint64]net.Listener{}
	for id := uint64(1); id <= uint64(size); id++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lis[id], peers[id] = l, l.Addr().String()
	}
	for id := uint64(1); id <= uint64(size); id++ {
		n, err := consensus.Start(context.Background(), consensus.Config{
			ID: id, Peers: peers, Listener: lis[id], DataDir: t.TempDir(), TickInterval: testTick,
			DedupWindow: 100_000, Logger: testLogger().With("node", id),
		})
		if err != nil {
			t.Fatalf("start validator %d: %v", id, err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			n.Close(ctx)
		})
		all = append(all, n)
	}
	waitFor(t, "a leader", func() bool {
		for _, n := range all {
			if ok, _ := n.Leader(); !ok {
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			_, err := n.NextOffsets(ctx, testTopic)
			cancel()
			if err == nil {
				leader = n
				return true
			}
		}
		return false
	})
	return leader, all
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(testTick)
	}
}

// load proposes blocks of mints to n, about perSecond transactions a
// second, until stop is called; start is the next offset of partition 0.
type load struct {
	stop func() int64
}

func startLoad(t *testing.T, n *consensus.Node, start int64, perSecond int) *load {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int64, 1)
	go func() {
		next := start
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				done <- next
				return
			case <-tick.C:
			}
			k := max(1, perSecond/20)
			txs := make([]*aurigraphv1.Transaction, k)
			for i := range txs {
				txs[i] = &aurigraphv1.Transaction{Id: "tx-" + strconv.FormatInt(next+int64(i), 10), Type: aurigraphv1.TxType_TX_TYPE_MINT, To: "alice", Amount: 1}
			}
			b := &aurigraphv1.Batch{
				TimestampMs: time.Now().UnixMilli(),
				Sources:     []*aurigraphv1.SourceRange{{Topic: testTopic, StartOffset: next, EndOffset: next + int64(k)}},
				Txs:         txs,
			}
			pctx, pcancel := context.WithTimeout(ctx, testTimeout)
			ch, err := n.ProposeAsync(pctx, b)
			if err == nil {
				err = <-ch
			}
			pcancel()
			if err == nil {
				next += int64(k)
			}
		}
	}()
	var stopped int64 = -1
	l := &load{stop: func() int64 {
		if stopped < 0 {
			cancel()
			stopped = <-done
		}
		return stopped
	}}
	t.Cleanup(func() { l.stop() })
	return l
}
