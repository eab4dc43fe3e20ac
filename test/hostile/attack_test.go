package hostile

import (
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// forgedAmount is what every forgery tries to credit the attacker with.
const forgedAmount = 999_999_999_999

// year9999 is 9999-12-31T23:59:59Z in Unix milliseconds.
const year9999 = 253402300799000

// attack holds what every attacker shares: the target, the people, and
// where answers are counted.
type attack struct {
	d     *dev
	who   *cast
	tally *tally
	led   *ledger
	seed  uint64
	// attackerNonce numbers the attacker's own transactions, which fail or
	// are refused whatever their order.
	attackerNonce atomic.Uint64
}

// attacker is one loop of hostile input; it runs until ctx ends.
type attacker struct {
	name string
	run  func(ctx context.Context, rng *mrand.Rand)
}

// runAll runs every attacker until ctx ends, each with its own random
// stream, and waits for them all.
func (a *attack) runAll(ctx context.Context, attackers []attacker) {
	var wg sync.WaitGroup
	for i, at := range attackers {
		rng := mrand.New(mrand.NewPCG(a.seed, uint64(100+i)))
		wg.Go(func() { at.run(ctx, rng) })
	}
	wg.Wait()
}

// sleep waits d or until ctx ends, and reports whether ctx is still live.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// forbidden is a well-formed transaction that the chain's rules refuse.
type forbidden struct {
	kind string
	tx   *aurigraphv1.Transaction
}

// contentID is the id the transaction's content derives: whatever id it
// claims, that content must never reach the chain.
func (f forbidden) contentID() string { return schemas.TxID(f.tx) }

// forbiddenKinds are the classes of transactions no client may get into
// the chain: spending another key's funds, minting without being an issuer,
// an id of one's choosing, a timestamp far in the future, no signature.
var forbiddenKinds = []string{"foreign-key-transfer", "non-issuer-mint", "squatted-id", "year-9999", "unsigned"}

// forbiddenTx makes a transaction of a random forbidden kind, each meant to
// put funds in the attacker's hands.
func (a *attack) forbiddenTx(rng *mrand.Rand) forbidden {
	victims := a.who.allUsers()
	victim := victims[rng.IntN(len(victims))]
	att := a.who.attacker
	nonce := 1_000_000 + rng.Uint64N(1<<40)
	kind := forbiddenKinds[rng.IntN(len(forbiddenKinds))]
	f := forbidden{kind: kind}
	switch kind {
	case "foreign-key-transfer":
		switch rng.IntN(3) {
		case 0: // signed by the attacker's key
			f.tx = signedTx(att, transferTx, victim.addr, att.addr, 1000, nonce, nil)
		case 1: // claiming the victim's key, with a signature it did not make
			f.tx = signedTx(att, transferTx, victim.addr, att.addr, 1000, nonce, nil)
			f.tx.Pubkey = []byte(victim.priv.Public().(ed25519.PublicKey))
			f.tx.Id = schemas.TxID(f.tx)
		default: // out of an issuer's account
			is := a.who.issuers[loadPaths[rng.IntN(len(loadPaths))]]
			f.tx = signedTx(att, transferTx, is.addr, att.addr, 1000, nonce, nil)
		}
	case "non-issuer-mint":
		switch rng.IntN(3) {
		case 0: // the attacker as issuer
			f.tx = signedTx(att, mintTx, att.addr, att.addr, forgedAmount, nonce, nil)
		case 1: // in an issuer's name, signed by the attacker
			is := a.who.issuers[loadPaths[rng.IntN(len(loadPaths))]]
			f.tx = signedTx(att, mintTx, is.addr, att.addr, forgedAmount, nonce, nil)
		default: // a user that is no issuer minting to itself
			f.tx = signedTx(victim, mintTx, victim.addr, victim.addr, forgedAmount, nonce, nil)
		}
	case "squatted-id":
		f.tx = signedTx(att, transferTx, att.addr, att.addr, 1, a.attackerNonce.Add(1), nil)
		switch rng.IntN(3) {
		case 0:
			f.tx.Id = "pay-42"
		case 1:
			f.tx.Id = hex.EncodeToString(randomPayload(32))
		default: // the id of another transaction, of another sender
			other := signedTx(victim, transferTx, victim.addr, att.addr, 1, nonce, nil)
			f.tx.Id = other.GetId()
		}
	case "year-9999":
		c := a.who.careless
		f.tx = &aurigraphv1.Transaction{Type: transferTx, From: c.addr, To: victim.addr, Amount: 1, Nonce: nonce, TimestampMs: year9999}
		schemas.SignTx(f.tx, c.priv)
		f.tx.Id = schemas.TxID(f.tx)
	default: // unsigned
		f.tx = &aurigraphv1.Transaction{Type: mintTx, From: att.addr, To: att.addr, Amount: forgedAmount, Nonce: nonce}
		f.tx.Id = schemas.TxID(f.tx)
	}
	return f
}

// unfunded is a valid transaction of the attacker's own, moving funds it
// does not have: it must be accepted and then fail with a reason.
func (a *attack) unfunded() *aurigraphv1.Transaction {
	att := a.who.attacker
	return signedTx(att, transferTx, att.addr, a.who.careless.addr, 1_000_000, a.attackerNonce.Add(1), nil)
}

// garbage returns random input of one of several shapes: raw bytes, a soup
// of JSON tokens, or a valid transaction of the mutant key with a few bytes
// changed.
func (a *attack) garbage(rng *mrand.Rand) (shape string, b []byte) {
	switch rng.IntN(3) {
	case 0:
		return "bytes", randomBytes(rng, rng.IntN(4096))
	case 1:
		tokens := []string{"{", "}", "[", "]", ",", ":", `"type"`, `"mint"`, `"amount"`, `"from"`, `"to"`, `"nonce"`, `"sig"`, `"pubkey"`,
			`"id"`, "-1", "1e308", "18446744073709551616", "null", "true", `"\u0000"`, `"\ud800"`, `"aur"`, " ", "\t", "0", `""`}
		var s strings.Builder
		for range 1 + rng.IntN(200) {
			s.WriteString(tokens[rng.IntN(len(tokens))])
		}
		return "json-soup", []byte(s.String())
	default:
		m := a.who.mutant
		tx := signedTx(m, transferTx, m.addr, a.who.careless.addr, 1+rng.Uint64N(100), 1+rng.Uint64N(1<<30), nil)
		b = txJSON(tx)
		for range 1 + rng.IntN(4) {
			b[rng.IntN(len(b))] = byte(rng.UintN(256))
		}
		return "mutated", b
	}
}

// rawTCP connects to addr, writes each chunk in turn, and reads what comes
// back until the server closes or readFor passes; it returns the first
// line of the answer, or how the connection ended.
func rawTCP(ctx context.Context, addr string, readFor time.Duration, chunks ...[]byte) string {
	var dialer net.Dialer
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := dialer.DialContext(dctx, "tcp", addr)
	if err != nil {
		return "dial " + netOutcome(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(readFor))
	for _, c := range chunks {
		if _, err := conn.Write(c); err != nil {
			return "write " + netOutcome(err)
		}
	}
	buf := make([]byte, 512)
	n, err := conn.Read(buf)
	if n > 0 {
		line, _, _ := strings.Cut(string(buf[:n]), "\n")
		if strings.HasPrefix(line, "HTTP/") {
			if f := strings.Fields(line); len(f) >= 2 {
				return "http " + f[1]
			}
		}
		return "bytes back"
	}
	return netOutcome(err)
}

// randomBytes is n bytes drawn from a generator seeded by rng: the same
// seed gives the same bytes, and megabytes come at once.
func randomBytes(rng *mrand.Rand, n int) []byte {
	var seed [32]byte
	for i := range 4 {
		binary.LittleEndian.PutUint64(seed[8*i:], rng.Uint64())
	}
	b := make([]byte, n)
	_, _ = mrand.NewChaCha8(seed).Read(b)
	return b
}

// describe is a short, printable form of a transaction for a breach report.
func describe(tx *aurigraphv1.Transaction) string {
	return fmt.Sprintf("%s %s→%s amount %d nonce %d id %.16s", schemas.TxTypeName(tx.GetType()), tx.GetFrom(), tx.GetTo(), tx.GetAmount(), tx.GetNonce(), tx.GetId())
}
