package testbin

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// CheckBlocksTopic checks the block events a chain of height blocks
// published to the brokers (opts: SASL, TLS): the topic's single partition
// must end up holding block h at offset h-1 for every h up to height, and
// nothing more: no height skipped, none published twice. With hashes
// (height → hex hash) each block must also carry the chain's hash.
func CheckBlocksTopic(t testing.TB, brokers []string, opts []kgo.Opt, height uint64, hashes map[uint64]string) {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokers...)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	var end int64
	WaitFor(t, 30*time.Second, fmt.Sprintf("block events up to height %d in %s", height, schemas.TopicBlocks), func() (bool, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		ends, err := adm.ListEndOffsets(ctx, schemas.TopicBlocks)
		if err != nil {
			return false, err.Error()
		}
		if n := len(ends[schemas.TopicBlocks]); n != 1 {
			t.Fatalf("%s has %d partitions, want 1", schemas.TopicBlocks, n)
		}
		o, ok := ends.Lookup(schemas.TopicBlocks, 0)
		if !ok || o.Err != nil {
			return false, fmt.Sprintf("end offset: %v", o.Err)
		}
		end = o.Offset
		return end >= int64(height), fmt.Sprintf("end offset %d", end)
	})

	consumer, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokers...),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{schemas.TopicBlocks: {0: kgo.NewOffset().AtStart()}})}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var bad []string
	for read := int64(0); read < end; {
		fetches := consumer.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("read %s: %d of %d records: %v", schemas.TopicBlocks, read, end, err)
		}
		fetches.EachError(func(_ string, _ int32, err error) { t.Fatalf("read %s: %v", schemas.TopicBlocks, err) })
		fetches.EachRecord(func(r *kgo.Record) {
			read++
			var ev aurigraphv1.BlockEvent
			key, err := strconv.ParseUint(string(r.Key), 10, 64)
			if err == nil {
				err = proto.Unmarshal(r.Value, &ev)
			}
			hd := ev.GetBlock().GetHeader()
			switch {
			case err != nil:
				bad = append(bad, fmt.Sprintf("offset %d: %v", r.Offset, err))
			case key != uint64(r.Offset)+1 || hd.GetHeight() != key:
				bad = append(bad, fmt.Sprintf("offset %d: key %s, block %d (want block %d)", r.Offset, r.Key, hd.GetHeight(), r.Offset+1))
			case hashes != nil && fmt.Sprintf("%x", hd.GetHash()) != hashes[key]:
				bad = append(bad, fmt.Sprintf("offset %d: block %d hash %x, chain has %s", r.Offset, key, hd.GetHash(), hashes[key]))
			}
		})
	}
	if end != int64(height) {
		bad = append(bad, fmt.Sprintf("%d records for a chain of %d blocks", end, height))
	}
	if len(bad) > 0 {
		t.Errorf("%s does not hold each block once, in order: %d problems, e.g. %v", schemas.TopicBlocks, len(bad), bad[:min(len(bad), 10)])
	}
}
