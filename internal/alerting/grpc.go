package alerting

import (
	"context"
	"errors"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/aurigraph/aurigraph/internal/raftnode"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
	"github.com/aurigraph/aurigraph/schemas/rpc"
)

// GRPC serves svc as aurigraph.v1.AlertService.
func (svc *Service) GRPC() aurigraphv1.AlertServiceServer { return grpcService{svc: svc} }

type grpcService struct {
	aurigraphv1.UnimplementedAlertServiceServer
	svc *Service
}

// checkInput refuses a request without its rule; the service checks the
// rule itself, as it does the REST decoder's.
func checkInput(r *aurigraphv1.AlertRule) (*aurigraphv1.AlertRule, error) {
	if r == nil {
		return nil, invalid("rule", "is missing")
	}
	return r, nil
}

func (g grpcService) CreateRule(ctx context.Context, req *aurigraphv1.CreateAlertRuleRequest) (*aurigraphv1.CreateAlertRuleResponse, error) {
	r, err := checkInput(req.GetRule())
	if err == nil {
		r, err = g.svc.Create(ctx, r)
	}
	if err != nil {
		return nil, StatusError(err)
	}
	return &aurigraphv1.CreateAlertRuleResponse{Rule: r}, nil
}

func (g grpcService) UpdateRule(ctx context.Context, req *aurigraphv1.UpdateAlertRuleRequest) (*aurigraphv1.UpdateAlertRuleResponse, error) {
	r, err := checkInput(req.GetRule())
	if err == nil {
		r, err = g.svc.Update(ctx, req.GetRule().GetId(), r)
	}
	if err != nil {
		return nil, StatusError(err)
	}
	return &aurigraphv1.UpdateAlertRuleResponse{Rule: r}, nil
}

func (g grpcService) DeleteRule(ctx context.Context, req *aurigraphv1.DeleteAlertRuleRequest) (*aurigraphv1.DeleteAlertRuleResponse, error) {
	if err := g.svc.Delete(ctx, req.GetId()); err != nil {
		return nil, StatusError(err)
	}
	return &aurigraphv1.DeleteAlertRuleResponse{}, nil
}

func (g grpcService) GetRule(ctx context.Context, req *aurigraphv1.GetAlertRuleRequest) (*aurigraphv1.GetAlertRuleResponse, error) {
	r, err := g.svc.Get(ctx, req.GetId())
	if err != nil {
		return nil, StatusError(err)
	}
	return &aurigraphv1.GetAlertRuleResponse{Rule: r}, nil
}

func (g grpcService) ListRules(ctx context.Context, _ *aurigraphv1.ListAlertRulesRequest) (*aurigraphv1.ListAlertRulesResponse, error) {
	rules, err := g.svc.List(ctx)
	if err != nil {
		return nil, StatusError(err)
	}
	return &aurigraphv1.ListAlertRulesResponse{Rules: rules}, nil
}

func (g grpcService) ListHistory(ctx context.Context, req *aurigraphv1.ListAlertHistoryRequest) (*aurigraphv1.ListAlertHistoryResponse, error) {
	ts, err := g.svc.History(ctx, req.GetRuleId(), req.GetAfter(), int(req.GetLimit()))
	if err != nil {
		return nil, StatusError(err)
	}
	return &aurigraphv1.ListAlertHistoryResponse{Transitions: ts}, nil
}

// StatusError turns a Service error into its gRPC status; writeErr is its
// REST twin.
func StatusError(err error) error {
	var notLeader *NotLeaderError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &notLeader):
		return rpc.NotLeader(err.Error(), notLeader.Leader)
	case errors.Is(err, ErrInvalid):
		return rpc.BadRequest(err.Error())
	case errors.Is(err, ErrNotFound):
		return status.Error(codes.NotFound, err.Error())
	case errors.Is(err, ErrTooMany):
		return status.Error(codes.ResourceExhausted, err.Error())
	// Before the context's errors: a read that found no leader in time
	// wraps the deadline, and is worth a retry.
	case errors.Is(err, raftnode.ErrNoLeader), errors.Is(err, raftnode.ErrLeadershipLost), errors.Is(err, raftnode.ErrNotLeader), errors.Is(err, raftnode.ErrStopped):
		return rpc.Unavailable(err.Error(), time.Second)
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, err.Error())
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, err.Error())
	default:
		return status.Error(codes.Internal, err.Error())
	}
}
