package stream

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"
)

// frame is the union of the JSON messages a WebSocket subscriber receives.
type frame struct {
	Type        string `json:"type"`
	Height      uint64 `json:"height"`
	ServerTime  int64  `json:"server_time"`
	Hash        string `json:"hash"`
	PrevHash    string `json:"prev_hash"`
	TxCount     uint32 `json:"tx_count"`
	FailedCount uint32 `json:"failed_count"`
	Timestamp   int64  `json:"timestamp"`
	TPS         uint64 `json:"tps"`
	T           int64  `json:"t"`
}

// serveHub mounts the hub's handlers the way cmd/aurigraph does, on a real
// loopback listener.
func serveHub(t *testing.T, h *Hub) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/api/v12/live/stream", h.WebSocketHandler(WebSocketOptions{PingInterval: 50 * time.Millisecond}))
	mux.Handle("/api/v12/performance", h.PerformanceHandler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func dial(t *testing.T, srv *httptest.Server, query string) *websocket.Conn {
	t.Helper()
	u := "ws" + strings.TrimPrefix(srv.URL, "http") + "/api/v12/live/stream" + query
	c, _, err := websocket.Dial(t.Context(), u, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", u, err)
	}
	t.Cleanup(func() { c.CloseNow() })
	return c
}

func readFrame(t *testing.T, c *websocket.Conn) (frame, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	typ, data, err := c.Read(ctx)
	if err != nil {
		return frame{}, err
	}
	if typ != websocket.MessageText {
		t.Fatalf("got a %v message, want text", typ)
	}
	var f frame
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatalf("decode %s: %v", data, err)
	}
	return f, nil
}

// readBlocks reads frames until block `until`, returning the block frames.
func readBlocks(t *testing.T, c *websocket.Conn, until uint64) []frame {
	t.Helper()
	var blocks []frame
	for {
		f, err := readFrame(t, c)
		if err != nil {
			t.Fatalf("after %d blocks: %v", len(blocks), err)
		}
		if f.Type != "block" {
			continue
		}
		blocks = append(blocks, f)
		if f.Height >= until {
			return blocks
		}
	}
}

func frameHeights(fs []frame) []uint64 {
	hs := make([]uint64, len(fs))
	for i, f := range fs {
		hs[i] = f.Height
	}
	return hs
}

func TestWebSocketStreamsWelcomeBlocksAndTPS(t *testing.T) {
	chain := newMemChain()
	chain.append(5, 2, time.Time{})
	reg := prometheus.NewRegistry()
	h, _, _ := startHub(t, chain, HubOptions{Registerer: reg})
	srv := serveHub(t, h)
	c := dial(t, srv, "")

	welcome, err := readFrame(t, c)
	if err != nil {
		t.Fatal(err)
	}
	if welcome.Type != "welcome" || welcome.Height != 5 || time.Since(time.UnixMilli(welcome.ServerTime)).Abs() > time.Minute {
		t.Fatalf("first message %+v, want welcome at height 5 with the server time", welcome)
	}
	chain.append(3, 7, time.Now())
	blocks := readBlocks(t, c, 8)
	checkContiguous(t, frameHeights(blocks), 6, 8)
	want, _ := chain.Get(8)
	if got := blocks[2]; got.Hash != hex.EncodeToString(want.Header.Hash) || got.PrevHash != hex.EncodeToString(want.Header.PrevHash) ||
		got.TxCount != 7 || got.FailedCount != 0 || got.Timestamp != want.Header.TimestampMs {
		t.Fatalf("block message %+v does not match block %v", got, want.Header)
	}

	deadline := time.Now().Add(3 * time.Second)
	for {
		f, err := readFrame(t, c)
		if err != nil {
			t.Fatal(err)
		}
		if f.Type == "tps" {
			if f.Height != 8 || f.T == 0 {
				t.Fatalf("tps message %+v, want height 8 and a time", f)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no tps message within 3s")
		}
	}
	// The server counts a message after its write returns, which can be
	// just after the client has read it.
	for _, typ := range []MessageType{MessageWelcome, MessageBlock, MessageTPS} {
		sent := h.metrics.sent.WithLabelValues("websocket", string(typ))
		for deadline := time.Now().Add(2 * time.Second); metricValue(t, sent) < 1; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("messages_sent_total{type=%q} = 0, want at least 1", typ)
			}
		}
	}
}

func TestWebSocketReplaysFromHeightThenGoesLive(t *testing.T) {
	chain := newMemChain()
	chain.append(20, 1, time.Time{})
	h, _, _ := startHub(t, chain, HubOptions{})
	srv := serveHub(t, h)
	c := dial(t, srv, "?from_height=4")
	if f, err := readFrame(t, c); err != nil || f.Type != "welcome" {
		t.Fatalf("first message %+v, %v; want welcome", f, err)
	}
	go chain.append(10, 1, time.Now())
	checkContiguous(t, frameHeights(readBlocks(t, c, 30)), 4, 30)
}

func TestWebSocketRejectsBadRequests(t *testing.T) {
	h, _, _ := startHub(t, newMemChain(), HubOptions{})
	srv := serveHub(t, h)
	tests := []struct {
		name, method, query string
		status              int
		body                string
	}{
		{"not a number", http.MethodGet, "?from_height=abc", http.StatusBadRequest, "from_height"},
		{"negative", http.MethodGet, "?from_height=-1", http.StatusBadRequest, "from_height"},
		{"zero", http.MethodGet, "?from_height=0", http.StatusBadRequest, "from 1"},
		{"empty", http.MethodGet, "?from_height=", http.StatusBadRequest, "from_height"},
		{"overflow", http.MethodGet, "?from_height=18446744073709551616", http.StatusBadRequest, "from_height"},
		{"twice", http.MethodGet, "?from_height=1&from_height=2", http.StatusBadRequest, "2 times"},
		{"bad escape", http.MethodGet, "?from_height=%zz", http.StatusBadRequest, "malformed"},
		{"not a websocket", http.MethodGet, "?from_height=1", http.StatusUpgradeRequired, ""},
		{"post", http.MethodPost, "", http.StatusMethodNotAllowed, "GET"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), tc.method, srv.URL+"/api/v12/live/stream"+tc.query, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.status || !strings.Contains(string(body), tc.body) {
				t.Fatalf("status %d body %q, want %d containing %q", resp.StatusCode, body, tc.status, tc.body)
			}
		})
	}
}

func TestWebSocketClosesWithReason(t *testing.T) {
	t.Run("going away when the hub stops", func(t *testing.T) {
		h, stop, _ := startHub(t, newMemChain(), HubOptions{})
		c := dial(t, serveHub(t, h), "")
		if _, err := readFrame(t, c); err != nil {
			t.Fatal(err)
		}
		stop()
		_, err := readFrame(t, c)
		var ce websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != websocket.StatusGoingAway {
			t.Fatalf("read after hub stop = %v, want close status %v", err, websocket.StatusGoingAway)
		}
	})
	t.Run("going away when the hub has stopped", func(t *testing.T) {
		h, stop, wait := startHub(t, newMemChain(), HubOptions{})
		stop()
		if err := wait(); err != nil {
			t.Fatal(err)
		}
		srv := serveHub(t, h)
		_, resp, err := websocket.Dial(t.Context(), "ws"+strings.TrimPrefix(srv.URL, "http")+"/api/v12/live/stream", nil)
		if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("dial a stopped hub = %v, %v; want a 503 answer", err, resp)
		}
	})
	t.Run("lagged when too far behind", func(t *testing.T) {
		chain := newMemChain()
		h, _, _ := startHub(t, chain, HubOptions{QueueSize: 1, MaxLagBlocks: 5})
		c := dial(t, serveHub(t, h), "")
		if _, err := readFrame(t, c); err != nil {
			t.Fatal(err)
		}
		// A burst far faster than one WebSocket write per block overflows a
		// queue of one, and the replay that follows is soon more than 5
		// blocks behind; the client drains what was sent, then sees the close.
		chain.append(500, 0, time.Time{})
		for {
			_, err := readFrame(t, c)
			if err == nil {
				continue
			}
			var ce websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != websocket.StatusTryAgainLater || ce.Reason != "lagged" {
				t.Fatalf("stream ended with %v, want close %v %q", err, websocket.StatusTryAgainLater, "lagged")
			}
			return
		}
	})
}

func TestPerformanceHandler(t *testing.T) {
	chain := newMemChain()
	chain.append(2, 3, time.Time{})
	h, _, _ := startHub(t, chain, HubOptions{})
	srv := serveHub(t, h)

	resp, err := srv.Client().Get(srv.URL + "/api/v12/performance")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got map[string]json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, field := range []string{"current_tps", "peak_tps", "avg_tps_60s", "recent", "latency_ms", "height"} {
		if _, ok := got[field]; !ok {
			t.Errorf("performance JSON lacks %q: %v", field, got)
		}
	}
	if string(got["height"]) != "2" || string(got["recent"]) == "null" {
		t.Errorf("height %s recent %s, want 2 and a list", got["height"], got["recent"])
	}

	post, err := srv.Client().Post(srv.URL+"/api/v12/performance", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	post.Body.Close()
	if post.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST status %d, want 405", post.StatusCode)
	}
}
