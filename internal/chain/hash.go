// Package chain holds what defines a valid chain independently of how it
// is replicated or stored: block and transaction hashing, block signatures
// and the validator keys that make them, and the genesis rules.
package chain

import (
	"crypto/sha256"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// Domain-separation prefixes keep a leaf hash from ever equalling an inner
// node hash, which closes the classic Merkle second-preimage trick of
// presenting an inner node as a transaction.
const (
	merkleLeafPrefix  = 0x00
	merkleInnerPrefix = 0x01
)

// HashSize is the size of block hashes, Merkle roots and the genesis hash.
const HashSize = sha256.Size

// ZeroHash is block 1's prev_hash on chains begun before genesis entries, and
// the root of an empty tree. Callers must not modify it.
var ZeroHash = make([]byte, sha256.Size)

// Deterministic is the encoding every hash and stored block uses.
var Deterministic = proto.MarshalOptions{Deterministic: true}

// BlockHash returns sha256 over the deterministic protobuf encoding of h with
// its hash field cleared, so the stored hash can be recomputed from the header
// it sits in.
func BlockHash(h *aurigraphv1.BlockHeader) []byte {
	c := proto.Clone(h).(*aurigraphv1.BlockHeader)
	c.Hash = nil
	b, err := Deterministic.Marshal(c)
	if err != nil {
		// Marshalling a well-formed generated message cannot fail; a failure
		// means memory corruption and hashing garbage would be worse.
		panic(fmt.Sprintf("chain: marshal block header: %v", err))
	}
	sum := sha256.Sum256(b)
	return sum[:]
}

// TxRoot returns the binary Merkle root over the deterministic encodings of
// txs. Leaves are sha256(0x00 || encoding), inner nodes sha256(0x01 || l || r),
// and an odd node at the end of a level is paired with itself. An empty list
// has the all-zero root.
func TxRoot(txs []*aurigraphv1.TxResult) []byte {
	root, _ := TxRootAndBody(txs, false)
	return root
}

// Block's field numbers, for EncodeBlock.
const (
	blockHeaderField protowire.Number = 1
	blockTxsField    protowire.Number = 2
)

// TxRootAndBody returns TxRoot(txs) and, when asked, txs encoded as the
// Block.txs field, built from the same leaf encodings so a block being
// stored is not marshalled a second time (see EncodeBlock).
func TxRootAndBody(txs []*aurigraphv1.TxResult, wantBody bool) (root, body []byte) {
	if !wantBody {
		return txRootAppendBody(nil, txs, false)
	}
	return txRootAppendBody(make([]byte, 0, 256*len(txs)), txs, true)
}

// TxRootAppendBody is TxRootAndBody appending the body to dst, so that a
// caller building block after block reuses one buffer for their bodies.
func TxRootAppendBody(dst []byte, txs []*aurigraphv1.TxResult) (root, body []byte) {
	return txRootAppendBody(dst, txs, true)
}

func txRootAppendBody(body []byte, txs []*aurigraphv1.TxResult, wantBody bool) (root, out []byte) {
	if len(txs) == 0 {
		return append([]byte(nil), ZeroHash...), body
	}
	level := make([][sha256.Size]byte, len(txs))
	buf := make([]byte, 0, 256)
	for i, tx := range txs {
		var err error
		buf = append(buf[:0], merkleLeafPrefix)
		buf, err = appendTxResult(buf, tx)
		if err != nil {
			panic(fmt.Sprintf("chain: marshal tx result %d: %v", i, err))
		}
		level[i] = sha256.Sum256(buf)
		if wantBody {
			body = protowire.AppendTag(body, blockTxsField, protowire.BytesType)
			body = protowire.AppendBytes(body, buf[1:])
		}
	}
	var pair [1 + 2*sha256.Size]byte
	pair[0] = merkleInnerPrefix
	for len(level) > 1 {
		next := level[:0]
		for i := 0; i < len(level); i += 2 {
			j := i + 1
			if j == len(level) {
				j = i
			}
			copy(pair[1:], level[i][:])
			copy(pair[1+sha256.Size:], level[j][:])
			next = append(next, sha256.Sum256(pair[:]))
		}
		level = next
	}
	return append([]byte(nil), level[0][:]...), body
}

// EncodeBlock returns Deterministic.Marshal(blk) given body, blk's txs as
// TxRootAndBody encoded them: protobuf writes a message's fields in number
// order and a repeated message as tag, length and encoding per element, so
// header then body is the same bytes (TestEncodeBlockMatchesMarshal holds
// it to that).
func EncodeBlock(blk *aurigraphv1.Block, body []byte) ([]byte, error) {
	header, err := EncodeBlockHeader(blk)
	if err != nil {
		return nil, err
	}
	return append(header, body...), nil
}

// EncodeBlockHeader is what EncodeBlock puts before body: a writer that
// takes the parts separately need not copy the body once more.
func EncodeBlockHeader(blk *aurigraphv1.Block) ([]byte, error) {
	header, err := Deterministic.Marshal(blk.GetHeader())
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, protowire.SizeTag(blockHeaderField)+protowire.SizeBytes(len(header)))
	out = protowire.AppendTag(out, blockHeaderField, protowire.BytesType)
	return protowire.AppendBytes(out, header), nil
}

// Bounds on the encoded block built from a batch. The state machine holds
// every block to the chain's max_block_bytes with them, and the leader's
// ingest cuts its batches with them, so the two always agree.
const (
	// BlockHeaderBytes bounds a block header without its source ranges,
	// with the block's own framing.
	BlockHeaderBytes = 4096
	// SourceRangeBytes bounds a source range besides its topic name:
	// framing, partition, offsets and two topic ids.
	SourceRangeBytes = 80
	// TxResultBytes bounds what a transaction adds to its block beyond its
	// own encoding: the TxResult and Block framing (10 bytes), the status
	// (2) and a failure reason with its tag and length (3 +
	// schemas.MaxReasonBytes, which the state machine cuts reasons to).
	TxResultBytes = 15 + schemas.MaxReasonBytes
)

// BlockBound is an upper bound on the encoded size of the block the state
// machine builds from a batch of sources and txs.
func BlockBound(sources []*aurigraphv1.SourceRange, txs []*aurigraphv1.Transaction) int {
	n := BlockHeaderBytes
	for _, r := range sources {
		n += SourceRangeBytes + len(r.GetTopic())
	}
	for _, tx := range txs {
		n += TxSize(tx) + TxResultBytes
	}
	return n
}

// TxSize is proto.Size(tx), without the generic sizer's reflection for a
// transaction that carries no unknown fields.
func TxSize(tx *aurigraphv1.Transaction) int {
	if tx == nil || len(tx.ProtoReflect().GetUnknown()) > 0 {
		return proto.Size(tx)
	}
	return txSize(tx)
}
