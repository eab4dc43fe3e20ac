package raftgrpc

import (
	"fmt"

	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/grpc/encoding"
	grpcproto "google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// envelope is a raft message as the payload of an aurigraphv1.RaftEnvelope,
// which is what peers exchange. Through codec it is encoded and decoded in
// one step: encoding the message into a buffer of its own and then the
// envelope around it, and decoding the envelope into a buffer and then the
// message from it, copied every raft entry twice on each side, a tenth of a
// validator's allocations.
type envelope struct {
	m raftpb.Message
	// err is why a received envelope did not decode: the peer sent it,
	// so it ends that peer's stream, not the transport.
	err error
}

// envelopeField is RaftEnvelope's message field, as numbered in raft.proto.
const envelopeField = 1

// codec is gRPC's protobuf codec, except for an *envelope, which it writes
// as protobuf writes a RaftEnvelope, and reads from any encoding of one. Its
// name is the protobuf codec's, so that peers of any release read what it
// writes and write what it reads.
type codec struct{}

// protoCodec is gRPC's own protobuf codec, which every other message goes
// through; its package registers it before this one is initialised.
var protoCodec = encoding.GetCodecV2(grpcproto.Name)

func (codec) Name() string { return grpcproto.Name }

func (codec) Marshal(v any) (mem.BufferSlice, error) {
	e, ok := v.(*envelope)
	if !ok {
		return protoCodec.Marshal(v)
	}
	n := e.m.Size()
	head := protowire.SizeTag(envelopeField) + protowire.SizeVarint(uint64(n))
	pool := mem.DefaultBufferPool()
	buf := pool.Get(head + n)
	b := protowire.AppendVarint(protowire.AppendTag((*buf)[:0], envelopeField, protowire.BytesType), uint64(n))
	if _, err := e.m.MarshalToSizedBuffer((*buf)[len(b) : head+n]); err != nil {
		pool.Put(buf)
		return nil, fmt.Errorf("encode raft %s message: %w", e.m.Type, err)
	}
	return mem.BufferSlice{mem.NewBuffer(buf, pool)}, nil
}

func (codec) Unmarshal(data mem.BufferSlice, v any) error {
	e, ok := v.(*envelope)
	if !ok {
		return protoCodec.Unmarshal(data, v)
	}
	buf := data.MaterializeToBuffer(mem.DefaultBufferPool())
	defer buf.Free()
	// raftpb's decoding copies what it keeps, so the message does not
	// outlive buf's reference.
	e.err = nil
	if err := decodeEnvelope(buf.ReadOnlyData(), &e.m); err != nil {
		e.err = fmt.Errorf("decode raft message of %d bytes: %w", buf.Len(), err)
	}
	return nil
}

// decodeEnvelope decodes a RaftEnvelope's message into m. The envelope as
// every release writes it, the message field alone, is read in place; any
// other encoding through protobuf.
func decodeEnvelope(b []byte, m *raftpb.Message) error {
	*m = raftpb.Message{}
	if num, typ, k := protowire.ConsumeTag(b); k > 0 && num == envelopeField && typ == protowire.BytesType {
		if payload, n := protowire.ConsumeBytes(b[k:]); n >= 0 && k+n == len(b) {
			return m.Unmarshal(payload)
		}
	}
	var env aurigraphv1.RaftEnvelope
	if err := proto.Unmarshal(b, &env); err != nil {
		return err
	}
	return m.Unmarshal(env.GetMessage())
}
