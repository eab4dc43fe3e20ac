package projector

import (
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unsafe"

	"go.opentelemetry.io/otel/trace"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// checkProjectable checks what the projection relies on in a block that
// verified: every result holds its transaction with a final status. A
// block the validators signed is the chain, so one that fails here is never
// skipped: skipping would leave a permanent hole.
func checkProjectable(ev *aurigraphv1.BlockEvent) error {
	hdr := ev.GetBlock().GetHeader()
	for i, r := range ev.GetBlock().GetTxs() {
		if r.GetTx() == nil {
			return fmt.Errorf("block %d: tx result %d has no transaction", hdr.GetHeight(), i)
		}
		if _, err := statusName(r.GetStatus()); err != nil {
			return fmt.Errorf("block %d: tx %d (%s): %w", hdr.GetHeight(), i, r.GetTx().GetId(), err)
		}
	}
	return nil
}

func statusName(s aurigraphv1.TxStatus) (string, error) {
	switch s {
	case aurigraphv1.TxStatus_TX_STATUS_COMMITTED:
		return "committed", nil
	case aurigraphv1.TxStatus_TX_STATUS_FAILED:
		return "failed", nil
	default:
		return "", fmt.Errorf("status %v is neither committed nor failed", s)
	}
}

// typeName turns TX_TYPE_ASSET_CREATE into asset_create, the spelling of the
// JSON transaction form, so analysts filter on the same words producers use.
func typeName(t aurigraphv1.TxType) string {
	return strings.ToLower(strings.TrimPrefix(t.String(), "TX_TYPE_"))
}

func msTime(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// The insert statements list columns in the order the column slices are
// returned by values(); both sides live here so they cannot drift apart.
const (
	insertBlocks = "INSERT INTO aurigraph.blocks (height, hash, prev_hash, tx_root, timestamp, proposer, " +
		"raft_term, raft_index, tx_count, failed_count, topic_offset, topic_id)"
	insertTransactions = "INSERT INTO aurigraph.transactions (id, height, idx, type, `from`, `to`, asset, " +
		"amount, nonce, status, reason, submitted, block_time, commit_latency_ms)"
)

// blockColumns holds rows of aurigraph.blocks column by column, which is how
// the driver encodes them; appending whole slices avoids per-value reflection.
type blockColumns struct {
	height, proposer, raftTerm, raftIndex []uint64
	hash, prevHash, txRoot, topicID       []string
	timestamp                             []time.Time
	txCount, failedCount                  []uint32
	topicOffset                           []int64
}

// add appends a block whose record sits at offset of the topic with id
// topicID.
func (c *blockColumns) add(h *aurigraphv1.BlockHeader, offset int64, topicID string) {
	c.height = append(c.height, h.GetHeight())
	c.hash = append(c.hash, hex.EncodeToString(h.GetHash()))
	c.prevHash = append(c.prevHash, hex.EncodeToString(h.GetPrevHash()))
	c.txRoot = append(c.txRoot, hex.EncodeToString(h.GetTxRoot()))
	c.timestamp = append(c.timestamp, msTime(h.GetTimestampMs()))
	c.proposer = append(c.proposer, h.GetProposer())
	c.raftTerm = append(c.raftTerm, h.GetRaftTerm())
	c.raftIndex = append(c.raftIndex, h.GetRaftIndex())
	c.txCount = append(c.txCount, h.GetTxCount())
	c.failedCount = append(c.failedCount, h.GetFailedCount())
	c.topicOffset = append(c.topicOffset, offset)
	c.topicID = append(c.topicID, topicID)
}

func (c *blockColumns) values() []any {
	return []any{c.height, c.hash, c.prevHash, c.txRoot, c.timestamp, c.proposer,
		c.raftTerm, c.raftIndex, c.txCount, c.failedCount, c.topicOffset, c.topicID}
}

func (c *blockColumns) len() int { return len(c.height) }

func (c *blockColumns) reset() {
	c.height, c.proposer, c.raftTerm, c.raftIndex = again(c.height), again(c.proposer), again(c.raftTerm), again(c.raftIndex)
	c.hash, c.prevHash, c.txRoot, c.topicID = again(c.hash), again(c.prevHash), again(c.txRoot), again(c.topicID)
	c.timestamp = again(c.timestamp)
	c.txCount, c.failedCount = again(c.txCount), again(c.failedCount)
	c.topicOffset = again(c.topicOffset)
}

// txColumns keeps a batch's transaction rows in slices the collector has
// nothing to look at in: strings as one run of bytes and where each ends,
// times as milliseconds (which the driver takes as they are for the
// tables' DateTime64(3) columns). Held as Go strings and times, a batch was
// hundreds of thousands of pointers that every collection marked, and its
// kept room (below) tens of megabytes of empty slots that every collection
// scanned. Only the strings tail hands out, a block's worth, are pointers.
type txColumns struct {
	id, typ, from, to, asset, status, reason strColumn
	height, amount, nonce                    []uint64
	idx                                      []uint32
	submitted, blockTime                     []int64 // ms
	latencyMs                                []int64
	// scratch holds the strings tail returns, reused from call to call.
	scratch [7][]string
}

// add appends the block's transaction results. The block must have passed
// checkProjectable, which guarantees every status maps to an enum value.
func (c *txColumns) add(b *aurigraphv1.Block) {
	hdr := b.GetHeader()
	for i, r := range b.GetTxs() {
		tx := r.GetTx()
		status, _ := statusName(r.GetStatus())
		var latency int64
		// A transaction that never went through the log (no submitted time)
		// has no meaningful latency; zero keeps it out of percentile tails.
		if tx.GetSubmittedMs() > 0 {
			latency = hdr.GetTimestampMs() - tx.GetSubmittedMs()
		}
		c.id.add(tx.GetId())
		c.height = append(c.height, hdr.GetHeight())
		c.idx = append(c.idx, uint32(i))
		c.typ.add(typeName(tx.GetType()))
		c.from.add(tx.GetFrom())
		c.to.add(tx.GetTo())
		c.asset.add(tx.GetAsset())
		c.amount = append(c.amount, tx.GetAmount())
		c.nonce = append(c.nonce, tx.GetNonce())
		c.status.add(status)
		c.reason.add(r.GetReason())
		c.submitted = append(c.submitted, tx.GetSubmittedMs())
		c.blockTime = append(c.blockTime, hdr.GetTimestampMs())
		c.latencyMs = append(c.latencyMs, latency)
	}
}

// values returns every row, one slice a column in the order of
// insertTransactions, the strings sharing c's bytes: use them before reset.
func (c *txColumns) values() []any {
	var sc [7][]string
	return c.rows(0, &sc)
}

// tail is values from row from on, its strings in slices reused by the
// next call.
func (c *txColumns) tail(from int) []any { return c.rows(from, &c.scratch) }

func (c *txColumns) rows(from int, sc *[7][]string) []any {
	str := func(i int, col *strColumn) []string {
		sc[i] = col.strings(sc[i][:0], from)
		return sc[i]
	}
	return []any{str(0, &c.id), c.height[from:], c.idx[from:], str(1, &c.typ), str(2, &c.from), str(3, &c.to),
		str(4, &c.asset), c.amount[from:], c.nonce[from:], str(5, &c.status), str(6, &c.reason),
		c.submitted[from:], c.blockTime[from:], c.latencyMs[from:]}
}

func (c *txColumns) len() int { return c.id.len() }

func (c *txColumns) reset() {
	for _, s := range []*strColumn{&c.id, &c.typ, &c.from, &c.to, &c.asset, &c.status, &c.reason} {
		s.reset()
	}
	c.height, c.amount, c.nonce = again(c.height), again(c.amount), again(c.nonce)
	c.idx = again(c.idx)
	c.submitted, c.blockTime = again(c.submitted), again(c.blockTime)
	c.latencyMs = again(c.latencyMs)
	// All of each scratch slice: past its length it holds strings of longer
	// tails before, which would keep a dropped buffer alive.
	for i, sc := range c.scratch {
		clear(sc[:cap(sc)])
		c.scratch[i] = sc[:0]
	}
}

// strColumn is a column of strings as one run of their bytes and the offset
// where each ends.
type strColumn struct {
	buf  []byte
	ends []int
}

func (c *strColumn) add(s string) {
	c.buf = append(c.buf, s...)
	c.ends = append(c.ends, len(c.buf))
}

func (c *strColumn) len() int { return len(c.ends) }

// strings appends the values from row from on to dst. They share c's
// bytes, which reset hands to the next batch: use them before then.
func (c *strColumn) strings(dst []string, from int) []string {
	start := 0
	if from > 0 {
		start = c.ends[from-1]
	}
	for _, end := range c.ends[from:] {
		if end == start {
			dst = append(dst, "")
			continue
		}
		dst = append(dst, unsafe.String(&c.buf[start], end-start))
		start = end
	}
	return dst
}

func (c *strColumn) reset() {
	c.ends = again(c.ends)
	// Bytes hold no pointers: nothing to clear for the collector's sake.
	if cap(c.buf) > keptRows*keptBytesPerValue {
		c.buf = nil
	} else {
		c.buf = c.buf[:0]
	}
}

// keptBytesPerValue is the room a string column keeps a row, beyond
// keptRows: ids and addresses run to a few dozen bytes.
const keptBytesPerValue = 64

// keptRows bounds the rows whose room a batch keeps for the next: a batch
// of MinInsertInterval at the rates a projector follows (a second of up to
// 256K transactions, about 50 MB of columns) fits in it, and the columns
// are not grown again from nothing for every insert, which made them a
// tenth of a dev process's allocations. A larger batch, of catch-up or of
// one huge block, leaves its columns to the collector.
const keptRows = 256 << 10

// again empties s for reuse, keeping up to keptRows of room, and drops the
// values it held so that they do not outlive their batch.
func again[T any](s []T) []T {
	if cap(s) > keptRows {
		return nil
	}
	clear(s)
	return s[:0]
}

// pending is the run of consecutive blocks buffered for the next insert.
type pending struct {
	first, last uint64
	lastHash    []byte
	lastOffset  int64
	// lastCommitted is when the batch's newest block was committed.
	lastCommitted time.Time
	blocks        blockColumns
	txs           txColumns
	// txStage is the batch's insert of transactions, staged as it fills.
	txStage staged
	// traces are the distinct traces the blocks' records carried
	// (tracing.Join), gathered only while tracing is on.
	traces []trace.SpanContext
}

// reset empties p for the next batch, giving up what it staged and did not
// send.
func (p *pending) reset() {
	p.txStage.discard()
	blocks, txs := p.blocks, p.txs
	blocks.reset()
	txs.reset()
	*p = pending{blocks: blocks, txs: txs}
}

// add appends a block whose record sits at offset of the topic with id
// topicID (kafkatopic.FormatID).
func (p *pending) add(ev *aurigraphv1.BlockEvent, offset int64, topicID string) {
	h := ev.GetBlock().GetHeader().GetHeight()
	if p.blocks.len() == 0 {
		p.first = h
	}
	p.last = h
	p.lastHash = ev.GetBlock().GetHeader().GetHash()
	p.lastOffset = offset
	p.lastCommitted = time.UnixMilli(ev.GetCommittedMs())
	p.blocks.add(ev.GetBlock().GetHeader(), offset, topicID)
	p.txs.add(ev.GetBlock())
}
