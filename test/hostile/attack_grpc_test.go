package hostile

import (
	"context"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// grpcAttackers are the attacks on the gRPC API.
func (a *attack) grpcAttackers() []attacker {
	return []attacker{
		{"grpc/fields", a.grpcFields},
		{"grpc/forbidden", a.grpcForbidden},
		{"grpc/batches", a.grpcBatches},
		{"grpc/raw-message", a.grpcRawMessage},
		{"grpc/raw-bytes", a.grpcRawBytes},
	}
}

func (a *attack) grpcConn() (*grpc.ClientConn, error) {
	return grpc.NewClient(a.d.grpc, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallSendMsgSize(64<<20)))
}

// grpcRefusal checks the answer to a call that had to be refused: OK is a
// breach, and so is INTERNAL or UNKNOWN (bad input made a handler fail).
func (a *attack) grpcRefusal(class string, err error, what string) {
	out := grpcOutcome(err)
	switch status.Code(err) {
	case codes.OK:
		a.tally.breach(class, out, what+" was accepted")
	case codes.Internal, codes.Unknown:
		a.tally.breach(class, out, what+" made the server fail: "+err.Error())
	default:
		a.tally.add(class, out)
	}
}

// badFields are transactions malformed field by field.
func badFields(rng *mrand.Rand) *aurigraphv1.Transaction {
	base := func() *aurigraphv1.Transaction {
		return &aurigraphv1.Transaction{Type: transferTx, From: "a", To: "b", Amount: 1, Nonce: 1}
	}
	tx := base()
	switch rng.IntN(11) {
	case 0:
		tx.Type = aurigraphv1.TxType_TX_TYPE_UNSPECIFIED
	case 1:
		tx.Type = aurigraphv1.TxType(99)
	case 2:
		tx.Amount = 0
	case 3:
		tx.From = strings.Repeat("a", 200)
	case 4:
		tx.To = "b\x00c"
	case 5:
		tx.Pubkey, tx.Sig = []byte{1, 2, 3}, []byte{4}
	case 6:
		tx.Payload = randomBytes(rng, 5000)
	case 7:
		tx.Type, tx.NewKey = aurigraphv1.TxType_TX_TYPE_SET_KEY, []byte{0}
	case 8:
		tx.TimestampMs = -1
	case 9:
		tx.Id = strings.Repeat("z", 64)
	default:
		tx.Asset = strings.Repeat("ä", 100)
	}
	return tx
}

func (a *attack) grpcFields(ctx context.Context, rng *mrand.Rand) {
	conn, err := a.grpcConn()
	if err != nil {
		a.tally.add("grpc/bad-fields", "dial "+netOutcome(err))
		return
	}
	defer conn.Close()
	svc := aurigraphv1.NewTransactionServiceClient(conn)
	for i := 0; sleep(ctx, 10*time.Millisecond); i++ {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		switch i % 3 {
		case 0, 1:
			tx := badFields(rng)
			_, err := svc.Submit(cctx, &aurigraphv1.SubmitRequest{Transaction: tx})
			a.grpcRefusal("grpc/bad-fields", err, describe(tx))
		default:
			// Lookups of ids that are no transaction's.
			ids := []string{"", strings.Repeat("f", 100_000), "../../etc/passwd", "\u202e", fmt.Sprint(rng.Uint64())}
			id := ids[rng.IntN(len(ids))]
			var err error
			if rng.IntN(2) == 0 {
				_, err = svc.Get(cctx, &aurigraphv1.GetTransactionRequest{Id: id})
			} else {
				_, err = svc.Status(cctx, &aurigraphv1.GetTransactionStatusRequest{Id: id})
			}
			a.grpcRefusal("grpc/get-unknown-id", err, fmt.Sprintf("a lookup of %.40q", id))
		}
		cancel()
	}
}

// grpcForbidden is restForbidden through TransactionService.
func (a *attack) grpcForbidden(ctx context.Context, rng *mrand.Rand) {
	conn, err := a.grpcConn()
	if err != nil {
		a.tally.add("grpc/forbidden", "dial "+netOutcome(err))
		return
	}
	defer conn.Close()
	svc := aurigraphv1.NewTransactionServiceClient(conn)
	for i := 0; sleep(ctx, 10*time.Millisecond); i++ {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		switch i % 4 {
		case 0:
			resp, err := svc.Submit(cctx, &aurigraphv1.SubmitRequest{Transaction: a.unfunded()})
			a.tally.add("grpc/unfunded", grpcOutcome(err))
			if err == nil {
				a.led.ack("attack/unfunded", resp.GetId())
			}
		case 1:
			body := a.led.older(rng.IntN)
			if body == nil {
				break
			}
			tx, err := schemas.ParseTxJSON(body)
			if err != nil {
				panic(err)
			}
			_, err = svc.Submit(cctx, &aurigraphv1.SubmitRequest{Transaction: tx})
			a.tally.add("grpc/repeat", grpcOutcome(err))
		default:
			f := a.forbiddenTx(rng)
			_, err := svc.Submit(cctx, &aurigraphv1.SubmitRequest{Transaction: f.tx})
			a.grpcRefusal("grpc/"+f.kind, err, describe(f.tx))
			a.led.refuse("grpc/"+f.kind, f.contentID())
		}
		cancel()
	}
}

// grpcBatches sends batches that must be refused whole: one over the
// 10,000 limit, and valid transactions with one forbidden among them,
// whose valid ones must then never reach the chain. And streams that end
// on a bad transaction.
func (a *attack) grpcBatches(ctx context.Context, rng *mrand.Rand) {
	conn, err := a.grpcConn()
	if err != nil {
		a.tally.add("grpc/batches", "dial "+netOutcome(err))
		return
	}
	defer conn.Close()
	svc := aurigraphv1.NewTransactionServiceClient(conn)
	for i := 0; sleep(ctx, 500*time.Millisecond); i++ {
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		switch i % 3 {
		case 0:
			txs := make([]*aurigraphv1.Transaction, 10_001)
			for j := range txs {
				txs[j] = &aurigraphv1.Transaction{Type: mintTx, To: "x", Amount: 1, Nonce: uint64(j + 1)}
			}
			_, err := svc.SubmitBatch(cctx, &aurigraphv1.SubmitBatchRequest{Transactions: txs})
			a.grpcRefusal("grpc/batch-10001", err, "a batch of 10,001")
		case 1:
			txs := make([]*aurigraphv1.Transaction, 20)
			var ids []string
			for j := range txs {
				txs[j] = a.unfunded()
				ids = append(ids, txs[j].GetId())
			}
			f := a.forbiddenTx(rng)
			txs[rng.IntN(len(txs))] = f.tx
			_, err := svc.SubmitBatch(cctx, &aurigraphv1.SubmitBatchRequest{Transactions: txs})
			a.grpcRefusal("grpc/batch-one-forbidden", err, "a batch holding a "+f.kind)
			if status.Code(err) == codes.InvalidArgument {
				// All or none: its valid transactions were not written.
				a.led.refuse("grpc/batch-one-forbidden", ids...)
			}
		default:
			stream, err := svc.SubmitStream(cctx)
			if err == nil {
				_ = stream.Send(&aurigraphv1.SubmitStreamRequest{Transactions: []*aurigraphv1.Transaction{badFields(rng)}})
				_, err = stream.CloseAndRecv()
			}
			a.grpcRefusal("grpc/stream-bad", err, "a stream of a malformed transaction")
		}
		cancel()
	}
}

// rawCodec sends a message's bytes as they are, so that a call can carry
// what no protobuf encoder would write.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return *v.(*[]byte), nil }
func (rawCodec) Unmarshal(data []byte, v any) error {
	*v.(*[]byte) = append([]byte(nil), data...)
	return nil
}
func (rawCodec) Name() string { return "proto" }

// grpcRawMessage calls the API's methods with random bytes for a message.
// grpc-go answers a message it cannot decode with INTERNAL before any
// handler runs, so here only OK would be wrong, and only for Submit.
func (a *attack) grpcRawMessage(ctx context.Context, rng *mrand.Rand) {
	conn, err := a.grpcConn()
	if err != nil {
		a.tally.add("grpc/raw-message", "dial "+netOutcome(err))
		return
	}
	defer conn.Close()
	methods := []string{
		"/aurigraph.v1.TransactionService/Submit", "/aurigraph.v1.TransactionService/SubmitBatch",
		"/aurigraph.v1.BlockService/List", "/aurigraph.v1.StreamService/Subscribe", "/aurigraph.v1.Nope/Nothing",
	}
	for i := 0; sleep(ctx, 20*time.Millisecond); i++ {
		method := methods[rng.IntN(len(methods))]
		in, out := randomBytes(rng, rng.IntN(2048)), []byte(nil)
		if i%4 == 0 {
			// A transaction whose recipient is not UTF-8, which no
			// protobuf encoder writes for a string field.
			method, in = methods[0], invalidUTF8Submit()
		}
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := conn.Invoke(cctx, method, &in, &out, grpc.ForceCodec(rawCodec{}))
		cancel()
		if err == nil && strings.HasSuffix(method, "/Submit") {
			a.tally.breach("grpc/raw-message", "OK", fmt.Sprintf("%d random bytes were taken for a transaction", len(in)))
			continue
		}
		a.tally.add("grpc/raw-message", grpcOutcome(err))
	}
}

// invalidUTF8Submit encodes a SubmitRequest whose transaction's to is the
// bytes ff fe.
func invalidUTF8Submit() []byte {
	var tx []byte
	tx = protowire.AppendTag(tx, 2, protowire.VarintType) // type
	tx = protowire.AppendVarint(tx, uint64(mintTx))
	tx = protowire.AppendTag(tx, 4, protowire.BytesType) // to
	tx = protowire.AppendBytes(tx, []byte{0xff, 0xfe})
	tx = protowire.AppendTag(tx, 5, protowire.VarintType) // amount
	tx = protowire.AppendVarint(tx, 1)
	req := protowire.AppendTag(nil, 1, protowire.BytesType) // transaction
	return protowire.AppendBytes(req, tx)
}

// grpcRawBytes writes to the gRPC port what is not HTTP/2, and HTTP/2's
// preface followed by garbage.
func (a *attack) grpcRawBytes(ctx context.Context, rng *mrand.Rand) {
	preface := []byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
	for i := 0; sleep(ctx, 50*time.Millisecond); i++ {
		junk := randomBytes(rng, 1+rng.IntN(8192))
		if i%2 == 0 {
			a.tally.add("grpc/raw-bytes", rawTCP(ctx, a.d.grpc, 5*time.Second, junk))
		} else {
			a.tally.add("grpc/preface-then-garbage", rawTCP(ctx, a.d.grpc, 5*time.Second, preface, junk))
		}
	}
}
