package stream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/coder/websocket"
)

// WebSocketOptions configures WebSocketHandler. The zero value is usable.
type WebSocketOptions struct {
	// PingInterval is how often the peer is pinged, so dead connections
	// are noticed even when no block is committed; 20s when 0.
	PingInterval time.Duration
	// WriteTimeout bounds each write and ping; 10s when 0. A peer that
	// cannot take a message in that time is dropped.
	WriteTimeout time.Duration
	// OriginPatterns lists the other origins (host patterns, see
	// websocket.AcceptOptions) browsers may connect from; same-origin
	// requests are always allowed.
	OriginPatterns []string
}

// Close reasons sent to WebSocket peers.
const (
	closeReasonLagged   = "lagged"
	closeReasonShutdown = "server shutting down"
)

// WebSocketHandler serves the live block stream (mounted as GET
// /live/stream). The peer first gets {"type":"welcome","height","server_time"},
// then a "block" message per block and a "tps" message every second. With
// ?from_height=H the blocks from H on are replayed before the live ones.
// A peer that falls behind is closed with status 1013 and reason "lagged";
// it can reconnect with from_height set to its last height + 1.
func (h *Hub) WebSocketHandler(opts WebSocketOptions) http.Handler {
	if opts.PingInterval <= 0 {
		opts.PingInterval = 20 * time.Second
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = 10 * time.Second
	}
	return &wsHandler{hub: h, opts: opts}
}

type wsHandler struct {
	hub  *Hub
	opts WebSocketOptions
}

func (ws *wsHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		http.Error(w, "the live stream is a WebSocket: use GET with an Upgrade: websocket header", http.StatusMethodNotAllowed)
		return
	}
	from, err := parseFromHeight(r.URL.RawQuery)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: ws.opts.OriginPatterns})
	if err != nil {
		// Accept has already answered the request.
		ws.hub.log.Debug("websocket upgrade refused", "remote", r.RemoteAddr, "err", err)
		return
	}
	defer c.CloseNow()

	height := ws.hub.Height()
	sub, err := ws.hub.Subscribe(r.Context(), from)
	if err == nil {
		defer sub.Close()
		err = ws.serve(r.Context(), c, sub, height)
	}
	switch {
	case errors.Is(err, ErrLagged):
		c.Close(websocket.StatusTryAgainLater, closeReasonLagged)
	case errors.Is(err, ErrHubClosed) || r.Context().Err() != nil:
		// After the upgrade net/http no longer watches the connection, so the
		// request context ends only with the server's base context: the
		// server is shutting down and the peer is still there to be told.
		c.Close(websocket.StatusGoingAway, closeReasonShutdown)
	case err != nil:
		ws.hub.log.Debug("websocket subscriber gone", "remote", r.RemoteAddr, "err", err)
	}
}

// serve writes the stream to c until the subscription or the connection ends.
func (ws *wsHandler) serve(ctx context.Context, c *websocket.Conn, sub *Subscription, height uint64) error {
	// The stream is one-way: CloseRead answers pings and the close handshake
	// and cancels ctx when the peer leaves.
	ctx = c.CloseRead(ctx)
	welcome := mustJSON(welcomeFrame{Type: MessageWelcome, Height: height, ServerTime: time.Now().UnixMilli()})
	if err := ws.write(ctx, c, MessageWelcome, welcome); err != nil {
		return err
	}
	ping := time.NewTicker(ws.opts.PingInterval)
	defer ping.Stop()
	for {
		select {
		case msg, ok := <-sub.Messages():
			if !ok {
				return sub.Err()
			}
			if err := ws.write(ctx, c, msg.Type, msg.wire); err != nil {
				return err
			}
		case <-ping.C:
			pctx, cancel := context.WithTimeout(ctx, ws.opts.WriteTimeout)
			err := c.Ping(pctx)
			cancel()
			if err != nil {
				return fmt.Errorf("ping: %w", err)
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (ws *wsHandler) write(ctx context.Context, c *websocket.Conn, typ MessageType, frame []byte) error {
	ctx, cancel := context.WithTimeout(ctx, ws.opts.WriteTimeout)
	defer cancel()
	if err := c.Write(ctx, websocket.MessageText, frame); err != nil {
		return fmt.Errorf("write %s message: %w", typ, err)
	}
	ws.hub.metrics.sent.WithLabelValues(string(typ)).Inc()
	return nil
}

// parseFromHeight reads the optional from_height query parameter; 0 means
// "live only". Errors are written for the client that sent the query.
func parseFromHeight(rawQuery string) (uint64, error) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return 0, fmt.Errorf("malformed query string: %w", err)
	}
	vals, ok := q["from_height"]
	if !ok {
		return 0, nil
	}
	if len(vals) != 1 {
		return 0, fmt.Errorf("from_height is given %d times; give it once", len(vals))
	}
	h, err := strconv.ParseUint(vals[0], 10, 64)
	if err != nil || h == 0 {
		return 0, fmt.Errorf("from_height=%q is not a block height: use a decimal number from 1 (the first block) up, or omit it to get live blocks only", vals[0])
	}
	return h, nil
}

// PerformanceHandler serves Performance as JSON (mounted as GET /performance).
func (h *Hub) PerformanceHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "use GET", http.StatusMethodNotAllowed)
			return
		}
		body, err := json.Marshal(h.Performance())
		if err != nil {
			http.Error(w, "encode performance: "+err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(body)
	})
}
