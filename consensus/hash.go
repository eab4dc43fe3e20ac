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

// Block's field numbers, for encodeBlock.
const (
	blockHeaderField protowire.Number = 1
	blockTxsField    protowire.Number = 2
)

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

// encodeBlock returns deterministic.Marshal(blk) given body, blk's txs as
// txRootAndBody encoded them: protobuf writes a message's fields in number
// order and a repeated message as tag, length and encoding per element, so
// header then body is the same bytes (TestEncodeBlockMatchesMarshal holds
// it to that).
func encodeBlock(blk *aurigraphv1.Block, body []byte) ([]byte, error) {
	header, err := deterministic.Marshal(blk.GetHeader())
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, protowire.SizeTag(blockHeaderField)+protowire.SizeBytes(len(header))+len(body))
	out = protowire.AppendTag(out, blockHeaderField, protowire.BytesType)
	return append(protowire.AppendBytes(out, header), body...), nil
}
