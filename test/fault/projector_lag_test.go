package fault

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aurigraph/aurigraph/internal/alerting"
	"github.com/aurigraph/aurigraph/test/testbin"
)

// TestProjectorLagAlertAcrossProcesses runs three validators, `aurigraph
// projector run` and a load: a projector_lag_ms rule stays quiet while the
// projector keeps up, fires once the projector is SIGKILLed (its position
// in Kafka stands still while the chain grows), and resolves when it is
// started again and catches up.
func TestProjectorLagAlertAcrossProcesses(t *testing.T) {
	c := startCluster(t, 3)
	var validators []string
	for _, id := range c.ids() {
		validators = append(validators, "http://"+c.nodes[id].httpAddr)
	}
	addrs := testbin.ReserveAddrs(t, 2)
	proj := testbin.NewProcess(binary, "projector", filepath.Join(c.logs, "projector.log"), "projector", "run",
		"--kafka", c.kafka, "--validators", strings.Join(validators, ","),
		"--data", filepath.Join(c.dataRoot, "projector"), "--http", addrs[0], "--clickhouse-http", addrs[1])
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("---- last lines of the projector (%s) ----\n%s", proj.LogPath(), proj.Tail(40))
		}
		proj.Kill()
	})
	if err := proj.Start(); err != nil {
		t.Fatal(err)
	}
	load := startLoadT(t, c, loadSpec{Total: 10_000_000, Rate: 400, Prefix: "projector-lag"})
	defer load.end()
	lead, _ := c.waitLeader(10*time.Second, 0)
	waitCommitted(t, c, lead, 1000, time.Minute)

	// The rule goes in once the projector is caught up and the leader knows
	// its position: a projector still starting, or starved of CPU on a
	// loaded machine, is really behind, which is not what this checks.
	testbin.WaitFor(t, time.Minute, "the projector caught up, its position known to the leader", func() (bool, string) {
		lagSeconds, err := metricAt(c.client, "http://"+addrs[0]+"/metrics", "aurigraph_projector_lag_seconds")
		if err != nil {
			return false, err.Error()
		}
		id, _, ok := c.leader()
		if !ok {
			return false, "no leader"
		}
		known, err := c.metric(id, "aurigraph_alerts_projector_position_known")
		if err != nil {
			return false, err.Error()
		}
		return lagSeconds < 1 && known == 1, fmt.Sprintf("projector lag %.1f s, position known %v", lagSeconds, known)
	})

	const threshold, forMs = 10_000, 1000
	rule := map[string]any{"name": "projection behind", "metric": "projector_lag_ms", "condition": ">",
		"threshold": threshold, "window_ms": 1000, "for_ms": forMs}
	var created alerting.RuleJSON
	testbin.WaitFor(t, 30*time.Second, "the rule created on the leader", func() (bool, string) {
		lead, _ := c.waitLeader(10*time.Second, 0)
		code, body := c.send(lead, http.MethodPost, "/alerts/rules", rule, &created)
		return code == http.StatusCreated, fmt.Sprintf("%d %s", code, body)
	})
	history := func(within time.Duration, want int) []alerting.Event {
		var h alertHistory
		testbin.WaitFor(t, within, fmt.Sprintf("%d transitions in the history", want), func() (bool, string) {
			id, _, ok := c.leader()
			if !ok {
				return false, "no leader"
			}
			if err := c.get(id, "/alerts/history?rule_id="+created.ID, &h); err != nil {
				return false, err.Error()
			}
			return len(h.Transitions) >= want, fmt.Sprintf("%+v", h.Transitions)
		})
		return h.Transitions
	}

	// Keeping up: no transition over the threshold, the for-duration and a
	// fetch of the position.
	time.Sleep((threshold+forMs)*time.Millisecond + 5*time.Second)
	if h := history(10*time.Second, 0); len(h) != 0 {
		t.Fatalf("the rule changed state while the projector keeps up: %+v", h)
	}

	proj.Kill()
	killed := time.Now()
	h := history(time.Minute, 1)
	took := time.Since(killed)
	t.Logf("fired %v after the projector was killed (threshold %d ms, for %d ms)", took.Round(time.Millisecond), threshold, forMs)
	if h[0].State != "firing" || h[0].Value <= threshold {
		t.Fatalf("first transition %+v", h[0])
	}
	// The lag counts from the first block not projected, committed up to a
	// batch before the kill; the position is fetched every 5 s.
	if limit := time.Duration(threshold+forMs)*time.Millisecond + 15*time.Second; took > limit {
		t.Errorf("fired %v after the kill, want within %v", took, limit)
	}

	if err := proj.Start(); err != nil {
		t.Fatal(err)
	}
	restarted := time.Now()
	h = history(2*time.Minute, 2)
	t.Logf("resolved %v after the projector was started again", time.Since(restarted).Round(time.Millisecond))
	if h[1].State != "resolved" || h[1].Value > threshold {
		t.Fatalf("second transition %+v", h[1])
	}
}
