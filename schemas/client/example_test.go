package client_test

import (
	"context"
	"fmt"
	"log"
	"slices"
	"time"

	"github.com/aurigraph/aurigraph/schemas/client"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

func ExampleClient_Submit() {
	c, err := client.New("127.0.0.1:9004")
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// No id: the client derives it (schemas.TxID), so retries resubmit the
	// same transaction rather than a new one.
	id, err := c.Submit(ctx, &aurigraphv1.Transaction{
		Type: aurigraphv1.TxType_TX_TYPE_MINT, From: "acct-1", To: "acct-1", Amount: 10, Nonce: 1,
	})
	if err != nil {
		log.Fatal(err)
	}
	st, err := c.WaitCommitted(ctx, id, 100*time.Millisecond)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(id, st.GetState(), st.GetHeight(), st.GetReason())
}

func ExampleClient_SubmitStream() {
	c, err := client.New("127.0.0.1:9004")
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	txs := make([]*aurigraphv1.Transaction, 25000)
	for i := range txs {
		txs[i] = &aurigraphv1.Transaction{
			Type: aurigraphv1.TxType_TX_TYPE_MINT, From: "acct-2", To: "acct-2", Amount: 1, Nonce: uint64(i + 1),
		}
	}
	ids, err := c.SubmitStream(context.Background(), slices.Values(txs), 0)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(ids), "written")
}

func ExampleClient_Subscribe() {
	c, err := client.New("127.0.0.1:9004")
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	req := &aurigraphv1.SubscribeRequest{
		FromHeight: 1,
		Types:      []aurigraphv1.EventType{aurigraphv1.EventType_EVENT_TYPE_BLOCK},
	}
	for ev, err := range c.Subscribe(context.Background(), req) {
		if err != nil {
			// Not mended by reconnecting; ev ids seen so far tell where to
			// resume (SubscribeRequest.After).
			log.Fatal(err)
		}
		fmt.Println(ev.GetHeight(), ev.GetBlock().GetTxCount())
	}
}

func ExampleClient_Blocks() {
	c, err := client.New("127.0.0.1:9004")
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	var txs int
	for b, err := range c.Blocks(context.Background(), 1, 0, true) {
		if err != nil {
			log.Fatal(err)
		}
		txs += int(b.GetHeader().GetTxCount())
	}
	fmt.Println(txs, "transactions")
}
