package chainapi

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/aurigraph/aurigraph/consensus"
	"github.com/aurigraph/aurigraph/internal/raftnode"
	"github.com/aurigraph/aurigraph/schemas/rpc"
)

// Every service error reaches a gRPC client with the code the contract in
// schemas/aurigraph/v1 names, whatever wraps it.
func TestStatusError(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("serving a call: %w", err) }
	tests := []struct {
		name      string
		err       error
		code      codes.Code
		leader    uint64
		retryable bool
	}{
		{name: "bad argument", err: badArgument("height", "0 does not exist"), code: codes.InvalidArgument},
		{name: "read unavailable", err: &ReadUnavailableError{Validator: 1, Timeout: time.Second, Err: raftnode.ErrNoLeader}, code: codes.Unavailable, retryable: true},
		{name: "catching up", err: &CatchingUpError{Validator: 2, Contiguous: 5, Height: 9, Err: consensus.ErrBlockNotFound}, code: codes.Unavailable, retryable: true},
		{name: "not leader", err: &NotLeaderError{Leader: 3, Err: raftnode.ErrNotLeader}, code: codes.FailedPrecondition, leader: 3},
		{name: "block not found", err: fmt.Errorf("block 9: %w", consensus.ErrBlockNotFound), code: codes.NotFound},
		{name: "tx not found", err: ErrTxNotFound, code: codes.NotFound},
		{name: "member not found", err: raftnode.ErrMemberNotFound, code: codes.NotFound},
		{name: "member exists", err: raftnode.ErrMemberExists, code: codes.AlreadyExists},
		{name: "last voter", err: raftnode.ErrLastVoter, code: codes.FailedPrecondition},
		{name: "deadline", err: context.DeadlineExceeded, code: codes.DeadlineExceeded},
		{name: "canceled", err: context.Canceled, code: codes.Canceled},
		{name: "stopped", err: raftnode.ErrStopped, code: codes.Unavailable, retryable: true},
		{name: "anything else", err: errors.New("disk on fire"), code: codes.Internal},
	}
	for _, tt := range tests {
		for _, err := range []error{tt.err, wrap(tt.err)} {
			t.Run(fmt.Sprintf("%s/%v", tt.name, err != tt.err), func(t *testing.T) {
				got := StatusError(err)
				st := status.Convert(got)
				if st.Code() != tt.code {
					t.Fatalf("code %v, want %v (%v)", st.Code(), tt.code, got)
				}
				if _, ok := rpc.RetryAfter(got); ok != tt.retryable {
					t.Errorf("RetryInfo present = %v, want %v", ok, tt.retryable)
				}
				if leader, ok := rpc.LeaderHint(got); tt.leader != 0 && (!ok || leader != tt.leader) {
					t.Errorf("leader hint %d (%v), want %d", leader, ok, tt.leader)
				}
				var arg *ArgumentError
				if errors.As(err, &arg) {
					br := findBadRequest(st)
					if br == nil || br.GetFieldViolations()[0].GetField() != arg.Field {
						t.Errorf("BadRequest %v, want a violation of %q", br, arg.Field)
					}
				}
			})
		}
	}
	if StatusError(nil) != nil {
		t.Error("StatusError(nil) is not nil")
	}
}

func findBadRequest(st *status.Status) *errdetails.BadRequest {
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			return br
		}
	}
	return nil
}
