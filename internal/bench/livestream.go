package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/coder/websocket"
)

// liveFrame is what the bench reads of a live-stream message.
type liveFrame struct {
	Type   string `json:"type"`
	Height uint64 `json:"height"`
}

// liveStreamURL is the WebSocket live stream of the API at host:port.
func liveStreamURL(host string) string {
	return (&url.URL{Scheme: "ws", Host: host, Path: "/api/v12/live/stream"}).String()
}

// followLiveStream subscribes to the live stream at url and calls frame with
// every message and the moment it arrived, until ctx ends (nil), the server
// closes normally (nil), or reading or decoding fails.
func followLiveStream(ctx context.Context, url string, frame func(f liveFrame, at time.Time)) error {
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		return fmt.Errorf("dial %s: %w", url, err)
	}
	defer c.CloseNow()
	c.SetReadLimit(1 << 20)
	for {
		_, data, err := c.Read(ctx)
		if err != nil {
			var ce websocket.CloseError
			if ctx.Err() != nil || errors.As(err, &ce) && ce.Code == websocket.StatusNormalClosure {
				return nil
			}
			return fmt.Errorf("read %s: %w", url, err)
		}
		at := time.Now()
		var f liveFrame
		if err := json.Unmarshal(data, &f); err != nil {
			return fmt.Errorf("decode frame from %s: %w", url, err)
		}
		frame(f, at)
	}
}
