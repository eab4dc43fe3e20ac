// Package txgen makes endless sequences of valid batches of transfers
// between funded accounts, as the benchmarks and the stage ceilings feed
// the state machine, raft and ClickHouse.
package txgen

import (
	"fmt"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// Transfers makes batches of transfers: fresh ids, contiguous offsets of
// one source partition, growing nonces.
type Transfers struct {
	accounts int
	nonces   []uint64
	next     int
	off      int64
}

// NewTransfers returns a generator over n accounts and the batch of mints
// that funds them, to be applied first.
func NewTransfers(accounts int) (*Transfers, *aurigraphv1.Batch) {
	setup := &aurigraphv1.Batch{}
	for i := range accounts {
		setup.Txs = append(setup.Txs, &aurigraphv1.Transaction{
			Id: fmt.Sprintf("mint-%d", i), Type: aurigraphv1.TxType_TX_TYPE_MINT,
			To: fmt.Sprintf("acct-%d", i), Amount: 1 << 40,
		})
	}
	return &Transfers{accounts: accounts, nonces: make([]uint64, accounts)}, setup
}

// Batch returns the next batch of size transfers.
func (g *Transfers) Batch(size int) *aurigraphv1.Batch {
	txs := make([]*aurigraphv1.Transaction, size)
	for i := range txs {
		from := g.next % g.accounts
		g.nonces[from]++
		txs[i] = &aurigraphv1.Transaction{
			Id: fmt.Sprintf("tx-%d", g.next), Type: aurigraphv1.TxType_TX_TYPE_TRANSFER,
			From: fmt.Sprintf("acct-%d", from), To: fmt.Sprintf("acct-%d", (from+1)%g.accounts), Amount: 1, Nonce: g.nonces[from],
		}
		g.next++
	}
	b := &aurigraphv1.Batch{
		Sources: []*aurigraphv1.SourceRange{{Topic: "bench", Partition: 0, StartOffset: g.off, EndOffset: g.off + int64(size)}},
		Txs:     txs,
	}
	g.off += int64(size)
	return b
}
