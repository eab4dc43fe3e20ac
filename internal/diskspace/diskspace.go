// Package diskspace exports how much room the filesystems under a process's
// data directories have left, read from the kernel at each scrape: a value
// sampled by a timer would be up to one period old when a disk fills fast,
// and would need a goroutine for something a scrape asks for anyway.
package diskspace

import (
	"path/filepath"
	"syscall"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	freeDesc = prometheus.NewDesc("aurigraph_storage_free_bytes",
		"Bytes this process may still write on the filesystem holding the data directory (what df shows as available; the root-reserved blocks left out).",
		[]string{"dir"}, nil)
	sizeDesc = prometheus.NewDesc("aurigraph_storage_size_bytes",
		"Size in bytes of the filesystem holding the data directory.",
		[]string{"dir"}, nil)
)

// Collector exports aurigraph_storage_free_bytes and
// aurigraph_storage_size_bytes for each of its directories.
type Collector struct {
	dirs []string
}

// NewCollector watches dirs, labelled with their absolute paths.
func NewCollector(dirs ...string) *Collector {
	c := &Collector{}
	for _, d := range dirs {
		if abs, err := filepath.Abs(d); err == nil {
			d = abs
		}
		c.dirs = append(c.dirs, d)
	}
	return c
}

func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- freeDesc
	ch <- sizeDesc
}

// Collect leaves out a directory statfs cannot read (removed, or on a
// filesystem gone away) rather than failing the whole scrape: the health
// checks of the stages writing there report that failure.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	for _, dir := range c.dirs {
		var st syscall.Statfs_t
		if err := syscall.Statfs(dir, &st); err != nil {
			continue
		}
		bsize := float64(st.Bsize)
		ch <- prometheus.MustNewConstMetric(freeDesc, prometheus.GaugeValue, float64(st.Bavail)*bsize, dir)
		ch <- prometheus.MustNewConstMetric(sizeDesc, prometheus.GaugeValue, float64(st.Blocks)*bsize, dir)
	}
}
