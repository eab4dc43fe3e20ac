package bench

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aurigraph/aurigraph/ingest"
	"github.com/aurigraph/aurigraph/internal/bench/ceiling"
)

func TestProducerRecordsAreValidTransactions(t *testing.T) {
	for _, tc := range []struct {
		name   string
		size   int
		signed bool
	}{
		{"small unsigned", 100, false},
		{"default unsigned", 150, false},
		{"large unsigned", 2000, false},
		{"default signed", 150, true},
		{"large signed", 1000, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newProducer("run1", 3, tc.size, tc.signed)
			nonces := map[string]uint64{}
			for i := range 2 * accountsPerProducer {
				key, value, err := p.record(phaseLatency)
				if err != nil {
					t.Fatal(err)
				}
				tx, err := ingest.DecodeRecord(value)
				if err != nil {
					t.Fatalf("record %d %s: %v", i, value, err)
				}
				if err := ingest.Validate(tx); err != nil {
					t.Fatalf("record %d: %v", i, err)
				}
				if tc.signed != (len(tx.GetSig()) > 0) {
					t.Fatalf("record %d: signed=%v but sig is %x", i, tc.signed, tx.GetSig())
				}
				if string(key) != tx.GetFrom() {
					t.Fatalf("record %d: key %q, sender %q", i, key, tx.GetFrom())
				}
				if tx.GetNonce() <= nonces[tx.GetFrom()] {
					t.Fatalf("record %d: nonce %d of %s does not grow", i, tx.GetNonce(), tx.GetFrom())
				}
				nonces[tx.GetFrom()] = tx.GetNonce()
				if !tc.signed && tc.size > 150 && (len(value) < tc.size*9/10 || len(value) > tc.size*11/10) {
					t.Fatalf("record %d: %d bytes, asked for about %d", i, len(value), tc.size)
				}
			}
		})
	}
}

func TestProducerRecipientsNamePhases(t *testing.T) {
	for _, signed := range []bool{false, true} {
		p := newProducer("r9", 2, 150, signed)
		o := newObserver(p.phases())
		for _, phase := range []string{phaseMax, phaseLatency} {
			_, value, err := p.record(phase)
			if err != nil {
				t.Fatal(err)
			}
			tx, err := ingest.DecodeRecord(value)
			if err != nil {
				t.Fatal(err)
			}
			if got := o.phaseOf(tx.GetTo()); got != phase {
				t.Errorf("signed=%v: phase of a %s transaction to %s = %q", signed, phase, tx.GetTo(), got)
			}
		}
		other := newObserver(newProducer("r10", 2, 150, signed).phases())
		_, value, _ := p.record(phaseMax)
		tx, _ := ingest.DecodeRecord(value)
		if got := other.phaseOf(tx.GetTo()); got != "" {
			t.Errorf("signed=%v: another run claims a transaction of this one as phase %q", signed, got)
		}
	}
}

func TestProfilesAndFlagChecks(t *testing.T) {
	for name := range Profiles {
		if _, err := withProfile(Config{Profile: name}); err != nil {
			t.Errorf("profile %s: %v", name, err)
		}
	}
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{Profile: "huge"}, "use quick, standard or stress"},
		{Config{Rate: -1}, "--rate"},
		{Config{TxSize: 50}, "--tx-size"},
		{Config{Producers: -2}, "--producers"},
	} {
		if _, err := withProfile(tc.cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("withProfile(%+v) = %v, want an error about %s", tc.cfg, err, tc.want)
		}
	}
}

func TestReportRoundTripAndCompare(t *testing.T) {
	old := &Report{Version: 1, Profile: "quick", CommittedTPS: 1000, Ceilings: ceiling.Ceilings{LogTPS: 10_000},
		LatencyMs: map[string]Percentiles{"submit_commit": {P50: 10, P99: 40}}}
	path := filepath.Join(t.TempDir(), "old.json")
	if err := old.WriteJSON(path); err != nil {
		t.Fatal(err)
	}
	back, err := ReadReport(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.CommittedTPS != 1000 || back.LatencyMs["submit_commit"].P99 != 40 {
		t.Fatalf("round trip lost figures: %+v", back)
	}
	cur := &Report{Version: 1, Profile: "quick", CommittedTPS: 1500, Ceilings: ceiling.Ceilings{LogTPS: 10_000},
		LatencyMs: map[string]Percentiles{"submit_commit": {P50: 5, P99: 40}}}
	var out bytes.Buffer
	cur.WriteComparison(&out, back)
	for _, want := range []string{"| committed_tps | 1000 | 1500 | 1.50 |", "| latency_ms.submit_commit.p50 | 10 | 5 | 0.50 |", "| ceilings.log_tps | 10000 | 10000 | 1.00 |"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("comparison lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	cur.WriteMarkdown(&out)
	if !strings.Contains(out.String(), "| committed tx/s (max-rate phase) | 1.5K | |") {
		t.Errorf("markdown table:\n%s", out.String())
	}
	if _, err := ReadReport(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Error("ReadReport of a missing file succeeded")
	}
}

func TestProcCPUAndMemoryOfThisProcess(t *testing.T) {
	deadline := time.Now().Add(50 * time.Millisecond)
	for x := 0; time.Now().Before(deadline); x++ {
		_ = x * x
	}
	pids := map[string]int{"validator-1": os.Getpid()}
	if cpu := cpuOf(pids); cpu <= 0 {
		t.Fatalf("cpuOf = %v after busy work", cpu)
	}
	p := peakRSSOf(pids)
	if p.Validator == nil || *p.Validator <= 0 || p.Total != *p.Validator {
		t.Fatalf("peakRSSOf = %+v", p)
	}
	var fe firstError
	fe.set(errors.New("first"))
	fe.set(fmt.Errorf("second of another type: %w", os.ErrClosed))
	if fe.get().Error() != "first" {
		t.Fatalf("firstError kept %v", fe.get())
	}
}

func TestPortalQueryReplaysTheNewestFiftyBlocks(t *testing.T) {
	for head, want := range map[uint64]string{
		0:   "types=block,tps,validator&from_height=1",
		50:  "types=block,tps,validator&from_height=1",
		51:  "types=block,tps,validator&from_height=2",
		120: "types=block,tps,validator&from_height=71",
	} {
		if got := PortalQuery(head); got != want {
			t.Errorf("PortalQuery(%d) = %q, want %q", head, got, want)
		}
	}
}
