package bench

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// peakRSS is this process's resident-memory high-water mark (VmHWM), or 0
// where /proc is missing.
func peakRSS() int64 { return vmHWM("self") }

// peakRSSOf reads the high-water marks of the named processes while they
// run: Validator is the largest of the "validator-*" ones, Total their sum
// (this process is added by the caller at the end of the run).
func peakRSSOf(pids map[string]int) PeakRSS {
	var p PeakRSS
	p.ByProcess = map[string]int64{}
	for name, pid := range pids {
		rss := vmHWM(strconv.Itoa(pid))
		p.ByProcess[name] = rss
		p.Total += rss
		if strings.HasPrefix(name, "validator-") && (p.Validator == nil || rss > *p.Validator) {
			p.Validator = &rss
		}
	}
	if len(p.ByProcess) == 0 {
		p.ByProcess = nil
	}
	return p
}

func vmHWM(pid string) int64 { return statusKB(pid, "VmHWM:") }

// anonSampler keeps the largest anonymous resident memory (RssAnon: heap
// and stacks, not the file pages a memory-mapped store keeps resident, which
// the kernel reclaims under pressure) seen in each process.
type anonSampler struct {
	once sync.Once
	mu   sync.Mutex
	peak map[string]int64
	stop chan struct{}
	done chan struct{}
}

func sampleAnon(pids map[string]int, every time.Duration) *anonSampler {
	s := &anonSampler{peak: map[string]int64{}, stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			s.mu.Lock()
			for name, pid := range pids {
				s.peak[name] = max(s.peak[name], statusKB(strconv.Itoa(pid), "RssAnon:"))
			}
			s.mu.Unlock()
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// finish stops sampling, once, and returns the peaks.
func (s *anonSampler) finish() map[string]int64 {
	s.once.Do(func() { close(s.stop) })
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peak
}

// statusKB reads one "Key: N kB" line of /proc/PID/status in bytes, 0 when
// it cannot.
func statusKB(pid, key string) int64 {
	f, err := os.Open("/proc/" + pid + "/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), key); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

// cpuOf is the user plus system CPU time this process and the running
// processes pids used so far.
func cpuOf(pids map[string]int) time.Duration {
	var total time.Duration
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		total += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	for _, pid := range pids {
		total += procCPU(pid)
	}
	return total
}

// clockTick is the unit of /proc/PID/stat times (USER_HZ, 100 on Linux).
const clockTick = 10 * time.Millisecond

// procCPU reads utime and stime from /proc/PID/stat, 0 when it cannot.
func procCPU(pid int) time.Duration {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The command name in parentheses may hold spaces; fields count from
	// the closing one: state is field 3, utime 14 and stime 15.
	i := strings.LastIndexByte(string(raw), ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(raw[i+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(utime+stime) * clockTick
}

// firstError keeps the first error reported from any goroutine. (An
// atomic.Value would panic on a second error of another concrete type.)
type firstError struct {
	mu  sync.Mutex
	err error
}

func (f *firstError) set(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err == nil {
		f.err = err
	}
}

func (f *firstError) get() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}
