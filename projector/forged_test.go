package projector

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurigraph/aurigraph/internal/blockfeed"
	"github.com/aurigraph/aurigraph/internal/chain"
	"github.com/aurigraph/aurigraph/internal/chain/chaintest"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// forgeries of the block after height h, as anyone who can write the topic
// can make them, each minting 999,999,999,999 to mallory: unsigned, signed
// by a stranger claiming to be a validator, by a validator the chain does
// not have, signed with a validator's key but linked elsewhere, an older
// real block keyed as the next height, junk, and a block ahead of the next.
func (e *env) forgeries(h uint64) []*kgo.Record {
	e.t.Helper()
	head := e.chain.event(h).GetBlock()
	mint := []*aurigraphv1.TxResult{chaintest.Mint("forged", "mallory", 999_999_999_999)}
	relinked := chaintest.Next(head, mint, 1, nil)
	relinked.Block.Header.PrevHash = chaintest.Hash("elsewhere")
	chaintest.Seal(relinked.Block)
	relinked.Signature = chain.SignBlock(e.chain.c.PrivateKey(1), relinked.Block.GetHeader().GetHash())
	next := []byte(strconv.FormatUint(h+1, 10))
	replay := e.chain.record(e.t, 1)
	replay.Key = next
	rec := func(ev *aurigraphv1.BlockEvent) *kgo.Record {
		return &kgo.Record{Key: []byte(strconv.FormatUint(ev.GetBlock().GetHeader().GetHeight(), 10)), Value: mustMarshal(e.t, ev)}
	}
	return []*kgo.Record{
		rec(chaintest.Next(head, mint, 1, nil)),
		rec(chaintest.Next(head, mint, 1, chaintest.Key("stranger"))),
		rec(chaintest.Next(head, mint, 9, chaintest.Key("stranger"))),
		rec(relinked),
		replay,
		{Key: next, Value: []byte("not a block")},
		rec(chaintest.Next(chaintest.Next(head, mint, 1, nil).GetBlock(), mint, 1, chaintest.Key("stranger"))),
	}
}

// noForgedMint fails if anything of a forgery reached ClickHouse.
func (e *env) noForgedMint() {
	e.t.Helper()
	var rows, balance uint64
	ctx := context.Background()
	if err := e.ch.QueryRow(ctx, "SELECT count() FROM aurigraph.transactions WHERE `to` = 'mallory' OR id = 'forged'").Scan(&rows); err != nil {
		e.t.Fatal(err)
	}
	if err := e.ch.QueryRow(ctx, "SELECT count() FROM aurigraph.accounts WHERE account = 'mallory'").Scan(&balance); err != nil {
		e.t.Fatal(err)
	}
	if rows != 0 || balance != 0 {
		e.t.Fatalf("ClickHouse holds %d forged transactions and %d forged balances", rows, balance)
	}
}

func rejected(t *testing.T, reg *prometheus.Registry) map[string]float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "aurigraph_projector_blocks_rejected_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			out[labelValue(m, "reason")] = m.GetCounter().GetValue()
		}
	}
	return out
}

func labelValue(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// Forged and replayed blocks reach the topic before the real block of
// their height: the projector skips and counts each, projects the real one,
// and starts again without trouble, from the offset it recorded or, for a
// projection that recorded none, from the lowest offset the next block can
// have.
func TestProjectsTheRealBlockBehindForgeries(t *testing.T) {
	for _, tc := range []struct {
		name string
		// forget drops the recorded offsets, as a projection made before
		// they were recorded.
		forget bool
	}{{name: "restart at the recorded offset"}, {name: "restart without one", forget: true}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.publish(1, 2)
			e.produce(e.forgeries(2)...)
			e.publish(3, 10)
			reg := prometheus.NewRegistry()
			r := start(e.projector(Config{Registerer: reg, MaxBatchBlocks: 4}))
			r.waitHeight(t, 10)
			if err := r.stop(t); err != nil {
				t.Fatalf("Run: %v", err)
			}
			e.wantExactly(10)
			e.noForgedMint()
			want := map[string]float64{
				blockfeed.ReasonUnsigned: 1, blockfeed.ReasonBadSignature: 1, blockfeed.ReasonUnknownSigner: 1,
				blockfeed.ReasonBadLink: 1, blockfeed.ReasonUndecodable: 2, blockfeed.ReasonAhead: 1, blockfeed.ReasonMalformed: 0,
			}
			got := rejected(t, reg)
			for reason, n := range want {
				if got[reason] != n {
					t.Errorf("blocks_rejected_total{reason=%s} = %v, want %v (all: %v)", reason, got[reason], n, got)
				}
			}

			if tc.forget {
				// The interface takes settings with the request, not in the statement.
				ctx := clickhouse.Context(context.Background(), clickhouse.WithSettings(clickhouse.Settings{"mutations_sync": 1}))
				if err := e.ch.Exec(ctx, "ALTER TABLE aurigraph.blocks UPDATE topic_offset = -1, topic_id = '' WHERE 1"); err != nil {
					t.Fatal(err)
				}
			}
			e.produce(e.forgeries(10)...)
			e.publish(11, 15)
			reg = prometheus.NewRegistry()
			r = start(e.projector(Config{Registerer: reg}))
			r.waitHeight(t, 15)
			if err := r.stop(t); err != nil {
				t.Fatalf("Run after the restart: %v", err)
			}
			e.wantExactly(15)
			e.noForgedMint()
			if got := rejected(t, reg); got[blockfeed.ReasonBadLink] != 1 || got[blockfeed.ReasonDuplicate] != 0 {
				t.Fatalf("after the restart, rejections %v: want the new forgeries once, and no block before the restart counted", got)
			}
		})
	}
}

// Without keys, and not told to project unverified blocks, a projector
// refuses to run.
func TestRunRefusesToRunWithoutKeys(t *testing.T) {
	p, err := New(Config{Brokers: []string{"127.0.0.1:9092"}, ClickHouse: testDSN})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if err := p.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "validator keys") {
		t.Fatalf("Run without a trust anchor = %v", err)
	}
}
