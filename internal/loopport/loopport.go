// Package loopport picks loopback ports for listeners that must bind the
// same address again after a restart: a benchmark's or a test's validators,
// stopped and started on their data dirs.
//
// The ports come from outside the kernel's ephemeral range. A port in that
// range (what a listener on port 0 gets) is also handed out as the local
// port of outgoing connections, so a port freed by a stopped process can be
// taken by some connection before the process starts again, and its restart
// then fails with "address already in use". Outside the range, only a
// listener that names the port can take it. Nothing reserves a port once it
// is picked; a host whose ephemeral range leaves no room gets ports from
// anywhere, as a listener on port 0 would.
package loopport

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
)

const (
	// lowest is where picked ports start: clear of the well-known and
	// registered ports services on a developer's machine tend to use.
	lowest = 15000
	// room is the fewest ports a span outside the ephemeral range must
	// offer besides a run, or random picks would mostly collide.
	room = 1000
)

// Listen returns a listener on 127.0.0.1 at a port outside the ephemeral
// range.
func Listen() (net.Listener, error) {
	from, to, ok := span(1)
	if !ok {
		return net.Listen("tcp", "127.0.0.1:0")
	}
	for range 100 {
		if l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(from+rand.IntN(to-from)))); err == nil {
			return l, nil
		}
	}
	return nil, fmt.Errorf("loopport: no free loopback port in %d-%d after 100 tries", from, to-1)
}

// Run returns a port base such that base+1 to base+n were free on 127.0.0.1
// a moment ago, all outside the ephemeral range.
func Run(n int) (int, error) {
	if n < 1 {
		return 0, fmt.Errorf("loopport: a run of %d ports", n)
	}
	from, to, ok := span(n)
	if !ok {
		from, to = lowest, 65536
	}
	for range 100 {
		base := from - 1 + rand.IntN(to-from-n+1)
		held := make([]net.Listener, 0, n)
		for i := 1; i <= n; i++ {
			l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(base+i)))
			if err != nil {
				break
			}
			held = append(held, l)
		}
		for _, l := range held {
			l.Close()
		}
		if len(held) == n {
			return base, nil
		}
	}
	return 0, errors.New("loopport: no run of free loopback ports after 100 tries")
}

// span is the ports [from, to) to pick a run of n from: below the ephemeral
// range, or else above it; ok is false when neither leaves room.
func span(n int) (from, to int, ok bool) {
	lo, hi := ephemeral()
	switch {
	case lo-lowest >= n+room:
		return lowest, lo, true
	case 65535-hi >= n+room:
		return hi + 1, 65536, true
	}
	return 0, 0, false
}

// ephemeral is the kernel's ephemeral port range, first and last: Linux
// says so in /proc; elsewhere the IANA range, which BSD, macOS and Windows
// use, is assumed.
func ephemeral() (lo, hi int) {
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			lo, err1 := strconv.Atoi(f[0])
			hi, err2 := strconv.Atoi(f[1])
			if err1 == nil && err2 == nil && 0 < lo && lo <= hi && hi <= 65535 {
				return lo, hi
			}
		}
	}
	return 49152, 65535
}
