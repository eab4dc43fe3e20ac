package consensus

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// tpsWindow is how many completed seconds aurigraph_consensus_committed_txs_per_second
// averages: short enough that a stall shows within seconds, long enough
// that one large block does not make the gauge jump.
const tpsWindow = 10

// txRate is the collector of aurigraph_consensus_committed_txs_per_second:
// transactions applied per second over the last tpsWindow completed
// seconds, worked out when scraped. A gauge set by a timer would need a
// goroutine per validator and would read a stale second between ticks;
// counting per second and dividing at scrape time needs neither.
type txRate struct {
	desc *prometheus.Desc
	now  func() time.Time

	mu sync.Mutex
	// ring holds one count per wall-clock second, the second in progress
	// included; a slot whose sec is not the one asked for counts zero.
	ring [tpsWindow + 1]struct {
		sec int64
		txs uint64
	}
}

func newTxRate(labels prometheus.Labels) *txRate {
	return &txRate{
		desc: prometheus.NewDesc("aurigraph_consensus_committed_txs_per_second",
			"Transactions (committed or failed) applied per second, averaged over the last 10 completed seconds.", nil, labels),
		now: time.Now,
	}
}

// add counts n transactions applied now.
func (r *txRate) add(n int) {
	if n <= 0 {
		return
	}
	sec := r.now().Unix()
	r.mu.Lock()
	defer r.mu.Unlock()
	s := &r.ring[sec%int64(len(r.ring))]
	if s.sec != sec {
		s.sec, s.txs = sec, 0
	}
	s.txs += uint64(n)
}

// rate is the average over the tpsWindow seconds before the current one.
func (r *txRate) rate() float64 {
	cur := r.now().Unix()
	r.mu.Lock()
	defer r.mu.Unlock()
	var sum uint64
	for sec := cur - tpsWindow; sec < cur; sec++ {
		if s := r.ring[sec%int64(len(r.ring))]; s.sec == sec {
			sum += s.txs
		}
	}
	return float64(sum) / tpsWindow
}

func (r *txRate) Describe(ch chan<- *prometheus.Desc) { ch <- r.desc }

func (r *txRate) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(r.desc, prometheus.GaugeValue, r.rate())
}
