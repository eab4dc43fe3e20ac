package fault

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurigraph/aurigraph/internal/kafkatopic"
	"github.com/aurigraph/aurigraph/test/testbin"
)

// validator is one `aurigraph node` process and the addresses it keeps
// across restarts.
type validator struct {
	id                                    uint64
	dataDir, raftAddr, httpAddr, grpcAddr string
	proc                                  *testbin.Process
	// removed is set once the validator left the cluster configuration;
	// the harness then leaves it out of ids() and the final check.
	removed bool
}

// cluster is a broker and a set of validators, each in its own process,
// wired so that every Raft connection from validator i to validator j goes
// through link(i, j).
type cluster struct {
	t     *testing.T
	kafka string
	// broker is the Kafka-protocol broker, nil when the cluster runs on
	// one the test started otherwise; it is never faulted here, the suite
	// is about consensus.
	broker *testbin.Process
	nodes  map[uint64]*validator
	links  map[[2]uint64]*link
	client *http.Client
	// pinned are blocks seen committed during the run (height → hash);
	// finish checks the final chain still holds each of them unchanged.
	pinned map[uint64]string
	// nodeFlags are extra flags every validator gets, e.g. snapshot sizes.
	nodeFlags []string
	// walk is the validator whose chain finish walks block by block; 0
	// means the lowest id. A test points it at the validator whose blocks
	// came the unusual way.
	walk uint64

	// dataRoot and logs are where validators keep their data and logs,
	// also those added at runtime.
	dataRoot, logs string
}

// startCluster starts a broker and n validators, each run with the flags
// of nodeArgs plus nodeFlags, and waits for a leader. Everything it starts
// is killed when the test ends; process logs are printed when the test
// failed.
func startCluster(t *testing.T, n int, nodeFlags ...string) *cluster {
	t.Helper()
	return startClusterOn(t, "", n, nodeFlags...)
}

// startClusterOn is startCluster on the Kafka-protocol cluster at kafka,
// or on a broker of its own (`aurigraph broker`) when kafka is empty.
func startClusterOn(t *testing.T, kafka string, n int, nodeFlags ...string) *cluster {
	t.Helper()
	return startClusterBin(t, kafka, binary, n, nodeFlags...)
}

// startClusterBin is startClusterOn with the validators running bin.
func startClusterBin(t *testing.T, kafka, bin string, n int, nodeFlags ...string) *cluster {
	t.Helper()
	dataRoot := t.TempDir()
	logs := testbin.LogDir(t, "AURIGRAPH_FAULT_LOGDIR")
	c := &cluster{
		t:         t,
		nodes:     map[uint64]*validator{},
		links:     map[[2]uint64]*link{},
		pinned:    map[uint64]string{},
		client:    &http.Client{Timeout: 3 * time.Second},
		nodeFlags: nodeFlags,
		dataRoot:  dataRoot,
		logs:      logs,
	}
	t.Cleanup(c.teardown)

	// Links first: they keep their ports for the whole test, so the
	// addresses reserved next cannot be one of them.
	for i := uint64(1); i <= uint64(n); i++ {
		for j := uint64(1); j <= uint64(n); j++ {
			if i == j {
				continue
			}
			l, err := newLink(i, j, "")
			if err != nil {
				t.Fatalf("link %d→%d: %v", i, j, err)
			}
			c.links[[2]uint64{i, j}] = l
		}
	}
	addrs := testbin.ReserveAddrs(t, 1+3*n)
	c.kafka, addrs = addrs[0], addrs[1:]
	if kafka != "" {
		c.kafka = kafka
	}
	for id := uint64(1); id <= uint64(n); id++ {
		c.nodes[id] = &validator{
			id:       id,
			dataDir:  filepath.Join(dataRoot, fmt.Sprintf("node%d", id)),
			raftAddr: addrs[0],
			httpAddr: addrs[1],
			grpcAddr: addrs[2],
		}
		addrs = addrs[3:]
	}
	for k, l := range c.links {
		l.setTarget(c.nodes[k[1]].raftAddr)
	}

	if kafka == "" {
		c.broker = testbin.NewProcess(binary, "broker", filepath.Join(logs, "broker.log"),
			"broker", "--kafka", c.kafka, "--data", filepath.Join(dataRoot, "broker"))
		if err := c.broker.Start(); err != nil {
			t.Fatal(err)
		}
	}
	testbin.WaitFor(t, 20*time.Second, "broker to listen on "+c.kafka, func() (bool, string) {
		conn, err := net.DialTimeout("tcp", c.kafka, 200*time.Millisecond)
		if err != nil {
			return false, err.Error()
		}
		conn.Close()
		return true, ""
	})

	for _, id := range c.ids() {
		v := c.nodes[id]
		v.proc = testbin.NewProcess(bin, fmt.Sprintf("node%d", id), filepath.Join(logs, fmt.Sprintf("node%d.log", id)), c.nodeArgs(v)...)
	}
	for _, id := range c.ids() {
		c.start(id)
	}
	c.waitLeader(30*time.Second, 0)
	return c
}

// nodeArgs are validator v's flags: its own address in --peers is its real
// listener, every other validator's is the link from v to it.
func (c *cluster) nodeArgs(v *validator) []string {
	var peers []string
	for _, j := range c.ids() {
		addr := v.raftAddr
		if j != v.id {
			addr = c.links[[2]uint64{v.id, j}].addr()
		}
		peers = append(peers, fmt.Sprintf("%d=%s", j, addr))
	}
	return append([]string{"node",
		"--id", strconv.FormatUint(v.id, 10),
		"--peers", strings.Join(peers, ","),
		"--raft-listen", v.raftAddr,
		"--kafka", c.kafka,
		"--data", v.dataDir,
		"--http", v.httpAddr,
		"--grpc", v.grpcAddr,
	}, c.nodeFlags...)
}

func (c *cluster) teardown() {
	if c.t.Failed() {
		procs := []*testbin.Process{c.broker}
		// Removed validators too: their logs tell how they left.
		for _, id := range slices.Sorted(maps.Keys(c.nodes)) {
			if v := c.nodes[id]; v.proc != nil {
				procs = append(procs, v.proc)
			}
		}
		for _, p := range procs {
			if p != nil {
				c.t.Logf("---- last lines of %s (%s) ----\n%s", p.Name(), p.LogPath(), p.Tail(40))
			}
		}
	}
	for _, v := range c.nodes {
		if v.proc != nil {
			v.proc.SignalKill()
		}
	}
	for _, v := range c.nodes {
		if v.proc != nil {
			v.proc.Kill()
		}
	}
	if c.broker != nil {
		c.broker.Kill()
	}
	for _, l := range c.links {
		l.close()
	}
	c.client.CloseIdleConnections()
}

// ids lists the validators in id order, leaving out removed ones.
func (c *cluster) ids() []uint64 {
	ids := make([]uint64, 0, len(c.nodes))
	for id, v := range c.nodes {
		if !v.removed {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// live lists the validators whose process runs.
func (c *cluster) live() []uint64 {
	var ids []uint64
	for _, id := range c.ids() {
		if c.nodes[id].proc.Running() {
			ids = append(ids, id)
		}
	}
	return ids
}

func without(ids []uint64, drop ...uint64) []uint64 {
	return slices.DeleteFunc(slices.Clone(ids), func(id uint64) bool { return slices.Contains(drop, id) })
}

// start launches validator id and waits for its HTTP API.
func (c *cluster) start(id uint64) {
	c.t.Helper()
	v := c.nodes[id]
	if err := v.proc.Start(); err != nil {
		c.t.Fatal(err)
	}
	testbin.WaitFor(c.t, 30*time.Second, fmt.Sprintf("node%d HTTP API", id), func() (bool, string) {
		if err := v.proc.ExitError(); err != nil || !v.proc.Running() {
			c.t.Fatalf("node%d exited during start-up: %v\n%s", id, err, v.proc.Tail(30))
		}
		resp, err := c.client.Get("http://" + v.httpAddr + "/q/health")
		if err != nil {
			return false, err.Error()
		}
		resp.Body.Close()
		return true, ""
	})
}

// kill SIGKILLs validator id and waits for it to be gone.
func (c *cluster) kill(id uint64) {
	c.nodes[id].proc.Kill()
}

// stop SIGTERMs validator id and fails the test unless it exits cleanly.
func (c *cluster) stop(id uint64) {
	c.t.Helper()
	if err := c.nodes[id].proc.Terminate(30 * time.Second); err != nil {
		c.t.Errorf("graceful stop: %v\n%s", err, c.nodes[id].proc.Tail(20))
	}
}

// isolate puts every link into or out of validator id in state s.
func (c *cluster) isolate(id uint64, s linkState) {
	for k, l := range c.links {
		if k[0] == id || k[1] == id {
			l.set(s)
		}
	}
}

// heal brings every link of validator id back up, without delay.
func (c *cluster) heal(id uint64) {
	for k, l := range c.links {
		if k[0] == id || k[1] == id {
			l.setDelay(0)
			l.set(linkUp)
		}
	}
}

// slow delays every chunk on every link into or out of validator id by d.
func (c *cluster) slow(id uint64, d time.Duration) {
	for k, l := range c.links {
		if k[0] == id || k[1] == id {
			l.setDelay(d)
		}
	}
}

// chainStats is GET /api/v12/chain/stats.
type chainStats struct {
	Height   uint64 `json:"height"`
	TxCount  uint64 `json:"tx_count"`
	LastHash string `json:"last_hash"`
}

// verifyReport is GET /api/v12/chain/verify and each line of `aurigraph verify`.
type verifyReport struct {
	OK         bool     `json:"ok"`
	Height     uint64   `json:"height"`
	TxCount    uint64   `json:"tx_count"`
	Duplicates int      `json:"duplicates"`
	Errors     []string `json:"errors"`
	LastHash   string   `json:"last_hash"`
}

// validatorsView is GET /api/v12/validators.
type validatorsView struct {
	Leader uint64 `json:"leader"`
	Term   uint64 `json:"term"`
}

// blockView is the part of GET /api/v12/blocks/{h} the checks read.
type blockView struct {
	Height   uint64 `json:"height"`
	Hash     string `json:"hash"`
	PrevHash string `json:"prev_hash"`
	RaftTerm uint64 `json:"raft_term"`
	// TimestampMs is the leader's clock when it proposed the block.
	TimestampMs int64 `json:"timestamp_ms"`
	Txs         []struct {
		ID     string `json:"id"`
		Status string `json:"status"`
		Reason string `json:"reason"`
	} `json:"txs"`
}

// get decodes GET http://<validator id>/api/v12<path> into out.
func (c *cluster) get(id uint64, path string, out any) error {
	url := "http://" + c.nodes[id].httpAddr + "/api/v12" + path
	client := c.client
	if path == "/chain/verify" {
		// A walk of the whole chain, which a loaded machine can take longer
		// than a status read to answer.
		client = &http.Client{Timeout: time.Minute}
	}
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", url, resp.Status, bytes.TrimSpace(body))
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("GET %s: decode %q: %w", url, body, err)
	}
	return nil
}

// stats reads validator id's own chain (?stale=true): the harness checks
// each validator's local state, not a linearizable read through the leader.
func (c *cluster) stats(id uint64) (chainStats, error) {
	var s chainStats
	err := c.get(id, "/chain/stats?stale=true", &s)
	return s, err
}

func (c *cluster) block(id, height uint64) (blockView, error) {
	var b blockView
	err := c.get(id, fmt.Sprintf("/blocks/%d?stale=true", height), &b)
	return b, err
}

// leader returns the validator that considers itself leader in the highest
// term any live validator reports, if any does.
func (c *cluster) leader() (id, term uint64, ok bool) {
	for _, n := range c.live() {
		var v validatorsView
		if err := c.get(n, "/validators?stale=true", &v); err != nil {
			continue
		}
		if v.Leader == n && v.Term >= term {
			id, term, ok = n, v.Term, true
		}
	}
	return id, term, ok
}

// waitLeader waits for a leader other than not (0: any) and returns it.
func (c *cluster) waitLeader(timeout time.Duration, not uint64) (id, term uint64) {
	c.t.Helper()
	testbin.WaitFor(c.t, timeout, "a leader", func() (bool, string) {
		var ok bool
		id, term, ok = c.leader()
		return ok && id != not, fmt.Sprintf("leader %d term %d (live: %v)", id, term, c.live())
	})
	return id, term
}

// waitCaughtUp waits until validator id has every block the leader had a
// moment before.
func (c *cluster) waitCaughtUp(id uint64, timeout time.Duration) {
	c.t.Helper()
	testbin.WaitFor(c.t, timeout, fmt.Sprintf("node%d to catch up", id), func() (bool, string) {
		lead, _, ok := c.leader()
		if !ok {
			return false, "no leader"
		}
		ls, err := c.stats(lead)
		if err != nil {
			return false, err.Error()
		}
		s, err := c.stats(id)
		if err != nil {
			return false, err.Error()
		}
		return s.Height >= ls.Height, fmt.Sprintf("node%d at %d, leader node%d at %d", id, s.Height, lead, ls.Height)
	})
}

// pinTip remembers validator id's newest block, so finish can check that
// it survived whatever the test does next. It returns the block's height.
func (c *cluster) pinTip(id uint64) uint64 {
	c.t.Helper()
	s, err := c.stats(id)
	if err != nil {
		c.t.Fatalf("node%d: %v", id, err)
	}
	if s.Height > 0 {
		c.pinned[s.Height] = s.LastHash
	}
	return s.Height
}

// checkNoStaleRead asks cut-off validator id for the head of the chain,
// after the majority had committed height: a validator that cannot reach a
// quorum must not answer from its old state as if it were current. The
// linearizable /blocks/latest must fail or show at least height; the status
// read /chain/stats may answer the old state, but marked stale.
func (c *cluster) checkNoStaleRead(id, height uint64) {
	c.t.Helper()
	var b struct {
		Height uint64 `json:"height"`
	}
	if err := c.get(id, "/blocks/latest", &b); err == nil && b.Height < height {
		c.t.Errorf("cut-off node%d answered a linearizable read with height %d, but the majority had already committed height %d: stale read", id, b.Height, height)
	}
	var s struct {
		Height uint64 `json:"height"`
		Stale  bool   `json:"stale"`
	}
	if err := c.get(id, "/chain/stats", &s); err == nil && s.Height < height && !s.Stale {
		c.t.Errorf("cut-off node%d answered /chain/stats with height %d, not marked stale, but the majority had already committed height %d", id, s.Height, height)
	}
}

// awaitBlockAfterTerm polls the given validators every 10ms until one of
// them holds a block from a Raft term after term, that is a block the next
// leader proposed, and returns when it was first seen.
func (c *cluster) awaitBlockAfterTerm(term uint64, on []uint64, timeout time.Duration) (time.Time, error) {
	deadline := time.Now().Add(timeout)
	seen := map[uint64]uint64{}
	for time.Now().Before(deadline) {
		for _, id := range on {
			// The time the height was read, not the time the (possibly
			// large) block was decoded, is when the block was seen.
			at := time.Now()
			s, err := c.stats(id)
			if err != nil || s.Height == 0 || s.Height == seen[id] {
				continue
			}
			seen[id] = s.Height
			// Terms never decrease along the chain, so the newest block
			// answers whether any block of a later term exists.
			b, err := c.block(id, s.Height)
			if err == nil && b.RaftTerm > term {
				return at, nil
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Time{}, fmt.Errorf("no block from a term after %d on validators %v within %v (heights seen %v)", term, on, timeout, seen)
}

// finish is the end of every scenario. It waits for all validators to hold
// the same chain with exactly len(ids) transactions, checks /chain/verify on
// each, walks the chain and checks that it holds every id exactly once, all
// committed, then stops every validator with SIGTERM and runs `aurigraph
// verify` on each data directory.
func (c *cluster) finish(ids []string) {
	c.t.Helper()
	want := uint64(len(ids))
	for _, id := range c.ids() {
		if !c.nodes[id].proc.Running() {
			c.t.Fatalf("node%d is not running at the final check (exit: %v)", id, c.nodes[id].proc.ExitError())
		}
	}
	var tip chainStats
	testbin.WaitFor(c.t, 60*time.Second, fmt.Sprintf("all validators to hold the same chain with %d transactions", want), func() (bool, string) {
		var all []string
		same := true
		for i, id := range c.ids() {
			s, err := c.stats(id)
			if err != nil {
				return false, err.Error()
			}
			if s.TxCount > want {
				c.t.Fatalf("node%d holds %d transactions, more than the %d produced: %+v", id, s.TxCount, want, s)
			}
			if i == 0 {
				tip = s
			} else if s != tip {
				same = false
			}
			all = append(all, fmt.Sprintf("node%d %+v", id, s))
		}
		return same && tip.TxCount == want, strings.Join(all, "; ")
	})

	for _, id := range c.ids() {
		var rep verifyReport
		if err := c.get(id, "/chain/verify", &rep); err != nil {
			c.t.Fatalf("node%d: %v", id, err)
		}
		if !rep.OK || rep.Duplicates != 0 || rep.TxCount != want || rep.Height != tip.Height {
			c.t.Errorf("node%d /chain/verify: %+v, want ok, 0 duplicates, %d transactions at height %d", id, rep, want, tip.Height)
		}
	}

	for h := range c.pinned {
		if h > tip.Height {
			c.t.Errorf("block %d was committed earlier in the run, but the chain now ends at %d", h, tip.Height)
		}
	}
	walk := c.walk
	if walk == 0 {
		walk = c.ids()[0]
	}
	hashes := c.checkExactlyOnce(walk, tip, ids)
	c.checkBlocksTopic(tip, hashes)

	c.stopAll()
	for _, id := range c.ids() {
		c.verifyOffline(id, tip)
	}
}

// checkExactlyOnce walks blocks 1..tip.Height on validator node and returns
// their hashes by height.
func (c *cluster) checkExactlyOnce(node uint64, tip chainStats, ids []string) map[uint64]string {
	c.t.Helper()
	blocks := make([]blockView, tip.Height+1)
	errs := make([]error, tip.Height+1)
	var wg sync.WaitGroup
	next := make(chan uint64)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for h := range next {
				blocks[h], errs[h] = c.block(node, h)
			}
		}()
	}
	for h := uint64(1); h <= tip.Height; h++ {
		next <- h
	}
	close(next)
	wg.Wait()

	count := make(map[string]int, len(ids))
	var failed, unknown, dups []string
	prev := strings.Repeat("0", 64)
	hashes := make(map[uint64]string, tip.Height)
	for h := uint64(1); h <= tip.Height; h++ {
		if errs[h] != nil {
			c.t.Fatalf("node%d block %d: %v", node, h, errs[h])
		}
		b := blocks[h]
		if b.Height != h || (h > 1 && b.PrevHash != prev) {
			c.t.Errorf("node%d block %d: height %d, prev_hash %s, want %d and %s", node, h, b.Height, b.PrevHash, h, prev)
		}
		prev = b.Hash
		hashes[h] = b.Hash
		if want, ok := c.pinned[h]; ok && b.Hash != want {
			c.t.Errorf("node%d block %d: hash %s, but %s was committed at that height earlier in the run", node, h, b.Hash, want)
		}
		for _, tx := range b.Txs {
			count[tx.ID]++
			if count[tx.ID] == 2 {
				dups = append(dups, fmt.Sprintf("%s (again at block %d)", tx.ID, h))
			}
			if tx.Status != "committed" {
				failed = append(failed, fmt.Sprintf("%s at block %d: %s %s", tx.ID, h, tx.Status, tx.Reason))
			}
		}
	}
	if prev != tip.LastHash {
		c.t.Errorf("node%d: block %d hash %s, /chain/stats last_hash %s", node, tip.Height, prev, tip.LastHash)
	}
	produced := make(map[string]bool, len(ids))
	var missing []string
	for _, id := range ids {
		produced[id] = true
		if count[id] == 0 {
			missing = append(missing, id)
		}
	}
	for id := range count {
		if !produced[id] {
			unknown = append(unknown, id)
		}
	}
	slices.Sort(unknown)
	report := func(what string, list []string) {
		if len(list) > 0 {
			c.t.Errorf("%d transaction ids %s, e.g. %v", len(list), what, list[:min(len(list), 10)])
		}
	}
	report("produced but not in the chain", missing)
	report("in the chain more than once", dups)
	report("in the chain but never produced", unknown)
	report("not committed", failed)
	if !c.t.Failed() {
		c.t.Logf("exactly-once: %d produced ids each committed once in %d blocks; tip %s", len(ids), tip.Height, tip.LastHash[:16])
	}
	return hashes
}

// stopAll stops every running validator with SIGTERM, followers first, and
// checks that each exits with status 0.
func (c *cluster) stopAll() {
	c.t.Helper()
	lead, _, _ := c.leader()
	order := append(without(c.live(), lead), lead)
	for _, id := range order {
		if id != 0 && c.nodes[id].proc.Running() {
			c.stop(id)
		}
	}
}

// verifyOffline runs `aurigraph verify --data` on stopped validator id and
// checks it reports the chain tip every validator agreed on.
func (c *cluster) verifyOffline(id uint64, tip chainStats) {
	c.t.Helper()
	v := c.nodes[id]
	out, err := exec.Command(binary, "verify", "--data", v.dataDir).CombinedOutput()
	if err != nil {
		c.t.Errorf("aurigraph verify --data %s (node%d): %v\n%s", v.dataDir, id, err, out)
		return
	}
	var rep verifyReport
	if err := json.Unmarshal(firstLine(out), &rep); err != nil {
		c.t.Errorf("aurigraph verify (node%d): decode %q: %v", id, out, err)
		return
	}
	if !rep.OK || rep.Duplicates != 0 || rep.Height != tip.Height || rep.TxCount != tip.TxCount || rep.LastHash != tip.LastHash {
		c.t.Errorf("aurigraph verify (node%d): %+v, want ok at height %d with %d transactions and last hash %s",
			id, rep, tip.Height, tip.TxCount, tip.LastHash)
	}
}

func firstLine(b []byte) []byte {
	line, _, _ := bytes.Cut(bytes.TrimSpace(b), []byte("\n"))
	return line
}

// addValidator registers validator id with `aurigraph cluster add` through
// the running validators and starts it with --join from an empty data
// directory. Its Raft traffic goes direct, not through links: the cluster
// replicates one address per validator, the one given to cluster add, so
// per-pair proxies cannot be told apart for it, and no test here faults it.
func (c *cluster) addValidator(id uint64) { c.addValidatorSeeded(id, nil) }

// addValidatorSeeded is addValidator with seed, when not nil, called on
// the new validator's data directory between cluster add and its start.
func (c *cluster) addValidatorSeeded(id uint64, seed func(dataDir string)) {
	c.t.Helper()
	addrs := testbin.ReserveAddrs(c.t, 3)
	v := &validator{
		id:       id,
		dataDir:  filepath.Join(c.dataRoot, fmt.Sprintf("node%d", id)),
		raftAddr: addrs[0],
		httpAddr: addrs[1],
		grpcAddr: addrs[2],
	}
	out, err := c.admin("add", "--id", strconv.FormatUint(id, 10), "--raft-address", v.raftAddr)
	if err != nil {
		c.t.Fatalf("aurigraph cluster add --id %d: %v\n%s", id, err, out)
	}
	peers := []string{fmt.Sprintf("%d=%s", id, v.raftAddr)}
	for _, j := range c.ids() {
		peers = append(peers, fmt.Sprintf("%d=%s", j, c.nodes[j].raftAddr))
	}
	args := append([]string{"node", "--join",
		"--id", strconv.FormatUint(id, 10),
		"--peers", strings.Join(peers, ","),
		"--kafka", c.kafka,
		"--data", v.dataDir,
		"--http", v.httpAddr,
		"--grpc", v.grpcAddr,
	}, c.nodeFlags...)
	if seed != nil {
		seed(v.dataDir)
	}
	v.proc = testbin.NewProcess(binary, fmt.Sprintf("node%d", id), filepath.Join(c.logs, fmt.Sprintf("node%d.log", id)), args...)
	c.nodes[id] = v
	c.start(id)
}

// removeValidator removes validator id with `aurigraph cluster remove`,
// which returns once the leader applied the change.
func (c *cluster) removeValidator(id uint64) {
	c.t.Helper()
	out, err := c.admin("remove", "--id", strconv.FormatUint(id, 10))
	if err != nil {
		c.t.Fatalf("aurigraph cluster remove --id %d: %v\n%s", id, err, out)
	}
}

// waitRemovedExit waits for removed validator id to stop on its own (it
// ends its Raft loop and exits, saying why) and leaves it out of the
// cluster from then on.
func (c *cluster) waitRemovedExit(id uint64, timeout time.Duration) {
	c.t.Helper()
	v := c.nodes[id]
	select {
	case <-v.proc.Exited():
	case <-time.After(timeout):
		c.t.Fatalf("node%d still runs %v after its removal\n%s", id, timeout, v.proc.Tail(20))
	}
	if err := v.proc.ExitError(); err == nil || !strings.Contains(v.proc.Tail(10), "removed from the cluster") {
		c.t.Errorf("removed node%d exited with %v; want a failure that says it was removed\n%s", id, err, v.proc.Tail(10))
	}
	v.removed = true
}

// admin runs `aurigraph cluster <args> --node <every member's HTTP URL>`.
func (c *cluster) admin(args ...string) ([]byte, error) {
	var urls []string
	for _, id := range c.live() {
		urls = append(urls, "http://"+c.nodes[id].httpAddr)
	}
	args = append(append([]string{"cluster"}, args...), "--node", strings.Join(urls, ","), "--timeout", "20s")
	return exec.Command(binary, args...).CombinedOutput()
}

// clusterView is GET /api/v12/cluster/status.
type clusterView struct {
	ID      uint64 `json:"id"`
	Leader  uint64 `json:"leader"`
	Term    uint64 `json:"term"`
	Members []struct {
		ID    uint64 `json:"id"`
		Voter bool   `json:"voter"`
		Role  string `json:"role"`
	} `json:"members"`
}

// voters lists the voting members in a cluster status, in id order.
func (v clusterView) voters() []uint64 {
	var ids []uint64
	for _, m := range v.Members {
		if m.Voter {
			ids = append(ids, m.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

// waitVoters waits until every validator in on reports exactly want as
// the voting members.
func (c *cluster) waitVoters(on, want []uint64, timeout time.Duration) {
	c.t.Helper()
	testbin.WaitFor(c.t, timeout, fmt.Sprintf("voters %v on %v", want, on), func() (bool, string) {
		var all []string
		ok := true
		for _, id := range on {
			var v clusterView
			if err := c.get(id, "/cluster/status", &v); err != nil {
				return false, err.Error()
			}
			ok = ok && slices.Equal(v.voters(), want)
			all = append(all, fmt.Sprintf("node%d: voters %v leader %d", id, v.voters(), v.Leader))
		}
		return ok, strings.Join(all, "; ")
	})
}

// metric sums every sample of the Prometheus metric name (any labels) in
// validator id's /metrics.
func (c *cluster) metric(id uint64, name string) (float64, error) {
	return metricAt(c.client, "http://"+c.nodes[id].httpAddr+"/metrics", name)
}

// metricAt sums every sample of the Prometheus metric name (any labels) at
// url, the /metrics of any process.
func metricAt(client *http.Client, url, name string) (float64, error) {
	resp, err := client.Get(url)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, fmt.Errorf("GET %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	var sum float64
	found := false
	for _, line := range strings.Split(string(body), "\n") {
		rest, ok := strings.CutPrefix(line, name)
		if !ok || (!strings.HasPrefix(rest, "{") && !strings.HasPrefix(rest, " ")) {
			continue
		}
		f := strings.Fields(rest[strings.LastIndexByte(rest, '}')+1:])
		if len(f) == 0 {
			return 0, fmt.Errorf("GET %s: sample line %q has no value", url, line)
		}
		x, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			return 0, fmt.Errorf("GET %s: sample line %q: %w", url, line, err)
		}
		sum += x
		found = true
	}
	if !found {
		return 0, fmt.Errorf("GET %s: no metric %s", url, name)
	}
	return sum, nil
}

// waitTopic waits until the cluster's broker serves topic, which a
// validator creates once it leads.
func (c *cluster) waitTopic(topic string, timeout time.Duration) {
	c.t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.kafka))
	if err != nil {
		c.t.Fatal(err)
	}
	defer cl.Close()
	testbin.WaitFor(c.t, timeout, "topic "+topic, func() (bool, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if _, err := kafkatopic.Describe(ctx, cl, topic); err != nil {
			return false, err.Error()
		}
		return true, ""
	})
}
