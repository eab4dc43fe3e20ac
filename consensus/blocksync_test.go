package consensus

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.etcd.io/etcd/server/v3/etcdserver/api/snap"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/internal/chain"
	"github.com/aurigraph/aurigraph/internal/raftnode"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// commitMints proposes n single-mint batches on lead, continuing at *off.
func commitMints(t *testing.T, lead *Node, off *int64, n int) {
	t.Helper()
	for range n {
		mustPropose(t, lead, batch(*off, mint(fmt.Sprintf("m%d", *off), "alice", 1)))
		*off++
	}
}

// tailChain reads every block up to target the way the stream hub does
// (Wait, then Get each height up to Height) and fails on any hole.
func tailChain(ctx context.Context, s *BlockStore, target uint64) error {
	for next := uint64(1); next <= target; {
		if err := s.Wait(ctx, next); err != nil {
			return err
		}
		for top := s.Height(); next <= top; next++ {
			b, err := s.Get(next)
			if err != nil {
				return fmt.Errorf("tail: height %d <= Height() %d: %w", next, top, err)
			}
			if b.GetHeader().GetHeight() != next {
				return fmt.Errorf("tail: got height %d for %d", b.GetHeader().GetHeight(), next)
			}
		}
	}
	return nil
}

func histogramCount(t *testing.T, reg *prometheus.Registry, name, label, value string) uint64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	var n uint64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metrics:
		for _, m := range mf.GetMetric() {
			if label != "" {
				for _, l := range m.GetLabel() {
					if l.GetName() == label && l.GetValue() != value {
						continue metrics
					}
				}
			}
			n += m.GetHistogram().GetSampleCount()
		}
	}
	return n
}

func TestFollowerFetchesBlocksSkippedBySnapshot(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 3, func(cfg *Config) {
		cfg.SnapshotEntries = 4
		cfg.SnapshotCatchUpEntries = 2
	})
	lead := c.leader()
	var off int64
	commitMints(t, lead, &off, 3)
	c.waitHeight(3)

	fid := c.followers(lead)[0].ID()
	c.stop(fid)
	// Several snapshots and compactions go by while the follower is away,
	// so it can only come back through the leader's snapshot.
	commitMints(t, lead, &off, 30)
	waitFor(t, "several snapshots on the leader", func() bool {
		return counterValue(t, c.regs[lead.ID()], "aurigraph_consensus_snapshots_total", "") >= 4
	})
	f := c.start(fid)
	tailed := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		tailed <- tailChain(ctx, f.Blocks(), uint64(off))
	}()
	c.waitHeight(uint64(off))
	if err := <-tailed; err != nil {
		t.Fatalf("tailing the catching-up follower: %v", err)
	}
	if got := counterValue(t, c.regs[fid], "aurigraph_consensus_snapshots_restored_total", ""); got < 1 {
		t.Fatalf("follower restored %v leader snapshots, want >= 1", got)
	}
	fetched := counterValue(t, c.regs[fid], "aurigraph_consensus_catchup_blocks_fetched_total", "")
	if fetched < 1 || fetched > float64(off-3) {
		t.Fatalf("catchup_blocks_fetched_total = %v, want 1..%d", fetched, off-3)
	}
	rep, err := VerifyChain(context.Background(), f.Blocks())
	if err != nil || !rep.OK || rep.Height != uint64(off) || rep.TxCount != uint64(off) {
		t.Fatalf("follower VerifyChain = %+v, %v", rep, err)
	}
	got, want := f.Blocks().Stats(), lead.Blocks().Stats()
	if !bytes.Equal(got.LastHash, want.LastHash) || got.CatchingUp() || f.Status().CatchingUp {
		t.Fatalf("follower stats %+v, leader %+v", got, want)
	}
	// The transaction index covers fetched blocks too.
	if loc, ok, err := f.Blocks().LookupTx("m5"); err != nil || !ok || loc.Height != 6 {
		t.Fatalf("follower LookupTx(m5) = %+v %v %v", loc, ok, err)
	}
	waitFor(t, "catchup_behind_blocks back to 0", func() bool {
		return counterValue(t, c.regs[fid], "aurigraph_consensus_catchup_behind_blocks", "") == 0
	})
}

// snapshotHeight is the chain height of the newest raft snapshot in a
// stopped validator's data dir.
func snapshotHeight(t *testing.T, dataDir string) uint64 {
	t.Helper()
	s, err := snap.New(zap.NewNop(), filepath.Join(dataDir, "snap")).Load()
	if err != nil {
		t.Fatal(err)
	}
	var st aurigraphv1.StateSnapshot
	if err := proto.Unmarshal(s.Data, &st); err != nil {
		t.Fatal(err)
	}
	return st.GetHeight()
}

// punchGap deletes blocks lo..hi from a stopped validator's store, with its
// index, which is the state a crash leaves after a snapshot install, before
// or during block catch-up.
func punchGap(t *testing.T, path string, lo, hi uint64) {
	t.Helper()
	punched := rewriteBlocks(t, path, func(h uint64, raw []byte) []byte {
		if h >= lo && h <= hi {
			return nil
		}
		return raw
	})
	if err := os.RemoveAll(path); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(punched, path); err != nil {
		t.Fatal(err)
	}
}

func TestBlockCatchUpResumesAfterRestart(t *testing.T) {
	t.Parallel()
	// The blocks a snapshot install skipped lie at or below the snapshot's
	// height: above it, the WAL rebuilds whatever the log lacks.
	tests := []struct {
		name string
		gap  func(snap uint64) (lo, hi uint64)
	}{
		{"crash right after snapshot install", func(snap uint64) (uint64, uint64) { return 3, snap }},
		{"crash after fetching the top of the gap", func(snap uint64) (uint64, uint64) { return 2, snap - 2 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newCluster(t, 3, func(cfg *Config) { cfg.SnapshotEntries = 2 })
			lead := c.leader()
			var off int64
			height := uint64(8)
			commitMints(t, lead, &off, int(height))
			c.waitHeight(height)
			fid := c.followers(lead)[0].ID()
			snap := c.stopWithSnapshot(c.dirs[fid], func(snap uint64) bool { return snap >= 5 }, func() {
				commitMints(t, c.leader(), &off, 1)
				height++
				c.waitHeight(height)
			})
			lo, hi := tc.gap(snap)
			punchGap(t, filepath.Join(c.dirs[fid], BlocksFile), lo, hi)
			// Alone, the validator has no quorum and no peer to fetch from:
			// it must say it is behind rather than serve holes.
			f := c.start(fid)
			st := f.Blocks().Stats()
			if f.Blocks().Height() != lo-1 || st.Height != height || !st.CatchingUp() || !f.Status().CatchingUp {
				t.Fatalf("restarted with a gap: Height() %d, Stats %+v, Status %+v", f.Blocks().Height(), st, f.Status())
			}
			if _, err := f.Blocks().Get(lo); !errors.Is(err, ErrBlockNotFound) {
				t.Fatalf("Get(%d) in the gap = %v, want ErrBlockNotFound", lo, err)
			}
			// What the API answers meanwhile (internal/chainapi's tests):
			// without a quorum no read barrier passes, and what lies in the
			// gap is missing while the validator says it catches up.
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			err := f.LinearizableRead(ctx)
			cancel()
			if !errors.Is(err, raftnode.ErrNoLeader) {
				t.Fatalf("LinearizableRead without peers = %v, want raftnode.ErrNoLeader", err)
			}
			if _, ok, err := f.Blocks().LookupTx("m" + strconv.FormatUint(lo-1, 10)); ok || err != nil {
				t.Fatalf("LookupTx of a transaction in the gap = %v, %v; want not found", ok, err)
			}
			if _, err := f.Blocks().Get(1); err != nil {
				t.Fatalf("Get(1) below the gap: %v", err)
			}
			if _, err := f.Blocks().Get(height); (err == nil) != (hi < height) {
				t.Fatalf("Get(%d), the head, with blocks %d..%d missing: %v", height, lo, hi, err)
			}
			waitFor(t, "a failed fetch attempt", func() bool {
				return counterValue(t, c.regs[fid], "aurigraph_consensus_catchup_fetch_errors_total", "") > 0
			})
			if got := counterValue(t, c.regs[fid], "aurigraph_consensus_catchup_behind_blocks", ""); got != float64(height-lo+1) {
				t.Fatalf("catchup_behind_blocks = %v, want %d", got, height-lo+1)
			}

			for id := range c.peers {
				if id != fid {
					c.start(id)
				}
			}
			waitFor(t, "gap filled", func() bool { return !f.Status().CatchingUp })
			rep, err := VerifyChain(context.Background(), f.Blocks())
			if err != nil || !rep.OK || rep.Height != height {
				t.Fatalf("VerifyChain after resumed catch-up = %+v, %v", rep, err)
			}
			if got, want := f.Blocks().Stats().LastHash, c.leader().Blocks().Stats().LastHash; !bytes.Equal(got, want) {
				t.Fatalf("last hash %x, leader %x", got, want)
			}
			if loc, ok, err := f.Blocks().LookupTx(fmt.Sprintf("m%d", lo-1)); err != nil || !ok || loc.Height != lo {
				t.Fatalf("LookupTx of a refetched block's tx = %+v %v %v", loc, ok, err)
			}
		})
	}
}

func blockSyncClient(t *testing.T, addr string) aurigraphv1.BlockSyncServiceClient {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return aurigraphv1.NewBlockSyncServiceClient(conn)
}

func TestFetchBlocksServer(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 1, nil)
	var off int64
	commitMints(t, c.leader(), &off, 3)
	client := blockSyncClient(t, c.peers[1])
	tests := []struct {
		from, to uint64
		heights  []uint64
		code     codes.Code
	}{
		{1, 3, []uint64{1, 2, 3}, codes.OK},
		{2, 0, []uint64{2, 3}, codes.OK},
		{2, 2, []uint64{2}, codes.OK},
		{2, 5, []uint64{2, 3}, codes.NotFound},
		{4, 0, nil, codes.NotFound},
		{0, 2, nil, codes.InvalidArgument},
		{3, 2, nil, codes.InvalidArgument},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%d..%d", tc.from, tc.to), func(t *testing.T) {
			stream, err := client.FetchBlocks(context.Background(), &aurigraphv1.FetchBlocksRequest{FromHeight: tc.from, ToHeight: tc.to})
			if err != nil {
				t.Fatal(err)
			}
			var heights []uint64
			for {
				b, err := stream.Recv()
				if err != nil {
					if errors.Is(err, io.EOF) {
						err = nil
					}
					if status.Code(err) != tc.code {
						t.Fatalf("stream ended with %v, want code %v", err, tc.code)
					}
					break
				}
				heights = append(heights, b.GetHeader().GetHeight())
			}
			if fmt.Sprint(heights) != fmt.Sprint(tc.heights) {
				t.Fatalf("heights %v, want %v", heights, tc.heights)
			}
		})
	}
}

func TestFetchVerifiedRejectsForeignOrBrokenBlocks(t *testing.T) {
	t.Parallel()
	ours, theirs := newCluster(t, 1, nil), newCluster(t, 1, nil)
	var off int64
	commitMints(t, ours.leader(), &off, 3)
	// Same heights, different transactions: a chain that is not ours.
	mustPropose(t, theirs.leader(), batch(0, mint("x0", "bob", 1)))
	mustPropose(t, theirs.leader(), batch(1, mint("x1", "bob", 1)))
	mustPropose(t, theirs.leader(), batch(2, mint("x2", "bob", 1)))
	store := ours.nodes[1].Blocks()
	anchor, _ := store.hashAt(3)
	below, _ := store.hashAt(1)
	ctx := context.Background()

	if blocks, err := fetchVerified(ctx, blockSyncClient(t, ours.peers[1]), 2, 3, anchor, below, syncMaxBytes); err != nil || len(blocks) != 2 {
		t.Fatalf("own chain: %d blocks, %v", len(blocks), err)
	}
	if _, err := fetchVerified(ctx, blockSyncClient(t, theirs.peers[1]), 2, 3, anchor, nil, syncMaxBytes); err == nil || !strings.Contains(err.Error(), "differs") {
		t.Fatalf("foreign chain against our anchor: %v", err)
	}
	if _, err := fetchVerified(ctx, blockSyncClient(t, ours.peers[1]), 2, 3, anchor, anchor, syncMaxBytes); err == nil || !strings.Contains(err.Error(), "prev_hash") {
		t.Fatalf("chain not linking to the block below: %v", err)
	}
	if _, err := fetchVerified(ctx, blockSyncClient(t, ours.peers[1]), 2, 4, anchor, below, syncMaxBytes); status.Code(err) != codes.NotFound {
		t.Fatalf("range past the peer's chain: %v", err)
	}

	// Over the memory bound only the top of the range, which the anchor
	// vouches for, comes back; the caller fetches the rest next.
	if blocks, err := fetchVerified(ctx, blockSyncClient(t, ours.peers[1]), 1, 3, anchor, chain.GenesisHash(chain.DefaultGenesis()), 1); err != nil || len(blocks) != 1 || blocks[0].GetHeader().GetHeight() != 3 {
		t.Fatalf("bounded fetch: %d blocks, %v", len(blocks), err)
	}

	good, err := store.Get(2)
	if err != nil {
		t.Fatal(err)
	}
	rehash := func(b *aurigraphv1.Block) { b.Header.Hash = chain.BlockHash(b.Header) }
	tests := []struct {
		name   string
		height uint64
		prev   []byte
		edit   func(*aurigraphv1.Block)
		want   string
	}{
		{"intact", 2, below, func(*aurigraphv1.Block) {}, ""},
		{"no header", 2, below, func(b *aurigraphv1.Block) { b.Header = nil }, "header missing"},
		{"other height", 3, below, func(*aurigraphv1.Block) {}, "peer sent height 2"},
		{"broken link", 2, anchor, func(*aurigraphv1.Block) {}, "prev_hash"},
		{"header changed", 2, below, func(b *aurigraphv1.Block) { b.Header.Proposer++ }, "not the hash of its header"},
		{"transaction changed", 2, below, func(b *aurigraphv1.Block) { b.Txs[0].Tx.Amount++ }, "tx_root"},
		{"count changed", 2, below, func(b *aurigraphv1.Block) { b.Header.TxCount++; rehash(b) }, "tx_count"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := proto.Clone(good).(*aurigraphv1.Block)
			tc.edit(b)
			err := verifyBlock(b, tc.height, tc.prev)
			if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
				t.Fatalf("verifyBlock = %v, want %q", err, tc.want)
			}
		})
	}
}

// FuzzVerifyBlock feeds arbitrary peer responses to the catch-up checks:
// they must reject, never panic.
func FuzzVerifyBlock(f *testing.F) {
	txs := []*aurigraphv1.TxResult{{Tx: mint("a", "alice", 1), Status: aurigraphv1.TxStatus_TX_STATUS_COMMITTED}}
	h := &aurigraphv1.BlockHeader{Height: 1, PrevHash: chain.ZeroHash, TxRoot: chain.TxRoot(txs), TxCount: 1}
	h.Hash = chain.BlockHash(h)
	valid, err := proto.Marshal(&aurigraphv1.Block{Header: h, Txs: txs})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add([]byte{})
	f.Add(valid[:len(valid)/2])
	f.Fuzz(func(t *testing.T, data []byte) {
		var b aurigraphv1.Block
		if proto.Unmarshal(data, &b) != nil {
			return
		}
		if err := verifyBlock(&b, 1, chain.ZeroHash); err == nil && !bytes.Equal(b.GetHeader().GetHash(), chain.BlockHash(b.GetHeader())) {
			t.Fatal("accepted a block whose hash does not match its header")
		}
	})
}
