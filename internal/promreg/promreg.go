// Package promreg registers metrics that more than one instance in a
// process may register, as dev does with one validator per id.
package promreg

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// Register registers c with reg and returns it, or the collector already
// registered under its name, so that instances sharing a registry share the
// series. A nil reg registers nothing.
func Register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if reg == nil {
		return c
	}
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		// Only a programming error (conflicting help or labels under one name)
		// gets here; running without the metric beats refusing to start.
		return c
	}
	return c
}
