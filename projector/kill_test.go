package projector

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// childEnv makes the test binary run a projector instead of the tests, so
// a test can SIGKILL a real process in the middle of a batch.
const childEnv = "AURIGRAPH_PROJECTOR_CHILD"

func runChild() int {
	cfg := Config{
		Brokers:    strings.Split(os.Getenv(childEnv), ","),
		ClickHouse: os.Getenv("AURIGRAPH_PROJECTOR_DSN"),
		Logger:     slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		// Many small batches: most of the child's life is spent mid-batch.
		MaxBatchBlocks: 20,
	}
	p, err := New(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := p.Run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

func bigBlocks(h uint64) int { return 200 + int(h%5)*50 }

func TestKilledMidBatchLeavesNoDuplicatesOrGaps(t *testing.T) {
	if testing.Short() {
		t.Skip("kills real processes; skipped with -short")
	}
	e := newEnv(t)
	if err := e.projector(Config{}).Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	const blocks = 400
	e.publishSized(1, blocks, bigBlocks)
	wantTxs := func(to uint64) uint64 {
		var n uint64
		for h := uint64(1); h <= to; h++ {
			n += uint64(bigBlocks(h))
		}
		return n
	}
	spawn := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"="+strings.Join(e.brokers, ","), "AURIGRAPH_PROJECTOR_DSN="+testDSN)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	rng := rand.New(rand.NewPCG(1, 2))
	kills, midBatch := 0, 0
	for kills < 30 {
		c := e.counts()
		if c.maxHeight == blocks {
			break
		}
		child := spawn()
		// Kill once it projects, not after a fixed time: how long a start
		// takes depends on what else loads the machine.
		for wait := time.Now().Add(10 * time.Second); e.counts().txs == c.txs && time.Now().Before(wait); {
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(time.Duration(rng.IntN(60)) * time.Millisecond)
		child.Process.Signal(syscall.SIGKILL)
		child.Wait()
		kills++
		if after := e.counts(); after.txs > wantTxs(after.maxHeight) {
			midBatch++
		}
	}
	// A last run, left alone, finishes the topic.
	child := spawn()
	defer func() {
		child.Process.Signal(syscall.SIGKILL)
		child.Wait()
	}()
	deadline := time.Now().Add(60 * time.Second)
	for e.counts().maxHeight < blocks {
		if time.Now().After(deadline) {
			t.Fatalf("projection at height %d after 60s, want %d", e.counts().maxHeight, blocks)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("%d SIGKILLs, %d of them between a batch's transaction and block inserts", kills, midBatch)
	if midBatch == 0 {
		t.Fatalf("none of %d kills landed mid-batch; the test proved nothing", kills)
	}
	want := counts{blocks: blocks, uniqBlocks: blocks, maxHeight: blocks, txs: wantTxs(blocks), uniqTxs: wantTxs(blocks)}
	if got := e.counts(); got != want {
		t.Fatalf("after the kills: %+v, want %+v", got, want)
	}
	e.checkRollup(want.txs)
}
