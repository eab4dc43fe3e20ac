package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/aurigraph/aurigraph/internal/health"
	"github.com/aurigraph/aurigraph/schemas"
)

// healthOf reads a health endpoint of httpAddr.
func healthOf(httpAddr, path string) (int, health.Report, error) {
	client := http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get("http://" + httpAddr + path)
	if err != nil {
		return 0, health.Report{}, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var rep health.Report
	if err := json.Unmarshal(body, &rep); err != nil {
		return resp.StatusCode, rep, fmt.Errorf("GET %s: %s: %w", path, body, err)
	}
	return resp.StatusCode, rep, nil
}

func checkNamed(rep health.Report, name string) health.Check {
	for _, c := range rep.Checks {
		if c.Name == name {
			return c
		}
	}
	return health.Check{Name: name, Status: "ABSENT"}
}

// summary renders a report for failure messages.
func summary(code int, rep health.Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s", code, rep.Status)
	for _, c := range rep.Checks {
		fmt.Fprintf(&b, "; %s %s", c.Name, c.Status)
		if r, ok := c.Data["reason"]; ok {
			fmt.Fprintf(&b, " (%v)", r)
		}
	}
	return b.String()
}

// waitHealth waits until path on httpAddr answers what ok accepts.
func waitHealth(t *testing.T, httpAddr, path string, timeout time.Duration, what string, ok func(code int, rep health.Report) bool) health.Report {
	t.Helper()
	var rep health.Report
	waitFor(t, timeout, what, func() (bool, string) {
		code, r, err := healthOf(httpAddr, path)
		if err != nil {
			return false, err.Error()
		}
		rep = r
		return ok(code, r), summary(code, r)
	})
	return rep
}

// allUp accepts a 200 UP report in which every check named is UP.
func allUp(names ...string) func(int, health.Report) bool {
	return func(code int, rep health.Report) bool {
		if code != 200 || rep.Status != "UP" {
			return false
		}
		for _, n := range names {
			if checkNamed(rep, n).Status != "UP" {
				return false
			}
		}
		return true
	}
}

// downWith accepts a 503 report whose check name is DOWN for a reason
// containing reason.
func downWith(name, reason string) func(int, health.Report) bool {
	return func(code int, rep health.Report) bool {
		c := checkNamed(rep, name)
		r, _ := c.Data["reason"].(string)
		return code == 503 && c.Status == "DOWN" && strings.Contains(r, reason)
	}
}

func committed(t *testing.T, httpAddr string) uint64 {
	var st struct {
		TxCount uint64 `json:"tx_count"`
	}
	if err := tryGetJSON(httpAddr, "/api/v12/chain/stats", &st); err != nil {
		return 0
	}
	return st.TxCount
}

// TestDevHealthStaysUpWhenValidatorOneIsRemoved removes the first
// validator of a three-validator dev cluster: the chain goes on committing
// on the other two, so the process is as ready and live as before.
func TestDevHealthStaysUpWhenValidatorOneIsRemoved(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end pipeline run; skipped with -short")
	}
	p := startPipeline(t, testDevFlags(t, t.TempDir()))
	defer p.stop(t)
	every := []string{"consensus", "kafka", "clickhouse", "ingest", "publisher", "projector"}
	produceTxs(t, p.addrs.Kafka, 0, 500)
	waitFor(t, 60*time.Second, "first transactions committed", func() (bool, string) {
		n := committed(t, p.addrs.HTTP)
		return n == 500, fmt.Sprintf("tx_count=%d", n)
	})
	waitHealth(t, p.addrs.HTTP, "/q/health", 30*time.Second, "every component UP", allUp(every...))

	waitFor(t, 30*time.Second, "validator 1 removed", func() (bool, string) {
		req, _ := http.NewRequest(http.MethodDelete, "http://"+p.addrs.HTTP+"/api/v12/cluster/members/1", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false, err.Error()
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp.StatusCode == 200, fmt.Sprintf("%s: %s", resp.Status, body)
	})
	produceTxs(t, p.addrs.Kafka, 500, 500)
	waitFor(t, 60*time.Second, "the chain commits on the remaining validators", func() (bool, string) {
		n := committed(t, p.addrs.HTTP)
		return n == 1000, fmt.Sprintf("tx_count=%d", n)
	})

	// Health is sampled every second: wait for it to see the removal.
	waitHealth(t, p.addrs.HTTP, "/q/health", 30*time.Second, "UP with validator 1 shown removed", func(code int, rep health.Report) bool {
		validators, _ := checkNamed(rep, "consensus").Data["validators"].([]any)
		if len(validators) != 3 {
			return false
		}
		first, _ := validators[0].(map[string]any)
		return allUp(every...)(code, rep) && first["state"] == "stopped" && strings.Contains(fmt.Sprint(first["reason"]), "removed")
	})
	for _, path := range []string{"/q/health/ready", "/q/health/live"} {
		if code, rep, err := healthOf(p.addrs.HTTP, path); err != nil || !allUp(every...)(code, rep) {
			t.Errorf("%s with validator 1 removed = %s, %v; want 200 UP", path, summary(code, rep), err)
		}
	}
}

// TestDevHealthTellsTheTruth runs dev against a broker and a ClickHouse it
// does not own, takes them away one by one and checks that health says so,
// component by component, while liveness stays UP: none of it is cured by
// restarting the process.
func TestDevHealthTellsTheTruth(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end pipeline run; skipped with -short")
	}
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(),
		kfake.SeedTopics(2, schemas.TopicTransactions), kfake.SeedTopics(1, schemas.TopicDeadLetters))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	kafka := cluster.ListenAddrs()[0]
	txTopicID := topicID(t, kafka, schemas.TopicTransactions)
	// While stalled, the broker answers every fetch of the transaction
	// topic with a storage error: its records stay where they are.
	var stalled atomic.Bool
	var refusedFetches atomic.Int64
	cluster.ControlKey(int16(kmsg.Fetch), func(req kmsg.Request) (kmsg.Response, error, bool) {
		cluster.KeepControl()
		fr := req.(*kmsg.FetchRequest)
		if !stalled.Load() {
			return nil, nil, false
		}
		resp := fr.ResponseKind().(*kmsg.FetchResponse)
		if len(fr.Topics) == 0 && fr.SessionID != 0 {
			// An incremental fetch names no topics: end the session, so
			// the client asks again naming them.
			resp.ErrorCode = kerr.FetchSessionIDNotFound.Code
			return resp, nil, true
		}
		if len(fr.Topics) == 0 || (fr.Topics[0].Topic != schemas.TopicTransactions && fr.Topics[0].TopicID != txTopicID) {
			return nil, nil, false
		}
		refusedFetches.Add(1)
		for _, rt := range fr.Topics {
			st := kmsg.NewFetchResponseTopic()
			st.Topic, st.TopicID = rt.Topic, rt.TopicID
			for _, rp := range rt.Partitions {
				sp := kmsg.NewFetchResponseTopicPartition()
				sp.Partition, sp.ErrorCode = rp.Partition, kerr.KafkaStorageError.Code
				st.Partitions = append(st.Partitions, sp)
			}
			resp.Topics = append(resp.Topics, st)
		}
		return resp, nil, true
	})

	f := testDevFlags(t, t.TempDir())
	f.validators, f.txPartitions = 1, 2
	f.externalKafka, f.kafka = true, kafka
	// A ClickHouse that is not there: the projector retries, forever.
	f.clickhouse.url = "http://" + reserveClosedPort(t)
	f.healthStallAfter = 2 * time.Second
	p := startPipeline(t, f)
	defer p.stop(t)

	produceTxs(t, p.addrs.Kafka, 0, 100)
	waitFor(t, 60*time.Second, "transactions committed", func() (bool, string) {
		n := committed(t, p.addrs.HTTP)
		return n == 100, fmt.Sprintf("tx_count=%d", n)
	})

	t.Run("stuck projector", func(t *testing.T) {
		rep := waitHealth(t, p.addrs.HTTP, "/q/health/ready", 30*time.Second, "projector DOWN, the rest UP", func(code int, rep health.Report) bool {
			return downWith("projector", "failing")(code, rep) && allUpExcept(rep, "projector")
		})
		if lag, _ := checkNamed(rep, "projector").Data["lag_blocks"].(float64); lag < 1 {
			t.Errorf("projector check reports lag_blocks %v, want the blocks it could not project", checkNamed(rep, "projector").Data["lag_blocks"])
		}
		assertLive(t, p.addrs.HTTP)
	})

	t.Run("stalled ingest", func(t *testing.T) {
		stalled.Store(true)
		// A fetch already waiting at the broker would still bring the
		// records; produce once fetches are refused.
		waitFor(t, 30*time.Second, "a fetch refused", func() (bool, string) { return refusedFetches.Load() > 0, "" })
		produceTxs(t, p.addrs.Kafka, 100, 10)
		waitHealth(t, p.addrs.HTTP, "/q/health/ready", 30*time.Second, "ingest DOWN for records that stay unapplied", downWith("ingest", "none processed for"))
		assertLive(t, p.addrs.HTTP)
		stalled.Store(false)
		waitHealth(t, p.addrs.HTTP, "/q/health/ready", 60*time.Second, "ingest UP again once the records are applied", func(_ int, rep health.Report) bool {
			return checkNamed(rep, "ingest").Status == "UP"
		})
		if n := committed(t, p.addrs.HTTP); n != 110 {
			t.Errorf("tx_count = %d after the stall, want 110", n)
		}
	})

	t.Run("broker gone", func(t *testing.T) {
		cluster.Close()
		waitHealth(t, p.addrs.HTTP, "/q/health/ready", 30*time.Second, "kafka DOWN", downWith("kafka", "no broker"))
		assertLive(t, p.addrs.HTTP)
	})
}

// topicID looks topic's id up: newer requests name topics by id.
func topicID(t *testing.T, kafka, topic string) [16]byte {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(kafka))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	topics, err := kadm.NewClient(cl).ListTopics(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	return topics[topic].ID
}

// allUpExcept reports whether every check but the one named is UP.
func allUpExcept(rep health.Report, name string) bool {
	for _, c := range rep.Checks {
		if c.Name != name && c.Status != "UP" {
			return false
		}
	}
	return true
}

func assertLive(t *testing.T, httpAddr string) {
	t.Helper()
	code, rep, err := healthOf(httpAddr, "/q/health/live")
	if err != nil || code != 200 || rep.Status != "UP" {
		t.Fatalf("/q/health/live = %s, %v; want 200 UP: failing stages are a readiness matter", summary(code, rep), err)
	}
}

// TestNodeHealthReportsAFailingPublisher runs one validator against a
// broker that refuses the blocks topic's records, as it does records over
// the topic's size limit: the publisher retries, and health says it fails
// until the broker takes the blocks again.
func TestNodeHealthReportsAFailingPublisher(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end node run; skipped with -short")
	}
	var refuse atomic.Bool
	refuse.Store(true)
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(),
		kfake.SeedTopics(2, schemas.TopicTransactions), kfake.SeedTopics(1, schemas.TopicDeadLetters), kfake.SeedTopics(1, schemas.TopicBlocks))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	kafka := cluster.ListenAddrs()[0]
	blocksID := topicID(t, kafka, schemas.TopicBlocks)
	cluster.ControlKey(int16(kmsg.Produce), func(req kmsg.Request) (kmsg.Response, error, bool) {
		cluster.KeepControl()
		pr := req.(*kmsg.ProduceRequest)
		if !refuse.Load() || len(pr.Topics) == 0 || (pr.Topics[0].Topic != schemas.TopicBlocks && pr.Topics[0].TopicID != blocksID) {
			return nil, nil, false
		}
		resp := pr.ResponseKind().(*kmsg.ProduceResponse)
		for _, rt := range pr.Topics {
			st := kmsg.NewProduceResponseTopic()
			st.Topic, st.TopicID = rt.Topic, rt.TopicID
			for _, rp := range rt.Partitions {
				sp := kmsg.NewProduceResponseTopicPartition()
				sp.Partition = rp.Partition
				sp.ErrorCode = kerr.MessageTooLarge.Code
				st.Partitions = append(st.Partitions, sp)
			}
			resp.Topics = append(resp.Topics, st)
		}
		return resp, nil, true
	})

	raftAddr := reserveClosedPort(t)
	f := nodeFlags{id: 1, kafka: kafka, dataDir: t.TempDir(), httpAddr: "127.0.0.1:0", grpcAddr: "127.0.0.1:0",
		txPartitions: 2, snapshotEntries: 10000, healthStallAfter: 2 * time.Second}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	httpAddr := make(chan string, 1)
	log := testLog(t)
	go func() {
		done <- runNode(ctx, f, map[uint64]string{1: raftAddr}, log, func(addr string) { httpAddr <- addr })
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("node: %v", err)
		}
	}()
	var addr string
	select {
	case addr = <-httpAddr:
	case err := <-done:
		t.Fatalf("node did not start: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("node not ready after 60s")
	}
	produceTxs(t, []string{kafka}, 0, 10)
	rep := waitHealth(t, addr, "/q/health/ready", 60*time.Second, "publisher DOWN with the broker's refusal", downWith("publisher", "MESSAGE_TOO_LARGE"))
	if c := checkNamed(rep, "ingest"); c.Status != "UP" {
		t.Errorf("ingest is %s (%v) while only publishing fails", c.Status, c.Data["reason"])
	}
	assertLive(t, addr)

	refuse.Store(false)
	waitHealth(t, addr, "/q/health/ready", 60*time.Second, "publisher UP once the broker takes blocks", allUp("publisher", "ingest", "consensus", "caught_up", "kafka"))
}
