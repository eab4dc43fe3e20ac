package hostile

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aurigraph/aurigraph/schemas"
)

// txStatus is GET /transactions/{id}.
type txStatus struct {
	Status string `json:"status"`
	Reason string `json:"reason"`
}

// lookup reads one transaction's status; "unknown" for a 404.
func lookup(d *dev, id string) (txStatus, error) {
	code, body, err := d.get("/api/v12/transactions/" + url.PathEscape(id))
	switch {
	case err != nil:
		return txStatus{}, err
	case code == http.StatusNotFound:
		return txStatus{Status: "unknown"}, nil
	case code != http.StatusOK:
		return txStatus{}, fmt.Errorf("GET /transactions/%s: %d %.200s", id, code, body)
	}
	var s txStatus
	if err := json.Unmarshal(body, &s); err != nil {
		return txStatus{}, fmt.Errorf("GET /transactions/%s: %w", id, err)
	}
	return s, nil
}

// resolve looks ids up, eight at a time, until each reads committed or
// failed or timeout passes, and returns what each read last.
func resolve(d *dev, ids []string, timeout time.Duration) map[string]txStatus {
	last := make(map[string]txStatus, len(ids))
	var mu sync.Mutex
	open := slices.Clone(ids)
	deadline := time.Now().Add(timeout)
	for len(open) > 0 {
		work := make(chan string)
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for id := range work {
					s, err := lookup(d, id)
					if err != nil {
						s = txStatus{Status: "error", Reason: err.Error()}
					}
					mu.Lock()
					last[id] = s
					mu.Unlock()
				}
			})
		}
		for _, id := range open {
			work <- id
		}
		close(work)
		wg.Wait()
		open = slices.DeleteFunc(open, func(id string) bool {
			s := last[id].Status
			return s == "committed" || s == "failed"
		})
		if len(open) == 0 || time.Now().After(deadline) || d.gone() != nil {
			break
		}
		time.Sleep(time.Second)
	}
	return last
}

// waitResolved fails the test unless every id is committed, or failed
// with a reason, within timeout.
func waitResolved(t *testing.T, d *dev, ids []string, timeout time.Duration) map[string]txStatus {
	t.Helper()
	start := time.Now()
	got := resolve(d, ids, timeout)
	var bad []string
	for _, id := range ids {
		s := got[id]
		switch {
		case s.Status == "committed":
		case s.Status == "failed" && s.Reason != "":
		case s.Status == "failed":
			bad = append(bad, id+": failed without a reason")
		default:
			bad = append(bad, fmt.Sprintf("%s: %s %s", id, s.Status, s.Reason))
		}
	}
	if len(bad) > 0 {
		t.Errorf("%d of %d acknowledged transactions are not committed or failed with a reason after %v; e.g.\n  %s",
			len(bad), len(ids), time.Since(start).Round(time.Second), strings.Join(bad[:min(len(bad), 10)], "\n  "))
	}
	return got
}

// chainTx is what the check needs of a transaction in a block.
type chainTx struct {
	ID     string       `json:"id"`
	To     string       `json:"to"`
	Amount schemas.Uint `json:"amount"`
	Status string       `json:"status"`
}

// chainView is the whole chain as the validators serve it.
type chainView struct {
	height uint64
	hashes map[uint64]string
	txs    map[string]chainTx
}

// walkChain reads every block with its transactions, 100 at a time.
func walkChain(d *dev) (chainView, error) {
	v := chainView{hashes: map[uint64]string{}, txs: map[string]chainTx{}}
	for from := uint64(1); ; {
		var page struct {
			Blocks []struct {
				Height uint64    `json:"height"`
				Hash   string    `json:"hash"`
				Txs    []chainTx `json:"txs"`
			} `json:"blocks"`
			NextHeight uint64 `json:"next_height"`
			Head       uint64 `json:"head"`
		}
		if err := d.getJSON(fmt.Sprintf("/api/v12/blocks?from_height=%d&limit=100", from), &page); err != nil {
			return v, err
		}
		for _, b := range page.Blocks {
			v.hashes[b.Height] = b.Hash
			v.height = max(v.height, b.Height)
			for _, tx := range b.Txs {
				v.txs[tx.ID] = tx
			}
		}
		if len(page.Blocks) == 0 || page.NextHeight <= from || page.NextHeight > page.Head {
			return v, nil
		}
		from = page.NextHeight
	}
}

// checker runs the checks after each round. Transactions found resolved
// in one round are not looked up again in the next.
type checker struct {
	d        *dev
	who      *cast
	tally    *tally
	led      *ledger
	resolved map[string]txStatus
	// summary collects figures for the final report.
	summary []string
}

func (c *checker) note(format string, args ...any) {
	c.summary = append(c.summary, fmt.Sprintf(format, args...))
}

// check runs every check as a subtest of t; f, when set, is the forger
// whose blocks must be nowhere. It notes what dev counted, under name.
func (c *checker) check(t *testing.T, name string, f *forger) {
	defer func() { c.note("dev's counts after %s:\n%s", name, c.d.counted()) }()
	alive := t.Run("alive", func(t *testing.T) {
		if !c.d.proc.Running() {
			t.Fatalf("dev is not running: %v", c.d.proc.ExitError())
		}
	})
	if !alive {
		return
	}
	t.Run("ready", func(t *testing.T) {
		var last string
		deadline := time.Now().Add(60 * time.Second)
		for {
			code, body, err := c.d.get("/q/health/ready")
			if err == nil && code == http.StatusOK {
				return
			}
			last = fmt.Sprintf("%s %.600s", httpOutcome(code, err), body)
			if err := c.d.gone(); err != nil {
				t.Fatal(err)
			}
			if time.Now().After(deadline) {
				t.Fatalf("/q/health/ready did not answer 200 within 60s; last: %s", last)
			}
			time.Sleep(time.Second)
		}
	})
	t.Run("acknowledged", func(t *testing.T) { c.checkAcknowledged(t) })
	view := c.quiesce(t)
	t.Run("chain-verify", func(t *testing.T) {
		var rep struct {
			OK      bool     `json:"ok"`
			Height  uint64   `json:"height"`
			TxCount uint64   `json:"tx_count"`
			Errors  []string `json:"errors"`
		}
		if err := c.d.getJSON("/api/v12/chain/verify", &rep); err != nil {
			t.Fatal(err)
		}
		if !rep.OK || len(rep.Errors) > 0 {
			t.Fatalf("chain/verify: ok=%v errors %v", rep.OK, rep.Errors)
		}
	})
	t.Run("refused-absent", func(t *testing.T) { c.checkRefused(t, view) })
	t.Run("clickhouse", func(t *testing.T) { c.checkClickHouse(t, view) })
	t.Run("clickhouse-no-query-left", c.checkNoQueryLeft)
	t.Run("attacker-holds-nothing", func(t *testing.T) { c.checkAttacker(t, view) })
	if f != nil {
		t.Run("no-forged-block", func(t *testing.T) { c.checkForgeries(t, view, f) })
	}
	t.Run("answers", func(t *testing.T) {
		if breaches, n := c.tally.failures(); n > 0 {
			t.Fatalf("%d answers broke a guarantee; the first %d:\n  %s", n, len(breaches), strings.Join(breaches, "\n  "))
		}
	})
}

// checkAcknowledged: every acknowledged transaction commits or fails with
// a reason, and the attacker's unfunded ones fail.
func (c *checker) checkAcknowledged(t *testing.T) {
	acked, _ := c.led.snapshot()
	var open []string
	for id := range acked {
		if _, ok := c.resolved[id]; !ok {
			open = append(open, id)
		}
	}
	start := time.Now()
	got := waitResolved(t, c.d, open, 2*time.Minute)
	if err := c.d.gone(); err != nil {
		t.Fatal(err)
	}
	byPath := map[string]map[string]int{}
	for _, id := range open {
		if s := got[id]; s.Status == "committed" || s.Status == "failed" {
			c.resolved[id] = s
		}
	}
	for id, s := range c.resolved {
		p := acked[id]
		if byPath[p] == nil {
			byPath[p] = map[string]int{}
		}
		byPath[p][s.Status]++
		if strings.HasPrefix(p, "attack/") && s.Status == "committed" {
			t.Errorf("the attacker's transaction %s, which moves funds it never had, committed", id)
		}
	}
	var parts []string
	for _, p := range slices.Sorted(maps.Keys(byPath)) {
		parts = append(parts, fmt.Sprintf("%s committed %d failed %d", p, byPath[p]["committed"], byPath[p]["failed"]))
	}
	c.note("acknowledged %d transactions (looked up %d in %v): %s", len(acked), len(open), time.Since(start).Round(time.Second), strings.Join(parts, "; "))
	t.Logf("acknowledged: %s", strings.Join(parts, "; "))
}

// quiesce waits until the chain stops growing and ClickHouse has projected
// its head, then reads the whole chain.
func (c *checker) quiesce(t *testing.T) chainView {
	t.Helper()
	var last chainStats
	var since time.Time
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) && c.d.gone() == nil {
		st, err := c.d.stats()
		if err == nil {
			if st != last {
				last, since = st, time.Now()
			}
			projected, _ := c.d.sql(t.Context(), "SELECT max(height) FROM aurigraph.blocks")
			if time.Since(since) >= 3*time.Second && projected == strconv.FormatUint(st.Height, 10) {
				break
			}
		}
		time.Sleep(500 * time.Millisecond)
	}
	view, err := walkChain(c.d)
	if err != nil {
		t.Fatalf("read the chain: %v", err)
	}
	return view
}

// checkRefused: no transaction that was refused is in the chain.
func (c *checker) checkRefused(t *testing.T, view chainView) {
	_, refused := c.led.snapshot()
	var in []string
	for id, class := range refused {
		if tx, ok := view.txs[id]; ok {
			in = append(in, fmt.Sprintf("%s (%s, %s)", id, class, tx.Status))
		}
	}
	c.note("refused well-formed transactions: %d, none of them in the chain: %v", len(refused), len(in) == 0)
	if len(in) > 0 {
		t.Fatalf("%d refused transactions are in the chain; e.g. %s", len(in), strings.Join(in[:min(len(in), 10)], ", "))
	}
}

// checkClickHouse: the projection holds each of the chain's transactions
// exactly once, and each of its blocks with the chain's hash.
func (c *checker) checkClickHouse(t *testing.T, view chainView) {
	ctx := t.Context()
	st, err := c.d.stats()
	if err != nil {
		t.Fatal(err)
	}
	rows, err := c.d.sql(ctx, "SELECT height, hash FROM aurigraph.blocks FINAL ORDER BY height")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	var differ []string
	for line := range strings.Lines(rows) {
		h, hash, _ := strings.Cut(strings.TrimSpace(line), "\t")
		height, _ := strconv.ParseUint(h, 10, 64)
		if want, ok := view.hashes[height]; ok && want != hash {
			differ = append(differ, fmt.Sprintf("block %d has hash %s in ClickHouse, %s in the chain", height, hash, want))
		}
		n++
	}
	if len(differ) > 0 {
		// The projection took blocks the chain does not have; it will not
		// catch up by waiting.
		t.Fatalf("ClickHouse holds %d blocks that are not the chain's: %s", len(differ), strings.Join(differ[:min(len(differ), 5)], "; "))
	}
	if uint64(n) < view.height {
		t.Errorf("ClickHouse holds %d blocks, the chain %d", n, view.height)
	}
	var counts string
	want := fmt.Sprintf("%d\t%d", st.TxCount, st.TxCount)
	deadline := time.Now().Add(60 * time.Second)
	for {
		counts, err = c.d.sql(ctx, "SELECT count(), uniqExact(id) FROM aurigraph.transactions")
		if err == nil && counts == want {
			break
		}
		if err := c.d.gone(); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("ClickHouse count(), uniqExact(id) of aurigraph.transactions = %q (%v), the chain holds %d transactions at height %d",
				counts, err, st.TxCount, st.Height)
		}
		time.Sleep(time.Second)
	}
	c.note("chain height %d, %d transactions; ClickHouse count() and uniqExact(id) %s", st.Height, st.TxCount, strings.ReplaceAll(counts, "\t", ", "))
}

// checkNoQueryLeft: no read still runs whose client left.
func (c *checker) checkNoQueryLeft(t *testing.T) {
	ctx := t.Context()
	deadline := time.Now().Add(30 * time.Second)
	for {
		running, err := c.d.sql(ctx, "SELECT count() FROM system.processes WHERE query NOT LIKE '%system.processes%'")
		if err == nil && running == "0" {
			break
		}
		if time.Now().After(deadline) {
			listed, _ := c.d.sql(ctx, "SELECT elapsed, substring(query, 1, 100) FROM system.processes WHERE query NOT LIKE '%system.processes%'")
			t.Errorf("queries still run 30s after their clients left: %s (%v)", listed, err)
			break
		}
		time.Sleep(time.Second)
	}
}

// checkAttacker: the attacker's address received nothing, in the chain, in
// ClickHouse or in the analytics API.
func (c *checker) checkAttacker(t *testing.T, view chainView) {
	addr := c.who.attacker.addr
	for id, tx := range view.txs {
		if tx.To == addr && tx.Status == "committed" {
			t.Errorf("the chain credits the attacker %s: transaction %s of %d", addr, id, tx.Amount)
		}
	}
	ctx := t.Context()
	if n, err := c.d.sql(ctx, "SELECT count() FROM aurigraph.transactions WHERE `to` = '"+addr+"' AND status = 'committed'"); err != nil || n != "0" {
		t.Errorf("ClickHouse: committed transactions to the attacker: %q (%v)", n, err)
	}
	if rows, err := c.d.sql(ctx, "SELECT asset, balance FROM aurigraph.accounts WHERE account = '"+addr+"' AND balance != 0"); err != nil || rows != "" {
		t.Errorf("ClickHouse aurigraph.accounts: the attacker holds %q (%v)", rows, err)
	}
	var acct struct {
		Balances []json.RawMessage `json:"balances"`
	}
	if err := c.d.getJSON("/api/v12/analytics/accounts/"+addr, &acct); err != nil || len(acct.Balances) != 0 {
		t.Errorf("analytics API: the attacker's balances %s (%v)", acct.Balances, err)
	}
	code, body, err := c.d.get("/api/v12/analytics/top/accounts?limit=100")
	if err != nil || code != http.StatusOK || strings.Contains(string(body), addr) {
		t.Errorf("analytics API top accounts: %s, attacker listed: %v", httpOutcome(code, err), strings.Contains(string(body), addr))
	}
}

// checkForgeries: no forged block or transaction is in the chain or the
// projection.
func (c *checker) checkForgeries(t *testing.T, view chainView, f *forger) {
	hashes, txIDs, written := f.forgeries()
	c.note("forged %d blocks (with %d forged mints); the broker took %d forged or replayed records", len(hashes), len(txIDs), written)
	if len(hashes) == 0 || written == 0 {
		t.Fatal("no block was forged")
	}
	// Readers skip each and count it.
	deadline := time.Now().Add(30 * time.Second)
	for {
		n, err := c.d.metric("aurigraph_projector_blocks_rejected_total")
		if err == nil && n >= float64(written) {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("the projector counted %v rejected blocks (%v) of the %d forged or replayed records", n, err, written)
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	chainHashes := map[string]bool{}
	for _, h := range view.hashes {
		chainHashes[h] = true
	}
	for _, h := range hashes {
		if chainHashes[h] {
			t.Errorf("the chain holds forged block %s", h)
		}
	}
	for _, id := range txIDs {
		if _, ok := view.txs[id]; ok {
			t.Errorf("the chain holds forged transaction %s", id)
		}
	}
	quote := func(ss []string) string {
		q := make([]string, len(ss))
		for i, s := range ss {
			q[i] = "'" + s + "'"
		}
		return strings.Join(q, ",")
	}
	ctx := t.Context()
	if n, err := c.d.sql(ctx, "SELECT count() FROM aurigraph.blocks WHERE hash IN ("+quote(hashes)+")"); err != nil || n != "0" {
		t.Errorf("ClickHouse holds %s forged blocks (%v)", n, err)
	}
	if n, err := c.d.sql(ctx, fmt.Sprintf("SELECT count() FROM aurigraph.transactions WHERE id IN (%s) OR amount = %d", quote(txIDs), uint64(forgedAmount))); err != nil || n != "0" {
		t.Errorf("ClickHouse holds %s forged transactions (%v)", n, err)
	}
}

// stopAndVerify stops dev with SIGTERM and checks every validator's store
// offline with `aurigraph verify`. Dev must still run and stop cleanly,
// unless forgedOK is false: a forged block a reader took may have stopped
// it already, a failure the forged-block checks reported.
func stopAndVerify(t *testing.T, d *dev, forgedOK bool) {
	report := t.Errorf
	if !forgedOK {
		report = t.Logf
	}
	switch {
	case !d.proc.Running():
		report("dev had exited before it was stopped: %v", d.proc.ExitError())
	default:
		if err := d.proc.Terminate(90 * time.Second); err != nil {
			report("stop dev: %v\n%s", err, d.proc.Tail(20))
		}
	}
	for id := 1; id <= validators; id++ {
		dir := fmt.Sprintf("%s/validators/%d", d.dataDir, id)
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
		out, err := exec.CommandContext(ctx, aurigraphBin, "verify", "--data", dir).CombinedOutput()
		cancel()
		if err != nil {
			t.Errorf("aurigraph verify --data %s: %v\n%s", dir, err, out)
		}
	}
}
