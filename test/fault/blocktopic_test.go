package fault

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
	"github.com/aurigraph/aurigraph/test/testbin"
)

// checkBlocksTopic checks the block events the leaders published across
// every fault: the topic's single partition must end up holding block h at
// offset h-1 for every h up to the tip, with the chain's hash, and nothing
// more: no height skipped, none published twice.
func (c *cluster) checkBlocksTopic(tip chainStats, hashes map[uint64]string) {
	c.t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.kafka))
	if err != nil {
		c.t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	var end int64
	testbin.WaitFor(c.t, 30*time.Second, fmt.Sprintf("block events up to height %d in %s", tip.Height, schemas.TopicBlocks), func() (bool, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		ends, err := adm.ListEndOffsets(ctx, schemas.TopicBlocks)
		if err != nil {
			return false, err.Error()
		}
		if n := len(ends[schemas.TopicBlocks]); n != 1 {
			c.t.Fatalf("%s has %d partitions, want 1", schemas.TopicBlocks, n)
		}
		o, ok := ends.Lookup(schemas.TopicBlocks, 0)
		if !ok || o.Err != nil {
			return false, fmt.Sprintf("end offset: %v", o.Err)
		}
		end = o.Offset
		return end >= int64(tip.Height), fmt.Sprintf("end offset %d", end)
	})

	consumer, err := kgo.NewClient(kgo.SeedBrokers(c.kafka),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{schemas.TopicBlocks: {0: kgo.NewOffset().AtStart()}}))
	if err != nil {
		c.t.Fatal(err)
	}
	defer consumer.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var bad []string
	for read := int64(0); read < end; {
		fetches := consumer.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			c.t.Fatalf("read %s: %d of %d records: %v", schemas.TopicBlocks, read, end, err)
		}
		fetches.EachError(func(_ string, _ int32, err error) { c.t.Fatalf("read %s: %v", schemas.TopicBlocks, err) })
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
			case fmt.Sprintf("%x", hd.GetHash()) != hashes[key]:
				bad = append(bad, fmt.Sprintf("offset %d: block %d hash %x, chain has %s", r.Offset, key, hd.GetHash(), hashes[key]))
			}
		})
	}
	if end != int64(tip.Height) {
		bad = append(bad, fmt.Sprintf("%d records for a chain of %d blocks", end, tip.Height))
	}
	if len(bad) > 0 {
		c.t.Errorf("%s does not hold each block once, in order: %d problems, e.g. %v", schemas.TopicBlocks, len(bad), bad[:min(len(bad), 10)])
	}
}
