// Package kafkatopic answers what the broker says about a topic right now:
// its id and partitions, the largest record batch it accepts, and whether it
// was deleted or created again under its name while a client consumed it.
package kafkatopic

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/aurigraph/aurigraph/internal/retry"
)

// Meta is a topic as the broker describes it.
type Meta struct {
	// ID is the broker's id of the topic (16 bytes), nil from a broker
	// without topic ids. A topic deleted and created again gets a new one.
	ID         []byte
	Partitions []int32
}

// Describe asks the broker for topic's metadata, bypassing cl's cache
// (kadm answers from metadata up to MetadataMinAge old, which can still
// show a deleted topic). It never creates the topic; a missing one is an
// error wrapping kerr.UnknownTopicOrPartition.
func Describe(ctx context.Context, cl *kgo.Client, topic string) (Meta, error) {
	m, _, err := describe(ctx, cl, topic)
	return m, err
}

// AwaitCreated waits until the broker's metadata shows topic, just
// created, with a leader for every partition, and returns it. Apache Kafka
// answers CreateTopics once its controller recorded the topic; its brokers
// learn of it a moment later and answer UNKNOWN_TOPIC_OR_PARTITION until
// then, which a caller going on at once would take for a failure.
func AwaitCreated(ctx context.Context, cl *kgo.Client, topic string) (Meta, error) {
	backoff := retry.Backoff{Min: 20 * time.Millisecond, Max: time.Second}
	for {
		m, led, err := describe(ctx, cl, topic)
		switch {
		case err == nil && led:
			return m, nil
		case err != nil && !errors.Is(err, kerr.UnknownTopicOrPartition) && !errors.Is(err, kerr.LeaderNotAvailable):
			return Meta{}, err
		}
		if werr := backoff.Wait(ctx); werr != nil {
			if err == nil {
				err = errors.New("a partition has no leader")
			}
			return Meta{}, fmt.Errorf("topic %s created, but the broker does not serve it yet (%v): %w", topic, err, werr)
		}
	}
}

// describe is Describe; led reports whether every partition has a leader.
func describe(ctx context.Context, cl *kgo.Client, topic string) (m Meta, led bool, err error) {
	req := kmsg.NewPtrMetadataRequest()
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = kmsg.StringPtr(topic)
	req.Topics = append(req.Topics, rt)
	req.AllowAutoTopicCreation = false
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return Meta{}, false, fmt.Errorf("metadata of topic %s: %w", topic, err)
	}
	for _, t := range resp.Topics {
		if t.Topic == nil || *t.Topic != topic {
			continue
		}
		if err := kerr.ErrorForCode(t.ErrorCode); err != nil {
			return Meta{}, false, fmt.Errorf("metadata of topic %s: %w", topic, err)
		}
		if t.TopicID != [16]byte{} {
			m.ID = bytes.Clone(t.TopicID[:])
		}
		led = true
		for _, p := range t.Partitions {
			m.Partitions = append(m.Partitions, p.Partition)
			led = led && p.Leader >= 0 && p.ErrorCode == 0
		}
		if len(m.Partitions) == 0 {
			return Meta{}, false, fmt.Errorf("metadata of topic %s: no partitions", topic)
		}
		slices.Sort(m.Partitions)
		return m, led, nil
	}
	return Meta{}, false, fmt.Errorf("metadata of topic %s: %w", topic, kerr.UnknownTopicOrPartition)
}

// ErrReplaced means a topic was deleted, or deleted and created again,
// while a client used it: a kgo client keeps the id it first saw and from
// then on quietly fetches nothing, so it must be made anew.
var ErrReplaced = errors.New("the topic was deleted or created again")

// Watch returns nil when ctx ends, or an error wrapping ErrReplaced once
// topic is missing or has an id other than id, checking every interval.
// Failures to ask are not reported: the client's own requests show those.
func Watch(ctx context.Context, cl *kgo.Client, topic string, id []byte, every time.Duration) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		m, err := Describe(ctx, cl, topic)
		switch {
		case errors.Is(err, kerr.UnknownTopicOrPartition):
			return fmt.Errorf("%w: %s is gone", ErrReplaced, topic)
		case err == nil && !bytes.Equal(m.ID, id):
			return fmt.Errorf("%w: %s now has id %s (was %s)", ErrReplaced, topic, FormatID(m.ID), FormatID(id))
		}
	}
}

// MaxMessageBytes returns the largest record batch topic accepts: its
// max.message.bytes, or, when the topic does not exist yet, the brokers'
// message.max.bytes, which a new topic inherits (the least any broker
// has). Each broker is asked by its id: Apache Kafka answers a broker
// config resource without one with the cluster's dynamic defaults alone,
// where message.max.bytes is not, unless an operator set it.
func MaxMessageBytes(ctx context.Context, cl *kgo.Client, topic string) (int, error) {
	adm := kadm.NewClient(cl)
	configs, err := adm.DescribeTopicConfigs(ctx, topic)
	if err == nil {
		var rc kadm.ResourceConfig
		if rc, err = configs.On(topic, nil); err == nil {
			err = rc.Err
		}
		if err == nil {
			if n, ok := configInt(rc, "max.message.bytes"); ok {
				return n, nil
			}
		}
	}
	brokers, berr := adm.ListBrokers(ctx)
	var brokerConfigs kadm.ResourceConfigs
	if berr == nil {
		brokerConfigs, berr = adm.DescribeBrokerConfigs(ctx, brokers.NodeIDs()...)
	}
	if berr != nil {
		return 0, fmt.Errorf("read max.message.bytes of topic %s (%v) and message.max.bytes of the brokers: %w", topic, err, berr)
	}
	least := 0
	for _, rc := range brokerConfigs {
		if n, ok := configInt(rc, "message.max.bytes"); ok && rc.Err == nil && (least == 0 || n < least) {
			least = n
		}
	}
	if least == 0 {
		return 0, fmt.Errorf("neither topic %s nor the brokers report a record size limit (max.message.bytes, message.max.bytes)", topic)
	}
	return least, nil
}

func configInt(rc kadm.ResourceConfig, key string) (int, bool) {
	for _, c := range rc.Configs {
		if c.Key == key && c.Value != nil {
			n, err := strconv.Atoi(*c.Value)
			return n, err == nil && n > 0
		}
	}
	return 0, false
}

// ParseID reads a topic id: 16 bytes in base64, URL-safe as Kafka prints
// it or standard, padded or not.
func ParseID(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.StdEncoding} {
		if id, err := enc.DecodeString(s); err == nil && len(id) == 16 {
			return id, nil
		}
	}
	return nil, fmt.Errorf("topic id %q is not 16 bytes in base64 (as kafka-topics --describe prints a TopicId)", s)
}

// FormatID writes a topic id as Kafka prints it.
func FormatID(id []byte) string {
	if len(id) == 0 {
		return "(none)"
	}
	return base64.RawURLEncoding.EncodeToString(id)
}
