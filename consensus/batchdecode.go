package consensus

import (
	"unicode/utf8"
	"unsafe"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// decodeBatch decodes a raft entry's batch as proto.Unmarshal does, with a
// handful of allocations a batch instead of five or more a transaction: every
// validator decodes every entry, and those allocations were most of what its
// collector had to do. The transactions' strings and bytes alias data, and
// the transactions come from one slice: data must not be written while
// they are in use, which holds for a raft entry's data, which nothing
// writes once it is made (proposed, read from the WAL or received from a
// peer). Copying it first was a fifth of a validator's allocated bytes.
//
// Only batches of transactions take this path: one with a field this
// decoder does not know (genesis, validator keys, alerts, a newer release's
// fields), a wire type it does not expect or a string that is not UTF-8 is
// decoded by proto.Unmarshal, which gives the same result or error.
func decodeBatch(data []byte, b *aurigraphv1.Batch) error {
	n, ok := countBatchTxs(data)
	if !ok || !decodeBatchFast(data, n, b) {
		proto.Reset(b)
		return proto.Unmarshal(data, b)
	}
	return nil
}

// Batch's fields, as numbered in chain.proto.
const (
	batchProposer      = 1
	batchTimestamp     = 2
	batchSources       = 3
	batchTxs           = 4
	batchProposalID    = 5
	batchFormatVersion = 8
)

// field is one field of a message: a varint's value, or a length-delimited
// field's bytes. Other wire types are not read: the messages decoded here
// have none, and one that does goes to proto.Unmarshal.
type field struct {
	num   protowire.Number
	typ   protowire.Type
	value uint64
	bytes []byte
}

// nextField reads the field at the start of data and returns the rest; ok
// is false for a malformed field or another wire type.
func nextField(data []byte) (f field, rest []byte, ok bool) {
	num, typ, k := protowire.ConsumeTag(data)
	if k < 0 {
		return field{}, nil, false
	}
	f.num, f.typ, data = num, typ, data[k:]
	switch typ {
	case protowire.VarintType:
		f.value, k = protowire.ConsumeVarint(data)
	case protowire.BytesType:
		f.bytes, k = protowire.ConsumeBytes(data)
	default:
		return field{}, nil, false
	}
	if k < 0 {
		return field{}, nil, false
	}
	return f, data[k:], true
}

// countBatchTxs walks the batch's top-level fields and counts its
// transactions; ok is false when a field calls for proto.Unmarshal.
func countBatchTxs(data []byte) (n int, ok bool) {
	for len(data) > 0 {
		var f field
		if f, data, ok = nextField(data); !ok {
			return 0, false
		}
		switch {
		case f.typ == protowire.VarintType && (f.num == batchProposer || f.num == batchTimestamp || f.num == batchProposalID || f.num == batchFormatVersion):
		case f.typ == protowire.BytesType && f.num == batchSources:
		case f.typ == protowire.BytesType && f.num == batchTxs:
			n++
		default:
			return 0, false
		}
	}
	return n, true
}

// decodeBatchFast decodes data, which countBatchTxs found to hold n
// transactions and only fields it knows.
func decodeBatchFast(data []byte, n int, b *aurigraphv1.Batch) bool {
	var txs []aurigraphv1.Transaction
	if n > 0 {
		txs = make([]aurigraphv1.Transaction, n)
		b.Txs = make([]*aurigraphv1.Transaction, 0, n)
	}
	for len(data) > 0 {
		var f field
		var ok bool
		if f, data, ok = nextField(data); !ok {
			return false
		}
		switch f.num {
		case batchProposer:
			b.Proposer = f.value
		case batchTimestamp:
			b.TimestampMs = int64(f.value)
		case batchProposalID:
			b.ProposalId = f.value
		case batchFormatVersion:
			b.FormatVersion = uint32(f.value)
		case batchSources:
			// A batch has a source range a partition, a handful at most.
			r := &aurigraphv1.SourceRange{}
			if proto.Unmarshal(f.bytes, r) != nil {
				return false
			}
			b.Sources = append(b.Sources, r)
		case batchTxs:
			tx := &txs[len(b.Txs)]
			if !decodeTxFast(f.bytes, tx) {
				return false
			}
			b.Txs = append(b.Txs, tx)
		}
	}
	return true
}

// Transaction's fields, as numbered in chain.proto.
const (
	txID          = 1
	txType        = 2
	txFrom        = 3
	txTo          = 4
	txAmount      = 5
	txAsset       = 6
	txNonce       = 7
	txPayload     = 8
	txTimestamp   = 9
	txPubkey      = 10
	txSig         = 11
	txSubmittedMs = 12
	txNewKey      = 13
)

// decodeTxFast decodes one transaction from data, which it may alias: part
// of a raft entry, never written again.
func decodeTxFast(data []byte, tx *aurigraphv1.Transaction) bool {
	for len(data) > 0 {
		var f field
		var ok bool
		if f, data, ok = nextField(data); !ok {
			return false
		}
		if f.typ == protowire.VarintType {
			switch f.num {
			case txType:
				tx.Type = aurigraphv1.TxType(int32(f.value))
			case txAmount:
				tx.Amount = f.value
			case txNonce:
				tx.Nonce = f.value
			case txTimestamp:
				tx.TimestampMs = int64(f.value)
			case txSubmittedMs:
				tx.SubmittedMs = int64(f.value)
			default:
				return false
			}
			continue
		}
		var str *string
		var bs *[]byte
		switch f.num {
		case txID:
			str = &tx.Id
		case txFrom:
			str = &tx.From
		case txTo:
			str = &tx.To
		case txAsset:
			str = &tx.Asset
		case txPayload:
			bs = &tx.Payload
		case txPubkey:
			bs = &tx.Pubkey
		case txSig:
			bs = &tx.Sig
		case txNewKey:
			bs = &tx.NewKey
		default:
			return false
		}
		switch {
		case bs != nil:
			*bs = aliasBytes(f.bytes)
		case !utf8.Valid(f.bytes):
			return false
		default:
			*str = aliasString(f.bytes)
		}
	}
	return true
}

// aliasString is v as a string without a copy: v is part of a buffer that
// nothing writes after decoding.
func aliasString(v []byte) string {
	if len(v) == 0 {
		return ""
	}
	return unsafe.String(&v[0], len(v))
}

// aliasBytes is v with its capacity clipped, so that an append to one
// field reallocates instead of writing over the next; empty is nil, as
// proto.Unmarshal leaves it.
func aliasBytes(v []byte) []byte {
	if len(v) == 0 {
		return nil
	}
	return v[:len(v):len(v)]
}
