package stream

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// SSEOptions configures SSEHandler. The zero value is usable.
type SSEOptions struct {
	// HeartbeatInterval is how often a comment line is sent when nothing
	// else is, so proxies keep the connection and clients notice a dead
	// one; 15s when 0.
	HeartbeatInterval time.Duration
	// WriteTimeout bounds each flush to the client; 10s when 0.
	WriteTimeout time.Duration
}

// SSEHandler serves the live event stream as Server-Sent Events (mounted as
// GET /live/events), for clients that want plain HTTP. The query is the
// WebSocket stream's (from_height, after, types and the tx filters); each
// event is "event: <type>" with the same JSON as "data", and block and tx
// events carry their id, so a browser's EventSource resumes by itself with
// Last-Event-ID after a disconnect. A subscriber that falls too far behind
// gets "event: lagged" and the stream ends.
func (h *Hub) SSEHandler(opts SSEOptions) http.Handler {
	if opts.HeartbeatInterval <= 0 {
		opts.HeartbeatInterval = 15 * time.Second
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = 10 * time.Second
	}
	return &sseHandler{hub: h, opts: opts}
}

type sseHandler struct {
	hub  *Hub
	opts SSEOptions
}

func (sh *sseHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// EventSource reconnects to the same URL: the id it last saw wins over
	// the start the URL asks for.
	lastEventID := func(req *SubscribeRequest) error {
		last := r.Header.Get("Last-Event-ID")
		if last == "" {
			return nil
		}
		if _, err := parseEventID(last); err != nil {
			return fmt.Errorf("Last-Event-ID: %w", err)
		}
		req.FromHeight, req.After = 0, last
		return nil
	}
	sub, height, ok := sh.hub.subscribeHTTP(w, r, "sse", "the event stream is read with GET", lastEventID)
	if !ok {
		return
	}
	defer sub.Close()

	hd := w.Header()
	hd.Set("Content-Type", "text/event-stream")
	hd.Set("Cache-Control", "no-store")
	// Reverse proxies that buffer responses would hold events back.
	hd.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	err := sh.serve(r.Context(), http.NewResponseController(w), bufio.NewWriterSize(w, 32<<10), sub, height)
	if err != nil && r.Context().Err() == nil {
		if errors.Is(err, errWrite) && !peerGone(err) {
			sh.hub.metrics.failed("sse", reasonWrite)
		}
		sh.hub.log.Debug("sse subscriber gone", "remote", r.RemoteAddr, "err", err)
	}
}

func (sh *sseHandler) serve(ctx context.Context, rc *http.ResponseController, bw *bufio.Writer, sub *Subscription, height uint64) error {
	flush := func() error {
		// A deadline the server cannot set (some test recorders) just means
		// no bound on this flush.
		_ = rc.SetWriteDeadline(time.Now().Add(sh.opts.WriteTimeout))
		if err := bw.Flush(); err != nil {
			return fmt.Errorf("%w: events: %w", errWrite, err)
		}
		if err := rc.Flush(); err != nil {
			return fmt.Errorf("%w: flush events: %w", errWrite, err)
		}
		return nil
	}
	fmt.Fprintf(bw, "retry: 2000\nevent: %s\ndata: %s\n\n", MessageWelcome,
		mustJSON(welcomeFrame{Type: MessageWelcome, Height: height, ServerTime: time.Now().UnixMilli()}))
	sub.tm.sent(MessageWelcome).Inc()
	if err := flush(); err != nil {
		return err
	}
	heartbeat := time.NewTicker(sh.opts.HeartbeatInterval)
	defer heartbeat.Stop()
	var at resumePoint
	for {
		select {
		case msg, ok := <-sub.Messages():
			// Everything already queued goes out in one flush.
			for more := true; more; {
				if !ok {
					return sh.end(bw, flush, sub.Err(), at.ID())
				}
				for ev := range sub.Events(msg) {
					writeSSE(bw, sub, ev)
					at.sent(ev)
				}
				select {
				case msg, ok = <-sub.Messages():
				default:
					more = false
				}
			}
			if err := flush(); err != nil {
				return err
			}
		case <-heartbeat.C:
			bw.WriteString(": ping\n\n")
			if err := flush(); err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// writeSSE writes one event, with its ID when it has one.
func writeSSE(bw *bufio.Writer, sub *Subscription, ev Event) {
	frame := ev.JSON()
	if ev.hasID() {
		bw.WriteString("id: ")
		bw.Write(ev.appendID(bw.AvailableBuffer()))
		bw.WriteByte('\n')
	}
	bw.WriteString("event: ")
	bw.WriteString(string(ev.Type))
	bw.WriteString("\ndata: ")
	bw.Write(frame)
	bw.WriteString("\n\n")
	sub.Sent(ev, len(frame))
}

// end tells the client why the stream stops, when it is still there to hear.
func (sh *sseHandler) end(bw *bufio.Writer, flush func() error, err error, lastID string) error {
	switch {
	case errors.Is(err, ErrLagged):
		fmt.Fprintf(bw, "event: lagged\ndata: %s\n\n", mustJSON(endFrame{Type: "lagged", Error: err.Error(), ResumeAfter: lastID}))
	case errors.Is(err, ErrHubClosed):
		fmt.Fprintf(bw, "event: shutdown\ndata: %s\n\n", mustJSON(endFrame{Type: "shutdown", Error: closeReasonShutdown, ResumeAfter: lastID}))
	default:
		return err
	}
	if ferr := flush(); ferr != nil {
		return ferr
	}
	return err
}

type endFrame struct {
	Type  string `json:"type"`
	Error string `json:"error"`
	// ResumeAfter is the id of the last event sent: reconnect with
	// after=ResumeAfter (or Last-Event-ID) to continue.
	ResumeAfter string `json:"resume_after,omitempty"`
}
