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
// collector had to do. The entry is copied once; the transactions' strings
// and bytes alias that copy, and the transactions come from one slice.
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

// countBatchTxs walks the batch's top-level fields and counts its
// transactions; ok is false when a field calls for proto.Unmarshal.
func countBatchTxs(data []byte) (n int, ok bool) {
	for len(data) > 0 {
		num, typ, k := protowire.ConsumeTag(data)
		if k < 0 {
			return 0, false
		}
		data = data[k:]
		switch {
		case typ == protowire.VarintType && (num == batchProposer || num == batchTimestamp || num == batchProposalID || num == batchFormatVersion):
		case typ == protowire.BytesType && (num == batchSources || num == batchTxs):
			if num == batchTxs {
				n++
			}
		default:
			return 0, false
		}
		if k = protowire.ConsumeFieldValue(num, typ, data); k < 0 {
			return 0, false
		}
		data = data[k:]
	}
	return n, true
}

func decodeBatchFast(data []byte, n int, b *aurigraphv1.Batch) bool {
	buf := make([]byte, len(data))
	copy(buf, data)
	data = buf
	var txs []aurigraphv1.Transaction
	if n > 0 {
		txs = make([]aurigraphv1.Transaction, n)
		b.Txs = make([]*aurigraphv1.Transaction, 0, n)
	}
	for len(data) > 0 {
		num, typ, k := protowire.ConsumeTag(data)
		data = data[k:]
		if typ == protowire.VarintType {
			v, k := protowire.ConsumeVarint(data)
			if k < 0 {
				return false
			}
			data = data[k:]
			switch num {
			case batchProposer:
				b.Proposer = v
			case batchTimestamp:
				b.TimestampMs = int64(v)
			case batchProposalID:
				b.ProposalId = v
			case batchFormatVersion:
				b.FormatVersion = uint32(v)
			}
			continue
		}
		v, k := protowire.ConsumeBytes(data)
		if k < 0 {
			return false
		}
		data = data[k:]
		if num == batchSources {
			// A batch has a source range a partition, a handful at most.
			r := &aurigraphv1.SourceRange{}
			if proto.Unmarshal(v, r) != nil {
				return false
			}
			b.Sources = append(b.Sources, r)
			continue
		}
		tx := &txs[len(b.Txs)]
		if !decodeTxFast(v, tx) {
			return false
		}
		b.Txs = append(b.Txs, tx)
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

// decodeTxFast decodes one transaction from data, which it may alias: the
// caller's copy of the entry, never written again.
func decodeTxFast(data []byte, tx *aurigraphv1.Transaction) bool {
	for len(data) > 0 {
		num, typ, k := protowire.ConsumeTag(data)
		if k < 0 {
			return false
		}
		data = data[k:]
		switch typ {
		case protowire.VarintType:
			v, k := protowire.ConsumeVarint(data)
			if k < 0 {
				return false
			}
			data = data[k:]
			switch num {
			case txType:
				tx.Type = aurigraphv1.TxType(int32(v))
			case txAmount:
				tx.Amount = v
			case txNonce:
				tx.Nonce = v
			case txTimestamp:
				tx.TimestampMs = int64(v)
			case txSubmittedMs:
				tx.SubmittedMs = int64(v)
			default:
				return false
			}
		case protowire.BytesType:
			v, k := protowire.ConsumeBytes(data)
			if k < 0 {
				return false
			}
			data = data[k:]
			switch num {
			case txID, txFrom, txTo, txAsset:
				if !utf8.Valid(v) {
					return false
				}
				s := aliasString(v)
				switch num {
				case txID:
					tx.Id = s
				case txFrom:
					tx.From = s
				case txTo:
					tx.To = s
				default:
					tx.Asset = s
				}
			case txPayload:
				tx.Payload = aliasBytes(v)
			case txPubkey:
				tx.Pubkey = aliasBytes(v)
			case txSig:
				tx.Sig = aliasBytes(v)
			case txNewKey:
				tx.NewKey = aliasBytes(v)
			default:
				return false
			}
		default:
			return false
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
