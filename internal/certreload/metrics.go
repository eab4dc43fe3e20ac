package certreload

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// ExpiryCollector exports aurigraph_tls_certificate_expiry_timestamp_seconds
// for one listener, asking notAfter at each scrape (Reloader.NotAfter for a
// reloaded certificate). Collectors of different listeners register side by
// side on one registry.
func ExpiryCollector(listener string, notAfter func() time.Time) prometheus.Collector {
	return expiry{
		desc: prometheus.NewDesc("aurigraph_tls_certificate_expiry_timestamp_seconds",
			"When the certificate a TLS listener serves expires (its NotAfter), in Unix seconds; follows certificate reloads.",
			nil, prometheus.Labels{"listener": listener}),
		notAfter: notAfter,
	}
}

type expiry struct {
	desc     *prometheus.Desc
	notAfter func() time.Time
}

func (e expiry) Describe(ch chan<- *prometheus.Desc) { ch <- e.desc }

func (e expiry) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(e.desc, prometheus.GaugeValue, float64(e.notAfter().UnixMilli())/1000)
}
