package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
	"github.com/aurigraph/aurigraph/schemas/rpc"
)

// TxReads answers the read half of TransactionService; the validators'
// chainapi.Service (internal/chainapi) provides it.
type TxReads interface {
	Get(context.Context, *aurigraphv1.GetTransactionRequest) (*aurigraphv1.GetTransactionResponse, error)
	Status(context.Context, *aurigraphv1.GetTransactionStatusRequest) (*aurigraphv1.GetTransactionStatusResponse, error)
}

// TransactionService serves h's Submit as aurigraph.v1.TransactionService,
// with Get and Status answered by reads.
func (h *SubmitHandler) TransactionService(reads TxReads) aurigraphv1.TransactionServiceServer {
	return &transactionService{h: h, reads: reads}
}

type transactionService struct {
	aurigraphv1.UnimplementedTransactionServiceServer
	h     *SubmitHandler
	reads TxReads
}

// submitStatus turns a Submit error into the contract's status: the field
// of the offending transaction as a google.rpc.BadRequest violation, named
// transactions[i].field, or with single (Submit) transaction.field.
func submitStatus(err error, single bool) error {
	var (
		txErr   *TxError
		invalid *InvalidTxError
		refused *RefusedError
	)
	switch {
	case errors.As(err, &txErr):
		// Paths are relative to the request message, as google.rpc.BadRequest
		// asks.
		path, msg := fmt.Sprintf("transactions[%d]", txErr.Index), err.Error()
		if single {
			path, msg = "transaction", txErr.Err.Error()
		}
		reason := txErr.Err.Error()
		if errors.As(txErr.Err, &invalid) {
			path, reason = path+"."+invalid.Field, invalid.Reason
		}
		return rpc.BadRequest(msg, rpc.FieldViolation{Field: path, Description: reason})
	case errors.Is(err, ErrTooManyTxs):
		return rpc.BadRequest(err.Error(), rpc.FieldViolation{Field: "transactions", Description: err.Error()})
	case errors.As(err, &refused):
		if wait, ok := refused.RetryAfter(); ok {
			return rpc.ResourceExhausted(refused.Err.Error(), wait)
		}
		return status.Error(codes.PermissionDenied, refused.Err.Error())
	case errors.Is(err, ErrLogUnavailable):
		return rpc.Unavailable(err.Error(), 200*time.Millisecond)
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, err.Error())
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, err.Error())
	default:
		return status.Error(codes.Internal, err.Error())
	}
}

func (t *transactionService) Submit(ctx context.Context, in *aurigraphv1.SubmitRequest) (*aurigraphv1.SubmitResponse, error) {
	if in.GetTransaction() == nil {
		return nil, rpc.BadRequest("no transaction given", rpc.FieldViolation{Field: "transaction", Description: "required"})
	}
	res, err := t.h.Submit(ctx, []*aurigraphv1.Transaction{in.GetTransaction()})
	if err != nil {
		return nil, submitStatus(err, true)
	}
	if res.AllExist() {
		return nil, alreadyExists(res.Existing[0])
	}
	return &aurigraphv1.SubmitResponse{Id: res.IDs[0]}, nil
}

func (t *transactionService) SubmitBatch(ctx context.Context, in *aurigraphv1.SubmitBatchRequest) (*aurigraphv1.SubmitBatchResponse, error) {
	res, err := t.h.Submit(ctx, in.GetTransactions())
	if err != nil {
		return nil, submitStatus(err, false)
	}
	if res.AllExist() {
		return nil, alreadyExists(res.Existing[0])
	}
	return &aurigraphv1.SubmitBatchResponse{Ids: res.IDs, Existing: existingProto(res.Existing, 0)}, nil
}

func alreadyExists(e Existing) error {
	return rpc.AlreadyExists(e.String(), map[string]string{
		"id": e.ID, "height": strconv.FormatUint(e.Height, 10), "status": e.Status(), "index": strconv.Itoa(e.Index),
	})
}

// existingProto lists transactions the chain held already, their indexes
// shifted by offset.
func existingProto(existing []Existing, offset int) []*aurigraphv1.ExistingTransaction {
	var out []*aurigraphv1.ExistingTransaction
	for _, e := range existing {
		state := aurigraphv1.TxState_TX_STATE_COMMITTED
		if e.Failed {
			state = aurigraphv1.TxState_TX_STATE_FAILED
		}
		out = append(out, &aurigraphv1.ExistingTransaction{Index: uint32(offset + e.Index), Id: e.ID, Height: e.Height, State: state})
	}
	return out
}

func (t *transactionService) SubmitStream(stream grpc.ClientStreamingServer[aurigraphv1.SubmitStreamRequest, aurigraphv1.SubmitStreamResponse]) error {
	var ids []string
	var existing []*aurigraphv1.ExistingTransaction
	for n := 0; ; n++ {
		msg, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return stream.SendAndClose(&aurigraphv1.SubmitStreamResponse{Ids: ids, Existing: existing})
		}
		if err != nil {
			return err
		}
		if len(msg.GetTransactions()) == 0 {
			continue
		}
		got, err := t.h.Submit(stream.Context(), msg.GetTransactions())
		if err != nil {
			// The messages before this one stay written: say how many.
			st := status.Convert(submitStatus(err, false)).Proto()
			st.Message = fmt.Sprintf("message %d (after %d transactions written): %s", n, len(ids), st.Message)
			return status.ErrorProto(st)
		}
		existing = append(existing, existingProto(got.Existing, len(ids))...)
		ids = append(ids, got.IDs...)
	}
}

func (t *transactionService) Get(ctx context.Context, in *aurigraphv1.GetTransactionRequest) (*aurigraphv1.GetTransactionResponse, error) {
	return t.reads.Get(ctx, in)
}

func (t *transactionService) Status(ctx context.Context, in *aurigraphv1.GetTransactionStatusRequest) (*aurigraphv1.GetTransactionStatusResponse, error) {
	return t.reads.Status(ctx, in)
}
