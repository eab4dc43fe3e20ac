package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/coder/websocket"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurigraph/aurigraph/internal/clickhouse/engine"
	"github.com/aurigraph/aurigraph/internal/loopport"
	"github.com/aurigraph/aurigraph/schemas"
)

// TestDevPipelineEndToEnd runs the whole pipeline in-process on real parts
// (embedded broker, raft over loopback gRPC, the ClickHouse engine behind its
// HTTP interface, real sockets), feeds it through the topic like any producer
// would, restarts it on the same data directory and checks that nothing was
// lost or duplicated anywhere.
func TestDevPipelineEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end pipeline run; skipped with -short")
	}
	dataDir := t.TempDir()
	flags := testDevFlags(t, dataDir)

	first := startPipeline(t, flags)
	ws := dialLive(t, first.addrs.HTTP, 0)

	const batch1 = 20000
	produceTxs(t, first.addrs.Kafka, 0, batch1)
	produceGarbage(t, first.addrs.Kafka, 3)

	waitFor(t, 90*time.Second, "all transactions committed", func() (bool, string) {
		var st struct {
			Height  uint64 `json:"height"`
			TxCount uint64 `json:"tx_count"`
		}
		// Under load a consistent read may answer 503 (retry); poll on.
		if err := tryGetJSON(first.addrs.HTTP, "/api/v12/chain/stats", &st); err != nil {
			return false, err.Error()
		}
		return st.TxCount == batch1, fmt.Sprintf("tx_count=%d height=%d", st.TxCount, st.Height)
	})
	assertVerified(t, first.addrs.HTTP, batch1)
	assertProjected(t, first.addrs.ClickHouseHTTP, batch1)
	assertDeadLetters(t, first.addrs.Kafka, 3)
	blocksSeen := ws.blocks()
	if len(blocksSeen) == 0 {
		t.Fatal("WebSocket subscriber received no block messages")
	}
	heightBefore := chainHeight(t, first.addrs.HTTP)
	first.stop(t)
	assertOfflineVerify(t, dataDir, 3)

	second := startPipeline(t, flags)
	defer second.stop(t)
	if h := chainHeight(t, second.addrs.HTTP); h != heightBefore {
		t.Fatalf("height after restart = %d, want %d", h, heightBefore)
	}
	const batch2 = 5000
	produceTxs(t, second.addrs.Kafka, batch1, batch2)
	waitFor(t, 60*time.Second, "second batch committed", func() (bool, string) {
		var st struct {
			TxCount uint64 `json:"tx_count"`
		}
		if err := tryGetJSON(second.addrs.HTTP, "/api/v12/chain/stats", &st); err != nil {
			return false, err.Error()
		}
		return st.TxCount == batch1+batch2, fmt.Sprintf("tx_count=%d", st.TxCount)
	})
	if h := chainHeight(t, second.addrs.HTTP); h <= heightBefore {
		t.Fatalf("height after more transactions = %d, want > %d", h, heightBefore)
	}
	assertVerified(t, second.addrs.HTTP, batch1+batch2)
	assertProjected(t, second.addrs.ClickHouseHTTP, batch1+batch2)

	// A subscriber resuming from the block after the first run's tip sees
	// the second run's blocks and nothing older.
	resumed := dialLive(t, second.addrs.HTTP, heightBefore+1)
	waitFor(t, 10*time.Second, "resumed subscriber catches up", func() (bool, string) {
		got := resumed.blocks()
		return len(got) > 0 && got[len(got)-1] == chainHeight(t, second.addrs.HTTP), fmt.Sprintf("got %d blocks", len(got))
	})
	got := resumed.blocks()
	for i, h := range got {
		if h != heightBefore+1+uint64(i) {
			t.Fatalf("resumed stream block %d has height %d, want %d", i, h, heightBefore+1+uint64(i))
		}
	}
}

type runningPipeline struct {
	addrs  devAddrs
	cancel context.CancelFunc
	done   chan error
}

func startPipeline(t *testing.T, f devFlags) *runningPipeline {
	t.Helper()
	return startPipelineLogged(t, f, testLog(t))
}

// startPipelineLogged is startPipeline logging to log.
func startPipelineLogged(t *testing.T, f devFlags, log *slog.Logger) *runningPipeline {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	p := &runningPipeline{cancel: cancel, done: make(chan error, 1)}
	ready := make(chan devAddrs, 1)
	go func() { p.done <- runPipeline(ctx, f, log, func(a devAddrs) { ready <- a }) }()
	select {
	case p.addrs = <-ready:
	case err := <-p.done:
		cancel()
		t.Fatalf("pipeline did not start: %v", err)
	case <-time.After(60 * time.Second):
		cancel()
		t.Fatal("pipeline not ready after 60s")
	}
	// Consistent reads answer 503 until a leader is elected; reads go to
	// the leader when this process has it.
	waitFor(t, 30*time.Second, "a leader", func() (bool, string) {
		return p.addrs.HasLeader(), "no leader yet"
	})
	return p
}

func (p *runningPipeline) stop(t *testing.T) {
	t.Helper()
	if p.cancel == nil {
		return
	}
	p.cancel()
	p.cancel = nil
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("pipeline stopped with error: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("pipeline did not stop within 60s")
	}
}

func testDevFlags(t *testing.T, dataDir string) devFlags {
	// ports[0] for the broker; the validators take raft-port+1..+3, which
	// with raft-port = ports[1] are ports[2..4].
	ports := freePorts(t, 5)
	return devFlags{
		dataDir:                 dataDir,
		validators:              3,
		httpAddr:                "127.0.0.1:0",
		grpcAddr:                "127.0.0.1:0",
		kafka:                   "127.0.0.1:" + strconv.Itoa(ports[0]),
		embeddedClickHouseFlags: embeddedClickHouseFlags{clickhouseHTTP: "127.0.0.1:0", clickhouseThreads: 1, clickhouseNice: engine.DefaultThreadNice},
		raftHost:                "127.0.0.1",
		// The ports are not held between this check and their use, which is
		// good enough on a test machine.
		raftBasePort: ports[1],
		txPartitions: 3,
		drainTimeout: 20 * time.Second,
	}
}

// freePorts returns n consecutive free ports; the broker and the
// validators need fixed ports because they survive a restart.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	base, err := loopport.Run(n)
	if err != nil {
		t.Fatal(err)
	}
	ports := make([]int, n)
	for i := range ports {
		ports[i] = base + 1 + i
	}
	return ports
}

func produceTxs(t *testing.T, brokers []string, start, n int) {
	t.Helper()
	produceTxsAs(t, brokers, nil, start, n)
}

// produceTxsAs produces with opts added to the client's (SASL, TLS).
func produceTxsAs(t *testing.T, brokers []string, opts []kgo.Opt, start, n int) {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokers...), kgo.DefaultProduceTopic(schemas.TopicTransactions)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	recs := make([]*kgo.Record, 0, n)
	for i := start; i < start+n; i++ {
		// Keyed by account, so each account's nonces arrive in order.
		account := fmt.Sprintf("acct-%03d", i%97)
		value := fmt.Sprintf(`{"type":"mint","from":%q,"to":%q,"amount":%d,"nonce":%d}`, account, account, 1+i%1000, i/97+1)
		recs = append(recs, &kgo.Record{Key: []byte(account), Value: []byte(value)})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatalf("produce %d transactions: %v", n, err)
	}
}

func produceGarbage(t *testing.T, brokers []string, n int) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.DefaultProduceTopic(schemas.TopicTransactions))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := 0; i < n; i++ {
		if err := cl.ProduceSync(ctx, &kgo.Record{Key: []byte("bad"), Value: []byte(fmt.Sprintf(`{"type":"mint","amount": oops %d`, i))}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
}

func assertVerified(t *testing.T, httpAddr string, wantTx uint64) {
	t.Helper()
	var v struct {
		OK         bool     `json:"ok"`
		TxCount    uint64   `json:"tx_count"`
		Duplicates int      `json:"duplicates"`
		Errors     []string `json:"errors"`
	}
	getJSON(t, httpAddr, "/api/v12/chain/verify", &v)
	if !v.OK || v.TxCount != wantTx || v.Duplicates != 0 {
		t.Fatalf("chain/verify = %+v, want ok with %d transactions and no duplicates", v, wantTx)
	}
}

func assertProjected(t *testing.T, clickhouseURL string, want uint64) {
	t.Helper()
	opts, err := clickhouse.ParseDSN(clickhouseURL)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := clickhouse.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	waitFor(t, 60*time.Second, "ClickHouse projection", func() (bool, string) {
		var count, unique uint64
		row := conn.QueryRow(context.Background(), "SELECT count(), uniqExact(id) FROM aurigraph.transactions")
		if err := row.Scan(&count, &unique); err != nil {
			return false, err.Error()
		}
		if count > want {
			t.Fatalf("ClickHouse holds %d transaction rows, more than the %d committed", count, want)
		}
		return count == want && unique == want, fmt.Sprintf("count=%d unique=%d", count, unique)
	})
}

func assertDeadLetters(t *testing.T, brokers []string, want int) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(schemas.TopicDeadLetters),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var got []*kgo.Record
	deadline := time.Now().Add(20 * time.Second)
	for len(got) < want && time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) { got = append(got, r) })
		cancel()
	}
	if len(got) < want {
		t.Fatalf("dead-letter topic has %d records, want %d", len(got), want)
	}
	for _, r := range got {
		reason := ""
		for _, h := range r.Headers {
			if h.Key == "reason" {
				reason = string(h.Value)
			}
		}
		if reason == "" {
			t.Fatalf("dead letter %q has no reason header", r.Value)
		}
	}
}

// assertOfflineVerify runs `aurigraph verify` on the stopped pipeline's data.
func assertOfflineVerify(t *testing.T, dataDir string, validators int) {
	t.Helper()
	cmd := newRootCommand()
	var out strings.Builder
	cmd.SetOut(&out)
	cmd.SetArgs([]string{"verify", "--data", dataDir})
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		t.Fatalf("aurigraph verify: %v\n%s", err, out.String())
	}
	if got := strings.Count(out.String(), `"ok":true`); got != validators {
		t.Fatalf("aurigraph verify reported %d healthy stores, want %d:\n%s", got, validators, out.String())
	}
}

func chainHeight(t *testing.T, httpAddr string) uint64 {
	var st struct {
		Height uint64 `json:"height"`
	}
	getJSON(t, httpAddr, "/api/v12/chain/stats", &st)
	return st.Height
}

func getJSON(t *testing.T, httpAddr, path string, into any) {
	t.Helper()
	if err := tryGetJSON(httpAddr, path, into); err != nil {
		t.Fatal(err)
	}
}

func tryGetJSON(httpAddr, path string, into any) error {
	resp, err := http.Get("http://" + httpAddr + path)
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", path, resp.Status, body)
	}
	if err := json.Unmarshal(body, into); err != nil {
		return fmt.Errorf("GET %s: decode %s: %w", path, body, err)
	}
	return nil
}

func waitFor(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last string
	for time.Now().Before(deadline) {
		ok, state := cond()
		if ok {
			return
		}
		last = state
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting for %s (last: %s)", timeout, what, last)
}

// liveClient collects the heights of block messages from the live stream.
type liveClient struct {
	mu      sync.Mutex
	heights []uint64
}

func (c *liveClient) blocks() []uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]uint64(nil), c.heights...)
}

func dialLive(t *testing.T, httpAddr string, fromHeight uint64) *liveClient {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	url := "ws://" + httpAddr + "/api/v12/live/stream"
	if fromHeight > 0 {
		url += "?from_height=" + strconv.FormatUint(fromHeight, 10)
	}
	conn, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		cancel()
		t.Fatalf("dial %s: %v", url, err)
	}
	conn.SetReadLimit(1 << 20)
	c := &liveClient{}
	var welcomed bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			_, data, err := conn.Read(ctx)
			if err != nil {
				return
			}
			var msg struct {
				Type   string `json:"type"`
				Height uint64 `json:"height"`
			}
			if json.Unmarshal(data, &msg) != nil {
				continue
			}
			switch msg.Type {
			case "welcome":
				welcomed = true
			case "block":
				if !welcomed {
					t.Errorf("block message before welcome")
				}
				c.mu.Lock()
				c.heights = append(c.heights, msg.Height)
				c.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		conn.Close(websocket.StatusNormalClosure, "test done")
		cancel()
		<-done
	})
	return c
}

// testLog keeps the pipeline's log and shows it only when the test fails,
// without touching t after the test has returned.
func testLog(t *testing.T) *slog.Logger {
	var mu sync.Mutex
	var buf strings.Builder
	t.Cleanup(func() {
		if t.Failed() {
			mu.Lock()
			t.Log("pipeline log:\n" + buf.String())
			mu.Unlock()
		}
	})
	w := writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return buf.Write(p)
	})
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
