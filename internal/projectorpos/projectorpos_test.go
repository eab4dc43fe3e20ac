package projectorpos_test

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurigraph/aurigraph/ingest/broker"
	"github.com/aurigraph/aurigraph/ingest/broker/brokertest"
	"github.com/aurigraph/aurigraph/internal/auth"
	"github.com/aurigraph/aurigraph/internal/projectorpos"
	"github.com/aurigraph/aurigraph/schemas"
)

const topic = schemas.TopicBlocks

// startBroker runs the embedded broker with SASL and the policy's ACLs,
// and returns the login of a user per role.
func startBroker(t *testing.T) (addr string, login func(auth.Role) []kgo.Opt) {
	t.Helper()
	dir := t.TempDir()
	passwords := brokertest.Users(t, filepath.Join(dir, "users.json"), auth.Roles...)
	users, err := auth.OpenUsers(filepath.Join(dir, "users.json"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := broker.Start(ctx, broker.Config{Addr: "127.0.0.1:0", DataDir: filepath.Join(dir, "data"),
		Topics: map[string]int32{topic: 1}, SASL: &broker.SASL{Users: users}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b.Addr(), func(r auth.Role) []kgo.Opt { return brokertest.Login(r.String(), passwords[r], nil) }
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestPositionReachesTheWatcher commits positions as the projector's
// lowest role (a reader) to the embedded broker, through its ACLs, and
// reads them back as a validator; a group without a position, and one
// whose metadata is not a projector's, are unknown.
func TestPositionReachesTheWatcher(t *testing.T) {
	addr, login := startBroker(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	reg := prometheus.NewRegistry()
	w, err := projectorpos.NewWatcher(projectorpos.WatcherConfig{Kafka: projectorpos.Kafka{Brokers: []string{addr}, ClientOpts: login(auth.RoleValidator),
		Topic: topic}, Interval: 50 * time.Millisecond, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	watched := make(chan struct{})
	go func() { defer close(watched); _ = w.Run(ctx) }()
	defer func() { cancel(); <-watched }()

	time.Sleep(300 * time.Millisecond)
	if h, ok := w.Projected(); ok {
		t.Fatalf("position %d known before any commit", h)
	}
	if n := value(t, reg, "aurigraph_alerts_projector_position_known", ""); n != 0 {
		t.Fatalf("known gauge %v before any commit", n)
	}

	r, err := projectorpos.NewReporter(projectorpos.ReporterConfig{Kafka: projectorpos.Kafka{Brokers: []string{addr}, ClientOpts: login(auth.RoleViewer),
		Topic: topic}, Interval: 20 * time.Millisecond, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rctx, rcancel := context.WithCancel(ctx)
	reported := make(chan struct{})
	go func() { defer close(reported); _ = r.Run(rctx) }()

	for _, h := range []uint64{0, 7, 1234, 3} {
		r.Set(h, int64(h))
		waitFor(t, "the watcher to see height "+strconv.FormatUint(h, 10), func() bool {
			got, ok := w.Projected()
			return ok && got == h
		})
	}
	if n := value(t, reg, "aurigraph_alerts_projector_position_known", ""); n != 1 {
		t.Fatalf("known gauge %v with a position committed", n)
	}
	rcancel()
	<-reported

	// Anyone with the readers' group rights can commit to the group: what
	// is not a projector's position is no position.
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(addr)}, login(auth.RoleViewer)...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	offsets := kadm.Offsets{}
	offsets.Add(kadm.Offset{Topic: topic, At: 5, LeaderEpoch: -1, Metadata: "height=99"})
	if err := kadm.NewClient(cl).CommitAllOffsets(ctx, projectorpos.Group, offsets); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a foreign commit to be no position", func() bool {
		_, ok := w.Projected()
		return !ok
	})
}

// TestReporterFailureNeverBlocks points a reporter at a port nobody
// listens on: Set returns at once however many times it is called, and
// the failures are counted.
func TestReporterFailureNeverBlocks(t *testing.T) {
	reg := prometheus.NewRegistry()
	r, err := projectorpos.NewReporter(projectorpos.ReporterConfig{Kafka: projectorpos.Kafka{Brokers: []string{"127.0.0.1:1"}, Topic: topic,
		ClientOpts: []kgo.Opt{kgo.RequestRetries(0), kgo.RetryTimeout(100 * time.Millisecond)}}, Interval: 10 * time.Millisecond, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = r.Run(ctx) }()
	began := time.Now()
	for h := range uint64(10_000) {
		r.Set(h, int64(h))
	}
	if took := time.Since(began); took > time.Second {
		t.Errorf("10,000 Set calls took %v against an unreachable broker", took)
	}
	waitFor(t, "a failed commit to be counted", func() bool {
		return value(t, reg, "aurigraph_projector_position_commits_total", "error") > 0
	})
	cancel()
	<-done
}

// value reads a gauge or counter of reg, the one with label result when
// set.
func value(t *testing.T, reg *prometheus.Registry, name, result string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if result != "" && (len(m.GetLabel()) != 1 || m.GetLabel()[0].GetValue() != result) {
				continue
			}
			if m.GetGauge() != nil {
				return m.GetGauge().GetValue()
			}
			return m.GetCounter().GetValue()
		}
	}
	t.Fatalf("no metric %s{result=%q}", name, result)
	return 0
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		meta string
		want uint64
		ok   bool
	}{
		{projectorpos.Metadata(0), 0, true},
		{projectorpos.Metadata(42), 42, true},
		{projectorpos.Metadata(^uint64(0)), ^uint64(0), true},
		{"", 0, false},
		{"42", 0, false},
		{"aurigraph-projector/v1 height=", 0, false},
		{"aurigraph-projector/v1 height=-1", 0, false},
		{"aurigraph-projector/v1 height=+1", 0, false},
		{"aurigraph-projector/v1 height=1 ", 0, false},
		{"aurigraph-projector/v1 height=18446744073709551616", 0, false},
		{"aurigraph-projector/v1 height=000000000000000000001", 0, false},
		{"aurigraph-projector/v2 height=1", 0, false},
		{"aurigraph-projector/v1 height=01", 0, false},
	} {
		got, err := projectorpos.Parse(tc.meta)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("Parse(%q) = %d, %v; want %d, ok %v", tc.meta, got, err, tc.want, tc.ok)
		}
		if err != nil && !errors.Is(err, projectorpos.ErrMetadata) {
			t.Errorf("Parse(%q): %v does not wrap ErrMetadata", tc.meta, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{projectorpos.Metadata(0), projectorpos.Metadata(1 << 40), "", "height=1", "aurigraph-projector/v1 height=9x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, meta string) {
		h, err := projectorpos.Parse(meta)
		if err != nil {
			return
		}
		if projectorpos.Metadata(h) != meta {
			t.Fatalf("Parse(%q) = %d, which renders as %q", meta, h, projectorpos.Metadata(h))
		}
	})
}
