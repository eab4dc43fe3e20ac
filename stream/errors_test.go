package stream

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// errorCounts reads aurigraph_stream_errors_total as "transport/reason" →
// value, leaving out zeros.
func errorCounts(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "aurigraph_stream_errors_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			var tr, reason string
			for _, l := range m.GetLabel() {
				switch l.GetName() {
				case "transport":
					tr = l.GetValue()
				case "reason":
					reason = l.GetValue()
				}
			}
			if v := m.GetCounter().GetValue(); v != 0 {
				got[tr+"/"+reason] = v
			}
		}
	}
	return got
}

// subscribersOpen sums aurigraph_stream_subscribers.
func subscribersOpen(t *testing.T, reg *prometheus.Registry) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var n float64
	for _, mf := range mfs {
		if mf.GetName() == "aurigraph_stream_subscribers" {
			for _, m := range mf.GetMetric() {
				n += m.GetGauge().GetValue()
			}
		}
	}
	return n
}

// errorsEnv is one hub with its own registry, served over every transport.
type errorsEnv struct {
	hub   *Hub
	chain *memChain
	reg   *prometheus.Registry
	ws    string // ws:// URL of the live stream
	http  string // http:// base URL
	grpc  aurigraphv1.StreamServiceClient
	// conns are the WebSocket clients dialed, dropped once the case ran.
	conns []*websocket.Conn
}

func (e *errorsEnv) dial(t *testing.T, query string) *websocket.Conn {
	t.Helper()
	c, _, err := websocket.Dial(t.Context(), e.ws+query, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	e.conns = append(e.conns, c)
	if _, err := readFrame(t, c); err != nil {
		t.Fatalf("welcome: %v", err)
	}
	return c
}

func (e *errorsEnv) get(t *testing.T, method, url string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode < 400 {
		t.Fatalf("%s %s: status %d, want a refusal", method, url, resp.StatusCode)
	}
}

// readUntilClosed reads until the server ends the connection.
func readUntilClosed(t *testing.T, c *websocket.Conn) error {
	t.Helper()
	for {
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		_, _, err := c.Read(ctx)
		cancel()
		if err != nil {
			return err
		}
	}
}

// TestStreamErrorsCounted checks each reason of aurigraph_stream_errors_total
// on the transport it happens on, and that a subscriber leaving, by a close
// or by dropping the connection, counts nothing.
func TestStreamErrorsCounted(t *testing.T) {
	tests := []struct {
		name string
		opts HubOptions
		ws   WebSocketOptions
		// smallBuffers makes the server's socket buffers tiny, so a client
		// that does not read stalls the server's writes at once.
		smallBuffers bool
		run          func(t *testing.T, e *errorsEnv)
		want         map[string]float64
	}{
		{"websocket malformed query", HubOptions{}, WebSocketOptions{}, false, func(t *testing.T, e *errorsEnv) {
			e.get(t, http.MethodGet, e.http+"/live/stream?from_height=abc")
		}, map[string]float64{"websocket/request": 1}},
		{"websocket POST", HubOptions{}, WebSocketOptions{}, false, func(t *testing.T, e *errorsEnv) {
			e.get(t, http.MethodPost, e.http+"/live/stream")
		}, map[string]float64{"websocket/request": 1}},
		{"websocket without an upgrade", HubOptions{}, WebSocketOptions{}, false, func(t *testing.T, e *errorsEnv) {
			e.get(t, http.MethodGet, e.http+"/live/stream")
		}, map[string]float64{"websocket/handshake": 1}},
		{"websocket over the per-client limit", HubOptions{MaxPerClient: 1}, WebSocketOptions{}, false, func(t *testing.T, e *errorsEnv) {
			e.dial(t, "")
			if _, resp, err := websocket.Dial(t.Context(), e.ws, nil); err == nil || resp == nil || resp.StatusCode != http.StatusTooManyRequests {
				t.Fatalf("second subscription: %v, %v; want 429", err, resp)
			}
		}, map[string]float64{"websocket/limit": 1}},
		{"websocket refused subscription message", HubOptions{}, WebSocketOptions{}, false, func(t *testing.T, e *errorsEnv) {
			c := e.dial(t, "")
			if err := c.Write(t.Context(), websocket.MessageText, []byte(`{"type":"unsubscribe"}`)); err != nil {
				t.Fatal(err)
			}
			for {
				f, err := readFrame(t, c)
				if err != nil {
					t.Fatal(err)
				}
				if f.Type == "error" {
					return
				}
			}
		}, map[string]float64{"websocket/protocol": 1}},
		{"websocket over the control rate", HubOptions{}, WebSocketOptions{ControlRate: 1}, false, func(t *testing.T, e *errorsEnv) {
			c := e.dial(t, "")
			for range 5 {
				c.Write(t.Context(), websocket.MessageText, []byte(`{"type":"subscribe"}`))
			}
			if err := readUntilClosed(t, c); websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
				t.Fatalf("closed with %v, want %v", err, websocket.StatusPolicyViolation)
			}
		}, map[string]float64{"websocket/protocol": 1}},
		{"websocket message over the size limit", HubOptions{}, WebSocketOptions{}, false, func(t *testing.T, e *errorsEnv) {
			c := e.dial(t, "")
			c.Write(t.Context(), websocket.MessageText, []byte(`{"type":"subscribe","accounts":["`+strings.Repeat("a", maxControlMessage)+`"]}`))
			if err := readUntilClosed(t, c); websocket.CloseStatus(err) != websocket.StatusMessageTooBig {
				t.Fatalf("closed with %v, want %v", err, websocket.StatusMessageTooBig)
			}
		}, map[string]float64{"websocket/protocol": 1}},
		{"websocket lagged", HubOptions{QueueSize: 1, MaxLagBlocks: 5}, WebSocketOptions{}, false, func(t *testing.T, e *errorsEnv) {
			c := e.dial(t, "")
			e.chain.append(500, 0, time.Time{})
			if err := readUntilClosed(t, c); websocket.CloseStatus(err) != websocket.StatusTryAgainLater {
				t.Fatalf("closed with %v, want %v", err, websocket.StatusTryAgainLater)
			}
		}, map[string]float64{"websocket/lagged": 1}},
		{"websocket write timeout", HubOptions{QueueSize: 4096, MaxLagBlocks: 1 << 20}, WebSocketOptions{WriteTimeout: 100 * time.Millisecond, CompressionThreshold: -1}, true, func(t *testing.T, e *errorsEnv) {
			// The client never reads again: its buffers and the server's
			// fill, and the next write waits out its timeout.
			e.dial(t, "?types=block,tx")
			e.chain.append(2000, 20, time.Time{})
		}, map[string]float64{"websocket/write": 1}},
		{"websocket closed by the client", HubOptions{}, WebSocketOptions{}, false, func(t *testing.T, e *errorsEnv) {
			e.dial(t, "").Close(websocket.StatusNormalClosure, "")
			e.dial(t, "").Close(websocket.StatusGoingAway, "")
		}, nil},
		{"websocket connection dropped", HubOptions{}, WebSocketOptions{}, false, func(t *testing.T, e *errorsEnv) {
			e.dial(t, "").CloseNow()
		}, nil},
		{"sse malformed query", HubOptions{}, WebSocketOptions{}, false, func(t *testing.T, e *errorsEnv) {
			e.get(t, http.MethodGet, e.http+"/live/events?types=nope")
		}, map[string]float64{"sse/request": 1}},
		{"grpc malformed request and over the limit", HubOptions{MaxPerClient: 1}, WebSocketOptions{}, false, func(t *testing.T, e *errorsEnv) {
			s, err := e.grpc.Subscribe(t.Context(), &aurigraphv1.SubscribeRequest{After: "x.y"})
			if err == nil {
				_, err = s.Recv()
			}
			if err == nil {
				t.Fatal("a malformed cursor was accepted")
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			first, err := e.grpc.Subscribe(ctx, &aurigraphv1.SubscribeRequest{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := first.Header(); err != nil {
				t.Fatal(err)
			}
			second, err := e.grpc.Subscribe(t.Context(), &aurigraphv1.SubscribeRequest{})
			if err == nil {
				_, err = second.Recv()
			}
			if err == nil {
				t.Fatal("a second subscription over the limit was accepted")
			}
		}, map[string]float64{"grpc/request": 1, "grpc/limit": 1}},
		{"hub shut down", HubOptions{}, WebSocketOptions{}, false, func(t *testing.T, e *errorsEnv) {
			e.hub.Close()
			if _, resp, err := websocket.Dial(t.Context(), e.ws, nil); err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
				t.Fatalf("dial after Close: %v, %v; want 503", err, resp)
			}
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			opts := tt.opts
			opts.Registerer = reg
			chain := newMemChain()
			h, _, _ := startHub(t, chain, opts)
			mux := http.NewServeMux()
			mux.Handle("/live/stream", h.WebSocketHandler(tt.ws))
			mux.Handle("/live/events", h.SSEHandler(SSEOptions{}))
			srv := httptest.NewUnstartedServer(mux)
			if tt.smallBuffers {
				srv.Listener = smallBufferListener{srv.Listener}
			}
			srv.Start()
			t.Cleanup(srv.Close)
			e := &errorsEnv{hub: h, chain: chain, reg: reg, http: srv.URL,
				ws: "ws" + strings.TrimPrefix(srv.URL, "http") + "/live/stream", grpc: serveGRPCHub(t, h)}
			tt.run(t, e)

			// Counting happens on the server's side of each connection:
			// wait for what is expected, then for every subscription to
			// have ended, and look again for anything extra.
			want := tt.want
			if want == nil {
				want = map[string]float64{}
			}
			deadline := time.Now().Add(20 * time.Second)
			for !maps.Equal(errorCounts(t, reg), want) && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			// Hijacked connections are the clients' to drop.
			for _, c := range e.conns {
				c.CloseNow()
			}
			srv.CloseClientConnections()
			for subscribersOpen(t, reg) > 0 && time.Now().Before(deadline) {
				time.Sleep(10 * time.Millisecond)
			}
			if got := errorCounts(t, reg); !maps.Equal(got, want) {
				t.Fatalf("aurigraph_stream_errors_total = %s, want %s", fmtCounts(got), fmtCounts(want))
			}
		})
	}
}

func fmtCounts(m map[string]float64) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s=%v", k, m[k]))
	}
	return "{" + strings.Join(parts, " ") + "}"
}

// TestStreamSeriesStartAtZero: every transport's series, errors by reason
// included, are exported before the first subscriber, so rules and
// dashboards see 0 rather than nothing.
func TestStreamSeriesStartAtZero(t *testing.T) {
	reg := prometheus.NewRegistry()
	newHubMetrics(reg)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, mf := range mfs {
		got[mf.GetName()] = len(mf.GetMetric())
	}
	transports := len(streamTransports)
	for name, want := range map[string]int{
		"aurigraph_stream_errors_total":             transports * len(streamReasons),
		"aurigraph_stream_subscribers":              transports,
		"aurigraph_stream_sent_bytes_total":         transports,
		"aurigraph_stream_delivery_latency_seconds": transports,
		"aurigraph_stream_messages_sent_total":      transports * 8,
	} {
		if got[name] != want {
			t.Errorf("%s has %d series before any subscriber, want %d", name, got[name], want)
		}
	}
}
