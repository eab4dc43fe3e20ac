package rpc

import (
	"context"
	"fmt"
	"runtime/debug"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// errPanicked stands for the outcome of a call whose handler panicked while
// the panic is still unwinding towards the recovery interceptor.
var errPanicked = status.Error(codes.Internal, "handler panicked")

// recoverPanic must be deferred directly so that recover sees the panic. The
// client learns only the request id: the panic value may hold internals, and
// the id finds it in the log.
func (ic *interceptors) recoverPanic(ctx context.Context, method string, err *error) {
	r := recover()
	if r == nil {
		return
	}
	id := RequestID(ctx)
	ic.logger.ErrorContext(ctx, "grpc handler panicked",
		"method", method, "request_id", id, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
	*err = status.Errorf(codes.Internal, "internal error (request id %s)", id)
}

func (ic *interceptors) unaryRecovery(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (_ any, err error) {
	defer ic.recoverPanic(ctx, info.FullMethod, &err)
	return handler(ctx, req)
}

func (ic *interceptors) streamRecovery(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
	defer ic.recoverPanic(ss.Context(), info.FullMethod, &err)
	return handler(srv, ss)
}
