package loopport

import (
	"net"
	"strconv"
	"testing"
)

func TestRunIsFreeAndBelowTheEphemeralRange(t *testing.T) {
	for _, n := range []int{1, 3, 6} {
		base, err := Run(n)
		if err != nil {
			t.Fatal(err)
		}
		if base < lowest || base+n >= ephemeralStart() {
			t.Fatalf("Run(%d) = %d: not between %d and the ephemeral range at %d", n, base, lowest, ephemeralStart())
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
	port := l.Addr().(*net.TCPAddr).Port
	if port >= ephemeralStart() {
		t.Fatalf("listening on %s, in the ephemeral range from %d", addr, ephemeralStart())
	}
	l.Close()
	again, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen again on %s: %v", addr, err)
	}
	again.Close()
}
