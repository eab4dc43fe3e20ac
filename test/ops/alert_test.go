package ops

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aurigraph/aurigraph/test/testbin"
)

// notification is the part of Alertmanager's webhook payload the test reads.
type notification struct {
	Status string `json:"status"`
	Alerts []struct {
		Status      string            `json:"status"`
		Labels      map[string]string `json:"labels"`
		Annotations map[string]string `json:"annotations"`
	} `json:"alerts"`
}

// receiver is the webhook Alertmanager notifies.
type receiver struct {
	mu  sync.Mutex
	got []notification
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var n notification
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&n); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rc.mu.Lock()
	rc.got = append(rc.got, n)
	rc.mu.Unlock()
}

// find returns the first alert named alertname for instance with status,
// and what was received so far.
func (rc *receiver) find(alertname, instance, status string) (map[string]string, string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var seen []string
	for _, n := range rc.got {
		for _, a := range n.Alerts {
			seen = append(seen, fmt.Sprintf("%s{instance=%s} %s", a.Labels["alertname"], a.Labels["instance"], a.Status))
			if a.Labels["alertname"] == alertname && a.Labels["instance"] == instance && a.Status == status {
				return a.Annotations, ""
			}
		}
	}
	return nil, fmt.Sprintf("received %d notifications: %v", len(rc.got), seen)
}

// TestValidatorDownAlert runs the shipped Prometheus configuration and rules
// on Debian's Prometheus against three `aurigraph node` validators, with
// Alertmanager (the shipped configuration, receivers pointed at this test)
// in between: SIGKILL one validator and AurigraphDown must reach the
// webhook; start it again and the resolved notification must follow. Only
// intervals and addresses differ from what ships: scrape and evaluate every
// second, group for a second.
func TestValidatorDownAlert(t *testing.T) {
	prometheus := lookTool(t, "prometheus")
	alertmanager := lookTool(t, "prometheus-alertmanager", "alertmanager")
	root := repoRoot(t)
	logs := testbin.LogDir(t, "AURIGRAPH_OPS_LOGDIR")
	work := t.TempDir()

	rc := &receiver{}
	hook := httptest.NewServer(rc)
	t.Cleanup(hook.Close)

	// The cluster: a broker and three validators.
	addrs := testbin.ReserveAddrs(t, 3+3*3)
	kafka, promAddr, amAddr := addrs[0], addrs[1], addrs[2]
	addrs = addrs[3:]
	type validator struct {
		raft, http, grpc string
		proc             *testbin.Process
	}
	vals := make([]*validator, 3)
	var peers []string
	for i := range vals {
		vals[i] = &validator{raft: addrs[3*i], http: addrs[3*i+1], grpc: addrs[3*i+2]}
		peers = append(peers, fmt.Sprintf("%d=%s", i+1, vals[i].raft))
	}
	broker := start(t, binary, "broker", logs, "broker", "--kafka", kafka, "--data", filepath.Join(work, "broker"))
	testbin.WaitFor(t, 20*time.Second, "broker on "+kafka, func() (bool, string) {
		if !broker.Running() {
			t.Fatalf("broker exited: %v", broker.ExitError())
		}
		c, err := net.DialTimeout("tcp", kafka, 200*time.Millisecond)
		if err != nil {
			return false, err.Error()
		}
		c.Close()
		return true, ""
	})
	for i, v := range vals {
		v.proc = start(t, binary, fmt.Sprintf("node%d", i+1), logs, "node",
			"--id", strconv.Itoa(i+1), "--peers", strings.Join(peers, ","),
			"--kafka", kafka, "--data", filepath.Join(work, fmt.Sprintf("node%d", i+1)),
			"--http", v.http, "--grpc", v.grpc)
	}
	for _, v := range vals {
		waitOK(t, v.proc, "http://"+v.http+"/metrics", 60*time.Second)
	}

	// Alertmanager with the shipped configuration, notifying this test.
	amDir := filepath.Join(work, "alertmanager")
	renderFile(t, filepath.Join(root, "deploy/prometheus/alertmanager.yml"), filepath.Join(amDir, "alertmanager.yml"), map[string]string{
		"url: http://127.0.0.1:9095/alerts": "url: " + hook.URL + "/alerts",
		"url: http://127.0.0.1:9095/page":   "url: " + hook.URL + "/page",
		"group_wait: 30s":                   "group_wait: 1s",
		"group_interval: 5m":                "group_interval: 1s",
	})
	am := start(t, alertmanager, "alertmanager", logs,
		"--config.file="+filepath.Join(amDir, "alertmanager.yml"), "--storage.path="+filepath.Join(amDir, "data"),
		"--web.listen-address="+amAddr, "--cluster.listen-address=")
	waitOK(t, am, "http://"+amAddr+"/-/ready", 30*time.Second)

	// Prometheus with the shipped configuration and rules; the targets are
	// this cluster's.
	promDir := filepath.Join(work, "prometheus")
	renderFile(t, filepath.Join(root, "deploy/prometheus/prometheus.yml"), filepath.Join(promDir, "prometheus.yml"), map[string]string{
		"scrape_interval: 15s":     "scrape_interval: 1s",
		"evaluation_interval: 15s": "evaluation_interval: 1s",
	})
	for _, f := range []string{"rules/settings.yml", "rules/aurigraph.yml"} {
		renderFile(t, filepath.Join(root, "deploy/prometheus", f), filepath.Join(promDir, f), nil)
	}
	writeTargets(t, filepath.Join(promDir, "targets/node.yml"), vals[0].http, vals[1].http, vals[2].http)
	writeTargets(t, filepath.Join(promDir, "targets/dev.yml"))
	writeTargets(t, filepath.Join(promDir, "targets/gateway.yml"))
	writeTargets(t, filepath.Join(promDir, "targets/alertmanager.yml"), amAddr)
	prom := start(t, prometheus, "prometheus", logs,
		"--config.file="+filepath.Join(promDir, "prometheus.yml"), "--storage.tsdb.path="+filepath.Join(promDir, "data"),
		"--web.listen-address="+promAddr)
	waitOK(t, prom, "http://"+promAddr+"/-/ready", 30*time.Second)
	testbin.WaitFor(t, 30*time.Second, "Prometheus to scrape all three validators", func() (bool, string) {
		up, status := upTargets(promAddr)
		return up == 3, status
	})

	victim := vals[2]
	killed := time.Now()
	victim.proc.Kill()
	testbin.WaitFor(t, 150*time.Second, "AurigraphDown for "+victim.http+" at the webhook", func() (bool, string) {
		ann, status := rc.find("AurigraphDown", victim.http, "firing")
		if ann != nil {
			if want := "https://github.com/aurigraph/aurigraph/blob/main/docs/runbooks/AurigraphDown.md"; ann["runbook_url"] != want {
				t.Fatalf("runbook_url %q, want %q", ann["runbook_url"], want)
			}
			return true, ""
		}
		return false, status
	})
	t.Logf("AurigraphDown reached the webhook %v after the SIGKILL (the rule waits 1m)", time.Since(killed).Round(100*time.Millisecond))

	restarted := time.Now()
	if err := victim.proc.Start(); err != nil {
		t.Fatal(err)
	}
	testbin.WaitFor(t, 60*time.Second, "AurigraphDown resolved for "+victim.http, func() (bool, string) {
		ann, status := rc.find("AurigraphDown", victim.http, "resolved")
		return ann != nil, status
	})
	t.Logf("resolved notification %v after the restart", time.Since(restarted).Round(100*time.Millisecond))
	for _, v := range vals[:2] {
		if ann, _ := rc.find("AurigraphDown", v.http, "firing"); ann != nil {
			t.Errorf("AurigraphDown fired for %s, which ran throughout", v.http)
		}
	}
}

// renderFile copies src to dst with each key of replace replaced by its
// value; a key that is not in src fails the test, so the shipped file and
// the test cannot drift apart unnoticed.
func renderFile(t *testing.T, src, dst string, replace map[string]string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for old, repl := range replace {
		if !strings.Contains(s, old) {
			t.Fatalf("%s no longer holds %q, which the test replaces", src, old)
		}
		s = strings.ReplaceAll(s, old, repl)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeTargets writes a file_sd target file listing addrs (none: an empty
// list).
func writeTargets(t *testing.T, file string, addrs ...string) {
	t.Helper()
	body := "[]\n"
	if len(addrs) > 0 {
		body = "- targets: [" + strings.Join(addrs, ", ") + "]\n"
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// upTargets counts the active targets Prometheus reports up.
func upTargets(promAddr string) (int, string) {
	code, body, err := get("http://" + promAddr + "/api/v1/targets?state=active")
	if err != nil || code != http.StatusOK {
		return 0, fmt.Sprintf("%d %v", code, err)
	}
	var r struct {
		Data struct {
			ActiveTargets []struct {
				ScrapeURL string `json:"scrapeUrl"`
				Health    string `json:"health"`
				LastError string `json:"lastError"`
			} `json:"activeTargets"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return 0, err.Error()
	}
	up := 0
	var status []string
	for _, tg := range r.Data.ActiveTargets {
		if tg.Health == "up" {
			up++
		}
		status = append(status, fmt.Sprintf("%s %s %s", tg.ScrapeURL, tg.Health, tg.LastError))
	}
	return up, strings.Join(status, "; ")
}
