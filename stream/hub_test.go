package stream

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/protobuf/proto"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// startHub runs a hub over chain until the test ends. wait returns Run's result.
func startHub(t *testing.T, chain BlockSource, opts HubOptions) (h *Hub, stop context.CancelFunc, wait func() error) {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = testLogger(t)
	}
	h = NewHub(chain, opts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var runErr error
	go func() {
		defer close(done)
		runErr = h.Run(ctx)
	}()
	wait = func() error {
		select {
		case <-done:
			return runErr
		case <-time.After(5 * time.Second):
			t.Fatal("hub did not stop within 5s")
			return nil
		}
	}
	t.Cleanup(func() {
		cancel()
		wait()
	})
	return h, cancel, wait
}

// blockHeights reads sub until it has delivered block `until`, skipping tps
// messages, and returns the heights it saw.
func blockHeights(t *testing.T, sub *Subscription, until uint64) []uint64 {
	t.Helper()
	var got []uint64
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m, ok := <-sub.Messages():
			if !ok {
				t.Fatalf("subscription ended after %d blocks: %v", len(got), sub.Err())
			}
			if m.Type != MessageBlock {
				continue
			}
			h := m.Block.GetHeader().GetHeight()
			got = append(got, h)
			if h >= until {
				return got
			}
		case <-timeout:
			t.Fatalf("timed out after %d blocks (last %v), waiting for height %d", len(got), got[max(len(got)-1, 0):], until)
		}
	}
}

func checkContiguous(t *testing.T, got []uint64, from, to uint64) {
	t.Helper()
	if uint64(len(got)) != to-from+1 {
		t.Fatalf("got %d blocks, want %d (heights %d..%d)", len(got), to-from+1, from, to)
	}
	for i, h := range got {
		if want := from + uint64(i); h != want {
			t.Fatalf("block %d of the stream has height %d, want %d (gap or duplicate)", i, h, want)
		}
	}
}

// waitEnded waits for sub's channel to close, draining it, and returns Err.
func waitEnded(t *testing.T, sub *Subscription) error {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case _, ok := <-sub.Messages():
			if !ok {
				return sub.Err()
			}
		case <-timeout:
			t.Fatal("subscription did not end within 5s")
		}
	}
}

func TestHubFansOutToManySubscribers(t *testing.T) {
	chain := newMemChain()
	chain.append(3, 1, time.Time{})
	reg := prometheus.NewRegistry()
	h, _, _ := startHub(t, chain, HubOptions{Registerer: reg})

	const subscribers, blocks = 25, 200
	subs := make([]*Subscription, subscribers)
	for i := range subs {
		sub, err := h.Subscribe(t.Context(), SubscribeRequest{})
		if err != nil {
			t.Fatal(err)
		}
		subs[i] = sub
	}
	if got := metricValue(t, h.metrics.subscribers.WithLabelValues("other")); got != subscribers {
		t.Fatalf("subscribers gauge = %v, want %d", got, subscribers)
	}
	go func() {
		for range blocks / 10 {
			chain.append(10, 2, time.Now())
		}
	}()
	var wg sync.WaitGroup
	for _, sub := range subs {
		wg.Go(func() { checkContiguous(t, blockHeights(t, sub, 3+blocks), 4, 3+blocks) })
	}
	wg.Wait()
}

func TestHubReplayThenLiveHasNoGapOrDuplicate(t *testing.T) {
	chain := newMemChain()
	chain.append(300, 1, time.Time{})
	h, _, _ := startHub(t, chain, HubOptions{})
	const final = 900

	appended := make(chan struct{})
	go func() {
		defer close(appended)
		for chain.Height() < final {
			chain.append(1, 1, time.Now())
			if chain.Height()%25 == 0 {
				time.Sleep(time.Millisecond)
			}
		}
	}()

	tests := []struct {
		name string
		from uint64
	}{
		{"from genesis", 1},
		{"from the middle", 150},
		{"from just below the head at start", 299},
		{"from the head at start", 300},
		{"from the first live block", 301},
		{"from a block being appended", 450},
		{"from above the head", 880},
	}
	var wg sync.WaitGroup
	for _, tc := range tests {
		sub, err := h.Subscribe(t.Context(), SubscribeRequest{FromHeight: tc.from})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		wg.Go(func() {
			got := blockHeights(t, sub, final)
			if len(got) == 0 || got[0] != tc.from {
				t.Errorf("%s: stream starts at %v, want %d", tc.name, got[:min(1, len(got))], tc.from)
				return
			}
			checkContiguous(t, got, tc.from, final)
		})
		// Spread the subscriptions over the appends.
		time.Sleep(2 * time.Millisecond)
	}
	wg.Wait()
	<-appended
}

// readAll drains sub until it ends and returns the block heights it saw.
func readAll(sub *Subscription) []uint64 {
	var got []uint64
	for m := range sub.Messages() {
		if m.Type == MessageBlock {
			got = append(got, m.Block.GetHeader().GetHeight())
		}
	}
	return got
}

func TestHubReplaysLaggingSubscriberWithoutGaps(t *testing.T) {
	chain := newMemChain()
	reg := prometheus.NewRegistry()
	const queue = 8
	h, stop, wait := startHub(t, chain, HubOptions{QueueSize: queue, Registerer: reg})

	slow, err := h.Subscribe(t.Context(), SubscribeRequest{})
	if err != nil {
		t.Fatal(err)
	}
	fast, err := h.Subscribe(t.Context(), SubscribeRequest{})
	if err != nil {
		t.Fatal(err)
	}
	// Append in lockstep with the fast subscriber so only the slow one,
	// which reads nothing, can overflow.
	const blocks = 40
	for want := uint64(1); want <= blocks; want++ {
		chain.append(1, 1, time.Time{})
		checkContiguous(t, blockHeights(t, fast, want), want, want)
	}
	// The slow one was moved to replay, and now reads its way back to live.
	checkContiguous(t, blockHeights(t, slow, blocks), 1, blocks)
	chain.append(1, 1, time.Time{})
	checkContiguous(t, blockHeights(t, slow, blocks+1), blocks+1, blocks+1)
	checkContiguous(t, blockHeights(t, fast, blocks+1), blocks+1, blocks+1)
	if n := metricValue(t, h.metrics.laggedReplays); n < 1 {
		t.Fatalf("lagged replays = %v, want at least 1", n)
	}
	if n := metricValue(t, h.metrics.lagged); n != 0 {
		t.Fatalf("lagged disconnects = %v, want 0", n)
	}
	stop()
	wait()
	if !errors.Is(slow.Err(), ErrHubClosed) || !errors.Is(fast.Err(), ErrHubClosed) {
		t.Fatalf("subscriptions ended with %v and %v, want ErrHubClosed", slow.Err(), fast.Err())
	}
}

func TestHubDisconnectsSubscriberTooFarBehind(t *testing.T) {
	chain := newMemChain()
	reg := prometheus.NewRegistry()
	const queue, maxLag = 4, 10
	h, _, _ := startHub(t, chain, HubOptions{QueueSize: queue, MaxLagBlocks: maxLag, Registerer: reg})
	slow, err := h.Subscribe(t.Context(), SubscribeRequest{})
	if err != nil {
		t.Fatal(err)
	}
	fast, err := h.Subscribe(t.Context(), SubscribeRequest{})
	if err != nil {
		t.Fatal(err)
	}
	const blocks = 40
	for want := uint64(1); want <= blocks; want++ {
		chain.append(1, 1, time.Time{})
		checkContiguous(t, blockHeights(t, fast, want), want, want)
	}
	got := readAll(slow)
	if !errors.Is(slow.Err(), ErrLagged) {
		t.Fatalf("slow subscriber ended with %v, want ErrLagged", slow.Err())
	}
	// It had every block up to where it was cut off, so it can resume.
	checkContiguous(t, got, 1, uint64(len(got)))
	if len(got) == 0 || len(got) >= blocks-maxLag+1 {
		t.Fatalf("slow subscriber got %d blocks before it was cut off, want 1..%d", len(got), blocks-maxLag)
	}
	if fast.Err() != nil {
		t.Fatalf("fast subscriber ended: %v", fast.Err())
	}
	if n := metricValue(t, h.metrics.lagged); n != 1 {
		t.Fatalf("lagged disconnects = %v, want 1", n)
	}
	if n := metricValue(t, h.metrics.subscribers.WithLabelValues("other")); n != 1 {
		t.Fatalf("subscribers gauge = %v, want 1", n)
	}
}

func TestHubLimitsSubscriptionsPerClient(t *testing.T) {
	h, _, _ := startHub(t, newMemChain(), HubOptions{MaxPerClient: 2})
	var subs []*Subscription
	for range 2 {
		s, err := h.Subscribe(t.Context(), SubscribeRequest{Client: "10.0.0.1"})
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, s)
	}
	if _, err := h.Subscribe(t.Context(), SubscribeRequest{Client: "10.0.0.1"}); !errors.Is(err, ErrTooManySubscriptions) {
		t.Fatalf("third subscription from one client: %v, want ErrTooManySubscriptions", err)
	}
	if _, err := h.Subscribe(t.Context(), SubscribeRequest{Client: "10.0.0.2"}); err != nil {
		t.Fatalf("another client refused: %v", err)
	}
	subs[0].Close()
	waitEnded(t, subs[0])
	if _, err := h.Subscribe(t.Context(), SubscribeRequest{Client: "10.0.0.1"}); err != nil {
		t.Fatalf("subscription after one closed refused: %v", err)
	}
}

func TestHubSubscriptionEnds(t *testing.T) {
	tests := []struct {
		name    string
		from    uint64
		end     func(sub *Subscription, cancelSub, stopHub context.CancelFunc)
		wantErr error
	}{
		{"live, closed", 0, func(s *Subscription, _, _ context.CancelFunc) { s.Close() }, context.Canceled},
		{"live, context canceled", 0, func(_ *Subscription, c, _ context.CancelFunc) { c() }, context.Canceled},
		{"live, hub stopped", 0, func(_ *Subscription, _, stop context.CancelFunc) { stop() }, ErrHubClosed},
		// Replaying 50 blocks into a queue of 4 that nobody reads blocks the
		// replay, which must still notice the end.
		{"replaying, closed", 1, func(s *Subscription, _, _ context.CancelFunc) { s.Close() }, context.Canceled},
		{"replaying, hub stopped", 1, func(_ *Subscription, _, stop context.CancelFunc) { stop() }, ErrHubClosed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			chain := newMemChain()
			chain.append(50, 1, time.Time{})
			reg := prometheus.NewRegistry()
			h, stop, wait := startHub(t, chain, HubOptions{QueueSize: 4, Registerer: reg})
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			sub, err := h.Subscribe(ctx, SubscribeRequest{FromHeight: tc.from})
			if err != nil {
				t.Fatal(err)
			}
			tc.end(sub, cancel, stop)
			if err := waitEnded(t, sub); !errors.Is(err, tc.wantErr) {
				t.Fatalf("Err() = %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr == ErrHubClosed {
				if err := wait(); err != nil {
					t.Fatalf("Run after cancel = %v, want nil", err)
				}
				if _, err := h.Subscribe(t.Context(), SubscribeRequest{}); !errors.Is(err, ErrHubClosed) {
					t.Fatalf("Subscribe on a stopped hub = %v, want ErrHubClosed", err)
				}
			}
			deadline := time.Now().Add(5 * time.Second)
			for metricValue(t, h.metrics.subscribers.WithLabelValues("other")) != 0 {
				if time.Now().After(deadline) {
					t.Fatalf("subscribers gauge stuck at %v", metricValue(t, h.metrics.subscribers.WithLabelValues("other")))
				}
				time.Sleep(time.Millisecond)
			}
		})
	}
}

func TestHubRunFailsOnSourceError(t *testing.T) {
	chain := newMemChain()
	h := NewHub(chain, HubOptions{Logger: testLogger(t)})
	sub, err := h.Subscribe(t.Context(), SubscribeRequest{})
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("disk on fire")
	chain.failGet(2, boom)
	chain.append(3, 1, time.Time{})
	if err := h.Run(t.Context()); !errors.Is(err, boom) {
		t.Fatalf("Run = %v, want it to wrap %v", err, boom)
	}
	got := blockHeights(t, sub, 1)
	checkContiguous(t, got, 1, 1)
	if err := waitEnded(t, sub); !errors.Is(err, ErrHubClosed) {
		t.Fatalf("subscription ended with %v, want ErrHubClosed", err)
	}
	if err := h.Run(t.Context()); err == nil {
		t.Fatal("second Run succeeded, want an error")
	}
}

func TestHubSendsTPSEverySecond(t *testing.T) {
	chain := newMemChain()
	h, _, _ := startHub(t, chain, HubOptions{})
	sub, err := h.Subscribe(t.Context(), SubscribeRequest{})
	if err != nil {
		t.Fatal(err)
	}
	chain.append(4, 25, time.Now())
	timeout := time.After(3 * time.Second)
	for {
		select {
		case m := <-sub.Messages():
			if m.Type != MessageTPS {
				continue
			}
			if m.TPS.Height != 4 || m.TPS.T == 0 {
				t.Fatalf("tps message %+v, want height 4 and a time", m.TPS)
			}
			if perf := h.Performance(); perf.Height != 4 || len(perf.Recent) == 0 {
				t.Fatalf("Performance() = %+v, want height 4 and recent seconds", perf)
			}
			return
		case <-timeout:
			t.Fatal("no tps message within 3s")
		}
	}
}

func TestHubSendsValidatorChanges(t *testing.T) {
	var mu sync.Mutex
	status := ValidatorStatus{Leader: 1, Term: 2, Voters: []uint64{1, 2, 3}}
	h, _, _ := startHub(t, newMemChain(), HubOptions{Validators: func() ValidatorStatus {
		mu.Lock()
		defer mu.Unlock()
		return status
	}})
	next := func(sub *Subscription) ValidatorStatus {
		t.Helper()
		for {
			select {
			case m, ok := <-sub.Messages():
				if !ok {
					t.Fatalf("subscription ended: %v", sub.Err())
				}
				for ev := range sub.Events(m) {
					if ev.Type == MessageValidator {
						return ev.Message().Validators
					}
				}
			case <-time.After(5 * time.Second):
				t.Fatal("no validator event within 5s")
			}
		}
	}
	// Poll until the hub has the first status, so a subscriber is told it at once.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		h.mu.Lock()
		known := h.validatorsKnown
		h.mu.Unlock()
		if known || time.Now().After(deadline) {
			break
		}
	}
	sub, err := h.Subscribe(t.Context(), SubscribeRequest{Filter: Filter{Types: []MessageType{MessageValidator}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := next(sub); got.Leader != 1 || got.Term != 2 || len(got.Voters) != 3 {
		t.Fatalf("first validator event = %+v, want leader 1 term 2 voters 1,2,3", got)
	}
	mu.Lock()
	status = ValidatorStatus{Leader: 3, Term: 3, Voters: []uint64{1, 2, 3, 4}}
	mu.Unlock()
	if got := next(sub); got.Leader != 3 || got.Term != 3 || len(got.Voters) != 4 {
		t.Fatalf("validator event after the change = %+v, want leader 3 term 3 voters 1..4", got)
	}
}

// TestHubSendsAlerts checks the alert event: only to subscribers that ask
// for it, with the same content in its JSON frame and its StreamEvent.
func TestHubSendsAlerts(t *testing.T) {
	h, _, _ := startHub(t, newMemChain(), HubOptions{})
	alerts, err := h.Subscribe(t.Context(), SubscribeRequest{Filter: Filter{Types: []MessageType{MessageAlert}}})
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := h.Subscribe(t.Context(), SubscribeRequest{Filter: Filter{Types: []MessageType{MessageBlock}}})
	if err != nil {
		t.Fatal(err)
	}
	tr := &aurigraphv1.AlertTransition{Id: 7, RuleId: "00000000000000aa", RuleName: "slow", Metric: "tps", Condition: "<", Threshold: 10, Firing: true, Value: 2.5, AtMs: 1000}
	h.PublishAlert(tr)
	select {
	case m := <-alerts.Messages():
		var got []Event
		for ev := range alerts.Events(m) {
			got = append(got, ev)
		}
		if len(got) != 1 || got[0].Type != MessageAlert {
			t.Fatalf("events %+v", got)
		}
		var frame map[string]any
		if err := json.Unmarshal(got[0].JSON(), &frame); err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"type": "alert", "height": 0.0, "alert_id": 7.0, "rule_id": "00000000000000aa", "rule_name": "slow",
			"state": "firing", "metric": "tps", "condition": "<", "threshold": 10.0, "value": 2.5, "at_ms": 1000.0}
		if !maps.Equal(frame, want) {
			t.Errorf("JSON %s\nwant %v", got[0].JSON(), want)
		}
		if p := got[0].Proto(); p.GetType() != aurigraphv1.EventType_EVENT_TYPE_ALERT || !proto.Equal(p.GetAlert(), tr) {
			t.Errorf("proto %v", p)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no alert event within 5s")
	}
	select {
	case m := <-blocks.Messages():
		for ev := range blocks.Events(m) {
			t.Fatalf("a block subscriber got %v", ev.Type)
		}
	default:
	}
}
