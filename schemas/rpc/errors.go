package rpc

import (
	"strconv"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/types/known/durationpb"
)

// ErrorDomain is the google.rpc.ErrorInfo domain of errors this API defines.
const ErrorDomain = "aurigraph.v1"

// ReasonNotLeader is the google.rpc.ErrorInfo reason of NotLeader errors.
const ReasonNotLeader = "NOT_LEADER"

// ReasonAlreadyExists is the google.rpc.ErrorInfo reason of AlreadyExists errors.
const ReasonAlreadyExists = "ALREADY_EXISTS"

// FieldViolation names one invalid field of a request, as a path like
// "transaction.amount", and says what is wrong with it.
type FieldViolation struct{ Field, Description string }

// BadRequest is INVALID_ARGUMENT with a google.rpc.BadRequest detail listing the offending fields.
func BadRequest(msg string, violations ...FieldViolation) error {
	br := &errdetails.BadRequest{FieldViolations: make([]*errdetails.BadRequest_FieldViolation, len(violations))}
	for i, v := range violations {
		br.FieldViolations[i] = &errdetails.BadRequest_FieldViolation{Field: v.Field, Description: v.Description}
	}
	return withDetails(codes.InvalidArgument, msg, br)
}

// NotLeader is FAILED_PRECONDITION with a google.rpc.ErrorInfo{Reason: "NOT_LEADER", Domain: "aurigraph.v1", Metadata: {"leader": "<id>"}}; leader 0 means unknown.
//
// With leader 0 the metadata has no "leader" key, so no client goes looking
// for a node 0; LeaderHint reads either form.
func NotLeader(msg string, leader uint64) error {
	info := &errdetails.ErrorInfo{Reason: ReasonNotLeader, Domain: ErrorDomain}
	if leader != 0 {
		info.Metadata = map[string]string{"leader": strconv.FormatUint(leader, 10)}
	}
	return withDetails(codes.FailedPrecondition, msg, info)
}

// AlreadyExists is ALREADY_EXISTS with a google.rpc.ErrorInfo{Reason: "ALREADY_EXISTS", Domain: "aurigraph.v1", Metadata: metadata},
// naming what exists (for a transaction: id, height, status, index).
func AlreadyExists(msg string, metadata map[string]string) error {
	return withDetails(codes.AlreadyExists, msg, &errdetails.ErrorInfo{Reason: ReasonAlreadyExists, Domain: ErrorDomain, Metadata: metadata})
}

// Unavailable is UNAVAILABLE with a google.rpc.RetryInfo{RetryDelay: retryAfter}, for errors a client should retry.
// A negative retryAfter is sent as 0, retry at once.
func Unavailable(msg string, retryAfter time.Duration) error {
	return withDetails(codes.Unavailable, msg, &errdetails.RetryInfo{RetryDelay: durationpb.New(max(retryAfter, 0))})
}

// ResourceExhausted is RESOURCE_EXHAUSTED for a caller over a rate limit
// or quota, with a google.rpc.RetryInfo saying when to try again.
func ResourceExhausted(msg string, retryAfter time.Duration) error {
	return withDetails(codes.ResourceExhausted, msg, &errdetails.RetryInfo{RetryDelay: durationpb.New(max(retryAfter, 0))})
}

// LeaderHint reports whether err, as received by a client, is a NotLeader
// error, and the leader it names (0: unknown).
func LeaderHint(err error) (leader uint64, ok bool) {
	for _, d := range details(err, codes.FailedPrecondition) {
		info, isInfo := d.(*errdetails.ErrorInfo)
		if !isInfo || info.GetReason() != ReasonNotLeader || info.GetDomain() != ErrorDomain {
			continue
		}
		// An unparsable id is treated as unknown: the client still learns
		// to look for the leader elsewhere.
		leader, _ = strconv.ParseUint(info.GetMetadata()["leader"], 10, 64)
		return leader, true
	}
	return 0, false
}

// RetryAfter reports whether err, as received by a client, is an
// Unavailable error carrying a retry delay, and that delay.
func RetryAfter(err error) (time.Duration, bool) {
	for _, d := range details(err, codes.Unavailable) {
		if info, ok := d.(*errdetails.RetryInfo); ok {
			return info.GetRetryDelay().AsDuration(), true
		}
	}
	return 0, false
}

func details(err error, code codes.Code) []any {
	s, ok := status.FromError(err)
	if !ok || err == nil || s.Code() != code {
		return nil
	}
	return s.Details()
}

// withDetails returns a bare status if a detail cannot be marshalled, which
// these generated messages never fail to be: the code and message are what
// a client must get, the detail only refines them.
func withDetails(code codes.Code, msg string, detail protoadapt.MessageV1) error {
	s := status.New(code, msg)
	if sd, err := s.WithDetails(detail); err == nil {
		return sd.Err()
	}
	return s.Err()
}
