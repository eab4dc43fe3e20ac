package chain

import (
	"google.golang.org/protobuf/encoding/protowire"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// appendTxResult appends Deterministic.Marshal(r) to buf. Every block hashes
// each of its transactions, and the generic marshaller spends most of that
// time finding its way through the message by reflection; this writes the
// same bytes directly: fields in number order, zero values left out, as
// protobuf's deterministic encoding does for these messages
// (FuzzAppendTxResult holds it to that). Messages carrying fields this
// version does not know go through the generic marshaller, which keeps
// them.
func appendTxResult(buf []byte, r *aurigraphv1.TxResult) ([]byte, error) {
	tx := r.GetTx()
	if len(r.ProtoReflect().GetUnknown()) > 0 || tx != nil && len(tx.ProtoReflect().GetUnknown()) > 0 {
		return Deterministic.MarshalAppend(buf, r)
	}
	if tx != nil {
		buf = protowire.AppendTag(buf, 1, protowire.BytesType)
		buf = protowire.AppendVarint(buf, uint64(txSize(tx)))
		buf = appendTx(buf, tx)
	}
	if s := r.GetStatus(); s != 0 {
		buf = protowire.AppendTag(buf, 2, protowire.VarintType)
		buf = protowire.AppendVarint(buf, uint64(int64(s)))
	}
	return appendString(buf, 3, r.GetReason()), nil
}

func appendString(buf []byte, num protowire.Number, s string) []byte {
	if s == "" {
		return buf
	}
	buf = protowire.AppendTag(buf, num, protowire.BytesType)
	buf = protowire.AppendVarint(buf, uint64(len(s)))
	return append(buf, s...)
}

func appendBytes(buf []byte, num protowire.Number, b []byte) []byte {
	if len(b) == 0 {
		return buf
	}
	buf = protowire.AppendTag(buf, num, protowire.BytesType)
	buf = protowire.AppendVarint(buf, uint64(len(b)))
	return append(buf, b...)
}

func appendVarint(buf []byte, num protowire.Number, v uint64) []byte {
	if v == 0 {
		return buf
	}
	buf = protowire.AppendTag(buf, num, protowire.VarintType)
	return protowire.AppendVarint(buf, v)
}

func appendTx(buf []byte, tx *aurigraphv1.Transaction) []byte {
	buf = appendString(buf, 1, tx.GetId())
	buf = appendVarint(buf, 2, uint64(int64(tx.GetType())))
	buf = appendString(buf, 3, tx.GetFrom())
	buf = appendString(buf, 4, tx.GetTo())
	buf = appendVarint(buf, 5, tx.GetAmount())
	buf = appendString(buf, 6, tx.GetAsset())
	buf = appendVarint(buf, 7, tx.GetNonce())
	buf = appendBytes(buf, 8, tx.GetPayload())
	buf = appendVarint(buf, 9, uint64(tx.GetTimestampMs()))
	buf = appendBytes(buf, 10, tx.GetPubkey())
	buf = appendBytes(buf, 11, tx.GetSig())
	buf = appendVarint(buf, 12, uint64(tx.GetSubmittedMs()))
	return appendBytes(buf, 13, tx.GetNewKey())
}

func sizeLen(num protowire.Number, n int) int {
	if n == 0 {
		return 0
	}
	return protowire.SizeTag(num) + protowire.SizeBytes(n)
}

func sizeVarint(num protowire.Number, v uint64) int {
	if v == 0 {
		return 0
	}
	return protowire.SizeTag(num) + protowire.SizeVarint(v)
}

func txSize(tx *aurigraphv1.Transaction) int {
	return sizeLen(1, len(tx.GetId())) + sizeVarint(2, uint64(int64(tx.GetType()))) +
		sizeLen(3, len(tx.GetFrom())) + sizeLen(4, len(tx.GetTo())) + sizeVarint(5, tx.GetAmount()) +
		sizeLen(6, len(tx.GetAsset())) + sizeVarint(7, tx.GetNonce()) + sizeLen(8, len(tx.GetPayload())) +
		sizeVarint(9, uint64(tx.GetTimestampMs())) + sizeLen(10, len(tx.GetPubkey())) + sizeLen(11, len(tx.GetSig())) +
		sizeVarint(12, uint64(tx.GetSubmittedMs())) + sizeLen(13, len(tx.GetNewKey()))
}
