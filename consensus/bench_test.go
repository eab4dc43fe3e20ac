package consensus

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/internal/bench/txgen"
	"github.com/aurigraph/aurigraph/internal/chain"
	"github.com/aurigraph/aurigraph/internal/sigcache"
	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

const benchBatchSize = 1000

func BenchmarkFSMApply(b *testing.B) {
	gen, setup := txgen.NewTransfers(1000)
	f := testFSM(1_000_000)
	f.apply(setup, 1, 1)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		bt := gen.Batch(benchBatchSize)
		f.changes = fsmChanges{}
		b.StartTimer()
		if _, err := f.apply(bt, 1, uint64(i+2)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*benchBatchSize)/b.Elapsed().Seconds(), "tx/s")
}

// BenchmarkFSMApplyPersist is what one validator's applier pays a batch of
// transfers: execute, build the block, append it and its index entries to
// the block log. "new-chain" starts from an empty dedup window, as a chain
// does for its first million transactions; "full-window" starts from a full
// one, so every id added evicts the oldest, as on every chain after that.
func BenchmarkFSMApplyPersist(b *testing.B) { benchApplyPersist(b, false) }

// BenchmarkFSMApplyPersistEntry is BenchmarkFSMApplyPersist from the raft
// entry's bytes, as the applier gets it: decoding the batch included.
func BenchmarkFSMApplyPersistEntry(b *testing.B) { benchApplyPersist(b, true) }

func benchApplyPersist(b *testing.B, fromEntry bool) {
	for _, full := range []bool{false, true} {
		name := "new-chain"
		if full {
			name = "full-window"
		}
		b.Run(name, func(b *testing.B) {
			store, err := openBlockStore(filepath.Join(b.TempDir(), BlocksFile), false, 0, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer store.Close()
			gen, setup := txgen.NewTransfers(1000)
			f := testFSM(1_000_000)
			store.window = f.dedup.location
			if full {
				// Ids a snapshot brought: in the window, place unknown.
				r := rand.New(rand.NewPCG(5, 6))
				for range f.dedup.capacity {
					var d txDigest
					binary.LittleEndian.PutUint64(d[:], r.Uint64())
					binary.LittleEndian.PutUint64(d[8:], r.Uint64())
					f.dedup.add(d, 0)
				}
			}
			f.apply(setup, 1, 1)
			if _, err := f.persist(store); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			var cpu time.Duration
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				bt := gen.Batch(benchBatchSize)
				var data []byte
				if fromEntry {
					if data, err = proto.Marshal(bt); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				c0 := cpuTime()
				if fromEntry {
					bt = &aurigraphv1.Batch{}
					if err := decodeBatch(data, bt); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := f.apply(bt, 1, uint64(i+2)); err != nil {
					b.Fatal(err)
				}
				f.appliedIndex = uint64(i + 2)
				if _, err := f.persist(store); err != nil {
					b.Fatal(err)
				}
				cpu += cpuTime() - c0
			}
			b.ReportMetric(float64(b.N*benchBatchSize)/b.Elapsed().Seconds(), "tx/s")
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*benchBatchSize), "cpu-ns/tx")
		})
	}
}

func BenchmarkTxRoot(b *testing.B) {
	for _, n := range []int{1, 100, 1000} {
		gen, _ := txgen.NewTransfers(1000)
		txs := make([]*aurigraphv1.TxResult, n)
		for i, tx := range gen.Batch(n).GetTxs() {
			txs[i] = &aurigraphv1.TxResult{Tx: tx, Status: aurigraphv1.TxStatus_TX_STATUS_COMMITTED}
		}
		b.Run(fmt.Sprintf("txs=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				chain.TxRoot(txs)
			}
		})
	}
}

// BenchmarkStateSnapshot measures encoding the state a raft snapshot
// carries with a full default dedup window; the raft loop pays this every
// SnapshotEntries entries.
func BenchmarkStateSnapshot(b *testing.B) {
	f := testFSM(1_000_000)
	gen, setup := txgen.NewTransfers(10_000)
	f.apply(setup, 1, 1)
	for i := 0; f.dedup.size < f.dedup.capacity; i++ {
		f.apply(gen.Batch(10_000), 1, uint64(i+2))
		f.changes = fsmChanges{}
	}
	b.ReportAllocs()
	for b.Loop() {
		raw, err := chain.Deterministic.Marshal(f.snapshot())
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(raw)))
	}
}

// cpuTime is the CPU time, user and system, the process has used so far:
// on a shared machine it counts what the code costs, where the elapsed
// time also counts the waits for other processes.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkFollowerApplySigned is what a follower's applier pays for a
// block of signed transactions it never saw at ingest: every signature is
// verified (on as many cores as GOMAXPROCS allows) before the block
// executes. Run it with -cpu 1,2: cores-used is CPU time over elapsed time,
// which stays near 1 when verification is serial.
func BenchmarkFollowerApplySigned(b *testing.B) {
	const size = 4096
	batch := signedBatches(size)
	g := chain.DefaultGenesis()
	g.MaxBlockBytes = 64 << 20
	f := newChainFSM(1_000_000, g)
	var cpu time.Duration
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		bt := batch()
		f.changes = fsmChanges{}
		b.StartTimer()
		c0 := cpuTime()
		blk, err := f.apply(bt, 1, uint64(i+1))
		cpu += cpuTime() - c0
		if err != nil {
			b.Fatal(err)
		}
		if failed := blk.GetHeader().GetFailedCount(); failed != 0 {
			b.Fatalf("%d transactions failed: %s", failed, blk.GetTxs()[0].GetReason())
		}
	}
	b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "tx/s")
	b.ReportMetric(cpu.Seconds()/b.Elapsed().Seconds(), "cores-used")
}

// BenchmarkFSMApplySignedCached is what a validator in the leader's process
// pays a batch of signed transactions whose signatures ingest verified
// already: the cache answers for them, and all that is left is the state
// machine's own work on a signed transaction. Against BenchmarkFSMApply, it
// is what signing a transaction adds to every validator in `dev`.
func BenchmarkFSMApplySignedCached(b *testing.B) {
	const size = 1000
	batch := signedBatches(size)
	g := chain.DefaultGenesis()
	g.MaxBlockBytes = 64 << 20
	f := newChainFSM(1_000_000, g)
	cache := sigcache.New(sigcache.DefaultSize, nil)
	f.sigs = cache
	b.ReportAllocs()
	var cpu time.Duration
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		bt := batch()
		items := make([]sigcache.Item, len(bt.GetTxs()))
		digests := make([][32]byte, len(items))
		for j, tx := range bt.GetTxs() {
			digests[j] = schemas.TxDigest(tx)
			items[j] = sigcache.Item{Pub: tx.GetPubkey(), Digest: digests[j][:], Sig: tx.GetSig()}
		}
		cache.VerifyBatch(items, make([]bool, len(items)))
		f.changes = fsmChanges{}
		b.StartTimer()
		c0 := cpuTime()
		blk, err := f.apply(bt, 1, uint64(i+1))
		cpu += cpuTime() - c0
		if err != nil {
			b.Fatal(err)
		}
		if failed := blk.GetHeader().GetFailedCount(); failed != 0 {
			b.Fatalf("%d transactions failed: %s", failed, blk.GetTxs()[0].GetReason())
		}
	}
	b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "tx/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*size), "cpu-ns/tx")
}

// signedBatches returns a source of batches of size signed mints, each of
// its 64 keys minting to its own address.
func signedBatches(size int) func() *aurigraphv1.Batch {
	keys := make([]ed25519.PrivateKey, 64)
	for i := range keys {
		seed := sha256.Sum256([]byte("follower " + strconv.Itoa(i)))
		keys[i] = ed25519.NewKeyFromSeed(seed[:])
	}
	nonces := make([]uint64, len(keys))
	var off int64
	return func() *aurigraphv1.Batch {
		txs := make([]*aurigraphv1.Transaction, size)
		for i := range txs {
			k := i % len(keys)
			nonces[k]++
			addr := schemas.AddressOf(keys[k].Public().(ed25519.PublicKey))
			tx := &aurigraphv1.Transaction{Type: aurigraphv1.TxType_TX_TYPE_MINT, From: addr, To: addr, Amount: 1, Nonce: nonces[k]}
			schemas.SignTx(tx, keys[k])
			tx.Id = schemas.TxID(tx)
			txs[i] = tx
		}
		bt := &aurigraphv1.Batch{Sources: []*aurigraphv1.SourceRange{{Topic: "bench", StartOffset: off, EndOffset: off + int64(size)}}, Txs: txs}
		off += int64(size)
		return bt
	}
}
