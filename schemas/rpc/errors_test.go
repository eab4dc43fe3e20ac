package rpc

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
)

// TestErrorDetails sends each error through a real call, since what counts
// is what a client decodes.
func TestErrorDetails(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		code       codes.Code
		msg        string
		detail     proto.Message
		leader     uint64 // from LeaderHint
		isLeader   bool
		retryAfter time.Duration // from RetryAfter
		isRetry    bool
	}{
		{
			name: "bad request",
			err:  BadRequest("invalid transaction", FieldViolation{"amount", "must be positive"}, FieldViolation{"from", "required"}),
			code: codes.InvalidArgument, msg: "invalid transaction",
			detail: &errdetails.BadRequest{FieldViolations: []*errdetails.BadRequest_FieldViolation{
				{Field: "amount", Description: "must be positive"}, {Field: "from", Description: "required"},
			}},
		},
		{
			name: "bad request without fields", err: BadRequest("empty body"),
			code: codes.InvalidArgument, msg: "empty body", detail: &errdetails.BadRequest{},
		},
		{
			name: "not leader", err: NotLeader("not the leader", 3),
			code: codes.FailedPrecondition, msg: "not the leader",
			detail: &errdetails.ErrorInfo{Reason: "NOT_LEADER", Domain: "aurigraph.v1", Metadata: map[string]string{"leader": "3"}},
			leader: 3, isLeader: true,
		},
		{
			name: "leader unknown", err: NotLeader("no leader yet", 0),
			code: codes.FailedPrecondition, msg: "no leader yet",
			detail:   &errdetails.ErrorInfo{Reason: "NOT_LEADER", Domain: "aurigraph.v1"},
			isLeader: true,
		},
		{
			name: "not leader wrapped", err: fmt.Errorf("submit: %w", NotLeader("not the leader", 5)),
			code: codes.FailedPrecondition, msg: "submit: rpc error: code = FailedPrecondition desc = not the leader",
			detail: &errdetails.ErrorInfo{Reason: "NOT_LEADER", Domain: "aurigraph.v1", Metadata: map[string]string{"leader": "5"}},
			leader: 5, isLeader: true,
		},
		{
			name: "unavailable", err: Unavailable("election in progress", 250*time.Millisecond),
			code: codes.Unavailable, msg: "election in progress",
			detail:     &errdetails.RetryInfo{RetryDelay: durationpb.New(250 * time.Millisecond)},
			retryAfter: 250 * time.Millisecond, isRetry: true,
		},
		{
			name: "unavailable negative delay", err: Unavailable("try again", -time.Second),
			code: codes.Unavailable, msg: "try again",
			detail:  &errdetails.RetryInfo{RetryDelay: durationpb.New(0)},
			isRetry: true,
		},
		{
			name: "plain status", err: status.Error(codes.FailedPrecondition, "nonce too low"),
			code: codes.FailedPrecondition, msg: "nonce too low",
		},
	}
	// The request names the test case whose error the handler returns.
	errs := map[string]error{}
	for _, tt := range tests {
		errs[tt.name] = tt.err
	}
	svc := echoBack()
	svc.unary = func(_ context.Context, in string) (string, error) { return "", errs[in] }
	conn := dial(t, serve(t, Config{Logger: slog.New(slog.DiscardHandler)}, svc), nil)

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := callUnary(testContext(t), conn, tt.name)
			s, ok := status.FromError(err)
			if !ok || s.Code() != tt.code || s.Message() != tt.msg {
				t.Fatalf("client got %v, want %v %q", err, tt.code, tt.msg)
			}
			details := s.Details()
			switch {
			case tt.detail == nil && len(details) != 0:
				t.Errorf("unexpected details %v", details)
			case tt.detail != nil && (len(details) != 1 || !isProto(details[0], tt.detail)):
				t.Errorf("details %v, want [%v]", details, tt.detail)
			}
			if leader, ok := LeaderHint(err); leader != tt.leader || ok != tt.isLeader {
				t.Errorf("LeaderHint = %d, %v, want %d, %v", leader, ok, tt.leader, tt.isLeader)
			}
			if d, ok := RetryAfter(err); d != tt.retryAfter || ok != tt.isRetry {
				t.Errorf("RetryAfter = %v, %v, want %v, %v", d, ok, tt.retryAfter, tt.isRetry)
			}
		})
	}

	t.Run("no error", func(t *testing.T) {
		if _, ok := LeaderHint(nil); ok {
			t.Error("LeaderHint(nil) reports a NotLeader error")
		}
		if _, ok := RetryAfter(nil); ok {
			t.Error("RetryAfter(nil) reports an Unavailable error")
		}
	})
}

func isProto(got any, want proto.Message) bool {
	m, ok := got.(proto.Message)
	return ok && proto.Equal(m, want)
}
