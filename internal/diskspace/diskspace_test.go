package diskspace

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestCollectorReadsAtScrape checks the figures against statfs and that they
// follow the disk between scrapes, with no goroutine in between.
func TestCollectorReadsAtScrape(t *testing.T) {
	dir := t.TempDir()
	reg := prometheus.NewRegistry()
	reg.MustRegister(NewCollector(dir, filepath.Join(dir, "missing")))

	read := func() (free, size float64) {
		t.Helper()
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if len(mf.GetMetric()) != 1 {
				t.Fatalf("%s has %d series, want 1 (the missing directory left out)", mf.GetName(), len(mf.GetMetric()))
			}
			m := mf.GetMetric()[0]
			if l := m.GetLabel(); len(l) != 1 || l[0].GetName() != "dir" || l[0].GetValue() != dir {
				t.Fatalf("%s labels %v, want dir=%q", mf.GetName(), l, dir)
			}
			switch mf.GetName() {
			case "aurigraph_storage_free_bytes":
				free = m.GetGauge().GetValue()
			case "aurigraph_storage_size_bytes":
				size = m.GetGauge().GetValue()
			default:
				t.Fatalf("unexpected metric %s", mf.GetName())
			}
		}
		return free, size
	}

	free, size := read()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	if want := float64(st.Blocks) * float64(st.Bsize); size != want {
		t.Fatalf("size %v, want %v", size, want)
	}
	if free <= 0 || free > size {
		t.Fatalf("free %v of size %v", free, size)
	}

	// Taking 64 MiB (written, not sparse) shows at the next scrape. Other
	// writers on a shared disk move the figure too, so a few tries are
	// allowed for one where nobody freed as much in between.
	const chunk = 64 << 20
	fill := filepath.Join(dir, "fill")
	var drops []float64
	for range 5 {
		before, _ := read()
		if err := os.WriteFile(fill, make([]byte, chunk), 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(fill)
		if err != nil {
			t.Fatal(err)
		}
		err = f.Sync()
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		after, _ := read()
		if before-after >= chunk/2 {
			return
		}
		drops = append(drops, before-after)
		if err := os.Remove(fill); err != nil {
			t.Fatal(err)
		}
	}
	t.Fatalf("writing %d bytes lowered the free bytes by only %v", chunk, drops)
}
