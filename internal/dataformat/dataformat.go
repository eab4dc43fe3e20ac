// Package dataformat is the rule every versioned format of aurigraph's
// data follows: raft snapshots and entries (consensus), block log segments
// and index runs (internal/blocklog). Each carries the version it was
// written in; a reader takes every version up to the newest it knows and
// refuses a newer one, naming the fix, rather than misread it.
//
// Data written before versions were recorded carries none (0) and is read
// as version 1.
//
// What a validator writes may be read by its peers of the previous release
// during a rolling upgrade, so a release never writes a version the release
// before it cannot read: a new version is first taught to readers (its
// Read constant raised), and written (its Write constant raised) only in a
// later release. README.md, "Upgrading", lists the versions.
package dataformat

import (
	"errors"
	"fmt"
)

// ErrTooNew means data was written in a format newer than this binary
// reads, by a newer aurigraph.
var ErrTooNew = errors.New("written by a newer aurigraph; upgrade this node first")

// Check returns nil when a reader of formats up to read can read what says
// it is version v, and otherwise an error wrapping ErrTooNew that names
// what (e.g. "raft snapshot at index 1200").
func Check(what string, v, read uint32) error {
	if v > read {
		return fmt.Errorf("%s is format %d, this aurigraph reads formats up to %d: %w", what, v, read, ErrTooNew)
	}
	return nil
}
