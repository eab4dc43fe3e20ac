package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/consensus"
	"github.com/aurigraph/aurigraph/internal/chain"
	"github.com/aurigraph/aurigraph/internal/chain/chaintest"
	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// forgedMint is what every forged block credits to mallory.
const forgedMint = 999_999_999_999

// forgeNext writes to the blocks topic, as any client with write access
// can, forgeries of the block after height: well formed, minting
// forgedMint to mallory and linked to the real block at height, but
// unsigned; signed by a stranger claiming to be validator 1; signed by a
// validator the chain does not have; signed with validator 1's real key
// but linked elsewhere; and the real block at height keyed as the next
// one. It returns how many it wrote.
func forgeNext(t *testing.T, f devFlags, httpAddr string, brokers []string, height uint64) int {
	t.Helper()
	var real struct {
		Hash        string `json:"hash"`
		TimestampMs int64  `json:"timestamp_ms"`
	}
	getJSON(t, httpAddr, fmt.Sprintf("/api/v12/blocks/%d", height), &real)
	hash, err := hex.DecodeString(real.Hash)
	if err != nil {
		t.Fatal(err)
	}
	head := &aurigraphv1.Block{Header: &aurigraphv1.BlockHeader{Height: height, Hash: hash, TimestampMs: real.TimestampMs, Proposer: 1, RaftTerm: 1}}
	mint := []*aurigraphv1.TxResult{chaintest.Mint("forged-"+strconv.FormatUint(height, 10), "mallory", forgedMint)}
	validator1, err := chain.LoadOrCreateKey(filepath.Join(f.validatorDir(1), consensus.KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	relinked := chaintest.Next(head, mint, 1, nil)
	relinked.Block.Header.PrevHash = chaintest.Hash("elsewhere")
	chaintest.Seal(relinked.Block)
	relinked.Signature = chain.SignBlock(validator1, relinked.Block.GetHeader().GetHash())
	events := []*aurigraphv1.BlockEvent{
		chaintest.Next(head, mint, 1, nil),
		chaintest.Next(head, mint, 1, chaintest.Key("stranger")),
		chaintest.Next(head, mint, 99, chaintest.Key("stranger")),
		relinked,
	}
	key := []byte(strconv.FormatUint(height+1, 10))
	var recs []*kgo.Record
	for _, ev := range events {
		raw, err := proto.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, &kgo.Record{Key: key, Value: raw})
	}
	older := readBlockRecord(t, brokers, height)
	recs = append(recs, &kgo.Record{Key: key, Value: older.Value})

	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.DefaultProduceTopic(schemas.TopicBlocks))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.ProduceSync(t.Context(), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
	return len(recs)
}

// readBlockRecord returns the publisher's record of height.
func readBlockRecord(t *testing.T, brokers []string, height uint64) *kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{
		schemas.TopicBlocks: {0: kgo.NewOffset().AtStart()}}))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	for {
		fetches := cl.PollFetches(ctx)
		if err := fetches.Err(); err != nil {
			t.Fatalf("read the record of block %d: %v", height, err)
		}
		for _, r := range fetches.Records() {
			if string(r.Key) == strconv.FormatUint(height, 10) {
				return r
			}
		}
	}
}

// assertNoForgery fails if a forged mint shows in ClickHouse or the
// analytics API.
func assertNoForgery(t *testing.T, clickhouseURL, httpAddr string) {
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
	var rows uint64
	if err := conn.QueryRow(t.Context(), "SELECT count() FROM aurigraph.transactions WHERE `to` = 'mallory' OR amount = ?", uint64(forgedMint)).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 0 {
		t.Fatalf("ClickHouse holds %d forged transactions", rows)
	}
	var acct struct {
		Balances []struct {
			Balance string `json:"balance"`
		} `json:"balances"`
	}
	getJSON(t, httpAddr, "/api/v12/analytics/accounts/mallory", &acct)
	if len(acct.Balances) != 0 {
		t.Fatalf("the analytics API shows mallory's balances %+v", acct.Balances)
	}
}

// Forged and replayed blocks written to the blocks topic of a running dev
// pipeline, for the next height, then a restart with them at the topic's
// tail, then the real blocks: nothing forged reaches ClickHouse, the
// analytics API, a gateway's block reads or its streams; the real blocks
// are projected and served; the forgeries are counted; and the pipeline
// restarts cleanly, before and after.
func TestDevPipelineSkipsForgedBlocks(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end pipeline run; skipped with -short")
	}
	flags := testDevFlags(t, t.TempDir())
	p := startPipeline(t, flags)
	produceTxs(t, p.addrs.Kafka, 0, 500)
	waitTxCount(t, p, 500)
	assertProjected(t, p.addrs.ClickHouseHTTP, 500)
	head := chainHeight(t, p.addrs.HTTP)
	forged := forgeNext(t, flags, p.addrs.HTTP, p.addrs.Kafka, head)

	// A restart with the forgeries at the topic's tail.
	p.stop(t)
	p = startPipeline(t, flags)
	produceTxs(t, p.addrs.Kafka, 500, 500)
	waitTxCount(t, p, 1000)
	assertProjected(t, p.addrs.ClickHouseHTTP, 1000)
	assertVerified(t, p.addrs.HTTP, 1000)
	assertNoForgery(t, p.addrs.ClickHouseHTTP, p.addrs.HTTP)
	if n, _ := metricSum(t, p.addrs.HTTP, "aurigraph_projector_blocks_rejected_total"); n != float64(forged) {
		t.Fatalf("aurigraph_projector_blocks_rejected_total = %v, want the %d forgeries", n, forged)
	}

	// A gateway that reads the topic from height 1 meets the forgeries too.
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan gatewayAddrs, 1)
	done := make(chan error, 1)
	go func() {
		done <- runGateway(ctx, gatewayFlags{kafka: p.addrs.Kafka[0], httpAddr: "127.0.0.1:0", grpcAddr: "127.0.0.1:0", cacheBlocks: 4096, streamMaxPerClient: 16,
			trust: blockTrustFlags{validators: "http://" + p.addrs.HTTP}}, testLog(t), func(a gatewayAddrs) { ready <- a })
	}()
	var gw gatewayAddrs
	select {
	case gw = <-ready:
	case err := <-done:
		t.Fatalf("gateway did not start: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("gateway not ready after 30s")
	}
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("gateway: %v", err)
		}
	}()
	waitFor(t, 30*time.Second, "the gateway counts the forgeries", func() (bool, string) {
		n, _ := metricSum(t, gw.HTTP, "aurigraph_stream_blocks_rejected_total")
		return n == float64(forged), fmt.Sprintf("rejected %v", n)
	})
	next := head + 1
	var fromValidator, fromGateway struct {
		Hash string `json:"hash"`
		Txs  []struct {
			To string `json:"to"`
		} `json:"txs"`
	}
	getJSON(t, p.addrs.HTTP, fmt.Sprintf("/api/v12/blocks/%d", next), &fromValidator)
	getJSON(t, gw.HTTP, fmt.Sprintf("/api/v12/blocks/%d", next), &fromGateway)
	if fromGateway.Hash != fromValidator.Hash || len(fromGateway.Txs) != len(fromValidator.Txs) {
		t.Fatalf("gateway serves block %d with hash %s (%d txs), the validators' is %s (%d txs)", next, fromGateway.Hash, len(fromGateway.Txs), fromValidator.Hash, len(fromValidator.Txs))
	}
	conn, err := grpc.NewClient(gw.GRPC, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	sctx, scancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer scancel()
	sub, err := aurigraphv1.NewStreamServiceClient(conn).Subscribe(sctx, &aurigraphv1.SubscribeRequest{FromHeight: next, Types: []aurigraphv1.EventType{aurigraphv1.EventType_EVENT_TYPE_BLOCK}})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := sub.Recv()
	if err != nil || ev.GetHeight() != next || hex.EncodeToString(ev.GetBlock().GetHash()) != fromValidator.Hash {
		t.Fatalf("gateway stream's block %d: %v, %v; want hash %s", next, ev, err, fromValidator.Hash)
	}

	// And the pipeline restarts cleanly after it all.
	p.stop(t)
	p = startPipeline(t, flags)
	defer p.stop(t)
	produceTxs(t, p.addrs.Kafka, 1000, 200)
	waitTxCount(t, p, 1200)
	assertProjected(t, p.addrs.ClickHouseHTTP, 1200)
	assertNoForgery(t, p.addrs.ClickHouseHTTP, p.addrs.HTTP)
}
