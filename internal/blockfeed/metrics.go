package blockfeed

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Rejections counts skipped records by reason. A nil *Rejections counts
// nothing.
type Rejections struct {
	c *prometheus.CounterVec
}

// NewRejections registers aurigraph_<subsystem>_blocks_rejected_total{reason}
// on reg (none when nil), every reason starting at zero. A registerer that
// already holds the metric (two readers of one process) shares it.
func NewRejections(reg prometheus.Registerer, subsystem string) (*Rejections, error) {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: fmt.Sprintf("aurigraph_%s_blocks_rejected_total", subsystem),
		Help: "Records of the blocks topic skipped because they are not the next valid block, by reason: " +
			"undecodable, malformed, unsigned, unknown_signer, bad_signature, bad_link, duplicate, ahead.",
	}, []string{"reason"})
	if reg != nil {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				return nil, fmt.Errorf("register blocks_rejected_total: %w", err)
			}
			if existing, ok := are.ExistingCollector.(*prometheus.CounterVec); ok {
				c = existing
			}
		}
	}
	for _, r := range Reasons {
		c.WithLabelValues(r)
	}
	return &Rejections{c: c}, nil
}

func (r *Rejections) inc(reason string) {
	if r != nil {
		r.c.WithLabelValues(reason).Inc()
	}
}

// Count is how many records were rejected for reason.
func (r *Rejections) Count(reason string) float64 {
	if r == nil {
		return 0
	}
	var m dto.Metric
	if err := r.c.WithLabelValues(reason).Write(&m); err != nil {
		return 0
	}
	return m.GetCounter().GetValue()
}
