package consensus

import (
	"crypto/sha256"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// Domain-separation prefixes keep a leaf hash from ever equalling an inner
// node hash, which closes the classic Merkle second-preimage trick of
// presenting an inner node as a transaction.
const (
	merkleLeafPrefix  = 0x00
	merkleInnerPrefix = 0x01
)

// zeroHash is the prev_hash of the genesis block and the root of an empty tree.
var zeroHash = make([]byte, sha256.Size)

var deterministic = proto.MarshalOptions{Deterministic: true}

// BlockHash returns sha256 over the deterministic protobuf encoding of h with
// its hash field cleared, so the stored hash can be recomputed from the header
// it sits in.
func BlockHash(h *aurigraphv1.BlockHeader) []byte {
	c := proto.Clone(h).(*aurigraphv1.BlockHeader)
	c.Hash = nil
	b, err := deterministic.Marshal(c)
	if err != nil {
		// Marshalling a well-formed generated message cannot fail; a failure
		// means memory corruption and hashing garbage would be worse.
		panic(fmt.Sprintf("consensus: marshal block header: %v", err))
	}
	sum := sha256.Sum256(b)
	return sum[:]
}

// TxRoot returns the binary Merkle root over the deterministic encodings of
// txs. Leaves are sha256(0x00 || encoding), inner nodes sha256(0x01 || l || r),
// and an odd node at the end of a level is paired with itself. An empty list
// has the all-zero root.
func TxRoot(txs []*aurigraphv1.TxResult) []byte {
	root, _ := txRootAndBody(txs, false)
	return root
}

// blockTxsField is the tag of Block.txs (field 2, length-delimited).
const blockTxsField = 2<<3 | 2

// txRootAndBody returns TxRoot(txs) and, when asked, txs encoded as the
// Block.txs field, built from the same leaf encodings so a block being
// stored is not marshalled a second time (see encodeBlock).
func txRootAndBody(txs []*aurigraphv1.TxResult, wantBody bool) (root, body []byte) {
	if len(txs) == 0 {
		return append([]byte(nil), zeroHash...), nil
	}
	level := make([][sha256.Size]byte, len(txs))
	buf := make([]byte, 0, 256)
	for i, tx := range txs {
		var err error
		buf = append(buf[:0], merkleLeafPrefix)
		buf, err = deterministic.MarshalAppend(buf, tx)
		if err != nil {
			panic(fmt.Sprintf("consensus: marshal tx result %d: %v", i, err))
		}
		level[i] = sha256.Sum256(buf)
		if wantBody {
			if body == nil {
				body = make([]byte, 0, len(txs)*(len(buf)+3))
			}
			enc := buf[1:]
			body = protowire.AppendVarint(append(body, blockTxsField), uint64(len(enc)))
			body = append(body, enc...)
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

// blockHeaderField is the tag of Block.header (field 1, length-delimited).
const blockHeaderField = 1<<3 | 2

// encodeBlock returns deterministic.Marshal(blk) given body, blk's txs as
// txRootAndBody encoded them: protobuf writes a message's fields in number
// order and a repeated message as tag, length and encoding per element, so
// header then body is the same bytes (TestEncodeBlockMatchesMarshal holds
// it to that).
func encodeBlock(blk *aurigraphv1.Block, body []byte) ([]byte, error) {
	if blk.GetHeader() == nil || len(body) == 0 != (len(blk.GetTxs()) == 0) {
		return deterministic.Marshal(blk)
	}
	size := deterministic.Size(blk.GetHeader())
	out := make([]byte, 0, 1+protowire.SizeVarint(uint64(size))+size+len(body))
	out = protowire.AppendVarint(append(out, blockHeaderField), uint64(size))
	out, err := deterministic.MarshalAppend(out, blk.GetHeader())
	if err != nil {
		return nil, err
	}
	return append(out, body...), nil
}
