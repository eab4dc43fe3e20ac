package hostile

import (
	"context"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/internal/chain"
	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// forger writes forged blocks to the blocks topic, as any client allowed
// to write it could: each one the next height, linked to the newest real
// block, minting forgedAmount to the attacker; unsigned, signed by a key no
// validator holds (claiming to be validator 1, and an unknown validator),
// and replays of an older real block.
type forger struct {
	a        *attack
	stranger key
	// realEnd is the end offset of the blocks topic before any forgery:
	// every record below it is a real block, the source of replays.
	realEnd int64

	mu     sync.Mutex
	hashes map[string]bool // hex hashes of the forged blocks
	txIDs  map[string]bool // ids of the forged mints
	// written counts the forged and replayed records the broker took.
	written int
}

func newForger(a *attack, stranger key) *forger {
	return &forger{a: a, stranger: stranger, hashes: map[string]bool{}, txIDs: map[string]bool{}}
}

// forgeries returns what was forged: block hashes and transaction ids, and
// how many records the broker took, forged or replayed.
func (f *forger) forgeries() (hashes, txIDs []string, written int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	written = f.written
	for h := range f.hashes {
		hashes = append(hashes, h)
	}
	for id := range f.txIDs {
		txIDs = append(txIDs, id)
	}
	return hashes, txIDs, written
}

// wrote counts a record the broker answered with outcome.
func (f *forger) wrote(outcome string) {
	if outcome == "ok" {
		f.mu.Lock()
		f.written++
		f.mu.Unlock()
	}
}

// forge builds the block after prev, minting to the attacker, signed by
// signWith as validator signer (unsigned when signWith is nil); n makes
// its mint, and so the block, differ from every other forgery.
func (f *forger) forge(prev *aurigraphv1.BlockHeader, n uint64, signer uint64, signWith *key) *aurigraphv1.BlockEvent {
	now := time.Now().UnixMilli()
	is := f.a.who.issuers[pathREST]
	tx := &aurigraphv1.Transaction{Type: mintTx, From: is.addr, To: f.a.who.attacker.addr, Amount: forgedAmount, Nonce: 1<<40 + n, TimestampMs: now}
	tx.Id = schemas.TxID(tx)
	txs := []*aurigraphv1.TxResult{{Tx: tx, Status: aurigraphv1.TxStatus_TX_STATUS_COMMITTED}}
	hdr := &aurigraphv1.BlockHeader{
		Height: prev.GetHeight() + 1, PrevHash: prev.GetHash(), TxRoot: chain.TxRoot(txs), TimestampMs: now,
		Proposer: 1, RaftTerm: prev.GetRaftTerm(), RaftIndex: prev.GetRaftIndex() + 1, TxCount: 1,
	}
	hdr.Hash = chain.BlockHash(hdr)
	ev := &aurigraphv1.BlockEvent{Block: &aurigraphv1.Block{Header: hdr, Txs: txs}, CommittedMs: now}
	if signWith != nil {
		ev.Signer, ev.Signature = signer, chain.SignBlock(signWith.priv, hdr.GetHash())
	}
	f.mu.Lock()
	f.hashes[hex.EncodeToString(hdr.GetHash())] = true
	f.txIDs[tx.GetId()] = true
	f.mu.Unlock()
	return ev
}

func (f *forger) forged(hash []byte) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hashes[hex.EncodeToString(hash)]
}

// start notes where the real blocks end in the topic, before any forgery.
func (f *forger) start(ctx context.Context) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(f.a.d.kafka))
	if err != nil {
		return err
	}
	defer cl.Close()
	f.realEnd, err = endOffset(ctx, cl, schemas.TopicBlocks)
	return err
}

// run follows the blocks topic and, at most twice a second, the moment a
// real block arrives, writes forgeries of the block after it, racing the
// publisher's real one: a forgery that came later would be refused as a
// second block of its height whatever it held, so only one that comes
// first tests a reader's checks (the summary says how many did). Each time
// it also replays an older real block. Until ctx ends.
func (f *forger) run(ctx context.Context, rng *mrand.Rand) {
	cl, err := f.a.producer(schemas.TopicBlocks)
	if err != nil {
		f.a.tally.add("kafka/forged-block", "client "+netOutcome(err))
		return
	}
	defer cl.Close()
	watch, err := kgo.NewClient(kgo.SeedBrokers(f.a.d.kafka), kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{
		schemas.TopicBlocks: {0: kgo.NewOffset().At(f.realEnd)},
	}))
	if err != nil {
		f.a.tally.add("kafka/forged-block", "client "+netOutcome(err))
		return
	}
	defer watch.Close()
	var (
		last      uint64
		lastForge time.Time
		n         uint64
		ahead     = map[uint64]bool{} // heights whose forgeries are in the topic, the real block not yet
		raced     = map[uint64]bool{} // heights forged
	)
	for ctx.Err() == nil {
		fetches := watch.PollFetches(ctx)
		var newest *aurigraphv1.BlockHeader
		for _, rec := range fetches.Records() {
			var ev aurigraphv1.BlockEvent
			if proto.Unmarshal(rec.Value, &ev) != nil {
				continue
			}
			hd := ev.GetBlock().GetHeader()
			if f.forged(hd.GetHash()) {
				ahead[hd.GetHeight()] = true
				continue
			}
			if hd.GetHeight() <= last {
				continue // a replay
			}
			last = hd.GetHeight()
			if raced[last] {
				// Which came first to the topic: what readers were tested on.
				if ahead[last] {
					f.a.tally.add("kafka/forged-block-race", "forgeries first")
				} else {
					f.a.tally.add("kafka/forged-block-race", "real block first")
				}
				delete(raced, last)
				delete(ahead, last)
			}
			newest = hd
		}
		// Only after the newest block of the poll: the next one may be
		// in the topic already.
		if newest != nil && time.Since(lastForge) >= 500*time.Millisecond {
			lastForge = time.Now()
			f.forgeAfter(ctx, cl, rng, newest, &n)
			raced[newest.GetHeight()+1] = true
		}
	}
}

// forgeAfter writes the forgeries of the block after hd, and a replay.
func (f *forger) forgeAfter(ctx context.Context, cl *kgo.Client, rng *mrand.Rand, hd *aurigraphv1.BlockHeader, n *uint64) {
	next := []byte(strconv.FormatUint(hd.GetHeight()+1, 10))
	for _, v := range []struct {
		class  string
		signer uint64
		with   *key
	}{
		{"kafka/forged-block-unsigned", 0, nil},
		{"kafka/forged-block-stranger-as-1", 1, &f.stranger},
		{"kafka/forged-block-unknown-validator", 99, &f.stranger},
	} {
		*n++
		value, err := proto.Marshal(f.forge(hd, *n, v.signer, v.with))
		if err != nil {
			panic(fmt.Sprintf("marshal a block the test built: %v", err))
		}
		out := produce(ctx, cl, &kgo.Record{Key: next, Value: value})
		f.wrote(out)
		f.a.tally.add(v.class, out)
	}
	if f.realEnd > 1 {
		rec, err := recordAt(ctx, f.a.d.kafka, schemas.TopicBlocks, rng.Int64N(f.realEnd-1))
		if err != nil {
			f.a.tally.add("kafka/replayed-block", "read "+netOutcome(err))
			return
		}
		out := produce(ctx, cl, &kgo.Record{Key: rec.Key, Value: rec.Value})
		f.wrote(out)
		f.a.tally.add("kafka/replayed-block", out)
	}
}

// endOffset is the end offset of partition 0 of topic.
func endOffset(ctx context.Context, cl *kgo.Client, topic string) (int64, error) {
	ends, err := kadm.NewClient(cl).ListEndOffsets(ctx, topic)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		return 0, fmt.Errorf("end offset of %s: %w", topic, err)
	}
	o, _ := ends.Lookup(topic, 0)
	return o.Offset, nil
}

// recordAt reads the record at offset of partition 0 of topic.
func recordAt(ctx context.Context, broker, topic string, offset int64) (*kgo.Record, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(broker), kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{
		topic: {0: kgo.NewOffset().At(offset)},
	}))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		fetches := cl.PollFetches(rctx)
		if err := fetches.Err(); err != nil {
			return nil, fmt.Errorf("read offset %d of %s: %w", offset, topic, err)
		}
		for _, r := range fetches.Records() {
			if r.Offset == offset {
				return r, nil
			}
		}
	}
}
