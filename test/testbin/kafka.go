package testbin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Environment of the tests that run Apache Kafka: AURIGRAPH_KAFKA_HOME
// names the directory deploy/kafka/fetch.sh prints (make test-kafka sets
// it); AURIGRAPH_REQUIRE_KAFKA makes its absence a failure, not a skip.
const (
	KafkaHomeEnv    = "AURIGRAPH_KAFKA_HOME"
	RequireKafkaEnv = "AURIGRAPH_REQUIRE_KAFKA"
)

// KafkaHome returns AURIGRAPH_KAFKA_HOME, skipping the test without it
// (failing it when AURIGRAPH_REQUIRE_KAFKA is set).
func KafkaHome(t testing.TB) string {
	t.Helper()
	home := os.Getenv(KafkaHomeEnv)
	if home == "" {
		if os.Getenv(RequireKafkaEnv) != "" {
			t.Fatalf("%s is not set: run make test-kafka, or deploy/kafka/fetch.sh and set it to what it prints", KafkaHomeEnv)
		}
		t.Skip("no Apache Kafka here (make test-kafka fetches and runs one)")
	}
	return home
}

// StartKafka runs one Apache Kafka node (KRaft, broker and controller in
// one JVM) with deploy/kafka/kraft.sh under dir, from the server.properties
// lines config, which name the listeners (one called CONTROLLER) and
// whatever else differs from kraft.sh's defaults; each scram entry adds a
// SCRAM credential (kafka-storage's --add-scram). The node is stopped when
// the test ends.
func StartKafka(t testing.TB, dir string, config []string, scram ...string) {
	t.Helper()
	home := KafkaHome(t)
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(root, "deploy", "kafka", "kraft.sh")
	configFile := filepath.Join(dir, "kafka.properties")
	if err := os.WriteFile(configFile, []byte(strings.Join(config, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{script, "start", filepath.Join(dir, "node"), configFile}
	for _, s := range scram {
		args = append(args, "--scram", s)
	}
	env := append(os.Environ(), "KAFKA_HOME="+home)
	start := time.Now()
	cmd := exec.Command("bash", args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	t.Cleanup(func() {
		stop := exec.Command("bash", script, "stop", filepath.Join(dir, "node"))
		stop.Env = env
		if out, err := stop.CombinedOutput(); err != nil {
			t.Errorf("stop Apache Kafka: %v\n%s", err, out)
		}
	})
	if err != nil {
		t.Fatalf("start Apache Kafka: %v\n%s", err, out)
	}
	t.Logf("Apache Kafka (KRaft) started from %s in %s", dir, time.Since(start).Round(time.Millisecond))
}

// StartPlainKafka runs an Apache Kafka node whose clients' listener is
// plain text on loopback, with auto-creation of topics off (as production
// clusters run it: the pipeline creates its topics), and returns its
// address.
func StartPlainKafka(t testing.TB) string {
	t.Helper()
	addrs := ReserveAddrs(t, 2)
	StartKafka(t, t.TempDir(), []string{
		fmt.Sprintf("listeners=PLAINTEXT://%s,CONTROLLER://%s", addrs[0], addrs[1]),
		"advertised.listeners=PLAINTEXT://" + addrs[0],
		"listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
		"auto.create.topics.enable=false",
	})
	return addrs[0]
}

// moduleRoot is the directory of the enclosing module's go.mod.
func moduleRoot() (string, error) {
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("find the module root with `go env GOMOD`: %w", err)
	}
	return filepath.Dir(strings.TrimSpace(string(gomod))), nil
}
