package consensus

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/internal/chain"
	"github.com/aurigraph/aurigraph/internal/raftnode/raftgrpc"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

const (
	// syncChunkBlocks is how many blocks one FetchBlocks request asks for.
	syncChunkBlocks = 256
	// syncMaxBytes bounds the fetched blocks held in memory at once. A chunk
	// of big blocks keeps only its top part, which the anchor verifies; the
	// rest is fetched again in the next, smaller request.
	syncMaxBytes      = 32 << 20
	syncRequestLimit  = 30 * time.Second
	syncBackoffMin    = 100 * time.Millisecond
	syncBackoffMax    = 5 * time.Second
	maxSyncBlockBytes = raftgrpc.MaxMessageBytes
)

// blockSyncServer serves this validator's stored blocks to peers catching up.
type blockSyncServer struct {
	aurigraphv1.UnimplementedBlockSyncServiceServer
	blocks *BlockStore
}

// FetchBlocks streams the blocks from_height..to_height in height order.
// to_height 0 means up to Height(). It fails with NotFound at the first
// height this validator does not hold, after sending the ones below it.
func (s *blockSyncServer) FetchBlocks(req *aurigraphv1.FetchBlocksRequest, stream grpc.ServerStreamingServer[aurigraphv1.Block]) error {
	from, to := req.GetFromHeight(), req.GetToHeight()
	if from == 0 {
		return status.Error(codes.InvalidArgument, "from_height 0 does not exist: the first block has height 1")
	}
	if to == 0 {
		to = s.blocks.Height()
		if from > to {
			return status.Errorf(codes.NotFound, "block %d is not stored on this validator (contiguous height %d)", from, to)
		}
	}
	if to < from {
		return status.Errorf(codes.InvalidArgument, "to_height %d is below from_height %d", to, from)
	}
	for h := from; h <= to; h++ {
		if err := stream.Context().Err(); err != nil {
			return status.FromContextError(err).Err()
		}
		blk, err := s.blocks.Get(h)
		if errors.Is(err, ErrBlockNotFound) {
			return status.Errorf(codes.NotFound, "block %d is not stored on this validator (contiguous height %d)", h, s.blocks.Height())
		}
		if err != nil {
			return status.Errorf(codes.Internal, "read block %d: %v", h, err)
		}
		if err := stream.Send(blk); err != nil {
			return err
		}
	}
	return nil
}

// runBlockSync fills the blocks a raft snapshot install skipped, from the
// lowest gap up, until the contiguous height reaches the applied height; it
// then sleeps until the store's head moves. Started with the node, it also
// resumes a fill interrupted by a crash, since the gap is found from what is
// stored.
func (n *Node) runBlockSync(ctx context.Context) {
	backoff := syncBackoffMin
	for {
		changed := n.blocks.changedCh()
		st := n.blocks.Stats()
		n.pm.catchUpBehind.Set(float64(st.Height - st.Contiguous))
		if !st.CatchingUp() {
			select {
			case <-changed:
				continue
			case <-ctx.Done():
				return
			}
		}
		err := n.syncGap(ctx)
		if err == nil {
			backoff = syncBackoffMin
			continue
		}
		if ctx.Err() != nil {
			return
		}
		n.logger.Warn("block catch-up failed; retrying", "contiguous", st.Contiguous, "height", st.Height, "retry_in", backoff, "err", err)
		timer := time.NewTimer(backoff)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return
		}
		backoff = min(2*backoff, syncBackoffMax)
	}
}

// syncGap fetches the top chunk of the lowest gap from the first peer that
// serves it, and stores it.
func (n *Node) syncGap(ctx context.Context) error {
	g, ok, err := n.blocks.gap()
	if err != nil || !ok {
		return err
	}
	lo := g.From
	if g.To-g.From >= syncChunkBlocks {
		lo = g.To - syncChunkBlocks + 1
	}
	var below []byte
	if lo == g.From {
		if below, err = n.blocks.hashAt(lo - 1); err != nil {
			return fmt.Errorf("read hash of block %d below the gap: %w", lo-1, err)
		}
	}
	var errs []error
	for _, id := range n.syncPeerOrder() {
		conn := n.transport.PeerConn(id)
		if conn == nil {
			continue
		}
		blocks, err := fetchVerified(ctx, aurigraphv1.NewBlockSyncServiceClient(conn), lo, g.To, g.Anchor, below, syncMaxBytes)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			n.pm.catchUpErrors.WithLabelValues(strconv.FormatUint(id, 10)).Inc()
			errs = append(errs, fmt.Errorf("validator %d: %w", id, err))
			continue
		}
		if err := n.blocks.fill(blocks); err != nil {
			return err
		}
		n.pm.catchUpFetched.Add(float64(len(blocks)))
		first, last := blocks[0].GetHeader().GetHeight(), blocks[len(blocks)-1].GetHeader().GetHeight()
		n.logger.Info("fetched missing blocks", "from", first, "to", last, "peer", id, "contiguous", n.blocks.Height())
		return nil
	}
	if len(errs) == 0 {
		return fmt.Errorf("fetch blocks %d..%d: no peer to fetch from", lo, g.To)
	}
	return fmt.Errorf("fetch blocks %d..%d: %w", lo, g.To, errors.Join(errs...))
}

// syncPeerOrder lists the peers to ask: the leader first, as it is the most
// likely to hold every block, then the others by id.
func (n *Node) syncPeerOrder() []uint64 {
	ids := n.transport.Peers()
	if lead := n.Node.Status().Leader; lead != n.cfg.ID {
		if i := slices.Index(ids, lead); i > 0 {
			ids = slices.Insert(slices.Delete(ids, i, i+1), 0, lead)
		}
	}
	return ids
}

// fetchVerified fetches blocks lo..hi and checks them: each has the height
// asked for, the hash of its own header and the Merkle root of its
// transactions; each links to the one before it (block lo to below when
// given); and block hi has the anchor hash. The anchor comes from state this
// validator already trusts, so a block that passes is the cluster's block.
// When the blocks exceed maxBytes only the top ones are returned, at least one.
func fetchVerified(ctx context.Context, client aurigraphv1.BlockSyncServiceClient, lo, hi uint64, anchor, below []byte, maxBytes int) ([]*aurigraphv1.Block, error) {
	ctx, cancel := context.WithTimeout(ctx, syncRequestLimit)
	defer cancel()
	stream, err := client.FetchBlocks(ctx, &aurigraphv1.FetchBlocksRequest{FromHeight: lo, ToHeight: hi},
		grpc.MaxCallRecvMsgSize(maxSyncBlockBytes))
	if err != nil {
		return nil, fmt.Errorf("request blocks: %w", err)
	}
	var out []*aurigraphv1.Block
	var outBytes int
	prev := below
	next := lo
	for {
		blk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("receive block %d: %w", next, err)
		}
		if next > hi {
			return nil, fmt.Errorf("peer sent blocks past the %d asked for", hi)
		}
		if err := verifyBlock(blk, next, prev); err != nil {
			return nil, err
		}
		prev = blk.GetHeader().GetHash()
		next++
		out = append(out, blk)
		outBytes += proto.Size(blk)
		for outBytes > maxBytes && len(out) > 1 {
			outBytes -= proto.Size(out[0])
			out = out[1:]
		}
	}
	if next != hi+1 {
		return nil, fmt.Errorf("stream ended at block %d, asked up to %d", next-1, hi)
	}
	if !bytes.Equal(prev, anchor) {
		return nil, fmt.Errorf("block %d hash %x differs from %x, the hash this validator's applied chain expects there", hi, prev, anchor)
	}
	return out, nil
}

// verifyBlock checks blk is a well-formed block at height that links to prev
// (unchecked when prev is nil).
func verifyBlock(blk *aurigraphv1.Block, height uint64, prev []byte) error {
	hd := blk.GetHeader()
	switch {
	case hd == nil:
		return fmt.Errorf("block %d: header missing", height)
	case hd.GetHeight() != height:
		return fmt.Errorf("block %d: peer sent height %d", height, hd.GetHeight())
	case prev != nil && !bytes.Equal(hd.GetPrevHash(), prev):
		return fmt.Errorf("block %d: prev_hash %x does not match hash %x of block %d", height, hd.GetPrevHash(), prev, height-1)
	case !bytes.Equal(hd.GetHash(), chain.BlockHash(hd)):
		return fmt.Errorf("block %d: hash %x is not the hash of its header", height, hd.GetHash())
	case !bytes.Equal(hd.GetTxRoot(), chain.TxRoot(blk.GetTxs())):
		return fmt.Errorf("block %d: tx_root %x is not the root of its transactions", height, hd.GetTxRoot())
	case int(hd.GetTxCount()) != len(blk.GetTxs()):
		return fmt.Errorf("block %d: tx_count %d but %d transactions", height, hd.GetTxCount(), len(blk.GetTxs()))
	}
	return nil
}
