package hostile

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// streamAttackers are the attacks on the live streams.
func (a *attack) streamAttackers() []attacker {
	return []attacker{
		{"ws/bad-query", a.wsBadQuery},
		{"ws/control", a.wsControl},
		{"ws/garbage-frames", a.wsGarbageFrames},
		{"sse/bad-query", a.sseBadQuery},
		{"stream/flood", a.streamFlood},
	}
}

// badStreamQueries are query strings the live endpoints must refuse.
func badStreamQueries(rng *mrand.Rand) string {
	qs := []string{
		"types=bogus", "types=block,,,", "from_height=-5", "from_height=abc", "from_height=" + strings.Repeat("9", 40),
		"after=x.y.z", "after=1.2.3.4", "account=" + strings.Repeat("a", 300), "status=weird", "tx_type=steal",
		"types=" + strings.Repeat("block,", 2000), "from_height=1&after=5", "asset=%00",
	}
	return qs[rng.IntN(len(qs))]
}

// wsURL is the WebSocket endpoint with query q.
func (a *attack) wsURL(q string) string { return "ws://" + a.d.http + "/api/v12/live/stream?" + q }

// wsOutcome is how a WebSocket dial was answered: the HTTP status of a
// refusal, 101 for an upgrade, or how the connection failed.
func wsOutcome(resp *http.Response, err error) string {
	if resp != nil {
		return strconv.Itoa(resp.StatusCode)
	}
	return netOutcome(err)
}

func (a *attack) wsBadQuery(ctx context.Context, rng *mrand.Rand) {
	for sleep(ctx, 20*time.Millisecond) {
		dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		q := badStreamQueries(rng)
		c, resp, err := websocket.Dial(dctx, a.wsURL(q), nil)
		cancel()
		out := wsOutcome(resp, err)
		if c != nil {
			// Taken: name the query, so the summary says which.
			out += fmt.Sprintf(" (%.40s)", q)
			c.CloseNow()
		}
		a.tally.add("ws/bad-query", out)
	}
}

// controlMessages are what a subscriber may send that the server must
// answer with an error, or close on: not JSON, unknown types and filters,
// a message past the 256 KiB limit, binary frames, and a burst past the
// rate limit.
func controlMessage(rng *mrand.Rand) (name string, typ websocket.MessageType, msgs [][]byte) {
	text := func(s string) [][]byte { return [][]byte{[]byte(s)} }
	switch rng.IntN(8) {
	case 0:
		return "not-json", websocket.MessageText, text("hello?")
	case 1:
		return "unknown-type", websocket.MessageText, text(`{"type":"unsubscribe_all"}`)
	case 2:
		return "unknown-event", websocket.MessageText, text(`{"type":"subscribe","types":["bogus"]}`)
	case 3:
		return "bad-filter", websocket.MessageText, text(`{"type":"subscribe","types":["tx"],"accounts":[""],"status":"maybe"}`)
	case 4:
		accounts := make([]string, 1000)
		for i := range accounts {
			accounts[i] = strings.Repeat("a", 300)
		}
		b, _ := json.Marshal(map[string]any{"type": "subscribe", "types": []string{"tx"}, "accounts": accounts})
		return "oversized", websocket.MessageText, [][]byte{b}
	case 5:
		return "binary", websocket.MessageBinary, [][]byte{randomBytes(rng, 1+rng.IntN(4096))}
	case 6:
		burst := make([][]byte, 40)
		for i := range burst {
			burst[i] = []byte(`{"type":"subscribe","types":["block"]}`)
		}
		return "burst", websocket.MessageText, burst
	default:
		return "deep-json", websocket.MessageText, text(strings.Repeat(`{"a":`, 20_000) + "1" + strings.Repeat("}", 20_000))
	}
}

// wsControl subscribes and then sends bad control messages; each counts as
// the server's first answer after it: an error message, a close code, or
// nothing within two seconds.
func (a *attack) wsControl(ctx context.Context, rng *mrand.Rand) {
	for sleep(ctx, 50*time.Millisecond) {
		dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		c, resp, err := websocket.Dial(dctx, a.wsURL("types=validator"), nil)
		cancel()
		if err != nil {
			a.tally.add("ws/control", "dial "+wsOutcome(resp, err))
			continue
		}
		c.SetReadLimit(1 << 20)
		name, typ, msgs := controlMessage(rng)
		a.tally.add("ws/control-"+name, a.sendControl(ctx, c, typ, msgs))
		c.CloseNow()
	}
}

// sendControl sends msgs and returns the server's answer: the first error
// or subscribed message, or, when several messages went, how the
// connection ended (a burst must end it).
func (a *attack) sendControl(ctx context.Context, c *websocket.Conn, typ websocket.MessageType, msgs [][]byte) string {
	untilClosed := len(msgs) > 1
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for _, m := range msgs {
		if err := c.Write(wctx, typ, m); err != nil {
			if code := websocket.CloseStatus(err); code != -1 {
				return fmt.Sprintf("close %d", code)
			}
			return "write " + netOutcome(err)
		}
	}
	rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	answer := "no answer"
	for {
		_, b, err := c.Read(rctx)
		if err != nil {
			if code := websocket.CloseStatus(err); code != -1 {
				return fmt.Sprintf("close %d", code)
			}
			if errors.Is(err, context.DeadlineExceeded) || errors.Is(rctx.Err(), context.DeadlineExceeded) {
				return answer
			}
			return netOutcome(err)
		}
		var m struct {
			Type string `json:"type"`
		}
		_ = json.Unmarshal(b, &m)
		switch m.Type {
		case "welcome", "validator":
			continue // greetings, not answers
		case "":
			answer = "unparsed message"
		default:
			answer = m.Type
		}
		if !untilClosed && (answer == "error" || answer == "subscribed") {
			return answer
		}
	}
}

// wsGarbageFrames completes a WebSocket handshake by hand and then sends
// bytes that are no valid frame.
func (a *attack) wsGarbageFrames(ctx context.Context, rng *mrand.Rand) {
	for sleep(ctx, 50*time.Millisecond) {
		nonce := make([]byte, 16)
		_, _ = rand.Read(nonce)
		handshake := "GET /api/v12/live/stream HTTP/1.1\r\nHost: " + a.d.http + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
			"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + base64.StdEncoding.EncodeToString(nonce) + "\r\n\r\n"
		a.tally.add("ws/garbage-frames", a.afterUpgrade(ctx, handshake, randomBytes(rng, 1+rng.IntN(4096))))
	}
}

// afterUpgrade sends a handshake, waits for the 101, then sends junk and
// reports how the server ended the connection: a close frame, a closed or
// reset connection, or nothing before the deadline.
func (a *attack) afterUpgrade(ctx context.Context, handshake string, junk []byte) string {
	var dialer net.Dialer
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := dialer.DialContext(dctx, "tcp", a.d.http)
	if err != nil {
		return "dial " + netOutcome(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write([]byte(handshake)); err != nil {
		return "write " + netOutcome(err)
	}
	r := bufio.NewReader(conn)
	status, err := r.ReadString('\n')
	if err != nil {
		return netOutcome(err)
	}
	if f := strings.Fields(status); len(f) < 2 || f[1] != "101" {
		return "refused " + strings.TrimSpace(status)
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return netOutcome(err)
		}
		if line == "\r\n" {
			break
		}
	}
	if _, err := conn.Write(junk); err != nil {
		return "write " + netOutcome(err)
	}
	// Frames the server sends first (a welcome) are skipped; a close frame
	// (opcode 8) is its verdict.
	for {
		hdr := make([]byte, 2)
		if _, err := io.ReadFull(r, hdr); err != nil {
			return netOutcome(err)
		}
		n := int(hdr[1] & 0x7f)
		switch n {
		case 126:
			ext := make([]byte, 2)
			if _, err := io.ReadFull(r, ext); err != nil {
				return netOutcome(err)
			}
			n = int(ext[0])<<8 | int(ext[1])
		case 127:
			return "oversized frame"
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(r, payload); err != nil {
			return netOutcome(err)
		}
		if hdr[0]&0x0f == 8 {
			if n >= 2 {
				return fmt.Sprintf("close %d", int(payload[0])<<8|int(payload[1]))
			}
			return "close"
		}
	}
}

func (a *attack) sseBadQuery(ctx context.Context, rng *mrand.Rand) {
	c := shortClient()
	defer c.CloseIdleConnections()
	for sleep(ctx, 20*time.Millisecond) {
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		q := badStreamQueries(rng)
		req, _ := http.NewRequestWithContext(rctx, http.MethodGet, a.d.url("/api/v12/live/events?"+q), nil)
		if rng.IntN(4) == 0 {
			q = "Last-Event-ID: 9.9.9..."
			req.Header.Set("Last-Event-ID", strings.Repeat("9.", 2000))
		}
		resp, err := c.Do(req)
		out := httpOutcome(0, err)
		if err == nil {
			out = strconv.Itoa(resp.StatusCode)
			if resp.StatusCode == http.StatusOK {
				out += fmt.Sprintf(" (%.40s)", q)
			}
			resp.Body.Close()
		}
		cancel()
		a.tally.add("sse/bad-query", out)
	}
}

// floodSize is how many live connections each flood opens per transport:
// together well within the 256 subscriptions one client address may hold.
const floodSize = 80

// streamFlood opens floodSize WebSocket and floodSize SSE subscriptions at
// once, holds them a couple of seconds without reading, and closes them;
// again every few seconds.
func (a *attack) streamFlood(ctx context.Context, rng *mrand.Rand) {
	client := &http.Client{}
	defer client.CloseIdleConnections()
	for sleep(ctx, 3*time.Second) {
		hold, cancel := context.WithTimeout(ctx, 2*time.Second+time.Duration(rng.IntN(1000))*time.Millisecond)
		var wg sync.WaitGroup
		for i := range 2 * floodSize {
			wg.Go(func() {
				if i%2 == 0 {
					c, resp, err := websocket.Dial(hold, a.wsURL("types=block,tx,tps"), nil)
					a.tally.add("ws/flood", wsOutcome(resp, err))
					if c != nil {
						<-hold.Done()
						c.CloseNow()
					}
					return
				}
				req, _ := http.NewRequestWithContext(hold, http.MethodGet, a.d.url("/api/v12/live/events?types=block,tx,tps"), nil)
				resp, err := client.Do(req)
				code := 0
				if err == nil {
					code = resp.StatusCode
					<-hold.Done()
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				a.tally.add("sse/flood", httpOutcome(code, err))
			})
		}
		wg.Wait()
		cancel()
	}
}
