package broker

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurigraph/aurigraph/internal/auth"
	"github.com/aurigraph/aurigraph/internal/listener"
)

// apiVersions sends an ApiVersions v0 request over c and reads the answer's
// frame: the cheapest full round trip of the Kafka protocol.
func apiVersions(c net.Conn) error {
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	var req bytes.Buffer
	_ = binary.Write(&req, binary.BigEndian, int32(10)) // size of what follows
	_ = binary.Write(&req, binary.BigEndian, int16(18)) // ApiVersions
	_ = binary.Write(&req, binary.BigEndian, int16(0))  // version 0
	_ = binary.Write(&req, binary.BigEndian, int32(7))  // correlation id
	_ = binary.Write(&req, binary.BigEndian, int16(-1)) // null client id
	if _, err := c.Write(req.Bytes()); err != nil {
		return err
	}
	var size int32
	if err := binary.Read(c, binary.BigEndian, &size); err != nil {
		return err
	}
	resp := make([]byte, size)
	if _, err := io.ReadFull(c, resp); err != nil {
		return err
	}
	if corr := binary.BigEndian.Uint32(resp); corr != 7 {
		return fmt.Errorf("answer to correlation id %d, want 7", corr)
	}
	return nil
}

// closedByPeer waits for the broker to close c and says how long it took.
func closedByPeer(t *testing.T, c net.Conn) time.Duration {
	t.Helper()
	start := time.Now()
	_ = c.SetReadDeadline(time.Now().Add(15 * time.Second))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("the broker kept the connection open for 15s")
	}
	return time.Since(start)
}

func startLimited(t *testing.T, cfg Config) (*Broker, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	m, err := listener.NewMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Metrics = m
	cfg.Logger = slog.New(slog.DiscardHandler)
	b, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b, reg
}

// counter reads the kafka listener's counter name with the given limit
// label (or none), 0 when it was never counted.
func counter(t *testing.T, reg *prometheus.Registry, name, limit string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	next:
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if (l.GetName() == "listener" && l.GetValue() != "kafka") || (l.GetName() == "limit" && l.GetValue() != limit) {
					continue next
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

func limitedCount(t *testing.T, reg *prometheus.Registry, limit string) float64 {
	return counter(t, reg, "aurigraph_listener_limited_total", limit)
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestBrokerRefusesConnectionsOverTheCapWhileOpenOnesKeepWorking(t *testing.T) {
	b, m := startLimited(t, Config{MaxConns: 2})
	first, second := dial(t, b.Addr()), dial(t, b.Addr())
	for _, c := range []net.Conn{first, second} {
		if err := apiVersions(c); err != nil {
			t.Fatalf("connection within the cap: %v", err)
		}
	}
	third := dial(t, b.Addr())
	if err := apiVersions(third); err == nil {
		t.Fatal("a third connection was served over a cap of 2")
	}
	if n := counter(t, m, "aurigraph_listener_connections_refused_total", ""); n != 1 {
		t.Errorf("refused connections counted = %v, want 1", n)
	}
	for range 3 {
		for i, c := range []net.Conn{first, second} {
			if err := apiVersions(c); err != nil {
				t.Fatalf("open connection %d after the refusal: %v", i+1, err)
			}
		}
	}
	first.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := apiVersions(dial(t, b.Addr()))
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no connection served after one of the two was closed: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestBrokerCutsIdleSlowAndOversizedRequests(t *testing.T) {
	const idle, request = 600 * time.Millisecond, 400 * time.Millisecond
	b, m := startLimited(t, Config{IdleTimeout: idle, RequestTimeout: request, MaxRequestBytes: 1 << 20, Topics: map[string]int32{"limits.test": 1}})

	t.Run("idle", func(t *testing.T) {
		c := dial(t, b.Addr())
		if err := apiVersions(c); err != nil {
			t.Fatal(err)
		}
		if took := closedByPeer(t, c); took < idle/2 || took > idle+3*time.Second {
			t.Fatalf("idle connection closed after %v, want about %v", took, idle)
		}
		if n := limitedCount(t, m, "idle_timeout"); n < 1 {
			t.Errorf("idle timeouts counted = %v", n)
		}
	})
	t.Run("slow request", func(t *testing.T) {
		c := dial(t, b.Addr())
		// Half a request, then a byte now and then: the request deadline
		// counts from its first byte, so trickling does not extend it.
		start := time.Now()
		_, _ = c.Write([]byte{0, 0, 0, 10, 0, 18})
		done := make(chan time.Duration, 1)
		go func() { done <- closedByPeer(t, c) }()
		tick := time.NewTicker(request / 4)
		defer tick.Stop()
		for {
			select {
			case <-done:
				if took := time.Since(start); took < request || took > request+3*time.Second {
					t.Fatalf("slow request cut after %v, want about %v", took, request)
				}
				if n := limitedCount(t, m, "request_timeout"); n < 1 {
					t.Errorf("request timeouts counted = %v", n)
				}
				return
			case <-tick.C:
				_, _ = c.Write([]byte{0})
			}
		}
	})
	t.Run("oversized request", func(t *testing.T) {
		c := dial(t, b.Addr())
		_, _ = c.Write([]byte{0x7f, 0xff, 0xff, 0xff})
		if took := closedByPeer(t, c); took > 3*time.Second {
			t.Fatalf("a request announcing 2 GiB was refused only after %v", took)
		}
		if n := limitedCount(t, m, "request_size"); n != 1 {
			t.Errorf("oversized requests counted = %v, want 1", n)
		}
	})
	t.Run("ordinary clients", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		produce(ctx, t, b.Addr(), "limits.test", 150)
		if got := consumeAll(ctx, t, b.Addr(), "limits.test"); got != 150 {
			t.Fatalf("consumed %d records, want 150", got)
		}
	})
}

// A request naming an API key the protocol does not have closes its
// connection before the broker reads it (kfake dereferences the request it
// looks the key up for, so one such request crashed the process), whether
// the key arrives whole or a byte at a time; the broker goes on serving.
func TestBrokerClosesRequestsOfUnknownKind(t *testing.T) {
	b, m := startLimited(t, Config{})
	for i, writes := range [][][]byte{
		{{0, 0, 0, 10, 0x7f, 0xff, 0, 0, 0, 0, 0, 7, 0xff, 0xff}},
		{{0, 0, 0, 10, 0x4e}, {0x20}, {0, 0, 0, 0, 0, 7, 0xff, 0xff}},
		{{0, 0, 0, 10, 0xff, 0xff, 0, 0, 0, 0, 0, 7, 0xff, 0xff}},
	} {
		c := dial(t, b.Addr())
		for _, w := range writes {
			_, _ = c.Write(w)
			time.Sleep(20 * time.Millisecond)
		}
		if took := closedByPeer(t, c); took > 3*time.Second {
			t.Fatalf("request %d of an unknown kind closed only after %v", i, took)
		}
		if err := apiVersions(dial(t, b.Addr())); err != nil {
			t.Fatalf("the broker does not serve after request %d of an unknown kind: %v", i, err)
		}
	}
	if n := limitedCount(t, m, "unknown_request"); n != 3 {
		t.Errorf("requests of an unknown kind counted = %v, want 3", n)
	}
}

// fdHelperEnv makes the test binary the broker process of
// TestBrokerPortServesAgainAfterDescriptorExhaustion.
const fdHelperEnv = "AURIGRAPH_BROKER_FD_HELPER"

// TestBrokerPortServesAgainAfterDescriptorExhaustion runs a broker in a
// process of its own, exhausts that process's file descriptors while
// clients connect, frees them, and checks the port serves clients again:
// kfake's own accept loop ends on the first EMFILE, which took the embedded
// broker's port away for good.
func TestBrokerPortServesAgainAfterDescriptorExhaustion(t *testing.T) {
	if os.Getenv(fdHelperEnv) == "1" {
		fdHelper(t)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestBrokerPortServesAgainAfterDescriptorExhaustion$")
	cmd.Env = append(os.Environ(), fdHelperEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = stdin.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("broker process: %v\n%s", err, stderr.String())
		}
	}()
	lines := bufio.NewScanner(stdout)
	expect := func(prefix string) string {
		t.Helper()
		for lines.Scan() {
			if word, rest, _ := strings.Cut(lines.Text(), " "); word == prefix {
				return rest
			}
		}
		t.Fatalf("broker process ended before saying %q: %v\n%s", prefix, lines.Err(), stderr.String())
		return ""
	}
	addr := expect("addr")
	expect("full")

	// Connections arriving now wait in the kernel's queue; every accept of
	// them fails with EMFILE.
	for range 4 {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatalf("dial while the broker is out of descriptors: %v", err)
		}
		defer c.Close()
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(stderr.String(), "out of file descriptors") {
		if time.Now().After(deadline) {
			t.Error("the broker did not log its accepts failing for lack of descriptors")
			break
		}
		time.Sleep(20 * time.Millisecond)
	}

	fmt.Fprintln(stdin, "release")
	expect("released")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic("fd.test"), kgo.RecordRetries(3))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte("after")}).FirstErr(); err != nil {
		t.Fatalf("produce once descriptors are free again: %v\nbroker log:\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "accepting connections again") {
		t.Errorf("the broker did not log its recovery:\n%s", stderr.String())
	}
}

// fdHelper is the broker process: it lowers its descriptor limit, starts a
// broker, uses up every descriptor left, and frees them when told to.
func fdHelper(t *testing.T) {
	lim := syscall.Rlimit{Cur: 256, Max: 256}
	var cur syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &cur); err == nil && cur.Max < lim.Max {
		lim = syscall.Rlimit{Cur: cur.Max, Max: cur.Max}
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	b, err := Start(context.Background(), Config{Topics: map[string]int32{"fd.test": 1},
		Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	fmt.Println("addr", b.Addr())
	var held []*os.File
	for {
		f, err := os.Open(os.DevNull)
		if err != nil {
			if !errors.Is(err, syscall.EMFILE) {
				t.Fatalf("filling descriptors: %v", err)
			}
			break
		}
		held = append(held, f)
	}
	fmt.Println("full", len(held))
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() && in.Text() != "release" {
	}
	for _, f := range held {
		f.Close()
	}
	fmt.Println("released")
	// Serve until the parent closes stdin.
	for in.Scan() {
	}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// A request whose tagged fields announce four billion tags in a few bytes
// is refused at once: a decoder that kept counting after its input ended
// spent a minute of CPU on each such 15-byte request. Both ways in are
// checked: the open port, and the SASL gate that reads requests before
// authentication.
func TestBrokerRefusesTagCountsItsRequestCannotHold(t *testing.T) {
	var req bytes.Buffer
	_ = binary.Write(&req, binary.BigEndian, int32(15)) // size of what follows
	_ = binary.Write(&req, binary.BigEndian, int16(18)) // ApiVersions
	_ = binary.Write(&req, binary.BigEndian, int16(3))  // version 3: flexible, tagged header
	_ = binary.Write(&req, binary.BigEndian, int32(9))  // correlation id
	_ = binary.Write(&req, binary.BigEndian, int16(-1)) // null client id
	req.Write([]byte{0xff, 0xff, 0xff, 0xff, 0x0f})     // 2^32-1 header tags, and nothing else
	users, err := auth.OpenUsers("")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"open port", Config{}},
		{"SASL gate", Config{SASL: &SASL{Users: users}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, _ := startLimited(t, tc.cfg)
			c := dial(t, b.Addr())
			start := time.Now()
			if _, err := c.Write(req.Bytes()); err != nil {
				t.Fatal(err)
			}
			_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
			_, err := io.Copy(io.Discard, c)
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("the broker still had not answered a request of 2^32-1 tags after %v", time.Since(start))
			}
			if err := apiVersions(dial(t, b.Addr())); err != nil {
				t.Fatalf("the broker does not serve after the request: %v", err)
			}
		})
	}
}
