// Command grpcsmoke is the Go client's smoke test against a running
// aurigraph dev at $AURIGRAPH_GRPC, the same steps as the Python,
// JavaScript and Java ones: health, a live subscription, a batch and a
// single submission read back committed, the block holding them, a block
// event from the subscription, and an invalid submission refused with the
// field named.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/aurigraph/aurigraph/schemas/client"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "grpcsmoke:", err)
		os.Exit(1)
	}
	fmt.Println("grpcsmoke: passed")
}

func run() error {
	target := os.Getenv("AURIGRAPH_GRPC")
	if target == "" {
		return errors.New("set AURIGRAPH_GRPC to the host:port of a running aurigraph dev's --grpc")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	c, err := client.New(target)
	if err != nil {
		return err
	}
	defer c.Close()

	h, err := c.Health(ctx, "")
	if err != nil || h != healthpb.HealthCheckResponse_SERVING {
		return fmt.Errorf("health: %v %v", h, err)
	}

	subCtx, stopSub := context.WithCancel(ctx)
	defer stopSub()
	heights := make(chan uint64, 1024)
	subErr := make(chan error, 1)
	go func() {
		for ev, err := range c.Subscribe(subCtx, &aurigraphv1.SubscribeRequest{Types: []aurigraphv1.EventType{aurigraphv1.EventType_EVENT_TYPE_BLOCK}}) {
			if err != nil {
				subErr <- err
				return
			}
			heights <- ev.GetHeight()
		}
	}()

	suffix := make([]byte, 6)
	rand.Read(suffix)
	to := "go-smoke-" + hex.EncodeToString(suffix)
	var txs []*aurigraphv1.Transaction
	for i := range 10 {
		txs = append(txs, &aurigraphv1.Transaction{Type: aurigraphv1.TxType_TX_TYPE_MINT, To: to, Amount: uint64(i + 1), Nonce: uint64(i + 1)})
	}
	ids, err := c.SubmitBatch(ctx, txs)
	if err != nil {
		return fmt.Errorf("SubmitBatch: %w", err)
	}
	one, err := c.Submit(ctx, &aurigraphv1.Transaction{Type: aurigraphv1.TxType_TX_TYPE_MINT, To: to, Amount: 11, Nonce: 11})
	if err != nil {
		return fmt.Errorf("submit: %w", err)
	}
	ids = append(ids, one)
	for _, id := range ids {
		st, err := c.WaitCommitted(ctx, id, 100*time.Millisecond)
		if err != nil || st.GetState() != aurigraphv1.TxState_TX_STATE_COMMITTED {
			return fmt.Errorf("transaction %s: %v %v", id, st, err)
		}
	}
	got, err := c.Transaction(ctx, ids[0])
	if err != nil {
		return fmt.Errorf("get %s: %w", ids[0], err)
	}
	if tx := got.GetResult().GetTx(); tx.GetTo() != to || tx.GetAmount() != 1 || tx.GetType() != aurigraphv1.TxType_TX_TYPE_MINT || got.GetHeight() == 0 {
		return fmt.Errorf("get %s = %v", ids[0], got)
	}
	blk, err := c.Block(ctx, got.GetHeight())
	if err != nil {
		return fmt.Errorf("block %d: %w", got.GetHeight(), err)
	}
	if !slices.ContainsFunc(blk.GetTxs(), func(r *aurigraphv1.TxResult) bool { return r.GetTx().GetId() == ids[0] }) {
		return fmt.Errorf("block %d does not hold %s", got.GetHeight(), ids[0])
	}
	latest, err := c.Latest(ctx)
	if err != nil || latest.GetHeader().GetHeight() < got.GetHeight() {
		return fmt.Errorf("latest %v below %d: %v", latest.GetHeader().GetHeight(), got.GetHeight(), err)
	}

	deadline := time.After(30 * time.Second)
	for seen := false; !seen; {
		select {
		case h := <-heights:
			seen = h >= got.GetHeight()
		case err := <-subErr:
			return fmt.Errorf("subscription: %w", err)
		case <-deadline:
			return fmt.Errorf("no block event at or above height %d within 30s", got.GetHeight())
		}
	}
	stopSub()

	_, err = c.Submit(ctx, &aurigraphv1.Transaction{Type: aurigraphv1.TxType_TX_TYPE_MINT, To: to, Amount: 0, Nonce: 12})
	if status.Code(err) != codes.InvalidArgument {
		return fmt.Errorf("zero amount: %v, want INVALID_ARGUMENT", err)
	}
	for _, d := range status.Convert(err).Details() {
		if br, ok := d.(*errdetails.BadRequest); ok && len(br.GetFieldViolations()) > 0 && br.GetFieldViolations()[0].GetField() == "transaction.amount" {
			return nil
		}
	}
	return fmt.Errorf("zero amount: no BadRequest naming transaction.amount in %v", err)
}
