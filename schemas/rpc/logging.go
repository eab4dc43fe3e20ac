package rpc

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
)

// quietPrefixes are methods that load balancers and tooling call all the
// time; at Info they would drown the calls worth reading.
var quietPrefixes = []string{
	"/grpc.health.v1.Health/",
	"/grpc.reflection.",
}

func quiet(method string) bool {
	for _, p := range quietPrefixes {
		if strings.HasPrefix(method, p) {
			return true
		}
	}
	return false
}

// logLevel keeps successful calls out of a production log, reports what a
// client did wrong (or gave up on) at Info, and raises Warn for what the
// server may have to answer for.
func logLevel(method string, code codes.Code) slog.Level {
	if quiet(method) {
		return slog.LevelDebug
	}
	switch code {
	case codes.OK:
		return slog.LevelDebug
	case codes.InvalidArgument, codes.NotFound, codes.AlreadyExists, codes.FailedPrecondition,
		codes.Canceled, codes.DeadlineExceeded, codes.Unauthenticated, codes.PermissionDenied,
		codes.OutOfRange, codes.ResourceExhausted:
		return slog.LevelInfo
	default:
		return slog.LevelWarn
	}
}

func (ic *interceptors) logCall(ctx context.Context, method string, start time.Time, err error) {
	code := status.Code(err)
	level := logLevel(method, code)
	// Most calls succeed and Debug is usually off: skip building the line.
	if !ic.logger.Enabled(ctx, level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", method),
		slog.String("code", code.String()),
		slog.Duration("duration", time.Since(start)),
		slog.String("request_id", RequestID(ctx)),
	}
	if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
		attrs = append(attrs, slog.String("peer", p.Addr.String()))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", status.Convert(err).Message()))
	}
	ic.logger.LogAttrs(ctx, level, "grpc call", attrs...)
}

func (ic *interceptors) unaryLogging(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
	start := time.Now()
	err = observe(func() error {
		resp, err = handler(ctx, req)
		return err
	}, func(err error) { ic.logCall(ctx, info.FullMethod, start, err) })
	return resp, err
}

func (ic *interceptors) streamLogging(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	start := time.Now()
	return observe(func() error { return handler(srv, ss) },
		func(err error) { ic.logCall(ss.Context(), info.FullMethod, start, err) })
}
