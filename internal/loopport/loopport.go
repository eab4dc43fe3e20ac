// Package loopport picks loopback ports for listeners that must bind the
// same address again after a restart: a benchmark's or a test's validators,
// stopped and started on their data dirs.
//
// The ports come from below the kernel's ephemeral range. A port from that
// range (what a listener on port 0 gets) is also handed out as the local
// port of outgoing connections, so a port freed by a stopped process can be
// taken by some connection before the process starts again, and its restart
// then fails with "address already in use". Below the range, only a listener
// that names the port can take it.
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

// lowest is where picked ports start: clear of the well-known and
// registered ports services on a developer's machine tend to use.
const lowest = 15000

// Listen returns a listener on 127.0.0.1 at a port below the ephemeral
// range.
func Listen() (net.Listener, error) {
	high := ephemeralStart()
	if high <= lowest+1 {
		return nil, fmt.Errorf("loopport: no room between %d and the ephemeral range at %d", lowest, high)
	}
	for range 100 {
		if l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(lowest+rand.IntN(high-lowest)))); err == nil {
			return l, nil
		}
	}
	return nil, errors.New("loopport: no free loopback port below the ephemeral range after 100 tries")
}

// Run returns a port base such that base+1 to base+n were free on 127.0.0.1
// a moment ago, all below the ephemeral range. Nothing holds them: a caller
// that needs several runs at once binds each before asking for the next.
func Run(n int) (int, error) {
	if n < 1 {
		return 0, fmt.Errorf("loopport: a run of %d ports", n)
	}
	high := ephemeralStart() - n - 1
	if high <= lowest {
		return 0, fmt.Errorf("loopport: no room for %d ports between %d and the ephemeral range", n, lowest)
	}
	for range 100 {
		base := lowest + rand.IntN(high-lowest)
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
	return 0, errors.New("loopport: no run of free loopback ports below the ephemeral range after 100 tries")
}

// ephemeralStart is the first port of the kernel's ephemeral range: Linux
// says so in /proc; elsewhere the IANA range, which BSD and macOS use, is
// assumed.
func ephemeralStart() int {
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if p, err := strconv.Atoi(f[0]); err == nil && p > 0 {
				return p
			}
		}
	}
	return 49152
}
