package client

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// retryRead decides for calls that change nothing. Only UNAVAILABLE is the
// services' way of saying "not now, ask again".
func retryRead(code codes.Code) bool {
	return code == codes.Unavailable
}

// retrySubmit decides for submissions, which the contract declares safe to
// repeat on UNAVAILABLE or DEADLINE_EXCEEDED once the id is fixed. The
// retry loop stops anyway when the caller's own deadline is what expired.
func retrySubmit(code codes.Code) bool {
	return code == codes.Unavailable || code == codes.DeadlineExceeded
}

// retry runs attempt until it succeeds, fails with a code retryable rejects,
// runs out of attempts or would have to wait past ctx. call names the
// operation and its input in the returned error.
func retry[T any](ctx context.Context, c *Client, call string, retryable func(codes.Code) bool, attempt func(context.Context) (T, error)) (T, error) {
	ctx = c.withRequestID(ctx)
	for n := 1; ; n++ {
		out, err := attempt(ctx)
		if err == nil {
			return out, nil
		}
		var zero T
		if !retryable(status.Code(err)) || done(ctx) || n == c.cfg.attempts {
			return zero, failed(call, n, err)
		}
		if err := c.pause(ctx, n, err); err != nil {
			return zero, failed(call, n, err)
		}
	}
}

// done reports whether ctx has ended or is about to. gRPC fails a call
// with DEADLINE_EXCEEDED as soon as the deadline has passed, which can be a
// moment before ctx's own timer marks it done; such an error must not pass
// for the server's.
func done(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	deadline, ok := ctx.Deadline()
	return ok && !time.Now().Before(deadline)
}

// failed reports the attempt number only when there was more than one, so
// that a plain rejection reads as one.
func failed(call string, attempts int, err error) error {
	if attempts == 1 {
		return fmt.Errorf("%s: %w", call, err)
	}
	return fmt.Errorf("%s, attempt %d: %w", call, attempts, err)
}

// pause waits before the attempt after the failures-th consecutive failure,
// err being the last of them. It returns an error wrapping err when the wait
// cannot happen: ctx ends first, or its deadline comes before the wait would.
func (c *Client) pause(ctx context.Context, failures int, err error) error {
	d := retryDelay(err)
	if d <= 0 {
		d = c.backoff(failures)
	}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < d {
		return fmt.Errorf("next attempt due in %v, past the deadline: %w", d.Round(time.Millisecond), err)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%w; stopped waiting to retry: %w", err, context.Cause(ctx))
	}
}

// backoff doubles from the initial delay up to the maximum and takes a
// random point in its upper half, so clients failed by the same outage do
// not come back in step while each still waits a predictable minimum.
func (c *Client) backoff(failures int) time.Duration {
	d := c.cfg.initialBackoff
	for i := 1; i < failures && d < c.cfg.maxBackoff; i++ {
		d *= 2
	}
	d = min(d, c.cfg.maxBackoff)
	return d/2 + rand.N(d/2+1)
}

// retryDelay is the delay a google.rpc.RetryInfo detail on err asks for, or
// 0 when there is none. The server knows its own state (an election in
// progress, a validator catching up) better than a backoff formula does.
func retryDelay(err error) time.Duration {
	for _, d := range status.Convert(err).Details() {
		if info, ok := d.(*errdetails.RetryInfo); ok {
			return info.GetRetryDelay().AsDuration()
		}
	}
	return 0
}

// withRequestID tags ctx with a new request id unless it carries one.
func (c *Client) withRequestID(ctx context.Context) context.Context {
	if md, ok := metadata.FromOutgoingContext(ctx); ok && len(md.Get(RequestIDHeader)) > 0 {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, RequestIDHeader, c.cfg.requestID())
}
