package stream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
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
	// CompressionThreshold: when the client offers permessage-deflate,
	// messages of at least this many bytes are compressed; 512 when 0,
	// and compression is never negotiated when negative. Event frames are
	// small, so only large ones (long filters' echoes, big blocks' ids) pay
	// for the CPU.
	CompressionThreshold int
	// ControlRate is how many subscription messages per second a client may
	// send, with bursts of twice that; 5 when 0. A client over it is closed
	// with status 1008.
	ControlRate float64
}

// Close reasons sent to WebSocket peers.
const (
	closeReasonLagged   = "lagged"
	closeReasonShutdown = "server shutting down"
	closeReasonRate     = "too many subscription messages"
)

// maxControlMessage bounds a subscription message: a filter of the most
// accounts allowed, with room to spare.
const maxControlMessage = 256 << 10

// MessageError answers a subscription message the server could not apply;
// the subscription goes on with its previous filter.
const MessageError MessageType = "error"

// WebSocketHandler serves the live event stream (mounted as GET
// /live/stream). The peer first gets {"type":"welcome","height","server_time"},
// then the events its filter selects (by default a "block" event per block
// and a "tps" event every second). The query sets the start and the filter
// (see requestFromQuery); a JSON message {"type":"subscribe",...} changes
// the filter at any time and is answered with {"type":"subscribed",...}.
// A peer that falls more than the hub's MaxLagBlocks behind is closed with
// status 1013 and reason "lagged"; it can reconnect with after set to the
// id of its last event.
func (h *Hub) WebSocketHandler(opts WebSocketOptions) http.Handler {
	if opts.PingInterval <= 0 {
		opts.PingInterval = 20 * time.Second
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = 10 * time.Second
	}
	if opts.CompressionThreshold == 0 {
		opts.CompressionThreshold = 512
	}
	if opts.ControlRate <= 0 {
		opts.ControlRate = 5
	}
	return &wsHandler{hub: h, opts: opts}
}

type wsHandler struct {
	hub  *Hub
	opts WebSocketOptions
}

func (ws *wsHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Subscribing before the upgrade lets a refusal be a plain HTTP answer.
	sub, height, ok := ws.hub.subscribeHTTP(w, r, "websocket", "the live stream is a WebSocket: use GET with an Upgrade: websocket header", nil)
	if !ok {
		return
	}
	defer sub.Close()
	accept := &websocket.AcceptOptions{OriginPatterns: ws.opts.OriginPatterns, CompressionMode: websocket.CompressionNoContextTakeover, CompressionThreshold: ws.opts.CompressionThreshold}
	if ws.opts.CompressionThreshold < 0 {
		accept.CompressionMode, accept.CompressionThreshold = websocket.CompressionDisabled, 0
	}
	c, err := websocket.Accept(w, r, accept)
	if err != nil {
		// Accept has already answered the request.
		ws.hub.metrics.failed("websocket", reasonHandshake)
		ws.hub.log.Debug("websocket upgrade refused", "remote", r.RemoteAddr, "err", err)
		return
	}
	defer c.CloseNow()
	c.SetReadLimit(maxControlMessage)

	err = ws.serve(r.Context(), c, sub, height)
	switch {
	case errors.Is(err, ErrLagged):
		c.Close(websocket.StatusTryAgainLater, closeReasonLagged)
	case errors.Is(err, errControlRate):
		ws.hub.metrics.failed("websocket", reasonProtocol)
		c.Close(websocket.StatusPolicyViolation, closeReasonRate)
	case errors.Is(err, ErrHubClosed) || r.Context().Err() != nil:
		// After the upgrade net/http no longer watches the connection, so the
		// request context ends only with the server's base context: the
		// server is shutting down and the peer is still there to be told.
		c.Close(websocket.StatusGoingAway, closeReasonShutdown)
	case err != nil:
		if reason := wsFailure(err); reason != "" {
			ws.hub.metrics.failed("websocket", reason)
		}
		ws.hub.log.Debug("websocket subscriber gone", "remote", r.RemoteAddr, "err", err)
	}
}

var (
	errControlRate = errors.New("stream: subscription messages over the rate limit")
	// errWrite and errRead mark where a connection failed, for wsFailure.
	errWrite = errors.New("stream: write to subscriber")
	errRead  = errors.New("stream: read from subscriber")
)

// wsFailure is the aurigraph_stream_errors_total reason of a connection that
// ended with err, or "" when the subscriber just left: it closed with status
// 1000 or 1001, or its connection ended or was reset under us.
func wsFailure(err error) string {
	switch websocket.CloseStatus(err) {
	case websocket.StatusNormalClosure, websocket.StatusGoingAway:
		return ""
	}
	switch {
	case peerGone(err):
		return ""
	case errors.Is(err, errWrite):
		return reasonWrite
	case errors.Is(err, errRead):
		return reasonProtocol
	}
	return ""
}

// peerGone reports whether err is the subscriber's connection ending or
// being reset, which is the subscriber leaving, not an error of ours.
func peerGone(err error) bool {
	for _, gone := range []error{io.EOF, io.ErrUnexpectedEOF, net.ErrClosed, syscall.ECONNRESET, syscall.EPIPE} {
		if errors.Is(err, gone) {
			return true
		}
	}
	return false
}

// serve writes the stream to c until the subscription or the connection ends.
func (ws *wsHandler) serve(ctx context.Context, c *websocket.Conn, sub *Subscription, height uint64) error {
	// The reader keeps ctx, not one canceled when serve returns: a read
	// whose context ends closes the connection before ServeHTTP can send
	// the close frame with its reason.
	done := make(chan struct{})
	defer close(done)
	control := make(chan []byte)
	readErr := make(chan error, 1)
	go ws.readControl(ctx, c, control, readErr, done)

	welcome := mustJSON(welcomeFrame{Type: MessageWelcome, Height: height, ServerTime: time.Now().UnixMilli()})
	if err := ws.write(ctx, c, MessageWelcome, welcome); err != nil {
		return err
	}
	sub.tm.sent(MessageWelcome).Inc()
	ping := time.NewTicker(ws.opts.PingInterval)
	defer ping.Stop()
	for {
		select {
		case msg, ok := <-sub.Messages():
			if !ok {
				return sub.Err()
			}
			for ev := range sub.Events(msg) {
				frame := ev.JSON()
				if err := ws.write(ctx, c, ev.Type, frame); err != nil {
					return err
				}
				sub.Sent(ev, len(frame))
			}
		case raw := <-control:
			typ, reply := applyControl(sub, raw)
			if typ == MessageError {
				ws.hub.metrics.failed("websocket", reasonProtocol)
			}
			if err := ws.write(ctx, c, typ, reply); err != nil {
				return err
			}
			sub.tm.sent(typ).Inc()
		case <-ping.C:
			pctx, pcancel := context.WithTimeout(ctx, ws.opts.WriteTimeout)
			err := c.Ping(pctx)
			pcancel()
			if err != nil {
				return fmt.Errorf("%w: ping: %w", errWrite, err)
			}
		case err := <-readErr:
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// readControl reads the client's subscription messages and hands them to
// the writer, so that replies and events go out in one order. It reports
// the peer leaving or exceeding the rate on readErr, and ends when the
// connection closes.
func (ws *wsHandler) readControl(ctx context.Context, c *websocket.Conn, control chan<- []byte, readErr chan<- error, done <-chan struct{}) {
	limit := newTokenBucket(ws.opts.ControlRate, 2*ws.opts.ControlRate, time.Now())
	for {
		_, data, err := c.Read(ctx)
		if err != nil {
			readErr <- fmt.Errorf("%w: %w", errRead, err)
			return
		}
		if !limit.take(time.Now()) {
			readErr <- errControlRate
			return
		}
		select {
		case control <- data:
		case <-done:
			return
		}
	}
}

// applyControl applies a subscription message and returns the reply frame:
// the filter now in force, or an error saying why the message was refused.
func applyControl(sub *Subscription, raw []byte) (MessageType, []byte) {
	var fm filterMessage
	err := json.Unmarshal(raw, &fm)
	switch {
	case err != nil:
		err = fmt.Errorf("subscription message is not JSON: %w", err)
	case fm.Type != "subscribe":
		err = fmt.Errorf("message type %q: the only message a client sends is {\"type\":\"subscribe\",...}", fm.Type)
	}
	if err == nil {
		var f Filter
		if f, err = fm.filter(); err == nil {
			err = sub.SetFilter(f)
		}
	}
	if err != nil {
		return MessageError, mustJSON(errorFrame{Type: MessageError, Error: err.Error()})
	}
	return MessageSubscribed, mustJSON(sub.Filter().describe())
}

type errorFrame struct {
	Type  MessageType `json:"type"`
	Error string      `json:"error"`
}

func (ws *wsHandler) write(ctx context.Context, c *websocket.Conn, typ MessageType, frame []byte) error {
	ctx, cancel := context.WithTimeout(ctx, ws.opts.WriteTimeout)
	defer cancel()
	if err := c.Write(ctx, websocket.MessageText, frame); err != nil {
		return fmt.Errorf("%w: %s message: %w", errWrite, typ, err)
	}
	return nil
}

// subscribeHTTP starts the subscription a GET request's query asks for,
// with adjust's changes, and returns the head it started at. Otherwise it
// answers the request and returns false.
func (h *Hub) subscribeHTTP(w http.ResponseWriter, r *http.Request, transport, notGET string, adjust func(*SubscribeRequest) error) (*Subscription, uint64, bool) {
	if r.Method != http.MethodGet {
		h.metrics.failed(transport, reasonRequest)
		w.Header().Set("Allow", http.MethodGet)
		http.Error(w, notGET, http.StatusMethodNotAllowed)
		return nil, 0, false
	}
	req, err := requestFromQuery(r.URL.RawQuery)
	if err == nil && adjust != nil {
		err = adjust(&req)
	}
	if err != nil {
		h.metrics.failed(transport, reasonRequest)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return nil, 0, false
	}
	req.Client, req.Transport = clientIP(r), transport
	height := h.Height()
	sub, err := h.Subscribe(r.Context(), req)
	if err != nil {
		h.metrics.refused(transport, err)
		refuse(w, err)
		return nil, 0, false
	}
	return sub, height, true
}

// refuse answers a subscription the hub would not start.
func refuse(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, ErrTooManySubscriptions):
		w.Header().Set("Retry-After", "10")
		http.Error(w, err.Error(), http.StatusTooManyRequests)
	case errors.Is(err, ErrHubClosed):
		http.Error(w, "the server is shutting down: reconnect to another one, or in a few seconds", http.StatusServiceUnavailable)
	default:
		http.Error(w, err.Error(), http.StatusBadRequest)
	}
}

// clientIP is the peer's address without the port: subscriptions are
// limited per client, and one client has many ports.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// tokenBucket allows rate events a second on average and burst at once.
type tokenBucket struct {
	rate, burst, tokens float64
	last                time.Time
}

func newTokenBucket(rate, burst float64, now time.Time) *tokenBucket {
	return &tokenBucket{rate: rate, burst: burst, tokens: burst, last: now}
}

func (b *tokenBucket) take(now time.Time) bool {
	b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
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
