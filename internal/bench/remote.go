package bench

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// RemoteChain follows validators that run in other processes: a block
// counts as committed when the first validator's live stream announces it
// (its hub fans a block out as soon as it is applied), and its content
// comes from the block events the leader publishes, which carry every
// transaction's submit time.
type RemoteChain struct {
	mu        sync.Mutex
	committed map[uint64]time.Time
	blocks    map[uint64]*aurigraphv1.Block
	head      uint64 // highest height announced with every lower one announced
	changed   chan struct{}
	err       error

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// FollowRemote starts following the validators whose HTTP APIs are at
// nodes (host:port) and the blocks topic on brokers, from the current head.
func FollowRemote(ctx context.Context, nodes, brokers []string, opts ...kgo.Opt) (*RemoteChain, error) {
	ctx, cancel := context.WithCancel(ctx)
	r := &RemoteChain{committed: map[uint64]time.Time{}, blocks: map[uint64]*aurigraphv1.Block{}, changed: make(chan struct{}), cancel: cancel}
	// The end offsets are read before following the live streams, so no
	// event of a block announced from then on can be missed.
	start, err := blockTopicEnd(ctx, brokers, opts)
	if err != nil {
		cancel()
		return nil, err
	}
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokers...), kgo.FetchMaxWait(50 * time.Millisecond),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{schemas.TopicBlocks: start})}, opts...)...)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("bench: follow %s on %v: %w", schemas.TopicBlocks, brokers, err)
	}
	r.wg.Go(func() {
		defer cl.Close()
		r.consumeEvents(ctx, cl)
	})
	for _, node := range nodes {
		ready := make(chan error, 1)
		r.wg.Go(func() { r.followStream(ctx, node, ready) })
		if err := <-ready; err != nil {
			r.Close()
			return nil, err
		}
	}
	return r, nil
}

func blockTopicEnd(ctx context.Context, brokers []string, opts []kgo.Opt) (map[int32]kgo.Offset, error) {
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(brokers...)}, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("bench: kafka client for %v: %w", brokers, err)
	}
	defer cl.Close()
	ends, err := kadm.NewClient(cl).ListEndOffsets(ctx, schemas.TopicBlocks)
	if err != nil {
		return nil, fmt.Errorf("bench: end of %s: %w", schemas.TopicBlocks, err)
	}
	if err := ends.Error(); err != nil {
		return nil, fmt.Errorf("bench: end of %s (is the pipeline up?): %w", schemas.TopicBlocks, err)
	}
	start := map[int32]kgo.Offset{}
	ends.Each(func(o kadm.ListedOffset) { start[o.Partition] = kgo.NewOffset().At(o.Offset) })
	if len(start) == 0 {
		return nil, fmt.Errorf("bench: %s has no partitions yet", schemas.TopicBlocks)
	}
	return start, nil
}

// Close stops following.
func (r *RemoteChain) Close() {
	r.cancel()
	r.wg.Wait()
}

func (r *RemoteChain) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err == nil {
		r.err = err
		r.notifyLocked()
	}
}

// notifyLocked wakes every Wait and Get; r.mu is held.
func (r *RemoteChain) notifyLocked() {
	close(r.changed)
	r.changed = make(chan struct{})
}

func (r *RemoteChain) followStream(ctx context.Context, node string, ready chan<- error) {
	attached := false
	err := followLiveStream(ctx, liveStreamURL(node), func(f liveFrame, at time.Time) {
		r.mu.Lock()
		defer r.mu.Unlock()
		switch {
		case f.Type == "welcome" && !attached:
			r.head = max(r.head, f.Height)
			attached = true
			ready <- nil
		case f.Type == "block":
			if _, seen := r.committed[f.Height]; seen || f.Height <= r.head {
				return
			}
			r.committed[f.Height] = at
			for {
				if _, ok := r.committed[r.head+1]; !ok {
					break
				}
				r.head++
			}
			r.notifyLocked()
		}
	})
	switch {
	case !attached:
		ready <- fmt.Errorf("bench: live stream of %s ended before its welcome: %w", node, cmp.Or(err, ctx.Err(), errors.New("closed by the server")))
	case err != nil:
		r.fail(fmt.Errorf("bench: live stream of %s: %w", node, err))
	}
}

func (r *RemoteChain) consumeEvents(ctx context.Context, cl *kgo.Client) {
	for ctx.Err() == nil {
		fetches := cl.PollFetches(ctx)
		for _, fe := range fetches.Errors() {
			if !errors.Is(fe.Err, context.Canceled) {
				r.fail(fmt.Errorf("bench: consume %s: %w", schemas.TopicBlocks, fe.Err))
				return
			}
		}
		var decodeErr error
		fetches.EachRecord(func(rec *kgo.Record) {
			var ev aurigraphv1.BlockEvent
			if err := proto.Unmarshal(rec.Value, &ev); err != nil {
				decodeErr = err
				return
			}
			r.mu.Lock()
			r.blocks[ev.GetBlock().GetHeader().GetHeight()] = ev.GetBlock()
			r.notifyLocked()
			r.mu.Unlock()
		})
		if decodeErr != nil {
			r.fail(fmt.Errorf("bench: decode block event: %w", decodeErr))
			return
		}
	}
}

// Height is the highest height announced, with every lower one announced.
func (r *RemoteChain) Height() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.head
}

// Wait returns once Height() >= height.
func (r *RemoteChain) Wait(ctx context.Context, height uint64) error {
	for {
		r.mu.Lock()
		head, err, changed := r.head, r.err, r.changed
		r.mu.Unlock()
		if err != nil {
			return err
		}
		if head >= height {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		}
	}
}

// Get returns the block at height once its event arrived, and forgets it:
// the bench reads each block once.
func (r *RemoteChain) Get(height uint64) (*aurigraphv1.Block, error) {
	deadline := time.After(30 * time.Second)
	for {
		r.mu.Lock()
		b, err, changed := r.blocks[height], r.err, r.changed
		if b != nil {
			delete(r.blocks, height)
		}
		r.mu.Unlock()
		switch {
		case b != nil:
			return b, nil
		case err != nil:
			return nil, err
		}
		select {
		case <-changed:
		case <-deadline:
			return nil, fmt.Errorf("bench: block %d was announced but its event did not reach %s within 30s", height, schemas.TopicBlocks)
		}
	}
}

// CommittedAt is when the first validator announced height.
func (r *RemoteChain) CommittedAt(height uint64) (time.Time, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.committed[height]
	return t, ok
}
