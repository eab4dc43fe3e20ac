package ceiling

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/twmb/franz-go/pkg/kfake"
	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/consensus"
	"github.com/aurigraph/aurigraph/internal/clickhouse/chhttp/chhttptest"
	"github.com/aurigraph/aurigraph/projector"
)

// The embedded ClickHouse engine is process-global; the insert tests share
// one, started by the first of them.
var engine struct {
	once sync.Once
	dsn  string
	stop func()
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if engine.stop != nil {
		engine.stop()
	}
	os.Exit(code)
}

// clickHouse returns the engine's URL with an empty aurigraph database,
// migrated by the projector when migrate is set.
func clickHouse(t *testing.T, migrate bool) string {
	t.Helper()
	engine.once.Do(func() { engine.dsn, engine.stop, engine.err = chhttptest.Start() })
	if engine.err != nil {
		t.Fatal(engine.err)
	}
	conn, err := projector.OpenClickHouse(engine.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.Exec(t.Context(), "DROP DATABASE IF EXISTS "+projector.Database+" SYNC"); err != nil {
		t.Fatal(err)
	}
	if migrate {
		kafka, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, projector.DefaultTopic))
		if err != nil {
			t.Fatal(err)
		}
		defer kafka.Close()
		p, err := projector.New(projector.Config{Brokers: kafka.ListenAddrs(), ClickHouse: engine.dsn})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		if err := p.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	return engine.dsn
}

func TestInsertUsesAScratchDatabase(t *testing.T) {
	dsn := clickHouse(t, true)
	rate, err := insert(t.Context(), dsn, nil, 10_000, 4)
	if err != nil {
		t.Fatal(err)
	}
	if rate <= 0 {
		t.Fatalf("insert ceiling %.0f rows/s", rate)
	}
	conn, err := projector.OpenClickHouse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var left, projected uint64
	if err := conn.QueryRow(context.Background(), "SELECT count() FROM system.databases WHERE name LIKE 'aurigraph_ceiling_%'").Scan(&left); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(context.Background(), "SELECT count() FROM aurigraph.transactions").Scan(&projected); err != nil {
		t.Fatal(err)
	}
	if left != 0 || projected != 0 {
		t.Errorf("%d scratch databases left behind, %d rows in aurigraph.transactions; want none", left, projected)
	}
}

func TestInsertSaysToMigrateFirst(t *testing.T) {
	dsn := clickHouse(t, false)
	_, err := insert(t.Context(), dsn, nil, 10, 1)
	var ex *clickhouse.Exception
	if !errors.As(err, &ex) || !strings.Contains(err.Error(), "run the projector's migrations first") {
		t.Fatalf("insert ceiling without the schema: %v; want the server's exception and how to fix it", err)
	}
}

func TestReplicationCommitsOverLoopback(t *testing.T) {
	for _, validators := range []int{1, 3} {
		rate, err := replication(t.Context(), t.TempDir(), validators, 100, 120, 500*time.Millisecond)
		if err != nil {
			t.Fatalf("%d validators: %v", validators, err)
		}
		if rate <= 0 {
			t.Fatalf("%d validators: replication ceiling %.0f tx/s", validators, rate)
		}
	}
	if size := proto.Size(paddedBatch(100, 120)); size < 100*120 {
		t.Errorf("entry of %d bytes, want at least 100 transactions of 120 bytes", size)
	}
}

func TestApplyRunsTheStateMachine(t *testing.T) {
	dir := t.TempDir()
	rate, err := apply(t.Context(), dir, 5, 100)
	if err != nil {
		t.Fatal(err)
	}
	if rate <= 0 {
		t.Fatalf("apply ceiling %.0f tx/s", rate)
	}
	s, err := consensus.OpenBlockStoreReadOnly(filepath.Join(dir, "chain", consensus.BlocksFile))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rep, err := consensus.VerifyChain(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	// The funding block, then one block per batch.
	if !rep.OK || rep.Height != 6 || rep.TxCount != 1000+5*100 {
		t.Errorf("the chain the apply ceiling built: %+v; want 6 verified blocks of 1,500 transactions", rep)
	}
}

func TestVerifyMeasuresSignedValidation(t *testing.T) {
	rate, err := Verify(t.Context(), 100)
	if err != nil {
		t.Fatal(err)
	}
	if rate < 100 {
		t.Fatalf("verify ceiling %.0f tx/s: implausibly low", rate)
	}
}

func TestLogRateThroughTheBroker(t *testing.T) {
	kafka, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer kafka.Close()
	rate, err := logRate(t.Context(), kafka.ListenAddrs(), nil, 3, 5_000, 150)
	if err != nil {
		t.Fatal(err)
	}
	if rate <= 0 {
		t.Fatalf("log ceiling %.0f records/s", rate)
	}
	if _, err := logRate(t.Context(), []string{"127.0.0.1:1"}, nil, 3, 10, 150); err == nil {
		t.Error("log ceiling against no broker succeeded")
	}
}
