package chainapi

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/aurigraph/aurigraph/consensus"
	"github.com/aurigraph/aurigraph/internal/raftnode"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
	"github.com/aurigraph/aurigraph/schemas/rpc"
)

// BlockService serves svc as aurigraph.v1.BlockService.
func (svc *Service) BlockService() aurigraphv1.BlockServiceServer { return blockService{svc: svc} }

// ValidatorService serves svc as aurigraph.v1.ValidatorService.
func (svc *Service) ValidatorService() aurigraphv1.ValidatorServiceServer {
	return validatorService{svc: svc}
}

// StatusError turns a Service error into the gRPC status the contract in
// schemas/aurigraph/v1 documents; REST's writeServiceError is its twin.
func StatusError(err error) error {
	var (
		arg         *ArgumentError
		unavailable *ReadUnavailableError
		catching    *CatchingUpError
		notLeader   *NotLeaderError
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &arg):
		return rpc.BadRequest(err.Error(), rpc.FieldViolation{Field: arg.Field, Description: arg.Reason})
	case errors.As(err, &unavailable):
		return rpc.Unavailable(err.Error()+" with stale set", time.Second)
	case errors.As(err, &catching):
		return rpc.Unavailable(err.Error(), time.Second)
	case errors.As(err, &notLeader):
		return rpc.NotLeader(err.Error(), notLeader.Leader)
	case errors.Is(err, consensus.ErrBlockNotFound), errors.Is(err, ErrTxNotFound), errors.Is(err, raftnode.ErrMemberNotFound):
		return status.Error(codes.NotFound, err.Error())
	case errors.Is(err, raftnode.ErrMemberExists):
		return status.Error(codes.AlreadyExists, err.Error())
	case errors.Is(err, raftnode.ErrLastVoter):
		return status.Error(codes.FailedPrecondition, err.Error())
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, err.Error())
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, err.Error())
	case errors.Is(err, raftnode.ErrStopped):
		return rpc.Unavailable(err.Error(), time.Second)
	default:
		return status.Error(codes.Internal, err.Error())
	}
}

type blockService struct {
	aurigraphv1.UnimplementedBlockServiceServer
	svc *Service
}

func (b blockService) Get(ctx context.Context, in *aurigraphv1.GetBlockRequest) (*aurigraphv1.GetBlockResponse, error) {
	var (
		blk *aurigraphv1.Block
		err error
	)
	switch sel := in.GetBlock().(type) {
	case *aurigraphv1.GetBlockRequest_Height:
		blk, err = b.svc.Block(ctx, sel.Height, in.GetStale())
	case *aurigraphv1.GetBlockRequest_Hash:
		blk, err = b.svc.BlockByHash(ctx, sel.Hash, in.GetStale())
	default:
		return nil, rpc.BadRequest("give a height or a hash", rpc.FieldViolation{Field: "block", Description: "set height or hash"})
	}
	if err != nil {
		return nil, StatusError(err)
	}
	return &aurigraphv1.GetBlockResponse{Block: blk}, nil
}

func (b blockService) List(ctx context.Context, in *aurigraphv1.ListBlocksRequest) (*aurigraphv1.ListBlocksResponse, error) {
	page, err := b.svc.Blocks(ctx, in.GetFromHeight(), in.GetToHeight(), int(in.GetLimit()), in.GetHeadersOnly(), in.GetStale())
	if err != nil {
		return nil, StatusError(err)
	}
	return &aurigraphv1.ListBlocksResponse{Blocks: page.Blocks, NextHeight: page.Next, HeadHeight: page.Head}, nil
}

func (b blockService) Latest(ctx context.Context, in *aurigraphv1.GetLatestBlockRequest) (*aurigraphv1.GetLatestBlockResponse, error) {
	blk, err := b.svc.Latest(ctx, in.GetStale())
	if err != nil {
		return nil, StatusError(err)
	}
	return &aurigraphv1.GetLatestBlockResponse{Block: blk}, nil
}

type validatorService struct {
	aurigraphv1.UnimplementedValidatorServiceServer
	svc *Service
}

var roles = map[string]aurigraphv1.ValidatorRole{
	"leader":   aurigraphv1.ValidatorRole_VALIDATOR_ROLE_LEADER,
	"follower": aurigraphv1.ValidatorRole_VALIDATOR_ROLE_FOLLOWER,
	"learner":  aurigraphv1.ValidatorRole_VALIDATOR_ROLE_LEARNER,
}

func validatorProto(v ValidatorInfo) *aurigraphv1.Validator {
	state := v.State
	if state == "unknown" {
		state = ""
	}
	return &aurigraphv1.Validator{
		Id: v.ID, RaftAddress: v.RaftAddress, Voter: v.Voter, Role: roles[v.Role], State: state,
		Applied: v.Applied, Match: v.Match, Replication: v.Replication, Active: v.Active,
	}
}

func validatorsProto(set ValidatorSet) []*aurigraphv1.Validator {
	out := make([]*aurigraphv1.Validator, 0, len(set.Validators))
	for _, v := range set.Validators {
		out = append(out, validatorProto(v))
	}
	return out
}

func (v validatorService) List(ctx context.Context, _ *aurigraphv1.ListValidatorsRequest) (*aurigraphv1.ListValidatorsResponse, error) {
	set, err := v.svc.Validators(ctx, true)
	if err != nil {
		return nil, StatusError(err)
	}
	return &aurigraphv1.ListValidatorsResponse{Leader: set.Leader, Term: set.Term, Validators: validatorsProto(set), AnsweredBy: set.AnsweredBy}, nil
}

func (v validatorService) Status(ctx context.Context, in *aurigraphv1.GetValidatorStatusRequest) (*aurigraphv1.GetValidatorStatusResponse, error) {
	info, set, err := v.svc.Validator(ctx, in.GetId())
	if err != nil {
		return nil, StatusError(err)
	}
	return &aurigraphv1.GetValidatorStatusResponse{Validator: validatorProto(info), Leader: set.Leader, Term: set.Term}, nil
}

func (v validatorService) Leader(ctx context.Context, _ *aurigraphv1.GetLeaderRequest) (*aurigraphv1.GetLeaderResponse, error) {
	set, err := v.svc.Validators(ctx, true)
	if err != nil {
		return nil, StatusError(err)
	}
	out := &aurigraphv1.GetLeaderResponse{Leader: set.Leader, Term: set.Term}
	for _, m := range set.Validators {
		if m.ID == set.Leader {
			out.RaftAddress = m.RaftAddress
		}
	}
	return out, nil
}

func (v validatorService) AddMember(ctx context.Context, in *aurigraphv1.AddMemberRequest) (*aurigraphv1.AddMemberResponse, error) {
	if _, err := v.svc.AddMember(ctx, in.GetId(), in.GetRaftAddress()); err != nil {
		return nil, StatusError(fmt.Errorf("add validator %d at %q: %w", in.GetId(), in.GetRaftAddress(), err))
	}
	return &aurigraphv1.AddMemberResponse{Validators: validatorsProto(v.svc.validatorSet(v.svc.primary()))}, nil
}

func (v validatorService) RemoveMember(ctx context.Context, in *aurigraphv1.RemoveMemberRequest) (*aurigraphv1.RemoveMemberResponse, error) {
	if _, err := v.svc.RemoveMember(ctx, in.GetId()); err != nil {
		return nil, StatusError(fmt.Errorf("remove validator %d: %w", in.GetId(), err))
	}
	return &aurigraphv1.RemoveMemberResponse{Validators: validatorsProto(v.svc.validatorSet(v.svc.primary()))}, nil
}

// TransactionReads answers the read half of aurigraph.v1.TransactionService
// (Get and Status); ingest serves the submitting half and delegates these.
func (svc *Service) TransactionReads() TransactionReads { return TransactionReads{svc: svc} }

// TransactionReads adapts Service.Transaction to the gRPC messages.
type TransactionReads struct{ svc *Service }

var txStates = map[TxState]aurigraphv1.TxState{
	TxPending:   aurigraphv1.TxState_TX_STATE_PENDING,
	TxCommitted: aurigraphv1.TxState_TX_STATE_COMMITTED,
	TxFailed:    aurigraphv1.TxState_TX_STATE_FAILED,
}

// Get returns the transaction with its outcome and position.
func (t TransactionReads) Get(ctx context.Context, in *aurigraphv1.GetTransactionRequest) (*aurigraphv1.GetTransactionResponse, error) {
	info, err := t.svc.TransactionResult(ctx, in.GetId(), in.GetStale())
	if err != nil {
		return nil, StatusError(err)
	}
	return &aurigraphv1.GetTransactionResponse{State: txStates[info.State], Result: info.Result, Height: info.Height, Index: info.Index}, nil
}

// Status reports where the transaction is.
func (t TransactionReads) Status(ctx context.Context, in *aurigraphv1.GetTransactionStatusRequest) (*aurigraphv1.GetTransactionStatusResponse, error) {
	info, err := t.svc.Transaction(ctx, in.GetId(), in.GetStale())
	if err != nil {
		return nil, StatusError(err)
	}
	return &aurigraphv1.GetTransactionStatusResponse{Id: info.ID, State: txStates[info.State], Height: info.Height, Index: info.Index, Reason: info.Reason}, nil
}
