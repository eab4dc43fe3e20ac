package projector

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aurigraph/aurigraph/internal/blockfeed"
)

// childEnv makes the test binary run a projector instead of the tests, so
// a test can SIGKILL a real process in the middle of a batch.
const childEnv = "AURIGRAPH_PROJECTOR_CHILD"

func runChild() int {
	trust, err := blockfeed.NewAnchors(blockfeed.AnchorsConfig{File: os.Getenv("AURIGRAPH_PROJECTOR_KEYS")})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	cfg := Config{
		Brokers:    strings.Split(os.Getenv(childEnv), ","),
		ClickHouse: os.Getenv("AURIGRAPH_PROJECTOR_DSN"),
		Trust:      trust,
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

// slowBlocksFront forwards to ClickHouse, but holds every insert into
// aurigraph.blocks for delay first, and drops it when its client is gone by
// then. It widens the window between a batch's two inserts, where a crash
// must be harmless, so that kills can be aimed at it.
//
// The body is read before the wait: only then does the server notice the
// client's connection closing. A dead client's insert forwarded after a new
// projector resumed would be a write from the past, which ClickHouse, reached
// directly, executes as it arrives instead.
type slowBlocksFront struct {
	target *url.URL
	delay  time.Duration
}

func (f *slowBlocksFront) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	if strings.HasPrefix(r.URL.Query().Get("query"), "INSERT INTO aurigraph.blocks ") {
		select {
		case <-time.After(f.delay):
		case <-r.Context().Done():
			return
		}
	}
	out := r.Clone(r.Context())
	out.Body, out.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	out.RequestURI = ""
	out.URL.Scheme, out.URL.Host, out.Host = f.target.Scheme, f.target.Host, f.target.Host
	resp, err := http.DefaultTransport.RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, resp.Body)
}

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
	target, err := url.Parse(testDSN)
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(&slowBlocksFront{target: target, delay: 200 * time.Millisecond})
	defer front.Close()
	spawn := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"="+strings.Join(e.brokers, ","), "AURIGRAPH_PROJECTOR_DSN="+front.URL, "AURIGRAPH_PROJECTOR_KEYS="+e.keys)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	rng := rand.New(rand.NewPCG(1, 2))
	kills, midBatch := 0, 0
	for kills < 30 {
		if e.counts().maxHeight == blocks {
			break
		}
		child := spawn()
		if kills%2 == 0 {
			// Aimed: as soon as a batch's transactions are in and its
			// blocks are not.
			for wait := time.Now().Add(10 * time.Second); time.Now().Before(wait); time.Sleep(2 * time.Millisecond) {
				if c := e.counts(); c.txs > wantTxs(c.maxHeight) {
					break
				}
			}
		} else {
			// Anywhere: starting, consuming, inserting.
			time.Sleep(time.Duration(50+rng.IntN(400)) * time.Millisecond)
		}
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
	// Waiting for the top height alone would not do: the top batch's
	// transactions may still be missing.
	want := counts{blocks: blocks, uniqBlocks: blocks, maxHeight: blocks, txs: wantTxs(blocks), uniqTxs: wantTxs(blocks)}
	deadline := time.Now().Add(60 * time.Second)
	for got := e.counts(); got != want; got = e.counts() {
		if time.Now().After(deadline) {
			t.Fatalf("after the kills and 60 s of a last run: %+v, want %+v", got, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("%d SIGKILLs, %d of them between a batch's transaction and block inserts", kills, midBatch)
	if midBatch == 0 {
		t.Fatalf("none of %d kills landed mid-batch; the test proved nothing", kills)
	}
	e.checkRollup(want.txs)
}
