package hostile

import (
	"bytes"
	"context"
	"encoding/binary"
	mrand "math/rand/v2"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/schemas"
)

// kafkaAttackers are the attacks on the Kafka port: what any client that
// can write the transaction and dead-letter topics can send, and bytes that
// are not Kafka's protocol.
func (a *attack) kafkaAttackers() []attacker {
	return []attacker{
		{"kafka/tx-garbage", a.kafkaTxGarbage},
		{"kafka/tx-huge", a.kafkaTxHuge},
		{"kafka/dlq-garbage", a.kafkaDLQGarbage},
		{"kafka/raw-bytes", a.kafkaRawBytes},
	}
}

// producer is a client writing to topic, allowed records of up to 16 MiB
// so that the broker, not the client, decides what is too large.
func (a *attack) producer(topic string, opts ...kgo.Opt) (*kgo.Client, error) {
	return kgo.NewClient(append([]kgo.Opt{
		kgo.SeedBrokers(a.d.kafka),
		kgo.DefaultProduceTopic(topic),
		kgo.ProducerBatchMaxBytes(16 << 20),
		kgo.RecordDeliveryTimeout(20 * time.Second),
	}, opts...)...)
}

// produce writes one record and names the broker's answer. It waits at
// most 25 s, or until ctx ends: a record already sent waits for its answer
// however its context ends, and a dead broker never answers. Closing the
// client fails whatever it still holds.
func produce(ctx context.Context, cl *kgo.Client, r *kgo.Record) string {
	done := make(chan error, 1)
	cl.Produce(ctx, r, func(_ *kgo.Record, err error) { done <- err })
	t := time.NewTimer(25 * time.Second)
	defer t.Stop()
	select {
	case err := <-done:
		return netOutcomeOK(err)
	case <-t.C:
		return "timeout"
	case <-ctx.Done():
		return "canceled"
	}
}

// kafkaTxGarbage writes to the transaction topic what ingest must
// dead-letter: random bytes, JSON soup and mutations, protobuf with random
// fields, and well-formed transactions the rules refuse. Interleaved are
// the attacker's own unfunded transactions, which must commit as failed.
func (a *attack) kafkaTxGarbage(ctx context.Context, rng *mrand.Rand) {
	cl, err := a.producer(schemas.TopicTransactions)
	if err != nil {
		a.tally.add("kafka/tx-garbage", "client "+netOutcome(err))
		return
	}
	defer cl.Close()
	for i := 0; sleep(ctx, 10*time.Millisecond); i++ {
		switch i % 4 {
		case 0:
			shape, b := a.garbage(rng)
			out := produce(ctx, cl, &kgo.Record{Key: randomBytes(rng, rng.IntN(64)), Value: b})
			a.tally.add("kafka/tx-garbage-"+shape, out)
		case 1:
			// Random field numbers and wire types, with a valid-looking
			// transaction's tag in front.
			b := append([]byte{0x10, 0x02}, randomBytes(rng, rng.IntN(512))...)
			a.tally.add("kafka/tx-garbage-protobuf", produce(ctx, cl, &kgo.Record{Value: b}))
		case 2:
			f := a.forbiddenTx(rng)
			value := txJSON(f.tx)
			if rng.IntN(2) == 0 {
				if value, err = proto.Marshal(f.tx); err != nil {
					panic(err)
				}
			}
			out := produce(ctx, cl, &kgo.Record{Key: []byte(f.tx.GetFrom()), Value: value})
			a.tally.add("kafka/"+f.kind, out)
			a.led.refuse("kafka/"+f.kind, f.contentID())
		default:
			tx := a.unfunded()
			out := produce(ctx, cl, &kgo.Record{Key: []byte(tx.GetFrom()), Value: txJSON(tx)})
			a.tally.add("kafka/unfunded", out)
			if out == "ok" {
				a.led.ack("attack/unfunded", tx.GetId())
			}
		}
	}
}

// kafkaTxHuge writes 10 MB records to the transaction topic: one the broker
// takes compressed (ingest must dead-letter a reference to it and go on),
// and one incompressible, which the broker refuses.
func (a *attack) kafkaTxHuge(ctx context.Context, rng *mrand.Rand) {
	cl, err := a.producer(schemas.TopicTransactions, kgo.ProducerBatchCompression(kgo.ZstdCompression()))
	if err != nil {
		a.tally.add("kafka/tx-10MB", "client "+netOutcome(err))
		return
	}
	defer cl.Close()
	compressible := bytes.Repeat([]byte(`{"type":"mint","to":"x","amount":1,"nonce":1}`), 10<<20/46)
	for i := 0; sleep(ctx, 7*time.Second); i++ {
		if i%2 == 0 {
			a.tally.add("kafka/tx-10MB-compressible", produce(ctx, cl, &kgo.Record{Key: []byte("huge"), Value: compressible}))
		} else {
			a.tally.add("kafka/tx-10MB-random", produce(ctx, cl, &kgo.Record{Key: []byte("huge"), Value: randomBytes(rng, 10<<20)}))
		}
	}
}

// kafkaDLQGarbage writes random records to the dead-letter topic, which the
// pipeline writes and never reads.
func (a *attack) kafkaDLQGarbage(ctx context.Context, rng *mrand.Rand) {
	cl, err := a.producer(schemas.TopicDeadLetters)
	if err != nil {
		a.tally.add("kafka/dlq-garbage", "client "+netOutcome(err))
		return
	}
	defer cl.Close()
	for sleep(ctx, 20*time.Millisecond) {
		r := &kgo.Record{Key: randomBytes(rng, rng.IntN(64)), Value: randomBytes(rng, rng.IntN(8192)),
			Headers: []kgo.RecordHeader{{Key: "reason", Value: randomBytes(rng, 32)}}}
		a.tally.add("kafka/dlq-garbage", produce(ctx, cl, r))
	}
}

// kafkaRawBytes sends the broker's port bytes that are not Kafka's
// protocol: random ones, a request announcing 2 GiB, a request of the size
// it announces made of random bytes, and a flexible request whose header
// announces billions of tagged fields in a few bytes.
func (a *attack) kafkaRawBytes(ctx context.Context, rng *mrand.Rand) {
	for i := 0; sleep(ctx, 50*time.Millisecond); i++ {
		switch i % 4 {
		case 3:
			// ApiVersions v3, Metadata v12 or Produce v9: each has a flexible
			// header, whose tag count follows the client id.
			kinds := [][2]int16{{18, 3}, {3, 12}, {0, 9}}
			k := kinds[rng.IntN(len(kinds))]
			body := binary.BigEndian.AppendUint16(nil, uint16(k[0]))
			body = binary.BigEndian.AppendUint16(body, uint16(k[1]))
			body = binary.BigEndian.AppendUint32(body, rng.Uint32())
			body = append(body, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f) // null client id, then 2^32-1 tags
			frame := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
			a.tally.add("kafka/raw-tag-flood", rawTCP(ctx, a.d.kafka, 5*time.Second, append(frame, body...)))
		case 0:
			a.tally.add("kafka/raw-bytes", rawTCP(ctx, a.d.kafka, 5*time.Second, randomBytes(rng, 1+rng.IntN(8192))))
		case 1:
			a.tally.add("kafka/raw-2GiB-request", rawTCP(ctx, a.d.kafka, 5*time.Second, []byte{0x7f, 0xff, 0xff, 0xff}, randomBytes(rng, 64)))
		default:
			body := randomBytes(rng, 8+rng.IntN(4096))
			frame := binary.BigEndian.AppendUint32(nil, uint32(len(body)))
			a.tally.add("kafka/raw-framed-garbage", rawTCP(ctx, a.d.kafka, 5*time.Second, append(frame, body...)))
		}
	}
}
