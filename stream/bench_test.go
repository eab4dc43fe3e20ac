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
