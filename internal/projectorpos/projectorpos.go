// Package projectorpos carries the projector's position to the validators
// over Kafka: the projector commits, as a consumer group that never joins,
// the offset after the last block it projected on the blocks topic, with
// that block's height in the commit's metadata; validators fetch it to
// measure how far the projection is behind their chain. The commit is
// informational only: the projector resumes from ClickHouse, never from it.
package projectorpos

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Group is the consumer group the projector commits its position as.
const Group = "aurigraph-projector"

// metadataPrefix names the metadata's format, so that a later one can be
// told apart and a foreign commit to the group is not read as a height.
const metadataPrefix = "aurigraph-projector/v1 height="

// maxMetadata bounds what Parse looks at: the group may be written by any
// principal with group rights, so its metadata is outside input.
const maxMetadata = len(metadataPrefix) + 20

// ErrMetadata is commit metadata that is not a projector's position.
var ErrMetadata = errors.New("projectorpos: commit metadata is not a projector position")

// Metadata renders height as a commit's metadata.
func Metadata(height uint64) string {
	return metadataPrefix + strconv.FormatUint(height, 10)
}

// Parse reads the height Metadata wrote.
func Parse(meta string) (uint64, error) {
	if len(meta) > maxMetadata {
		return 0, fmt.Errorf("%w: %d bytes, at most %d", ErrMetadata, len(meta), maxMetadata)
	}
	digits, ok := strings.CutPrefix(meta, metadataPrefix)
	// Only the form Metadata writes: digits, no sign, no leading zero.
	if !ok || digits == "" || strings.Trim(digits, "0123456789") != "" || (len(digits) > 1 && digits[0] == '0') {
		return 0, fmt.Errorf("%w: %q", ErrMetadata, meta)
	}
	h, err := strconv.ParseUint(digits, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %q: %w", ErrMetadata, meta, err)
	}
	return h, nil
}
