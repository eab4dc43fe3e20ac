package rpc

import (
	"context"
	"errors"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// unaryDeadline does not start work nobody waits for any more, and keeps a
// call from a client that set no deadline from holding resources forever.
func (ic *interceptors) unaryDeadline(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if err := ctx.Err(); err != nil {
		return nil, status.FromContextError(err).Err()
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, ic.timeout)
		defer cancel()
	}
	resp, err := handler(ctx, req)
	return resp, statusError(err)
}

// streamErrors leaves streams unbounded, since subscriptions are meant to
// live as long as the client wants, and only maps their errors.
func streamErrors(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	return statusError(handler(srv, ss))
}

// statusError gives every handler error a deliberate code. A context error,
// even wrapped, means the call ran out of time or was abandoned, and says so.
// Any other error that carries no status is a bug or an unexpected failure
// on our side: it becomes Internal rather than grpc's default Unknown, so it
// is logged at Warn and counted as a server fault, and it keeps its message
// because that is what lets a client report something useful; handlers that
// must not reveal an error's text return a status error of their own.
func statusError(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := status.FromError(err); ok {
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return status.FromContextError(err).Err()
	}
	return status.Error(codes.Internal, err.Error())
}
