package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/aurigraph/aurigraph/internal/chain/chaintest"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// TestGatewayServesTheChainFromTheBlocksTopic runs a gateway beside the
// dev pipeline and checks that its live stream, gRPC stream and block reads
// carry the validators' chain, block for block.
func TestGatewayServesTheChainFromTheBlocksTopic(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end pipeline run; skipped with -short")
	}
	p := startPipeline(t, testDevFlags(t, t.TempDir()))
	defer p.stop(t)
	produceTxs(t, p.addrs.Kafka, 0, 3000)

	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan gatewayAddrs, 1)
	done := make(chan error, 1)
	go func() {
		done <- runGateway(ctx, gatewayFlags{kafka: p.addrs.Kafka[0], httpAddr: "127.0.0.1:0", grpcAddr: "127.0.0.1:0", cacheBlocks: 8, streamMaxPerClient: 16,
			trust: blockTrustFlags{validators: "http://" + p.addrs.HTTP}}, testLog(t), func(a gatewayAddrs) { ready <- a })
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("gateway: %v", err)
		}
	}()
	var gw gatewayAddrs
	select {
	case gw = <-ready:
	case err := <-done:
		t.Fatalf("gateway did not start: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("gateway not ready after 30s")
	}

	waitFor(t, 60*time.Second, "all transactions committed", func() (bool, string) {
		var st struct {
			TxCount uint64 `json:"tx_count"`
		}
		if err := tryGetJSON(p.addrs.HTTP, "/api/v12/chain/stats", &st); err != nil {
			return false, err.Error()
		}
		return st.TxCount == 3000, fmt.Sprintf("tx_count=%d", st.TxCount)
	})
	head := chainHeight(t, p.addrs.HTTP)

	// A replay from the first block, longer than the gateway's cache, then live.
	live := dialLive(t, gw.HTTP, 1)
	produceTxs(t, p.addrs.Kafka, 3000, 500)
	waitFor(t, 60*time.Second, "the gateway stream reaches the new head", func() (bool, string) {
		got := live.blocks()
		return len(got) > 0 && got[len(got)-1] == chainHeight(t, p.addrs.HTTP) && got[len(got)-1] > head, fmt.Sprintf("got %d blocks", len(got))
	})
	for i, h := range live.blocks() {
		if h != uint64(i)+1 {
			t.Fatalf("gateway stream block %d has height %d, want %d", i, h, i+1)
		}
	}
	for _, h := range []uint64{1, head} {
		var fromValidator, fromGateway struct {
			Hash string `json:"hash"`
		}
		getJSON(t, p.addrs.HTTP, fmt.Sprintf("/api/v12/blocks/%d", h), &fromValidator)
		getJSON(t, gw.HTTP, fmt.Sprintf("/api/v12/blocks/%d", h), &fromGateway)
		if fromGateway.Hash == "" || fromGateway.Hash != fromValidator.Hash {
			t.Fatalf("block %d: gateway hash %q, validator hash %q", h, fromGateway.Hash, fromValidator.Hash)
		}
	}

	conn, err := grpc.NewClient(gw.GRPC, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	sctx, scancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer scancel()
	sub, err := aurigraphv1.NewStreamServiceClient(conn).Subscribe(sctx, &aurigraphv1.SubscribeRequest{FromHeight: head, Types: []aurigraphv1.EventType{aurigraphv1.EventType_EVENT_TYPE_BLOCK}})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := sub.Recv()
	if err != nil || ev.GetHeight() != head || ev.GetBlock().GetTxCount() == 0 {
		t.Fatalf("first gRPC event from the gateway = %v, %v; want block %d with transactions", ev, err, head)
	}
}

func TestBlockTrustFlags(t *testing.T) {
	keys, err := chaintest.New("gateway-flags", 3).WriteKeys(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		flags    blockTrustFlags
		wantErr  string
		insecure bool
	}{
		{name: "none", wantErr: "no trust anchor"},
		{name: "keys file", flags: blockTrustFlags{keysFile: keys}},
		{name: "validators", flags: blockTrustFlags{validators: "http://127.0.0.1:8080,https://node-2:8080"}},
		{name: "both", flags: blockTrustFlags{keysFile: keys, validators: "http://127.0.0.1:8080"}},
		{name: "missing keys file", flags: blockTrustFlags{keysFile: keys + ".missing"}, wantErr: "--validator-keys"},
		{name: "validator without scheme", flags: blockTrustFlags{validators: "node:8080"}, wantErr: "want http://host:port"},
		{name: "insecure", flags: blockTrustFlags{insecure: true}, insecure: true},
		{name: "insecure and keys", flags: blockTrustFlags{insecure: true, keysFile: keys}, wantErr: "choose"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs strings.Builder
			a, err := tt.flags.open(slog.New(slog.NewTextHandler(&logs, nil)))
			switch {
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("open = %v, want an error containing %q", err, tt.wantErr)
				}
			case err != nil:
				t.Fatal(err)
			case tt.insecure != (a == nil):
				t.Fatalf("anchors %v, want none only without verification", a)
			case tt.insecure && !strings.Contains(logs.String(), "level=WARN"):
				t.Fatalf("no WARN without verification; logs: %s", logs.String())
			}
		})
	}
}
