package main

import (
	"log/slog"
	"syscall"
)

// fileReserve is what the open-file limit must leave beyond the listeners'
// caps: logs, block stores, the engine's files and the process's own
// connections to the broker and its peers.
const fileReserve = 1024

// raiseFileLimit lifts the soft limit on open files to the hard limit
// (every connection takes a descriptor, and running out stops accepting on
// every port at once), logs the limit, and warns when the listeners' caps
// (caps; negative when one is uncapped) could still use it all up.
func raiseFileLimit(log *slog.Logger, caps int) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		log.Warn("cannot read the open-file limit", "err", err)
		return
	}
	if lim.Cur < lim.Max {
		raised := syscall.Rlimit{Cur: lim.Max, Max: lim.Max}
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised); err != nil {
			log.Warn("cannot raise the open-file limit to the hard limit", "soft", lim.Cur, "hard", lim.Max, "err", err)
		} else {
			lim = raised
		}
	}
	log.Info("open-file limit", "soft", lim.Cur, "hard", lim.Max, "listener_caps", caps)
	switch {
	case caps < 0:
		log.Warn("a listener has no connection cap; enough connections to it exhaust the open-file limit and stop every listener from accepting", "limit", lim.Cur)
	case uint64(caps)+fileReserve > lim.Cur:
		log.Warn("the listeners' connection caps add up to more than the open-file limit leaves; lower the --*-max-conns flags or raise the hard limit (ulimit -Hn, systemd LimitNOFILE=)",
			"caps", caps, "reserve", fileReserve, "limit", lim.Cur)
	}
}

// sumCaps adds connection caps, each already defaulted; negative when one
// is uncapped.
func sumCaps(caps ...int) int {
	total := 0
	for _, c := range caps {
		if c < 0 {
			return -1
		}
		total += c
	}
	return total
}
