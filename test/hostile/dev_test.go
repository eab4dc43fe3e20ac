package hostile

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aurigraph/aurigraph/schemas"
	"github.com/aurigraph/aurigraph/test/testbin"
)

// validators is how many validators dev runs.
const validators = 3

// key is an Ed25519 key and the address it controls.
type key struct {
	priv ed25519.PrivateKey
	addr string
}

func newKey(t testing.TB) key {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key{priv: priv, addr: schemas.AddressOf(pub)}
}

// dev is one `aurigraph dev` child process and its addresses.
type dev struct {
	proc    *testbin.Process
	dataDir string
	// Listen addresses, host:port.
	http, grpc, kafka, clickhouse string
	client                        *http.Client
}

// startDev starts `aurigraph dev` with signatures required and the given
// issuers, on free loopback ports, and waits until it is ready. It is killed
// when the test ends, and its log's tail printed if the test failed. Ports
// are free when chosen, not reserved: when another process took one first,
// dev is started again on others.
func startDev(t *testing.T, logs string, issuers []key) *dev {
	t.Helper()
	for attempt := 1; ; attempt++ {
		d, err := tryStartDev(t, logs, issuers, attempt)
		if err == nil {
			return d
		}
		if attempt == 3 || !strings.Contains(d.proc.Tail(30), "address already in use") {
			t.Fatalf("%v\n%s", err, d.proc.Tail(30))
		}
		t.Logf("start %d: %v; again on other ports", attempt, err)
	}
}

func tryStartDev(t *testing.T, logs string, issuers []key, attempt int) (*dev, error) {
	addrs := testbin.ReserveAddrs(t, 4)
	d := &dev{
		dataDir:    t.TempDir(),
		http:       addrs[0],
		grpc:       addrs[1],
		kafka:      addrs[2],
		clickhouse: addrs[3],
		client:     &http.Client{Timeout: 15 * time.Second},
	}
	args := []string{"dev",
		"--data", d.dataDir,
		"--validators", strconv.Itoa(validators),
		"--http", d.http,
		"--grpc", d.grpc,
		"--kafka", d.kafka,
		"--clickhouse-http", d.clickhouse,
		"--raft-port", strconv.Itoa(testbin.ReservePortRun(t, validators)),
		"--require-signatures",
	}
	for _, k := range issuers {
		args = append(args, "--issuer", k.addr)
	}
	d.proc = testbin.NewProcess(aurigraphBin, "dev", filepath.Join(logs, fmt.Sprintf("dev-%d.log", attempt)), args...)
	if err := d.proc.Start(); err != nil {
		return d, err
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("---- last lines of %s ----\n%s", d.proc.LogPath(), d.proc.Tail(60))
		}
		d.proc.Kill()
		d.client.CloseIdleConnections()
	})
	deadline := time.Now().Add(120 * time.Second)
	for {
		if err := d.gone(); err != nil {
			return d, fmt.Errorf("during start-up: %w", err)
		}
		code, body, err := d.get("/q/health/ready")
		if err == nil && code == http.StatusOK {
			return d, nil
		}
		if time.Now().After(deadline) {
			return d, fmt.Errorf("dev not ready after 120s; /q/health/ready: %s %.300s", httpOutcome(code, err), body)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (d *dev) url(path string) string { return "http://" + d.http + path }

// gone is nil while dev runs, and says how it ended once it has exited:
// waits for a condition end on it rather than at their deadline.
func (d *dev) gone() error {
	if d.proc.Running() {
		return nil
	}
	return fmt.Errorf("dev exited: %v", d.proc.ExitError())
}

// get fetches path from the HTTP API and returns the status and body.
func (d *dev) get(path string) (int, []byte, error) {
	resp, err := d.client.Get(d.url(path))
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	return resp.StatusCode, body, err
}

// getJSON fetches path and decodes a 200 answer into out.
func (d *dev) getJSON(path string, out any) error {
	code, body, err := d.get(path)
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	if code != http.StatusOK {
		return fmt.Errorf("GET %s: %d %.300s", path, code, body)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("GET %s: decode %.300s: %w", path, body, err)
	}
	return nil
}

// chainStats is GET /chain/stats.
type chainStats struct {
	Height   uint64 `json:"height"`
	TxCount  uint64 `json:"tx_count"`
	LastHash string `json:"last_hash"`
}

func (d *dev) stats() (chainStats, error) {
	var s chainStats
	err := d.getJSON("/api/v12/chain/stats", &s)
	return s, err
}

// sql runs a query on the ClickHouse interface as the reader and returns
// its rows as tab-separated text.
func (d *dev) sql(ctx context.Context, query string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+d.clickhouse+"/?query="+url.QueryEscape(query), nil)
	if err != nil {
		return "", err
	}
	resp, err := d.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("ClickHouse %q: %w", query, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return "", fmt.Errorf("ClickHouse %q: %w", query, err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("ClickHouse %q: %d %.300s", query, resp.StatusCode, body)
	}
	return strings.TrimSpace(string(body)), nil
}

// series returns every series of a Prometheus metric on /metrics: its
// labels as written ("" for none) and its value.
func (d *dev) series(name string) (map[string]float64, error) {
	code, body, err := d.get("/metrics")
	if err != nil {
		return nil, err
	}
	if code != http.StatusOK {
		return nil, fmt.Errorf("GET /metrics: %d", code)
	}
	out := map[string]float64{}
	for line := range strings.Lines(string(body)) {
		line = strings.TrimSpace(line)
		rest, ok := strings.CutPrefix(line, name)
		if !ok || rest == "" || (rest[0] != ' ' && rest[0] != '{') {
			continue
		}
		sp := strings.LastIndexByte(rest, ' ')
		if v, err := strconv.ParseFloat(rest[sp+1:], 64); err == nil {
			out[strings.TrimSpace(rest[:sp])] = v
		}
	}
	return out, nil
}

// metric sums every series of a Prometheus metric.
func (d *dev) metric(name string) (float64, error) {
	all, err := d.series(name)
	var sum float64
	for _, v := range all {
		sum += v
	}
	return sum, err
}

// serverCounts are the metrics that say how dev itself answered the
// attacks, for the summary.
var serverCounts = []string{
	"aurigraph_ingest_dead_letters_total",
	"aurigraph_listener_limited_total",
	"aurigraph_listener_connections_refused_total",
	"aurigraph_clickhouse_engine_reads_refused_total",
	"aurigraph_clickhouse_engine_calls_killed_total",
	"aurigraph_projector_blocks_rejected_total",
	"aurigraph_stream_publish_errors_total",
}

// counted is one line per metric of serverCounts with each of its series.
func (d *dev) counted() string {
	var lines []string
	for _, name := range serverCounts {
		all, err := d.series(name)
		if err != nil {
			lines = append(lines, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		parts := make([]string, 0, len(all))
		for _, labels := range slices.Sorted(maps.Keys(all)) {
			parts = append(parts, fmt.Sprintf("%s %g", labels, all[labels]))
		}
		lines = append(lines, fmt.Sprintf("%s: %s", name, strings.Join(parts, ", ")))
	}
	return strings.Join(lines, "\n")
}

// memory samples the resident set of a process from /proc/PID/status: the
// largest VmRSS seen and the kernel's high-water mark VmHWM, which also
// catches peaks between samples.
type memory struct {
	pid      int
	stop     chan struct{}
	stopOnce sync.Once
	done     chan struct{}

	mu           sync.Mutex
	peakRSS, hwm uint64 // KiB
	samples      int
	err          error
}

func sampleMemory(pid int, every time.Duration) *memory {
	m := &memory{pid: pid, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(m.done)
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			m.sample()
			select {
			case <-m.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return m
}

func (m *memory) sample() {
	rss, hwm, err := readStatus(m.pid)
	m.mu.Lock()
	defer m.mu.Unlock()
	if err != nil {
		// The process may have exited between samples; keep the first error
		// for the report, the figures so far stand.
		if m.err == nil && !errors.Is(err, os.ErrNotExist) {
			m.err = err
		}
		return
	}
	m.samples++
	m.peakRSS = max(m.peakRSS, rss)
	m.hwm = max(m.hwm, hwm)
}

// close stops sampling after one last sample; later calls do nothing.
func (m *memory) close() {
	m.stopOnce.Do(func() { close(m.stop) })
	<-m.done
}

// peak returns the largest resident set seen, in bytes: the larger of the
// sampled VmRSS and VmHWM.
func (m *memory) peak() (bytes uint64, samples int, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return max(m.peakRSS, m.hwm) << 10, m.samples, m.err
}

func readStatus(pid int) (rss, hwm uint64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("/proc/%d/status %s: %w", pid, name, err)
		}
		if name == "VmRSS" {
			rss = kb
		} else {
			hwm = kb
		}
	}
	return rss, hwm, sc.Err()
}
