package main

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/ingest"
	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
	"github.com/aurigraph/aurigraph/schemas/rpc"
)

func ledgerKey(name string) ed25519.PrivateKey {
	seed := make([]byte, ed25519.SeedSize)
	copy(seed, name)
	return ed25519.NewKeyFromSeed(seed)
}

func ledgerAddr(k ed25519.PrivateKey) string {
	return schemas.AddressOf(k.Public().(ed25519.PublicKey))
}

func signedJSON(t *testing.T, tx *aurigraphv1.Transaction, key ed25519.PrivateKey) string {
	t.Helper()
	schemas.SignTx(tx, key)
	b, err := schemas.MarshalTxJSON(tx)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// alreadyExistsInfo is the ErrorInfo an ALREADY_EXISTS status carries.
func alreadyExistsInfo(st *status.Status) *errdetails.ErrorInfo {
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok && info.GetReason() == rpc.ReasonAlreadyExists && info.GetDomain() == rpc.ErrorDomain {
			return info
		}
	}
	return nil
}

func postTx(t *testing.T, httpAddr, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post("http://"+httpAddr+"/api/v12/transactions", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("POST answered %d %s", resp.StatusCode, raw)
	}
	return resp.StatusCode, out
}

// TestSignedChainEndToEnd drives a dev pipeline that requires signatures
// through REST and the topic as an attacker would: a key that does not own
// an account cannot move its funds, nobody but the issuer mints, nobody
// claims another's transaction id, a repeat is answered 409 naming the
// transaction, and the validators' keys and genesis are published.
func TestSignedChainEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end pipeline run; skipped with -short")
	}
	issuer, alice, mallory := ledgerKey("issuer"), ledgerKey("alice"), ledgerKey("mallory")
	f := testDevFlags(t, t.TempDir())
	f.chain = chainFlags{requireSignatures: true, issuers: []string{ledgerAddr(issuer)}}
	p := startPipeline(t, f)
	defer p.stop(t)
	api := p.addrs.HTTP

	mint := signedJSON(t, &aurigraphv1.Transaction{Type: aurigraphv1.TxType_TX_TYPE_MINT, From: ledgerAddr(issuer), To: ledgerAddr(alice), Amount: 100, Nonce: 1}, issuer)
	code, out := postTx(t, api, mint)
	if code != 202 {
		t.Fatalf("issuer's mint: %d %v", code, out)
	}
	mintID := out["ids"].([]any)[0].(string)
	waitFor(t, 30*time.Second, "the mint committed", func() (bool, string) {
		var st struct {
			Status string `json:"status"`
		}
		err := tryGetJSON(api, "/api/v12/transactions/"+mintID, &st)
		return err == nil && st.Status == "committed", fmt.Sprint(st, err)
	})

	theft := &aurigraphv1.Transaction{Type: aurigraphv1.TxType_TX_TYPE_TRANSFER, From: ledgerAddr(alice), To: ledgerAddr(mallory), Amount: 100, Nonce: 1}
	for _, c := range []struct {
		name, body string
		code       int
		contains   string
	}{
		{"a key that does not own the account", signedJSON(t, proto.Clone(theft).(*aurigraphv1.Transaction), mallory), 400, "does not control " + ledgerAddr(alice)},
		{"a mint by a non-issuer", signedJSON(t, &aurigraphv1.Transaction{Type: aurigraphv1.TxType_TX_TYPE_MINT, From: ledgerAddr(mallory), To: ledgerAddr(mallory), Amount: 999_999_999_999, Nonce: 1}, mallory), 400, "is not an issuer"},
		{"an unsigned transfer", `{"type":"transfer","from":"` + ledgerAddr(alice) + `","to":"x","amount":1,"nonce":1}`, 400, "sig: required"},
		{"an id of one's own choosing", `{"id":"pay-42","type":"mint","from":"` + ledgerAddr(issuer) + `","to":"` + ledgerAddr(alice) + `","amount":1,"nonce":2}`, 400, "is not this transaction's id"},
		{"a timestamp in year 9999", signedJSON(t, &aurigraphv1.Transaction{Type: aurigraphv1.TxType_TX_TYPE_TRANSFER, From: ledgerAddr(alice), To: ledgerAddr(mallory), Amount: 1, Nonce: 1, TimestampMs: 253402300799000}, alice), 400, "timestamp"},
		{"the committed mint again", mint, 409, "already exists"},
	} {
		code, out := postTx(t, api, c.body)
		if code != c.code || !strings.Contains(fmt.Sprint(out["error"]), c.contains) {
			t.Errorf("%s: %d %v, want %d with %q", c.name, code, out, c.code, c.contains)
		}
		if c.code == 409 && (out["id"] != mintID || out["status"] != "committed" || out["height"] == nil) {
			t.Errorf("%s: 409 does not name the existing transaction: %v", c.name, out)
		}
	}

	// Over gRPC the repeat is ALREADY_EXISTS naming the transaction, alone
	// and inside a batch of it and a new one.
	conn, err := grpc.NewClient(p.addrs.GRPC, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	txs := aurigraphv1.NewTransactionServiceClient(conn)
	committed, err := schemas.ParseTxJSON([]byte(mint))
	if err != nil {
		t.Fatal(err)
	}
	gctx, gcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer gcancel()
	_, err = txs.Submit(gctx, &aurigraphv1.SubmitRequest{Transaction: committed})
	if st := status.Convert(err); st.Code() != codes.AlreadyExists || !strings.Contains(st.Message(), mintID) {
		t.Errorf("gRPC repeat of the committed mint: %v, want ALREADY_EXISTS naming %s", err, mintID)
	} else if info := alreadyExistsInfo(st); info == nil || info.GetMetadata()["id"] != mintID || info.GetMetadata()["status"] != "committed" {
		t.Errorf("gRPC repeat: error details %v do not name the existing transaction", info)
	}
	fresh := &aurigraphv1.Transaction{Type: aurigraphv1.TxType_TX_TYPE_MINT, From: ledgerAddr(issuer), To: ledgerAddr(alice), Amount: 5, Nonce: 7}
	schemas.SignTx(fresh, issuer)
	batch, err := txs.SubmitBatch(gctx, &aurigraphv1.SubmitBatchRequest{Transactions: []*aurigraphv1.Transaction{committed, fresh}})
	if err != nil {
		t.Fatalf("gRPC batch of a repeat and a new transaction: %v", err)
	}
	if ex := batch.GetExisting(); len(ex) != 1 || ex[0].GetId() != mintID || ex[0].GetIndex() != 0 || ex[0].GetState() != aurigraphv1.TxState_TX_STATE_COMMITTED {
		t.Errorf("gRPC batch: existing = %v, want the committed mint at index 0", ex)
	}

	// Through the topic the same theft is dead-lettered with its reason.
	cl, err := kgo.NewClient(kgo.SeedBrokers(p.addrs.Kafka...), kgo.DefaultProduceTopic(schemas.TopicTransactions))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	stolen := proto.Clone(theft).(*aurigraphv1.Transaction)
	schemas.SignTx(stolen, mallory)
	value, _ := proto.Marshal(stolen)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, &kgo.Record{Key: []byte(stolen.GetFrom()), Value: value}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	reasons := deadLetterReasons(t, p.addrs.Kafka, 1)
	if !strings.Contains(reasons[0], "does not control") {
		t.Fatalf("dead-letter reason %q", reasons[0])
	}

	var keys struct {
		GenesisHash string `json:"genesis_hash"`
		Keys        []struct {
			ID     uint64 `json:"id"`
			Pubkey string `json:"pubkey"`
		} `json:"keys"`
	}
	waitFor(t, 30*time.Second, "three validator keys published", func() (bool, string) {
		err := tryGetJSON(api, "/api/v12/validators/keys", &keys)
		return err == nil && len(keys.Keys) == 3, fmt.Sprint(keys, err)
	})
	var genesis struct {
		Hash    string `json:"hash"`
		Genesis struct {
			RequireSignatures bool `json:"require_signatures"`
			Issuers           []struct {
				Address string `json:"address"`
			} `json:"issuers"`
		} `json:"genesis"`
	}
	getJSON(t, api, "/api/v12/chain/genesis", &genesis)
	if genesis.Hash != keys.GenesisHash || !genesis.Genesis.RequireSignatures || len(genesis.Genesis.Issuers) != 1 || genesis.Genesis.Issuers[0].Address != ledgerAddr(issuer) {
		t.Fatalf("genesis %+v, keys document genesis hash %s", genesis, keys.GenesisHash)
	}
	var verify struct {
		OK     bool   `json:"ok"`
		Signed uint64 `json:"signed"`
		Height uint64 `json:"height"`
	}
	getJSON(t, api, "/api/v12/chain/verify", &verify)
	if !verify.OK || verify.Signed != verify.Height {
		t.Fatalf("chain/verify = %+v, want every block signed", verify)
	}
}

func deadLetterReasons(t *testing.T, brokers []string, want int) []string {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(schemas.TopicDeadLetters),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var reasons []string
	deadline := time.Now().Add(30 * time.Second)
	for len(reasons) < want && time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) {
			for _, h := range r.Headers {
				if h.Key == "reason" {
					reasons = append(reasons, string(h.Value))
				}
			}
		})
		cancel()
	}
	if len(reasons) < want {
		t.Fatalf("dead-letter topic has %d records, want %d", len(reasons), want)
	}
	return reasons
}

// TestKeygenAndSign: a key made by keygen signs transactions that ingest
// accepts as coming from the address keygen printed.
func TestKeygenAndSign(t *testing.T) {
	dir := t.TempDir()
	keyFile := dir + "/k.key"
	root := newRootCommand()
	var out strings.Builder
	root.SetOut(&out)
	root.SetArgs([]string{"keygen", "--out", keyFile})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	var made struct{ Address, Pubkey string }
	if err := json.Unmarshal([]byte(out.String()), &made); err != nil || !schemas.IsKeyAddress(made.Address) {
		t.Fatalf("keygen printed %q: %v", out.String(), err)
	}
	root = newRootCommand()
	root.SetArgs([]string{"keygen", "--out", keyFile})
	if err := root.Execute(); err == nil || !strings.Contains(err.Error(), "never overwrites") {
		t.Fatalf("keygen over an existing key: %v", err)
	}
	for _, in := range []string{
		`{"type":"transfer","from":"` + made.Address + `","to":"b","amount":5,"nonce":1}`,
		`[{"type":"transfer","from":"` + made.Address + `","to":"b","amount":5,"nonce":1},{"type":"mint","to":"b","amount":1,"nonce":2}]`,
	} {
		root = newRootCommand()
		out.Reset()
		root.SetOut(&out)
		root.SetIn(strings.NewReader(in))
		root.SetArgs([]string{"sign", "--key", keyFile})
		if err := root.Execute(); err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			tx, err := ingest.DecodeRecord([]byte(line))
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			if err := ingest.Validate(tx); err != nil || len(tx.GetSig()) == 0 || schemas.AddressOf(tx.GetPubkey()) != made.Address {
				t.Fatalf("%s: %v", line, err)
			}
		}
	}
}
