package hostile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"google.golang.org/grpc/status"
)

// tally counts what was sent, by class, and how each was answered. A
// breach is an answer that broke a guarantee (a 2xx for a transaction that
// had to be refused, a file's content from the ClickHouse interface, ...):
// the test fails on any.
type tally struct {
	mu       sync.Mutex
	classes  map[string]map[string]int
	breaches []string
	nbreach  int
}

func newTally() *tally { return &tally{classes: map[string]map[string]int{}} }

// add counts one input of class answered with outcome.
func (t *tally) add(class, outcome string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.classes[class]
	if m == nil {
		m = map[string]int{}
		t.classes[class] = m
	}
	m[outcome]++
}

// breach counts one input of class whose answer, outcome, broke a
// guarantee; detail says how.
func (t *tally) breach(class, outcome, detail string) {
	t.add(class, outcome)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.nbreach++
	if len(t.breaches) < 40 {
		t.breaches = append(t.breaches, fmt.Sprintf("%s answered %s: %.400s", class, outcome, detail))
	}
}

// failures returns the breaches recorded (the first 40) and their count.
func (t *tally) failures() ([]string, int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.breaches), t.nbreach
}

// total is how many inputs were counted, over every class.
func (t *tally) total() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, m := range t.classes {
		for _, c := range m {
			n += c
		}
	}
	return n
}

// String is the summary table: one line per class with its count and its
// outcomes, most frequent first.
func (t *tally) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, "%-34s %8s  %s\n", "class", "sent", "answers")
	for _, class := range slices.Sorted(maps.Keys(t.classes)) {
		m := t.classes[class]
		outcomes := slices.SortedFunc(maps.Keys(m), func(a, b string) int {
			if m[a] != m[b] {
				return m[b] - m[a]
			}
			return strings.Compare(a, b)
		})
		sent := 0
		parts := make([]string, len(outcomes))
		for i, o := range outcomes {
			sent += m[o]
			parts[i] = fmt.Sprintf("%s×%d", o, m[o])
		}
		fmt.Fprintf(&b, "%-34s %8d  %s\n", class, sent, strings.Join(parts, " "))
	}
	return b.String()
}

// ledger keeps the transaction ids the test must find in the chain
// afterwards (acknowledged) and those it must not (refused).
type ledger struct {
	mu      sync.Mutex
	acked   map[string]string // id → the path that acknowledged it
	refused map[string]string // id → the class whose refusal it was
	// recent are acknowledged transactions' bodies, for repeats: the
	// newest recentCap, as REST JSON.
	recent [][]byte
}

const recentCap = 512

func newLedger() *ledger {
	return &ledger{acked: map[string]string{}, refused: map[string]string{}}
}

func (l *ledger) ack(path string, ids ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, id := range ids {
		if _, ok := l.acked[id]; !ok {
			l.acked[id] = path
		}
	}
}

// refuse records the id of a well-formed transaction that was refused: it
// must never be in the chain.
func (l *ledger) refuse(class string, ids ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, id := range ids {
		l.refused[id] = class
	}
}

// keep remembers an acknowledged transaction's JSON for a later repeat.
func (l *ledger) keep(body []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.recent) >= recentCap {
		l.recent = l.recent[1:]
	}
	l.recent = append(l.recent, body)
}

// older returns a transaction acknowledged a while ago (from the older half
// of those kept), or nil.
func (l *ledger) older(pick func(n int) int) []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.recent) < 2 {
		return nil
	}
	return l.recent[pick(len(l.recent)/2)]
}

func (l *ledger) snapshot() (acked, refused map[string]string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return maps.Clone(l.acked), maps.Clone(l.refused)
}

// netOutcome names a transport failure: what a client saw instead of an
// answer.
func netOutcome(err error) string {
	var ne net.Error
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "reset"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), strings.Contains(err.Error(), "EOF"):
		return "closed"
	}
	return "error"
}

// httpOutcome is the status code of an answer, or what came instead.
func httpOutcome(code int, err error) string {
	if err != nil {
		return netOutcome(err)
	}
	return strconv.Itoa(code)
}

// grpcOutcome is the status code of a gRPC call.
func grpcOutcome(err error) string {
	return status.Code(err).String()
}
