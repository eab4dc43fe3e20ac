package hostile

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aurigraph/aurigraph/test/testbin"
)

// loadEvery is the pause between submissions on each load path: about 40
// a second on each of REST, gRPC and the topic.
const loadEvery = 25 * time.Millisecond

// defaultRSSMax bounds dev's resident set over the run, in MiB: about twice
// the largest peak measured on the 2-core development machine, 1,870 MiB
// (most of it the 1 GiB a read may take), so that only a real growth fails
// it, such as a read the engine's memory limit no longer stops.
const defaultRSSMax = 3840

// settings are the test's tunables, from the environment.
type settings struct {
	window, forgeWindow time.Duration
	seed                uint64
	rssMax              uint64 // bytes
}

func readSettings(t *testing.T) settings {
	t.Helper()
	s := settings{window: 60 * time.Second, seed: uint64(time.Now().UnixNano()), rssMax: defaultRSSMax << 20}
	if v := os.Getenv("AURIGRAPH_HOSTILE_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			t.Fatalf("AURIGRAPH_HOSTILE_DURATION=%q: want a positive duration such as 60s", v)
		}
		s.window = d
	}
	s.forgeWindow = max(s.window/4, 10*time.Second)
	if v := os.Getenv("AURIGRAPH_HOSTILE_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("AURIGRAPH_HOSTILE_SEED=%q: want an unsigned integer", v)
		}
		s.seed = n
	}
	if v := os.Getenv("AURIGRAPH_HOSTILE_RSS_MAX"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || n == 0 {
			t.Fatalf("AURIGRAPH_HOSTILE_RSS_MAX=%q: want MiB, e.g. 1536", v)
		}
		s.rssMax = n << 20
	}
	return s
}

// TestHostileClients attacks a running dev on every port while a signed
// load commits, then checks that every guarantee held (see the package
// documentation).
func TestHostileClients(t *testing.T) {
	if testing.Short() {
		t.Skip("a run of several minutes against a real aurigraph dev; skipped with -short")
	}
	cfg := readSettings(t)
	t.Logf("seed %d (AURIGRAPH_HOSTILE_SEED), attack %v, forged blocks %v", cfg.seed, cfg.window, cfg.forgeWindow)
	began := time.Now()
	logs := testbin.LogDir(t, "AURIGRAPH_HOSTILE_LOGDIR")
	who := newCast(t)
	d := startDev(t, logs, who.issuerList())
	mem := sampleMemory(d.proc.Pid(), 200*time.Millisecond)
	defer mem.close()

	led := newLedger()
	ld := &load{d: d, who: who, tally: newTally(), led: led, seed: cfg.seed, every: loadEvery, nonces: map[string]uint64{}}
	ld.fund(t)
	a := &attack{d: d, who: who, led: led, seed: cfg.seed}
	attackers := concat(a.restAttackers(), a.grpcAttackers(), a.streamAttackers(), a.kafkaAttackers(), a.clickhouseAttackers(t.TempDir()))
	chk := &checker{d: d, who: who, led: led, resolved: map[string]txStatus{}}

	// Round one: every attack but forged blocks, with the large batches.
	one := newTally()
	ld.tally, a.tally, chk.tally = one, one, one
	rep, err := round(cfg.window, ld, a, attackers, true)
	if err != nil {
		t.Fatal(err)
	}
	chk.note("round one: %d attackers for %v: %v", len(attackers), cfg.window, rep)
	t.Run("after-attack", func(t *testing.T) { chk.check(t, "round one", nil) })

	// Round two adds forged blocks: kept apart, so that whether readers of
	// the blocks topic take a forgery is told by its checks alone.
	two := newTally()
	ld.tally, a.tally, chk.tally = two, two, two
	f := newForger(a, newKey(t))
	if err := f.start(t.Context()); err != nil {
		t.Fatalf("read the blocks topic before forging: %v", err)
	}
	withForger := append(attackers[:len(attackers):len(attackers)], attacker{"kafka/forged-blocks", f.run})
	rep, err = round(cfg.forgeWindow, ld, a, withForger, false)
	chk.note("round two: %d attackers with forged blocks for %v: %v", len(withForger), cfg.forgeWindow, rep)
	forgedOK := t.Run("after-forged-blocks", func(t *testing.T) {
		if err != nil {
			t.Error(err)
		}
		chk.check(t, "round two", f)
	})

	t.Run("stopped", func(t *testing.T) { stopAndVerify(t, d, forgedOK) })
	mem.close()
	t.Run("memory", func(t *testing.T) {
		peak, samples, err := mem.peak()
		chk.note("dev resident set: peak %d MiB over %d samples (VmRSS every 200ms and VmHWM), bound %d MiB", peak>>20, samples, cfg.rssMax>>20)
		if err != nil {
			t.Errorf("sampling /proc/%d/status: %v", d.proc.Pid(), err)
		}
		if samples == 0 {
			t.Fatal("no memory sample taken")
		}
		if peak > cfg.rssMax {
			t.Fatalf("dev's resident set reached %d MiB, above the bound of %d MiB (AURIGRAPH_HOSTILE_RSS_MAX)", peak>>20, cfg.rssMax>>20)
		}
	})
	chk.note("inputs sent and answered: %d in round one, %d in round two; wall time %v", one.total(), two.total(), time.Since(began).Round(time.Second))
	summary := "what was sent and how it was answered, round one:\n" + one.String() +
		"\nround two, with forged blocks:\n" + two.String() + "\n" + strings.Join(chk.summary, "\n")
	t.Log(summary)
	if err := os.WriteFile(filepath.Join(logs, "summary.txt"), []byte(summary+"\n"), 0o644); err != nil {
		t.Errorf("write the summary: %v", err)
	}
}

func concat[T any](lists ...[]T) []T {
	var out []T
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// roundReport is what a round did.
type roundReport struct {
	took time.Duration
	// blocks the chain committed during the round, and the longest time
	// it went without a new block (sampled every second).
	blocks      uint64
	longestGap  time.Duration
	statsFailed int
}

func (r roundReport) String() string {
	return fmt.Sprintf("ended after %v; %d blocks committed meanwhile, the longest time without one %v (chain/stats failed %d times)",
		r.took.Round(time.Second), r.blocks, r.longestGap.Round(time.Second), r.statsFailed)
}

// round runs the load and the attackers for window, the large batches
// too when big is set, and waits until every one of them has returned. It
// returns what it saw, and an error if dev exited meanwhile (the round
// then ends at once).
func round(window time.Duration, ld *load, a *attack, attackers []attacker, big bool) (roundReport, error) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), window)
	defer cancel()
	exited := ld.d.proc.Exited()
	go func() {
		select {
		case <-exited:
			cancel()
		case <-ctx.Done():
		}
	}()
	var rep roundReport
	var wg sync.WaitGroup
	wg.Go(func() { rep.blocks, rep.longestGap, rep.statsFailed = commitProgress(ctx, ld.d) })
	wg.Go(func() { ld.run(ctx) })
	wg.Go(func() { a.runAll(ctx, attackers) })
	if big {
		wg.Go(func() {
			if sleep(ctx, 3*time.Second) {
				ld.bigBatches(ctx)
			}
		})
	}
	wg.Wait()
	rep.took = time.Since(start)
	if err := ld.d.gone(); err != nil {
		return rep, fmt.Errorf("during the round, after %v: %w", rep.took.Round(time.Second), err)
	}
	return rep, nil
}

// commitProgress samples the chain's height every second until ctx ends
// and returns how many blocks were committed and the longest time between
// two heights.
func commitProgress(ctx context.Context, d *dev) (blocks uint64, longest time.Duration, failed int) {
	var first, last uint64
	lastChange := time.Now()
	for i := 0; ; i++ {
		if st, err := d.stats(); err != nil {
			failed++
		} else {
			if i == 0 {
				first = st.Height
			}
			if st.Height != last {
				last, lastChange = st.Height, time.Now()
			}
		}
		longest = max(longest, time.Since(lastChange))
		if !sleep(ctx, time.Second) {
			return last - min(first, last), longest, failed
		}
	}
}
