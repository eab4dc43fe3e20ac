package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// Subscribe yields the events of StreamService.Subscribe (a nil req means
// the defaults: live BLOCK and TPS events) until ctx ends, the consumer
// breaks out of the loop, or the stream fails in a way reconnecting cannot
// mend.
//
// When the stream breaks (UNAVAILABLE, or the server ending it, which it
// only does when shutting down) the client subscribes again with after set
// to the id of the last event it yielded, so the consumer sees every event
// once, with no gap and no repeat. TPS and VALIDATOR events have no id and
// leave that cursor alone. Until the first event with an id arrives a
// reconnect repeats req as given; a live-only request can therefore miss
// the events of the break. Reconnects back off like retries, and WithRetry's
// attempts bound each run of reconnects that receives no event.
//
// Any other error (INVALID_ARGUMENT for a bad cursor or filter,
// RESOURCE_EXHAUSTED for a subscriber that cannot keep up, ctx's end) is
// yielded once, wrapped with the cursor to resume from, and ends the
// sequence. req is not modified.
func (c *Client) Subscribe(ctx context.Context, req *aurigraphv1.SubscribeRequest) iter.Seq2[*aurigraphv1.StreamEvent, error] {
	return func(yield func(*aurigraphv1.StreamEvent, error) bool) {
		// Cancelling on return releases the stream when the consumer breaks
		// out while it is still open.
		ctx, cancel := context.WithCancel(c.withRequestID(ctx))
		defer cancel()
		r := &aurigraphv1.SubscribeRequest{}
		if req != nil {
			r = proto.Clone(req).(*aurigraphv1.SubscribeRequest)
		}
		for failures := 1; ; failures++ {
			stream, err := c.stream.Subscribe(ctx, r)
			for err == nil {
				var ev *aurigraphv1.StreamEvent
				if ev, err = stream.Recv(); err != nil {
					break
				}
				failures = 1
				if id := ev.GetId(); id != "" {
					r.After, r.FromHeight = id, 0
				}
				if !yield(ev, nil) {
					return
				}
			}
			broken := status.Code(err) == codes.Unavailable
			if errors.Is(err, io.EOF) {
				broken, err = true, errServerEnded
			}
			if !broken || ctx.Err() != nil || failures == c.cfg.attempts {
				yield(nil, failed(subscribeCall(r), failures, err))
				return
			}
			if err := c.pause(ctx, failures, err); err != nil {
				yield(nil, failed(subscribeCall(r), failures, err))
				return
			}
		}
	}
}

var errServerEnded = errors.New("server ended the stream")

// subscribeCall names a subscription by where it would resume.
func subscribeCall(r *aurigraphv1.SubscribeRequest) string {
	switch {
	case r.GetAfter() != "":
		return fmt.Sprintf("subscribe after %q", r.GetAfter())
	case r.GetFromHeight() != 0:
		return fmt.Sprintf("subscribe from height %d", r.GetFromHeight())
	}
	return "subscribe live"
}
