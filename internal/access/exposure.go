package access

import (
	"fmt"
	"log/slog"
	"net"
	"strings"
)

// Loopback reports whether a listen or peer address (host:port) stays on
// this machine: a loopback IP or "localhost". An empty host binds every
// interface and is not loopback; other names are not resolved, and count
// as exposed.
func Loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Listener describes one listener for CheckExposure.
type Listener struct {
	// Flag names the flag that sets the address, e.g. --http.
	Flag string
	Addr string
	// Authenticated: callers must authenticate (an identity source is
	// configured and anonymous callers are refused); FixAuth says which
	// flags turn it on, when not the HTTP and gRPC ports' identity flags.
	Authenticated bool
	FixAuth       string
	// NeedsTLS: the listener must also be encrypted when exposed, and TLS
	// says whether it is; Fix says which flags turn it on.
	NeedsTLS bool
	TLS      bool
	FixTLS   string
}

// CheckExposure refuses listeners bound beyond loopback without
// authentication (and, where NeedsTLS, without TLS), unless insecure is
// set, in which case it warns on log at every start.
func CheckExposure(ls []Listener, insecure bool, log *slog.Logger) error {
	for _, l := range ls {
		if Loopback(l.Addr) {
			continue
		}
		var missing []string
		if !l.Authenticated {
			fix := l.FixAuth
			if fix == "" {
				fix = "--oidc-issuer with --oidc-audience, --api-keys or --grpc-client-principal, and --anonymous-role none"
			}
			missing = append(missing, "authentication ("+fix+")")
		}
		if l.NeedsTLS && !l.TLS {
			missing = append(missing, "TLS ("+l.FixTLS+")")
		}
		if len(missing) == 0 {
			continue
		}
		if insecure {
			log.Warn("listener exposed beyond loopback without protection because of --insecure: anyone who can reach it may use it",
				"flag", l.Flag, "addr", l.Addr, "missing", strings.Join(missing, "; "))
			continue
		}
		return fmt.Errorf("%s %s is reachable beyond this machine but has no %s: configure it, bind to 127.0.0.1, or pass --insecure to accept the risk",
			l.Flag, l.Addr, strings.Join(missing, " and no "))
	}
	return nil
}

// CheckPeers refuses raft peer addresses beyond loopback without mutual
// TLS, unless insecure is set, in which case it warns at every start.
func CheckPeers(flag string, addrs []string, mutualTLS, insecure bool, log *slog.Logger) error {
	if mutualTLS {
		return nil
	}
	for _, a := range addrs {
		if Loopback(a) {
			continue
		}
		if insecure {
			log.Warn("raft peers talk beyond loopback without mutual TLS because of --insecure: anyone who can reach a peer port can join the consensus traffic",
				"flag", flag, "addr", a)
			return nil
		}
		return fmt.Errorf("%s: peer address %s is reachable beyond this machine but raft traffic is not protected: set --peer-cert, --peer-key and --peer-ca (mutual TLS), bind peers to loopback, or pass --insecure to accept the risk", flag, a)
	}
	return nil
}
