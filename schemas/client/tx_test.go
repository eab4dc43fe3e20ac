package client

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

func mint(i int) *aurigraphv1.Transaction {
	return &aurigraphv1.Transaction{
		Type: aurigraphv1.TxType_TX_TYPE_MINT, From: "acct-1", To: "acct-1",
		Amount: 10, Nonce: uint64(i + 1), TimestampMs: 1763900000000,
	}
}

func TestSubmitFillsIDWithoutTouchingCaller(t *testing.T) {
	withOwnID := mint(0)
	withOwnID.Id = "producer-7"
	for _, tc := range []struct {
		name   string
		tx     *aurigraphv1.Transaction
		wantID string
	}{
		{"empty id derived", mint(0), schemas.TxID(mint(0))},
		{"own id kept", withOwnID, "producer-7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, f, _ := start(t)
			before := proto.Clone(tc.tx)
			// A retry in between shows both attempts carry the same id.
			f.failNext(unavailable())
			id, err := c.Submit(context.Background(), tc.tx)
			if err != nil {
				t.Fatal(err)
			}
			if id != tc.wantID {
				t.Errorf("returned id %q, want %q", id, tc.wantID)
			}
			if !proto.Equal(tc.tx, before) {
				t.Errorf("caller's transaction changed to %v", tc.tx)
			}
			seen := f.tx.received()
			if len(seen) != 1 || seen[0].GetId() != tc.wantID {
				t.Fatalf("server received %v, want id %q", seen, tc.wantID)
			}
			sent := proto.Clone(seen[0]).(*aurigraphv1.Transaction)
			sent.Id = tc.tx.GetId()
			if !proto.Equal(sent, tc.tx) {
				t.Errorf("server received %v, want %v with its id", seen[0], tc.tx)
			}
		})
	}
}

func TestSubmitBatchFillsIDs(t *testing.T) {
	c, f, _ := start(t)
	txs := []*aurigraphv1.Transaction{mint(0), mint(1), mint(2)}
	// The retry shows every attempt sends the same ids.
	f.failNext(unavailable())
	txs[1].Id = "own"
	before := make([]*aurigraphv1.Transaction, len(txs))
	for i, tx := range txs {
		before[i] = proto.Clone(tx).(*aurigraphv1.Transaction)
	}
	ids, err := c.SubmitBatch(context.Background(), txs)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{schemas.TxID(txs[0]), "own", schemas.TxID(txs[2])}
	if !slices.Equal(ids, want) {
		t.Errorf("ids %v, want %v", ids, want)
	}
	seen := f.tx.received()
	if len(seen) != len(want) {
		t.Fatalf("server received %d transactions, want %d", len(seen), len(want))
	}
	for i := range txs {
		if seen[i].GetId() != want[i] {
			t.Errorf("server received transaction %d with id %q, want %q", i, seen[i].GetId(), want[i])
		}
		if !proto.Equal(txs[i], before[i]) {
			t.Errorf("caller's transaction %d changed to %v", i, txs[i])
		}
	}
	if _, err := c.SubmitBatch(context.Background(), []*aurigraphv1.Transaction{mint(0), nil}); err == nil || !strings.Contains(err.Error(), "transaction 1 is nil") {
		t.Errorf("nil element: error %v", err)
	}
}

// counted yields n mints and counts how many were pulled.
func counted(n int, pulled *int) iter.Seq[*aurigraphv1.Transaction] {
	return func(yield func(*aurigraphv1.Transaction) bool) {
		for i := range n {
			*pulled++
			if !yield(mint(i)) {
				return
			}
		}
	}
}

func wantIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = schemas.TxID(mint(i))
	}
	return ids
}

func TestSubmitStreamChunks(t *testing.T) {
	for _, tc := range []struct {
		txs, chunk int
		want       []int
	}{
		{2500, 1000, []int{1000, 1000, 500}},
		{1500, 0, []int{1000, 500}},
		{10, 3, []int{3, 3, 3, 1}},
		{10000, 10000, []int{10000}},
		{4, 4, []int{4}},
		{0, 100, nil},
	} {
		t.Run(fmt.Sprintf("%d by %d", tc.txs, tc.chunk), func(t *testing.T) {
			c, f, _ := start(t)
			pulled := 0
			ids, err := c.SubmitStream(context.Background(), counted(tc.txs, &pulled), tc.chunk)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(f.tx.sizes(), tc.want) {
				t.Errorf("messages of %v, want %v", f.tx.sizes(), tc.want)
			}
			if !slices.Equal(ids, wantIDs(tc.txs)) {
				t.Errorf("%d ids, not the %d in order", len(ids), tc.txs)
			}
			if pulled != tc.txs {
				t.Errorf("pulled %d transactions, want %d", pulled, tc.txs)
			}
		})
	}
}

func TestSubmitStreamRejects(t *testing.T) {
	for _, tc := range []struct {
		name  string
		seq   iter.Seq[*aurigraphv1.Transaction]
		chunk int
		want  string
	}{
		{"negative chunk", slices.Values([]*aurigraphv1.Transaction{mint(0)}), -1, "chunk -1 out of range"},
		{"chunk above the server's limit", slices.Values([]*aurigraphv1.Transaction{mint(0)}), MaxChunk + 1, "chunk 10001 out of range"},
		{"nil transaction", slices.Values([]*aurigraphv1.Transaction{mint(0), mint(1), nil, mint(3)}), 2, "transaction 2 is nil"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, f, _ := start(t)
			_, err := c.SubmitStream(context.Background(), tc.seq, tc.chunk)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			if n := len(f.recorded()); n > 1 {
				t.Errorf("%d streams opened, want at most 1", n)
			}
		})
	}
}

func TestSubmitStreamResendsAfterBreak(t *testing.T) {
	c, f, _ := start(t)
	// The first stream fails after its second message has been written;
	// the client cannot know that and sends all three again.
	f.tx.breakStream = func(stream, messages int) error {
		if stream == 1 && messages == 2 {
			return unavailable()
		}
		return nil
	}
	pulled := 0
	ids, err := c.SubmitStream(context.Background(), counted(25, &pulled), 10)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids, wantIDs(25)) {
		t.Errorf("ids %v, want all 25 in order", ids)
	}
	if pulled != 25 {
		t.Errorf("seq iterated for %d transactions, want 25 (once)", pulled)
	}
	if want := []int{10, 10, 10, 10, 5}; !slices.Equal(f.tx.sizes(), want) {
		t.Errorf("messages of %v, want %v", f.tx.sizes(), want)
	}
	calls := f.recorded()
	if len(calls) != 2 || calls[0].requestID != calls[1].requestID {
		t.Errorf("streams %v, want 2 with one request id", calls)
	}
}

func TestSubmitStreamInvalidArgumentNotRetried(t *testing.T) {
	c, f, _ := start(t)
	f.tx.breakStream = func(stream, messages int) error {
		if messages == 2 {
			return status.Error(codes.InvalidArgument, "transaction 3: amount must be positive")
		}
		return nil
	}
	pulled := 0
	_, err := c.SubmitStream(context.Background(), counted(10, &pulled), 2)
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "amount must be positive") {
		t.Fatalf("error %v", err)
	}
	if n := len(f.recorded()); n != 1 {
		t.Errorf("%d streams, want 1", n)
	}
}

func TestWaitCommitted(t *testing.T) {
	pending := &aurigraphv1.GetTransactionStatusResponse{Id: "w1", State: aurigraphv1.TxState_TX_STATE_PENDING}
	committed := &aurigraphv1.GetTransactionStatusResponse{Id: "w1", State: aurigraphv1.TxState_TX_STATE_COMMITTED, Height: 8}
	failedTx := &aurigraphv1.GetTransactionStatusResponse{Id: "w1", State: aurigraphv1.TxState_TX_STATE_FAILED, Reason: "low nonce"}
	script := func(answers ...any) func(int) (*aurigraphv1.GetTransactionStatusResponse, error) {
		return func(n int) (*aurigraphv1.GetTransactionStatusResponse, error) {
			switch a := answers[min(n, len(answers))-1].(type) {
			case error:
				return nil, a
			default:
				return a.(*aurigraphv1.GetTransactionStatusResponse), nil
			}
		}
	}
	notFound := status.Error(codes.NotFound, "unknown id")
	for _, tc := range []struct {
		name      string
		answers   func(int) (*aurigraphv1.GetTransactionStatusResponse, error)
		timeout   time.Duration
		wantState aurigraphv1.TxState
		wantErr   func(error) bool
		wantPolls int // 0: any number
	}{
		{"not found, pending, committed", script(notFound, pending, pending, committed), 5 * time.Second, aurigraphv1.TxState_TX_STATE_COMMITTED, nil, 4},
		{"failed ends the wait", script(pending, failedTx), 5 * time.Second, aurigraphv1.TxState_TX_STATE_FAILED, nil, 2},
		{"unavailable outlasting retries", script(unavailable(), unavailable(), unavailable(), unavailable(), unavailable(), unavailable(), committed), 5 * time.Second, aurigraphv1.TxState_TX_STATE_COMMITTED, nil, 7},
		// Long enough for the first poll, its connection included, to
		// answer on a loaded machine.
		{"deadline while pending", script(pending), time.Second, 0, func(err error) bool {
			return errors.Is(err, context.DeadlineExceeded) && strings.Contains(err.Error(), "last seen TX_STATE_PENDING")
		}, 0},
		{"invalid argument ends the wait", script(status.Error(codes.InvalidArgument, "empty id")), 5 * time.Second, 0, func(err error) bool {
			return status.Code(err) == codes.InvalidArgument
		}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, f, _ := start(t)
			f.tx.status = tc.answers
			ctx, cancel := context.WithTimeout(context.Background(), tc.timeout)
			defer cancel()
			st, err := c.WaitCommitted(ctx, "w1", 5*time.Millisecond)
			switch {
			case tc.wantErr != nil:
				if err == nil || !tc.wantErr(err) || !strings.Contains(err.Error(), `"w1"`) {
					t.Fatalf("error %v", err)
				}
			case err != nil:
				t.Fatal(err)
			case st.GetState() != tc.wantState:
				t.Fatalf("state %v, want %v", st.GetState(), tc.wantState)
			}
			if tc.wantPolls != 0 && f.tx.pollCount() != tc.wantPolls {
				t.Errorf("%d polls, want %d", f.tx.pollCount(), tc.wantPolls)
			}
			calls := f.recorded()
			for _, cl := range calls {
				if cl.requestID != calls[0].requestID {
					t.Fatalf("polls carried ids %v, want one", calls)
				}
			}
		})
	}
}
