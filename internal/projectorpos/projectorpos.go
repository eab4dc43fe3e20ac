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
	"log/slog"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
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

// Kafka is where a Reporter or a Watcher finds the group's position.
type Kafka struct {
	// Brokers are the Kafka-protocol seed brokers, host:port.
	Brokers []string
	// ClientOpts are appended to the Kafka client's options (TLS, SASL).
	ClientOpts []kgo.Opt
	// Topic is the blocks topic the projector follows (partition 0).
	Topic string
	// Logger receives the failures, at debug; nil means slog.Default().
	Logger *slog.Logger
}

// conn is what a Reporter and a Watcher share: a Kafka client for the
// group's offsets on the blocks topic, and where failures are logged.
type conn struct {
	topic string
	log   *slog.Logger
	adm   *kadm.Client
}

// newConn prepares a Kafka client for role ("reporter", "watcher"); it
// contacts no broker until used.
func newConn(role string, k Kafka) (conn, error) {
	if len(k.Brokers) == 0 || k.Topic == "" {
		return conn{}, fmt.Errorf("projectorpos: a %s needs the brokers and the blocks topic", role)
	}
	log := k.Logger
	if log == nil {
		log = slog.Default()
	}
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(k.Brokers...)}, k.ClientOpts...)...)
	if err != nil {
		return conn{}, fmt.Errorf("projectorpos: Kafka client for %v: %w", k.Brokers, err)
	}
	return conn{topic: k.Topic, log: log, adm: kadm.NewClient(cl)}, nil
}

// Close releases the Kafka client; call it after Run has returned.
func (c conn) Close() { c.adm.Close() }
