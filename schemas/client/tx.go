package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

const (
	// DefaultChunk is the number of transactions per SubmitStream message
	// when the caller passes 0.
	DefaultChunk = 1000
	// MaxChunk is the most transactions the server takes in one message.
	MaxChunk = 10000
)

// withID returns tx when it has an id, else a copy with the id the server
// derives (a transaction's id is always derived from its content). Fixing
// the id before the first attempt names the transaction in every attempt's
// errors; retrying is safe because the chain commits an id once, and a
// retry that finds the transaction committed already gets ALREADY_EXISTS,
// which Submit and SubmitBatch report as success.
func withID(tx *aurigraphv1.Transaction) *aurigraphv1.Transaction {
	if tx.GetId() != "" {
		return tx
	}
	c := proto.Clone(tx).(*aurigraphv1.Transaction)
	c.Id = schemas.TxID(tx)
	return c
}

// Submit writes one transaction and returns its id once it is durably in
// the transaction log (not yet in a block: see WaitCommitted). tx is not
// modified; when its id is empty the id sent, and returned, is
// schemas.TxID(tx).
func (c *Client) Submit(ctx context.Context, tx *aurigraphv1.Transaction) (string, error) {
	if tx == nil {
		return "", errors.New("submit transaction: nil transaction")
	}
	tx = withID(tx)
	req := &aurigraphv1.SubmitRequest{Transaction: tx}
	resp, err := retry(ctx, c, fmt.Sprintf("submit transaction %q", tx.GetId()), retrySubmit,
		func(ctx context.Context) (*aurigraphv1.SubmitResponse, error) { return c.txs.Submit(ctx, req) })
	if status.Code(err) == codes.AlreadyExists {
		return tx.GetId(), nil
	}
	if err != nil {
		return "", err
	}
	return resp.GetId(), nil
}

// SubmitBatch writes up to MaxChunk transactions, all or none, and returns
// their ids in order. Transactions without an id get schemas.TxID, on
// copies: neither txs nor its elements are modified.
func (c *Client) SubmitBatch(ctx context.Context, txs []*aurigraphv1.Transaction) ([]string, error) {
	call := fmt.Sprintf("submit batch of %d transactions", len(txs))
	sent := make([]*aurigraphv1.Transaction, len(txs))
	for i, tx := range txs {
		if tx == nil {
			return nil, fmt.Errorf("%s: transaction %d is nil", call, i)
		}
		sent[i] = withID(tx)
	}
	req := &aurigraphv1.SubmitBatchRequest{Transactions: sent}
	resp, err := retry(ctx, c, call, retrySubmit,
		func(ctx context.Context) (*aurigraphv1.SubmitBatchResponse, error) {
			return c.txs.SubmitBatch(ctx, req)
		})
	if status.Code(err) == codes.AlreadyExists {
		ids := make([]string, len(sent))
		for i, tx := range sent {
			ids[i] = tx.GetId()
		}
		return ids, nil
	}
	if err != nil {
		return nil, err
	}
	return resp.GetIds(), nil
}

// SubmitStream sends every transaction of seq over one SubmitStream call,
// chunk transactions per message (0 means DefaultChunk, at most MaxChunk),
// and returns the ids of all of them in order. Ids are filled in as by
// Submit, on copies. seq is iterated once.
//
// The server writes each message before reading the next but only answers
// when the stream ends, so after a failure the client cannot know which
// messages were written. It does not need to: every transaction carries a
// fixed id, so on UNAVAILABLE (or DEADLINE_EXCEEDED from the server) the
// whole stream is sent again from its first message, within the retry
// budget, and the chain drops the repeats. The price is memory: every
// message is kept until the call returns, so split an unbounded source into
// several calls. Transactions seq yields must not be modified before then.
//
// On any other error, including a nil transaction in seq, the call ends and
// the messages already sent may have been written: the ids of those are
// lost with the stream's answer, but resubmitting them is harmless.
func (c *Client) SubmitStream(ctx context.Context, seq iter.Seq[*aurigraphv1.Transaction], chunk int) ([]string, error) {
	switch {
	case chunk == 0:
		chunk = DefaultChunk
	case chunk < 0 || chunk > MaxChunk:
		return nil, fmt.Errorf("submit stream: chunk %d out of range 1 to %d (0 means %d)", chunk, MaxChunk, DefaultChunk)
	}
	next, stop := iter.Pull(seq)
	defer stop()
	read := 0
	nextMessage := func() (*aurigraphv1.SubmitStreamRequest, error) {
		var txs []*aurigraphv1.Transaction
		for len(txs) < chunk {
			tx, ok := next()
			if !ok {
				break
			}
			if tx == nil {
				return nil, fmt.Errorf("transaction %d is nil", read)
			}
			txs = append(txs, withID(tx))
			read++
		}
		if len(txs) == 0 {
			return nil, nil
		}
		return &aurigraphv1.SubmitStreamRequest{Transactions: txs}, nil
	}

	var sent []*aurigraphv1.SubmitStreamRequest
	resp, err := retry(ctx, c, "submit stream", retrySubmit, func(ctx context.Context) (*aurigraphv1.SubmitStreamResponse, error) {
		// Cancelling ends the stream on every early return, so an abandoned
		// attempt holds no goroutine or server handler.
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		st, err := c.txs.SubmitStream(ctx)
		if err != nil {
			return nil, err
		}
		for _, m := range sent {
			if err := st.Send(m); err != nil {
				return nil, sendFailed(st, err)
			}
		}
		for {
			m, err := nextMessage()
			if err != nil {
				return nil, err
			}
			if m == nil {
				return st.CloseAndRecv()
			}
			sent = append(sent, m)
			if err := st.Send(m); err != nil {
				return nil, sendFailed(st, err)
			}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("%w (%d transactions read)", err, read)
	}
	return resp.GetIds(), nil
}

// sendFailed turns a Send error into the stream's status: Send reports only
// io.EOF when the server has ended the call, and the reason is in the
// answer.
func sendFailed(st grpc.ClientStreamingClient[aurigraphv1.SubmitStreamRequest, aurigraphv1.SubmitStreamResponse], err error) error {
	if !errors.Is(err, io.EOF) {
		return err
	}
	if _, err := st.CloseAndRecv(); err != nil {
		return err
	}
	return errors.New("server answered before the stream ended")
}

// Transaction returns a transaction with its outcome and position once
// committed, or its pending state. NOT_FOUND when the server knows no such
// id.
func (c *Client) Transaction(ctx context.Context, id string) (*aurigraphv1.GetTransactionResponse, error) {
	req := &aurigraphv1.GetTransactionRequest{Id: id}
	return retry(ctx, c, fmt.Sprintf("get transaction %q", id), retryRead,
		func(ctx context.Context) (*aurigraphv1.GetTransactionResponse, error) { return c.txs.Get(ctx, req) })
}

// Status reports whether a transaction is pending, committed or failed.
// NOT_FOUND when the server knows no such id.
func (c *Client) Status(ctx context.Context, id string) (*aurigraphv1.GetTransactionStatusResponse, error) {
	req := &aurigraphv1.GetTransactionStatusRequest{Id: id}
	return retry(ctx, c, fmt.Sprintf("status of transaction %q", id), retryRead,
		func(ctx context.Context) (*aurigraphv1.GetTransactionStatusResponse, error) {
			return c.txs.Status(ctx, req)
		})
}

// WaitCommitted polls Status every poll (0 means 100ms) until the
// transaction is in a block, and returns that status: check State, which is
// TX_STATE_FAILED (with Reason) when the state machine rejected it.
//
// NOT_FOUND and PENDING mean "not yet": a transaction just submitted may not
// be visible to the validator answering, and it stays pending until its
// block commits. UNAVAILABLE outlasting Status's own retries also keeps the
// wait going, because an election can take longer than the retry budget.
// Only ctx bounds the wait; other errors end it.
func (c *Client) WaitCommitted(ctx context.Context, id string, poll time.Duration) (*aurigraphv1.GetTransactionStatusResponse, error) {
	if poll <= 0 {
		poll = 100 * time.Millisecond
	}
	ctx = c.withRequestID(ctx)
	last := "not found"
	gaveUp := func() error {
		// Once the deadline has passed, ctx is done at most a timer tick
		// later; waiting for it gives the error its cause.
		<-ctx.Done()
		return fmt.Errorf("wait for transaction %q: last seen %s: %w", id, last, context.Cause(ctx))
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		st, err := c.Status(ctx, id)
		switch {
		case done(ctx):
			// Whatever err says, the wait is over, and the last state seen
			// says more than the interrupted call's error.
			return nil, gaveUp()
		case err == nil:
			if s := st.GetState(); s == aurigraphv1.TxState_TX_STATE_COMMITTED || s == aurigraphv1.TxState_TX_STATE_FAILED {
				return st, nil
			}
			last = st.GetState().String()
		case status.Code(err) == codes.NotFound:
			last = "not found"
		case status.Code(err) == codes.Unavailable:
			last = "unavailable"
		default:
			return nil, fmt.Errorf("wait for transaction %q: %w", id, err)
		}
		select {
		case <-ctx.Done():
			return nil, gaveUp()
		case <-t.C:
		}
	}
}
