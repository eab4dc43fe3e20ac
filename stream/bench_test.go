package stream

import (
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// BenchmarkWebSocketFanOut is the cost of one block event delivered to one
// WebSocket subscriber over loopback, server and client side together: each
// iteration commits a block and waits until every subscriber has read it.
func BenchmarkWebSocketFanOut(b *testing.B) {
	const subscribers = 500
	chain := newMemChain()
	h := NewHub(chain, HubOptions{MaxPerClient: -1, Logger: slog.New(slog.DiscardHandler)})
	ctx := b.Context()
	go h.Run(ctx)
	srv := httptest.NewServer(h.WebSocketHandler(WebSocketOptions{}))
	defer srv.Close()
	var received atomic.Int64
	var wg sync.WaitGroup
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "?types=block"
	for range subscribers {
		c, _, err := websocket.Dial(ctx, url, nil)
		if err != nil {
			b.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.CloseNow()
			for {
				_, data, err := c.Read(ctx)
				if err != nil {
					return
				}
				if strings.HasPrefix(string(data), `{"type":"block"`) {
					received.Add(1)
				}
			}
		}()
	}
	b.ReportAllocs()
	var want int64
	for b.Loop() {
		chain.append(1, 100, time.Time{})
		want += subscribers
		for received.Load() < want {
			time.Sleep(50 * time.Microsecond)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(want), "ns/delivery")
	b.ReportMetric(float64(want)/b.Elapsed().Seconds(), "deliveries/s")
}

// signedTransfers is a block of n signed transfers, amounts above 2^53
// among them.
func signedTransfers(n int) *aurigraphv1.Block {
	blk := &aurigraphv1.Block{Header: &aurigraphv1.BlockHeader{Height: 7, TimestampMs: 1700000000040, Proposer: 1}}
	for i := range n {
		blk.Txs = append(blk.Txs, &aurigraphv1.TxResult{Tx: &aurigraphv1.Transaction{
			Id: "6b1dfe4cc764c933f86358f610be2682a9c4ba460cecffb2421854c6eebf0e72", Type: aurigraphv1.TxType_TX_TYPE_TRANSFER,
			From: "aur0123456789abcdef0123456789abcdef01234567", To: "acct-2", Amount: uint64(i) << 50, Nonce: uint64(i),
			TimestampMs: 1700000000000, SubmittedMs: 1700000000010, Pubkey: make([]byte, 32), Sig: make([]byte, 64),
		}, Status: aurigraphv1.TxStatus_TX_STATUS_COMMITTED})
	}
	return blk
}

// BenchmarkTxFrames is the cost of a block's tx frames, made once per block
// and shared by every subscriber: 1,000 signed transfers.
func BenchmarkTxFrames(b *testing.B) {
	blk := signedTransfers(1000)
	b.ReportAllocs()
	for b.Loop() {
		newBlockMessage(blk, time.UnixMilli(1700000000050)).encodeJSON()
	}
}

// BenchmarkTxEvents is BenchmarkTxFrames for StreamService's events.
func BenchmarkTxEvents(b *testing.B) {
	blk := signedTransfers(1000)
	b.ReportAllocs()
	for b.Loop() {
		newBlockMessage(blk, time.UnixMilli(1700000000050)).encodeProto()
	}
}
