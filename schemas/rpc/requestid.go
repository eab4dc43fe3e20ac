package rpc

import (
	"context"
	"crypto/rand"
	"encoding/hex"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// RequestIDHeader is the metadata key a client may set to choose the
// request id of its call and under which the server sends it back.
const RequestIDHeader = "x-request-id"

// maxRequestIDLen keeps a client-chosen id from bloating every log line.
const maxRequestIDLen = 128

type requestIDKey struct{}

// RequestID returns the request id of a call (from incoming metadata "x-request-id", else generated), "" outside a call.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// withRequestID adopts the caller's id when it is safe to log as is, so a
// client can follow its call through our logs, and makes one up otherwise.
func withRequestID(ctx context.Context) (context.Context, string) {
	var id string
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		if v := md.Get(RequestIDHeader); len(v) > 0 && validRequestID(v[0]) {
			id = v[0]
		}
	}
	if id == "" {
		id = newRequestID()
	}
	return context.WithValue(ctx, requestIDKey{}, id), id
}

func validRequestID(id string) bool {
	if len(id) == 0 || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 0x20 || id[i] > 0x7e {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [8]byte
	// crypto/rand.Read does not fail; it aborts the program instead.
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func unaryRequestID(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	ctx, id := withRequestID(ctx)
	// Headers cannot have been sent before the handler ran, so this cannot
	// fail; it is sent even when the call fails.
	_ = grpc.SetHeader(ctx, metadata.Pairs(RequestIDHeader, id))
	return handler(ctx, req)
}

func streamRequestID(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	ctx, id := withRequestID(ss.Context())
	_ = ss.SetHeader(metadata.Pairs(RequestIDHeader, id))
	return handler(srv, &serverStream{ServerStream: ss, ctx: ctx})
}
