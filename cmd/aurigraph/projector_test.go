package main

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/ingest"
	"github.com/aurigraph/aurigraph/internal/blockfeed"
	"github.com/aurigraph/aurigraph/internal/chain/chaintest"
	"github.com/aurigraph/aurigraph/schemas"
)

// TestProjectorRunRefusesBadFlags runs the command as a user would, with
// flags it must refuse before connecting anywhere.
func TestProjectorRunRefusesBadFlags(t *testing.T) {
	data := t.TempDir()
	tests := []struct {
		name    string
		args    []string
		wantErr string
		notIn   string
	}{
		{"no trust anchor", []string{"--data", data}, "no trust anchor for the blocks topic", "--insecure-unverified-blocks"},
		{"short lease", []string{"--data", data, "--validator-keys", "k.json", "--clickhouse", "http://ch:8123", "--clickhouse-lease", "1s"}, "--clickhouse-lease 1s", ""},
		{"user without server", []string{"--data", data, "--validator-keys", "k.json", "--clickhouse-user", "aurigraph"}, "need --clickhouse", ""},
		{"bad embedded address", []string{"--data", data, "--validator-keys", "k.json", "--clickhouse-http", "localhost"}, "--clickhouse-http", ""},
		{"exposed without protection", []string{"--data", data, "--validator-keys", "k.json", "--http", "0.0.0.0:0"}, "--http 0.0.0.0:0 is reachable beyond this machine", ""},
		{"unverified blocks", []string{"--data", data, "--insecure-unverified-blocks"}, "unknown flag: --insecure-unverified-blocks", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := newRootCommand()
			root.SetArgs(append([]string{"projector", "run"}, tt.args...))
			root.SetOut(&bytes.Buffer{})
			root.SetErr(&bytes.Buffer{})
			err := root.ExecuteContext(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("projector run %q: %v, want an error containing %q", tt.args, err, tt.wantErr)
			}
			if tt.notIn != "" && strings.Contains(err.Error(), tt.notIn) {
				t.Fatalf("projector run %q: %v offers %s, which the projector does not take", tt.args, err, tt.notIn)
			}
		})
	}
}

// TestTopicHeadCountsVerifiedBlocksOnly: the projector's health measures
// its backlog against the newest block the validators signed, not the
// topic's end, so a block published twice or a forged record after it
// does not leave the projector behind for good.
func TestTopicHeadCountsVerifiedBlocksOnly(t *testing.T) {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(1, schemas.TopicBlocks))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	brokers := cluster.ListenAddrs()
	prod, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.DefaultProduceTopic(schemas.TopicBlocks))
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	c := chaintest.New("topic-head", 3)
	record := func(h uint64) *kgo.Record {
		value, err := proto.Marshal(c.Event(h, 1))
		if err != nil {
			t.Fatal(err)
		}
		return &kgo.Record{Key: []byte(strconv.FormatUint(h, 10)), Value: value}
	}
	for range 3 {
		c.Append(nil, 1)
	}
	forged := record(3)
	forged.Value = append([]byte(nil), forged.Value...)
	forged.Value[len(forged.Value)-1] ^= 1
	// Blocks 1..3, block 3 again, then a record whose signature is broken.
	if err := prod.ProduceSync(context.Background(), record(1), record(2), record(3), record(3), forged).FirstErr(); err != nil {
		t.Fatal(err)
	}
	probe, err := ingest.NewBrokerProbe(brokers)
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()

	// The keys come from validators that do not answer yet.
	waiting, err := blockfeed.NewAnchors(blockfeed.AnchorsConfig{Validators: []string{"http://" + reserveClosedPort(t)}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newTopicHead(probe, brokers, nil, waiting, testLog(t)).sample(t.Context()); err == nil || !strings.Contains(err.Error(), "no validator keys") {
		t.Fatalf("sample without keys = %v, want an error saying so", err)
	}

	keys, err := c.WriteKeys(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	anchors, err := blockfeed.NewAnchors(blockfeed.AnchorsConfig{File: keys})
	if err != nil {
		t.Fatal(err)
	}
	head := newTopicHead(probe, brokers, nil, anchors, testLog(t))
	for range 2 {
		h, err := head.sample(t.Context())
		if err != nil || h != 3 {
			t.Fatalf("topic head = %d, %v; want 3 (the topic ends at offset 5)", h, err)
		}
	}
	c.Append(nil, 2)
	if err := prod.ProduceSync(context.Background(), record(4)).FirstErr(); err != nil {
		t.Fatal(err)
	}
	if h, err := head.sample(t.Context()); err != nil || h != 4 {
		t.Fatalf("topic head after block 4 = %d, %v; want 4", h, err)
	}
}
