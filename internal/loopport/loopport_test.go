package loopport

import (
	"net"
	"strconv"
	"testing"
)

func TestRunIsFreeAndOutsideTheEphemeralRange(t *testing.T) {
	lo, hi := ephemeral()
	for _, n := range []int{1, 3, 6} {
		base, err := Run(n)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, ok := span(n); ok && base+n >= lo && base+1 <= hi {
			t.Fatalf("Run(%d) = %d: inside the ephemeral range %d-%d", n, base, lo, hi)
		}
		for i := 1; i <= n; i++ {
			l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(base+i)))
			if err != nil {
				t.Fatalf("Run(%d) = %d, but port %d: %v", n, base, base+i, err)
			}
			l.Close()
		}
	}
	if _, err := Run(0); err == nil {
		t.Fatal("Run(0) succeeded")
	}
}

func TestListenCanListenAgain(t *testing.T) {
	l, err := Listen()
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if _, _, ok := span(1); ok {
		lo, hi := ephemeral()
		if port := l.Addr().(*net.TCPAddr).Port; port >= lo && port <= hi {
			t.Fatalf("listening on %s, inside the ephemeral range %d-%d", addr, lo, hi)
		}
	}
	l.Close()
	again, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen again on %s: %v", addr, err)
	}
	again.Close()
}

func TestSpan(t *testing.T) {
	from, to, ok := span(6)
	lo, hi := ephemeral()
	if ok && !(to <= lo || from > hi) {
		t.Fatalf("span(6) = %d-%d overlaps the ephemeral range %d-%d", from, to, lo, hi)
	}
	if ok && (from < lowest || to > 65536 || to-from < 6+room) {
		t.Fatalf("span(6) = %d-%d", from, to)
	}
}
