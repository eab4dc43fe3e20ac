package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/aurigraph/aurigraph/schemas"
	"github.com/aurigraph/aurigraph/schemas/client"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// grpcAPI is one running dev pipeline and raw stubs on its gRPC port.
type grpcAPI struct {
	conn       *grpc.ClientConn
	txs        aurigraphv1.TransactionServiceClient
	blocks     aurigraphv1.BlockServiceClient
	validators aurigraphv1.ValidatorServiceClient
	perf       aurigraphv1.PerformanceServiceClient
	stream     aurigraphv1.StreamServiceClient
	health     healthpb.HealthClient
	typed      *client.Client
	// committed is a transaction known to be in block height.
	committed *aurigraphv1.GetTransactionResponse
	block     *aurigraphv1.Block
}

func mint(to string, amount, nonce uint64) *aurigraphv1.Transaction {
	return &aurigraphv1.Transaction{Type: aurigraphv1.TxType_TX_TYPE_MINT, To: to, Amount: amount, Nonce: nonce}
}

// wantCode checks err carries code and, when field is set, a BadRequest
// violation naming it.
func wantCode(t *testing.T, err error, code codes.Code, field string) {
	t.Helper()
	st, _ := status.FromError(err)
	if st.Code() != code {
		t.Fatalf("code = %v (%v), want %v", st.Code(), err, code)
	}
	if field == "" {
		return
	}
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				if v.GetField() == field {
					return
				}
			}
			t.Fatalf("violations %v, want one for %q", br.GetFieldViolations(), field)
		}
	}
	t.Fatalf("no google.rpc.BadRequest detail in %v", err)
}

func startGRPCAPI(t *testing.T) *grpcAPI {
	t.Helper()
	p := startPipeline(t, testDevFlags(t, t.TempDir()))
	t.Cleanup(func() { p.stop(t) })
	conn, err := grpc.NewClient(p.addrs.GRPC, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	typed, err := client.New(p.addrs.GRPC)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { typed.Close() })
	api := &grpcAPI{
		conn: conn, txs: aurigraphv1.NewTransactionServiceClient(conn), blocks: aurigraphv1.NewBlockServiceClient(conn),
		validators: aurigraphv1.NewValidatorServiceClient(conn), perf: aurigraphv1.NewPerformanceServiceClient(conn),
		stream: aurigraphv1.NewStreamServiceClient(conn), health: healthpb.NewHealthClient(conn), typed: typed,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	id, err := typed.Submit(ctx, mint("grpc-seed", 7, 1))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := typed.WaitCommitted(ctx, id, 20*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if api.committed, err = api.txs.Get(ctx, &aurigraphv1.GetTransactionRequest{Id: id}); err != nil {
		t.Fatal(err)
	}
	if api.block, err = typed.Block(ctx, api.committed.GetHeight()); err != nil {
		t.Fatal(err)
	}
	return api
}

// TestGRPCAPI calls every RPC of the public services on a running dev
// pipeline, on its success and its error paths.
func TestGRPCAPI(t *testing.T) {
	api := startGRPCAPI(t)
	seedID := api.committed.GetResult().GetTx().GetId()
	height := api.committed.GetHeight()
	hash := api.block.GetHeader().GetHash()

	tests := []struct {
		name string
		call func(ctx context.Context) error
		code codes.Code
		// field, for INVALID_ARGUMENT, names the violation expected.
		field string
	}{
		// TransactionService
		{name: "Submit mint", call: func(ctx context.Context) error {
			r, err := api.txs.Submit(ctx, &aurigraphv1.SubmitRequest{Transaction: mint("grpc-a", 1, 1)})
			if err == nil && len(r.GetId()) != 64 {
				return fmt.Errorf("derived id %q, want 64 hex digits", r.GetId())
			}
			return err
		}},
		{name: "Submit refuses an id of the caller's choosing", code: codes.InvalidArgument, field: "transaction.id", call: func(ctx context.Context) error {
			tx := mint("grpc-b", 1, 1)
			tx.Id = "caller-chosen-1"
			_, err := api.txs.Submit(ctx, &aurigraphv1.SubmitRequest{Transaction: tx})
			return err
		}},
		{name: "Submit takes the derived id", call: func(ctx context.Context) error {
			tx := mint("grpc-b", 1, 2)
			tx.Id = schemas.TxID(tx)
			r, err := api.txs.Submit(ctx, &aurigraphv1.SubmitRequest{Transaction: tx})
			if err == nil && r.GetId() != tx.Id {
				return fmt.Errorf("id %q, want %q", r.GetId(), tx.Id)
			}
			return err
		}},
		{name: "Submit twice is one id", call: func(ctx context.Context) error {
			a, err := api.txs.Submit(ctx, &aurigraphv1.SubmitRequest{Transaction: mint("grpc-c", 3, 1)})
			if err != nil {
				return err
			}
			b, err := api.txs.Submit(ctx, &aurigraphv1.SubmitRequest{Transaction: mint("grpc-c", 3, 1)})
			// While the first waits it is the same submission; once it has
			// committed (a loaded machine can be that quick) the repeat is
			// refused, naming it.
			if st := status.Convert(err); st.Code() == codes.AlreadyExists {
				if !strings.Contains(st.Message(), a.GetId()) || alreadyExistsInfo(st) == nil {
					return fmt.Errorf("the repeat's ALREADY_EXISTS does not name %s: %v", a.GetId(), err)
				}
				return nil
			}
			if err == nil && a.GetId() != b.GetId() {
				return fmt.Errorf("ids %q and %q for one transaction", a.GetId(), b.GetId())
			}
			return err
		}},
		{name: "Submit without a transaction", code: codes.InvalidArgument, field: "transaction", call: func(ctx context.Context) error {
			_, err := api.txs.Submit(ctx, &aurigraphv1.SubmitRequest{})
			return err
		}},
		{name: "Submit zero amount", code: codes.InvalidArgument, field: "transaction.amount", call: func(ctx context.Context) error {
			_, err := api.txs.Submit(ctx, &aurigraphv1.SubmitRequest{Transaction: mint("grpc-d", 0, 1)})
			return err
		}},
		{name: "Submit unspecified type", code: codes.InvalidArgument, field: "transaction.type", call: func(ctx context.Context) error {
			_, err := api.txs.Submit(ctx, &aurigraphv1.SubmitRequest{Transaction: &aurigraphv1.Transaction{To: "x", Amount: 1}})
			return err
		}},
		{name: "Submit transfer without from", code: codes.InvalidArgument, field: "transaction.from", call: func(ctx context.Context) error {
			_, err := api.txs.Submit(ctx, &aurigraphv1.SubmitRequest{Transaction: &aurigraphv1.Transaction{Type: aurigraphv1.TxType_TX_TYPE_TRANSFER, To: "x", Amount: 1}})
			return err
		}},
		{name: "Submit set_key without its key", code: codes.InvalidArgument, field: "transaction.new_key", call: func(ctx context.Context) error {
			_, err := api.txs.Submit(ctx, &aurigraphv1.SubmitRequest{Transaction: &aurigraphv1.Transaction{Type: aurigraphv1.TxType_TX_TYPE_SET_KEY, From: "grpc-e", Nonce: 1}})
			return err
		}},
		{name: "Submit oversized payload", code: codes.InvalidArgument, field: "transaction.payload", call: func(ctx context.Context) error {
			tx := mint("grpc-f", 1, 1)
			tx.Payload = make([]byte, 5000)
			_, err := api.txs.Submit(ctx, &aurigraphv1.SubmitRequest{Transaction: tx})
			return err
		}},
		{name: "Submit bad signature", code: codes.InvalidArgument, field: "transaction.sig", call: func(ctx context.Context) error {
			tx := mint("grpc-g", 1, 1)
			tx.Pubkey, tx.Sig = make([]byte, 32), make([]byte, 64)
			_, err := api.txs.Submit(ctx, &aurigraphv1.SubmitRequest{Transaction: tx})
			return err
		}},
		{name: "Submit id with a space", code: codes.InvalidArgument, field: "transaction.id", call: func(ctx context.Context) error {
			tx := mint("grpc-h", 1, 1)
			tx.Id = "has space"
			_, err := api.txs.Submit(ctx, &aurigraphv1.SubmitRequest{Transaction: tx})
			return err
		}},
		{name: "SubmitBatch", call: func(ctx context.Context) error {
			var txs []*aurigraphv1.Transaction
			for i := range 20 {
				txs = append(txs, mint("grpc-batch", uint64(i+1), uint64(i+1)))
			}
			r, err := api.txs.SubmitBatch(ctx, &aurigraphv1.SubmitBatchRequest{Transactions: txs})
			if err == nil && len(r.GetIds()) != 20 {
				return fmt.Errorf("%d ids, want 20", len(r.GetIds()))
			}
			return err
		}},
		{name: "SubmitBatch empty", code: codes.InvalidArgument, field: "transactions", call: func(ctx context.Context) error {
			_, err := api.txs.SubmitBatch(ctx, &aurigraphv1.SubmitBatchRequest{})
			return err
		}},
		{name: "SubmitBatch names the bad one", code: codes.InvalidArgument, field: "transactions[2].amount", call: func(ctx context.Context) error {
			_, err := api.txs.SubmitBatch(ctx, &aurigraphv1.SubmitBatchRequest{Transactions: []*aurigraphv1.Transaction{mint("a", 1, 1), mint("b", 1, 1), mint("c", 0, 1)}})
			return err
		}},
		{name: "SubmitBatch over 10,000", code: codes.InvalidArgument, field: "transactions", call: func(ctx context.Context) error {
			txs := make([]*aurigraphv1.Transaction, 10_001)
			for i := range txs {
				txs[i] = mint("grpc-many", 1, uint64(i+1))
			}
			_, err := api.txs.SubmitBatch(ctx, &aurigraphv1.SubmitBatchRequest{Transactions: txs})
			return err
		}},
		{name: "SubmitBatch empty entry", code: codes.InvalidArgument, field: "transactions[1].type", call: func(ctx context.Context) error {
			_, err := api.txs.SubmitBatch(ctx, &aurigraphv1.SubmitBatchRequest{Transactions: []*aurigraphv1.Transaction{mint("a", 1, 1), {}}})
			return err
		}},
		{name: "SubmitStream", call: func(ctx context.Context) error {
			s, err := api.txs.SubmitStream(ctx)
			if err != nil {
				return err
			}
			for m := range 3 {
				var txs []*aurigraphv1.Transaction
				for i := range 5 {
					txs = append(txs, mint("grpc-stream", 1, uint64(m*5+i+1)))
				}
				if err := s.Send(&aurigraphv1.SubmitStreamRequest{Transactions: txs}); err != nil {
					return err
				}
				// An empty message in between is skipped.
				if err := s.Send(&aurigraphv1.SubmitStreamRequest{}); err != nil {
					return err
				}
			}
			r, err := s.CloseAndRecv()
			if err == nil && len(r.GetIds()) != 15 {
				return fmt.Errorf("%d ids, want 15", len(r.GetIds()))
			}
			return err
		}},
		{name: "SubmitStream with nothing", call: func(ctx context.Context) error {
			s, err := api.txs.SubmitStream(ctx)
			if err != nil {
				return err
			}
			r, err := s.CloseAndRecv()
			if err == nil && len(r.GetIds()) != 0 {
				return fmt.Errorf("%d ids for no transaction", len(r.GetIds()))
			}
			return err
		}},
		{name: "SubmitStream stops at a bad message", code: codes.InvalidArgument, field: "transactions[0].amount", call: func(ctx context.Context) error {
			s, err := api.txs.SubmitStream(ctx)
			if err != nil {
				return err
			}
			_ = s.Send(&aurigraphv1.SubmitStreamRequest{Transactions: []*aurigraphv1.Transaction{mint("grpc-s2", 1, 1)}})
			_ = s.Send(&aurigraphv1.SubmitStreamRequest{Transactions: []*aurigraphv1.Transaction{mint("grpc-s2", 0, 2)}})
			_, err = s.CloseAndRecv()
			if err != nil && !strings.Contains(status.Convert(err).Message(), "after 1 transactions written") {
				return fmt.Errorf("message %q does not say what was written", status.Convert(err).Message())
			}
			return err
		}},
		{name: "Get committed", call: func(ctx context.Context) error {
			r, err := api.txs.Get(ctx, &aurigraphv1.GetTransactionRequest{Id: seedID})
			if err == nil && (r.GetState() != aurigraphv1.TxState_TX_STATE_COMMITTED || r.GetResult().GetTx().GetTo() != "grpc-seed" || r.GetResult().GetTx().GetAmount() != 7) {
				return fmt.Errorf("Get = %v", r)
			}
			return err
		}},
		{name: "Get stale", call: func(ctx context.Context) error {
			_, err := api.txs.Get(ctx, &aurigraphv1.GetTransactionRequest{Id: seedID, Stale: true})
			return err
		}},
		{name: "Get unknown", code: codes.NotFound, call: func(ctx context.Context) error {
			_, err := api.txs.Get(ctx, &aurigraphv1.GetTransactionRequest{Id: "no-such-tx"})
			return err
		}},
		{name: "Get empty id", code: codes.InvalidArgument, field: "id", call: func(ctx context.Context) error {
			_, err := api.txs.Get(ctx, &aurigraphv1.GetTransactionRequest{})
			return err
		}},
		{name: "Status committed", call: func(ctx context.Context) error {
			r, err := api.txs.Status(ctx, &aurigraphv1.GetTransactionStatusRequest{Id: seedID})
			if err == nil && (r.GetState() != aurigraphv1.TxState_TX_STATE_COMMITTED || r.GetHeight() != height || r.GetId() != seedID) {
				return fmt.Errorf("Status = %v", r)
			}
			return err
		}},
		{name: "Status pending or committed right after submit", call: func(ctx context.Context) error {
			r, err := api.txs.Submit(ctx, &aurigraphv1.SubmitRequest{Transaction: mint("grpc-p", 1, 1)})
			if err != nil {
				return err
			}
			st, err := api.txs.Status(ctx, &aurigraphv1.GetTransactionStatusRequest{Id: r.GetId()})
			if err == nil && st.GetState() != aurigraphv1.TxState_TX_STATE_PENDING && st.GetState() != aurigraphv1.TxState_TX_STATE_COMMITTED {
				return fmt.Errorf("state %v right after submit", st.GetState())
			}
			return err
		}},
		{name: "Status failed with its reason", call: func(ctx context.Context) error {
			r, err := api.txs.Submit(ctx, &aurigraphv1.SubmitRequest{Transaction: &aurigraphv1.Transaction{
				Type: aurigraphv1.TxType_TX_TYPE_TRANSFER, From: "grpc-broke", To: "x", Amount: 1_000_000, Nonce: 1}})
			if err != nil {
				return err
			}
			st, err := api.typed.WaitCommitted(ctx, r.GetId(), 20*time.Millisecond)
			if err == nil && (st.GetState() != aurigraphv1.TxState_TX_STATE_FAILED || st.GetReason() == "") {
				return fmt.Errorf("Status = %v, want failed with a reason", st)
			}
			return err
		}},
		{name: "Status unknown", code: codes.NotFound, call: func(ctx context.Context) error {
			_, err := api.txs.Status(ctx, &aurigraphv1.GetTransactionStatusRequest{Id: "no-such-tx"})
			return err
		}},
		{name: "Status empty id", code: codes.InvalidArgument, field: "id", call: func(ctx context.Context) error {
			_, err := api.txs.Status(ctx, &aurigraphv1.GetTransactionStatusRequest{})
			return err
		}},

		// BlockService
		{name: "Get block by height", call: func(ctx context.Context) error {
			r, err := api.blocks.Get(ctx, &aurigraphv1.GetBlockRequest{Block: &aurigraphv1.GetBlockRequest_Height{Height: height}})
			if err == nil && r.GetBlock().GetHeader().GetHeight() != height {
				return fmt.Errorf("block %d, want %d", r.GetBlock().GetHeader().GetHeight(), height)
			}
			return err
		}},
		{name: "Get block by hash", call: func(ctx context.Context) error {
			r, err := api.blocks.Get(ctx, &aurigraphv1.GetBlockRequest{Block: &aurigraphv1.GetBlockRequest_Hash{Hash: hash}})
			if err == nil && r.GetBlock().GetHeader().GetHeight() != height {
				return fmt.Errorf("block %d, want %d", r.GetBlock().GetHeader().GetHeight(), height)
			}
			return err
		}},
		{name: "Get block stale", call: func(ctx context.Context) error {
			_, err := api.blocks.Get(ctx, &aurigraphv1.GetBlockRequest{Block: &aurigraphv1.GetBlockRequest_Height{Height: 1}, Stale: true})
			return err
		}},
		{name: "Get block 0", code: codes.InvalidArgument, field: "height", call: func(ctx context.Context) error {
			_, err := api.blocks.Get(ctx, &aurigraphv1.GetBlockRequest{Block: &aurigraphv1.GetBlockRequest_Height{Height: 0}})
			return err
		}},
		{name: "Get block beyond the head", code: codes.NotFound, call: func(ctx context.Context) error {
			_, err := api.blocks.Get(ctx, &aurigraphv1.GetBlockRequest{Block: &aurigraphv1.GetBlockRequest_Height{Height: 1 << 40}})
			return err
		}},
		{name: "Get block by unknown hash", code: codes.NotFound, call: func(ctx context.Context) error {
			_, err := api.blocks.Get(ctx, &aurigraphv1.GetBlockRequest{Block: &aurigraphv1.GetBlockRequest_Hash{Hash: make([]byte, 32)}})
			return err
		}},
		{name: "Get block by short hash", code: codes.InvalidArgument, field: "hash", call: func(ctx context.Context) error {
			_, err := api.blocks.Get(ctx, &aurigraphv1.GetBlockRequest{Block: &aurigraphv1.GetBlockRequest_Hash{Hash: []byte{1, 2}}})
			return err
		}},
		{name: "Get block without a selector", code: codes.InvalidArgument, field: "block", call: func(ctx context.Context) error {
			_, err := api.blocks.Get(ctx, &aurigraphv1.GetBlockRequest{})
			return err
		}},
		{name: "List blocks", call: func(ctx context.Context) error {
			r, err := api.blocks.List(ctx, &aurigraphv1.ListBlocksRequest{FromHeight: 1, ToHeight: height})
			if err == nil && uint64(len(r.GetBlocks())) != height {
				return fmt.Errorf("%d blocks, want %d", len(r.GetBlocks()), height)
			}
			return err
		}},
		{name: "List blocks pages", call: func(ctx context.Context) error {
			r, err := api.blocks.List(ctx, &aurigraphv1.ListBlocksRequest{FromHeight: 1, Limit: 1, HeadersOnly: true})
			if err != nil {
				return err
			}
			if len(r.GetBlocks()) != 1 || len(r.GetBlocks()[0].GetTxs()) != 0 || (r.GetHeadHeight() > 1 && r.GetNextHeight() != 2) {
				return fmt.Errorf("page = %d blocks, next %d, head %d", len(r.GetBlocks()), r.GetNextHeight(), r.GetHeadHeight())
			}
			return nil
		}},
		{name: "List blocks from 0", code: codes.InvalidArgument, field: "from_height", call: func(ctx context.Context) error {
			_, err := api.blocks.List(ctx, &aurigraphv1.ListBlocksRequest{})
			return err
		}},
		{name: "List blocks backwards", code: codes.InvalidArgument, field: "to_height", call: func(ctx context.Context) error {
			_, err := api.blocks.List(ctx, &aurigraphv1.ListBlocksRequest{FromHeight: 5, ToHeight: 2})
			return err
		}},
		{name: "List blocks over the limit", code: codes.InvalidArgument, field: "limit", call: func(ctx context.Context) error {
			_, err := api.blocks.List(ctx, &aurigraphv1.ListBlocksRequest{FromHeight: 1, Limit: 1001})
			return err
		}},
		{name: "List blocks beyond the head is empty", call: func(ctx context.Context) error {
			r, err := api.blocks.List(ctx, &aurigraphv1.ListBlocksRequest{FromHeight: 1 << 40})
			if err == nil && (len(r.GetBlocks()) != 0 || r.GetNextHeight() != 0) {
				return fmt.Errorf("page beyond the head = %v", r)
			}
			return err
		}},
		{name: "Latest", call: func(ctx context.Context) error {
			r, err := api.blocks.Latest(ctx, &aurigraphv1.GetLatestBlockRequest{})
			if err == nil && r.GetBlock().GetHeader().GetHeight() < height {
				return fmt.Errorf("latest %d, below %d", r.GetBlock().GetHeader().GetHeight(), height)
			}
			return err
		}},
		{name: "Latest stale", call: func(ctx context.Context) error {
			_, err := api.blocks.Latest(ctx, &aurigraphv1.GetLatestBlockRequest{Stale: true})
			return err
		}},

		// ValidatorService
		{name: "List validators", call: func(ctx context.Context) error {
			r, err := api.validators.List(ctx, &aurigraphv1.ListValidatorsRequest{})
			if err == nil && (len(r.GetValidators()) != 3 || r.GetLeader() == 0 || r.GetAnsweredBy() == 0) {
				return fmt.Errorf("List = %v", r)
			}
			return err
		}},
		{name: "Validator status", call: func(ctx context.Context) error {
			r, err := api.validators.Status(ctx, &aurigraphv1.GetValidatorStatusRequest{Id: 2})
			if err == nil && (r.GetValidator().GetId() != 2 || r.GetValidator().GetRaftAddress() == "" || r.GetValidator().GetRole() == aurigraphv1.ValidatorRole_VALIDATOR_ROLE_UNSPECIFIED) {
				return fmt.Errorf("Status = %v", r)
			}
			return err
		}},
		{name: "Validator status 0", code: codes.InvalidArgument, field: "id", call: func(ctx context.Context) error {
			_, err := api.validators.Status(ctx, &aurigraphv1.GetValidatorStatusRequest{})
			return err
		}},
		{name: "Validator status of a stranger", code: codes.NotFound, call: func(ctx context.Context) error {
			_, err := api.validators.Status(ctx, &aurigraphv1.GetValidatorStatusRequest{Id: 42})
			return err
		}},
		{name: "Leader", call: func(ctx context.Context) error {
			r, err := api.validators.Leader(ctx, &aurigraphv1.GetLeaderRequest{})
			if err == nil && (r.GetLeader() == 0 || r.GetTerm() == 0 || r.GetRaftAddress() == "") {
				return fmt.Errorf("Leader = %v", r)
			}
			return err
		}},
		{name: "AddMember then RemoveMember", call: func(ctx context.Context) error {
			r, err := api.validators.AddMember(ctx, &aurigraphv1.AddMemberRequest{Id: 9, RaftAddress: "127.0.0.1:1"})
			if err != nil {
				return err
			}
			if len(r.GetValidators()) != 4 {
				return fmt.Errorf("%d members after adding one, want 4", len(r.GetValidators()))
			}
			rm, err := api.validators.RemoveMember(ctx, &aurigraphv1.RemoveMemberRequest{Id: 9})
			if err == nil && len(rm.GetValidators()) != 3 {
				return fmt.Errorf("%d members after removing it, want 3", len(rm.GetValidators()))
			}
			return err
		}},
		{name: "AddMember existing", code: codes.AlreadyExists, call: func(ctx context.Context) error {
			_, err := api.validators.AddMember(ctx, &aurigraphv1.AddMemberRequest{Id: 1, RaftAddress: "127.0.0.1:1"})
			return err
		}},
		{name: "AddMember id 0", code: codes.InvalidArgument, field: "id", call: func(ctx context.Context) error {
			_, err := api.validators.AddMember(ctx, &aurigraphv1.AddMemberRequest{RaftAddress: "127.0.0.1:1"})
			return err
		}},
		{name: "AddMember bad address", code: codes.InvalidArgument, field: "raft_address", call: func(ctx context.Context) error {
			_, err := api.validators.AddMember(ctx, &aurigraphv1.AddMemberRequest{Id: 8, RaftAddress: "nowhere"})
			return err
		}},
		{name: "RemoveMember stranger", code: codes.NotFound, call: func(ctx context.Context) error {
			_, err := api.validators.RemoveMember(ctx, &aurigraphv1.RemoveMemberRequest{Id: 77})
			return err
		}},
		{name: "RemoveMember 0", code: codes.InvalidArgument, field: "id", call: func(ctx context.Context) error {
			_, err := api.validators.RemoveMember(ctx, &aurigraphv1.RemoveMemberRequest{})
			return err
		}},

		// PerformanceService
		{name: "Current", call: func(ctx context.Context) error {
			r, err := api.perf.Current(ctx, &aurigraphv1.GetCurrentPerformanceRequest{})
			if err == nil && r.GetHeight() < height {
				return fmt.Errorf("Current height %d, below %d", r.GetHeight(), height)
			}
			return err
		}},
		{name: "Series", call: func(ctx context.Context) error {
			now := time.Now()
			r, err := api.perf.Series(ctx, &aurigraphv1.GetSeriesRequest{Metric: "tps", From: timestamppb.New(now.Add(-time.Minute)), To: timestamppb.New(now), StepSeconds: 10})
			if err == nil && (len(r.GetPoints()) < 6 || r.GetStepSeconds() != 10) {
				return fmt.Errorf("Series = %d points of %ds", len(r.GetPoints()), r.GetStepSeconds())
			}
			return err
		}},
		{name: "Series with defaults", call: func(ctx context.Context) error {
			r, err := api.perf.Series(ctx, &aurigraphv1.GetSeriesRequest{})
			if err == nil && (r.GetMetric() != "tps" || r.GetStepSeconds() != 12) {
				return fmt.Errorf("Series defaults: metric %q, step %ds; want tps and 12s", r.GetMetric(), r.GetStepSeconds())
			}
			return err
		}},
		{name: "Series unknown metric", code: codes.InvalidArgument, field: "request", call: func(ctx context.Context) error {
			_, err := api.perf.Series(ctx, &aurigraphv1.GetSeriesRequest{Metric: "gravity"})
			return err
		}},
		{name: "Series empty range", code: codes.InvalidArgument, field: "request", call: func(ctx context.Context) error {
			now := timestamppb.Now()
			_, err := api.perf.Series(ctx, &aurigraphv1.GetSeriesRequest{From: now, To: now})
			return err
		}},
		{name: "Forecast", call: func(ctx context.Context) error {
			r, err := api.perf.Forecast(ctx, &aurigraphv1.GetForecastRequest{Metric: "tps", StepSeconds: 1, HistorySeconds: 120, Season: 10, Horizon: 5})
			if err == nil && len(r.GetPoints()) != 5 {
				return fmt.Errorf("Forecast = %d points, want 5", len(r.GetPoints()))
			}
			return err
		}},
		{name: "Forecast bad coverage", code: codes.InvalidArgument, field: "request", call: func(ctx context.Context) error {
			_, err := api.perf.Forecast(ctx, &aurigraphv1.GetForecastRequest{StepSeconds: 1, HistorySeconds: 120, Season: 10, Horizon: 5, Coverage: 2})
			return err
		}},

		// StreamService
		{name: "Subscribe replays from a height", call: func(ctx context.Context) error {
			s, err := api.stream.Subscribe(ctx, &aurigraphv1.SubscribeRequest{FromHeight: 1})
			if err != nil {
				return err
			}
			ev, err := s.Recv()
			if err == nil && (ev.GetType() != aurigraphv1.EventType_EVENT_TYPE_BLOCK || ev.GetHeight() != 1 || ev.GetId() != "1") {
				return fmt.Errorf("first event %v, want block 1", ev)
			}
			return err
		}},
		{name: "Subscribe resumes after a transaction event", call: func(ctx context.Context) error {
			after := fmt.Sprintf("%d.%d", height, api.committed.GetIndex())
			s, err := api.stream.Subscribe(ctx, &aurigraphv1.SubscribeRequest{After: after,
				Types: []aurigraphv1.EventType{aurigraphv1.EventType_EVENT_TYPE_BLOCK}})
			if err != nil {
				return err
			}
			ev, err := s.Recv()
			if err == nil && ev.GetHeight() != height+1 {
				return fmt.Errorf("first event after %s at height %d, want %d", after, ev.GetHeight(), height+1)
			}
			return err
		}},
		{name: "Subscribe bad cursor", code: codes.InvalidArgument, call: func(ctx context.Context) error {
			s, err := api.stream.Subscribe(ctx, &aurigraphv1.SubscribeRequest{After: "x.y"})
			if err != nil {
				return err
			}
			_, err = s.Recv()
			return err
		}},

		// Health and reflection
		{name: "Health of the server", call: func(ctx context.Context) error {
			return servingHealth(ctx, api.health, "")
		}},
		{name: "Health per service", call: func(ctx context.Context) error {
			// The chain services serve while a leader is known; on a loaded
			// machine an election can be under way for a moment, so each
			// is given a few seconds to serve again.
			for _, svc := range []string{"aurigraph.v1.TransactionService", "aurigraph.v1.BlockService", "aurigraph.v1.ValidatorService",
				"aurigraph.v1.PerformanceService", "aurigraph.v1.StreamService"} {
				err := servingHealth(ctx, api.health, svc)
				for deadline := time.Now().Add(10 * time.Second); errors.Is(err, errNotServing) && time.Now().Before(deadline); {
					time.Sleep(100 * time.Millisecond)
					err = servingHealth(ctx, api.health, svc)
				}
				if err != nil {
					return fmt.Errorf("%s: %w", svc, err)
				}
			}
			return nil
		}},
		{name: "Health of an unknown service", code: codes.NotFound, call: func(ctx context.Context) error {
			return servingHealth(ctx, api.health, "aurigraph.v1.NoSuchService")
		}},
		{name: "Reflection lists the services", call: func(ctx context.Context) error {
			return reflectionLists(ctx, api.conn, "aurigraph.v1.TransactionService", "aurigraph.v1.BlockService",
				"aurigraph.v1.ValidatorService", "aurigraph.v1.PerformanceService", "aurigraph.v1.StreamService", "grpc.health.v1.Health")
		}},

		// What the interceptors add.
		{name: "Request id echoed", call: func(ctx context.Context) error {
			var header metadata.MD
			ctx = metadata.AppendToOutgoingContext(ctx, "x-request-id", "test-req-1")
			if _, err := api.blocks.Latest(ctx, &aurigraphv1.GetLatestBlockRequest{}, grpc.Header(&header)); err != nil {
				return err
			}
			if got := header.Get("x-request-id"); len(got) != 1 || got[0] != "test-req-1" {
				return fmt.Errorf("x-request-id header %v, want test-req-1", got)
			}
			return nil
		}},
		{name: "Expired deadline", code: codes.DeadlineExceeded, call: func(ctx context.Context) error {
			ctx, cancel := context.WithTimeout(ctx, time.Nanosecond)
			defer cancel()
			time.Sleep(time.Millisecond)
			_, err := api.blocks.Latest(ctx, &aurigraphv1.GetLatestBlockRequest{})
			return err
		}},
		{name: "Unknown method", code: codes.Unimplemented, call: func(ctx context.Context) error {
			return api.conn.Invoke(ctx, "/aurigraph.v1.BlockService/Delete", &aurigraphv1.GetLatestBlockRequest{}, &aurigraphv1.GetLatestBlockResponse{})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			err := tt.call(ctx)
			if tt.code == codes.OK {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantCode(t, err, tt.code, tt.field)
		})
	}
}

// errNotServing is a health check's answer other than SERVING, as against
// a failed call.
var errNotServing = errors.New("not serving")

func servingHealth(ctx context.Context, h healthpb.HealthClient, service string) error {
	r, err := h.Check(ctx, &healthpb.HealthCheckRequest{Service: service})
	if err != nil {
		return err
	}
	if r.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		return fmt.Errorf("health of %q = %v: %w", service, r.GetStatus(), errNotServing)
	}
	return nil
}

func reflectionLists(ctx context.Context, conn *grpc.ClientConn, want ...string) error {
	s, err := reflectionpb.NewServerReflectionClient(conn).ServerReflectionInfo(ctx)
	if err != nil {
		return err
	}
	if err := s.Send(&reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}}); err != nil {
		return err
	}
	r, err := s.Recv()
	if err != nil {
		return err
	}
	_ = s.CloseSend()
	if _, err := s.Recv(); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	got := map[string]bool{}
	for _, svc := range r.GetListServicesResponse().GetService() {
		got[svc.GetName()] = true
	}
	for _, name := range want {
		if !got[name] {
			return fmt.Errorf("reflection lists %v, not %s", got, name)
		}
	}
	return nil
}
