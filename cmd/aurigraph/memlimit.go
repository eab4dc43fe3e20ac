package main

import (
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"
)

// memoryLimitUsage documents --memory-limit for dev and node.
const memoryLimitUsage = "soft limit on the Go heap, e.g. 448MiB or 2GiB: the collector works harder as the process nears it, " +
	"which keeps resident memory within a budget at some CPU cost (GOMEMLIMIT sets the same; empty: no limit)"

// applyMemoryLimit sets the runtime's soft memory limit from a size such as
// "448MiB"; an empty value leaves the runtime's (GOMEMLIMIT) setting alone.
func applyMemoryLimit(v string) error {
	if v == "" {
		return nil
	}
	n, err := parseSize(v)
	if err != nil {
		return fmt.Errorf("--memory-limit %q: %w", v, err)
	}
	debug.SetMemoryLimit(n)
	return nil
}

// parseSize reads a byte count with an optional binary suffix
// (KiB, MiB, GiB, TiB; B or none for bytes).
func parseSize(v string) (int64, error) {
	s := strings.TrimSpace(v)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"B", 1}} {
		if rest, ok := strings.CutSuffix(s, u.suffix); ok {
			s, mult = strings.TrimSpace(rest), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("want a positive size such as 448MiB or 2GiB")
	}
	return n * mult, nil
}
