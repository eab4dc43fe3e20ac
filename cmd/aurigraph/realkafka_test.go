package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/aurigraph/aurigraph/ingest/broker"
	"github.com/aurigraph/aurigraph/ingest/broker/brokertest"
	"github.com/aurigraph/aurigraph/internal/auth"
	"github.com/aurigraph/aurigraph/schemas"
	"github.com/aurigraph/aurigraph/test/testbin"
)

// realKafka is one Apache Kafka node (KRaft, from deploy/kafka) whose
// clients' listener is SASL_SSL, with SCRAM users per role and ACLs from the
// policy table.
type realKafka struct {
	dir, addr, cert string
	passwords       map[auth.Role]string
}

// startRealKafka runs an Apache Kafka node with SASL_SSL (testbin.StartKafka;
// skipped without AURIGRAPH_KAFKA_HOME unless AURIGRAPH_REQUIRE_KAFKA is set).
func startRealKafka(t *testing.T) *realKafka {
	t.Helper()
	testbin.KafkaHome(t)
	k := &realKafka{dir: t.TempDir(), passwords: map[auth.Role]string{}}
	ports := freePorts(t, 2)
	k.addr = fmt.Sprintf("127.0.0.1:%d", ports[0])
	cert, key := brokertest.Certificate(t, k.dir)
	k.cert = cert
	certPEM, err := os.ReadFile(cert)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, err := os.ReadFile(key)
	if err != nil {
		t.Fatal(err)
	}
	// Kafka reads a PEM key store: the private key (PKCS#8) and the chain.
	keystore := filepath.Join(k.dir, "broker.pem")
	if err := os.WriteFile(keystore, append(keyPEM, certPEM...), 0o600); err != nil {
		t.Fatal(err)
	}
	scram := []string{}
	for _, r := range append([]auth.Role{}, auth.Roles...) {
		k.passwords[r] = "secret-of-" + r.String()
		scram = append(scram, fmt.Sprintf("SCRAM-SHA-512=[name=%s,password=%s]", r, k.passwords[r]),
			fmt.Sprintf("SCRAM-SHA-256=[name=%s,password=%s]", r, k.passwords[r]))
	}
	// Clients and the broker itself speak SASL_SSL; the controller
	// listener, on loopback, is plain text, so its principal (ANONYMOUS)
	// is a super user, as KRaft needs of the brokers' principal.
	jaas := "org.apache.kafka.common.security.scram.ScramLoginModule required"
	testbin.StartKafka(t, k.dir, []string{
		fmt.Sprintf("listeners=SASL_SSL://%s,CONTROLLER://127.0.0.1:%d", k.addr, ports[1]),
		"advertised.listeners=SASL_SSL://" + k.addr,
		"listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT",
		"inter.broker.listener.name=SASL_SSL",
		"sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256",
		"sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512",
		"listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=" + jaas + ` username="admin" password="` + k.passwords[auth.RoleAdmin] + `";`,
		"listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=" + jaas + ";",
		"ssl.keystore.type=PEM",
		"ssl.keystore.location=" + keystore,
		"ssl.truststore.type=PEM",
		"ssl.truststore.location=" + cert,
		"authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
		"super.users=User:admin;User:ANONYMOUS",
		"allow.everyone.if.no.acl.found=false",
		"auto.create.topics.enable=false",
	}, scram...)
	return k
}

func (k *realKafka) client(t *testing.T, role auth.Role, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	all := append([]kgo.Opt{kgo.SeedBrokers(k.addr), kgo.RetryTimeout(10 * time.Second)},
		brokertest.Login(role.String(), k.passwords[role], brokertest.ClientTLS(t, k.cert))...)
	cl, err := kgo.NewClient(append(all, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// TestRealKafkaSASLSSL runs the pipeline end to end on Apache Kafka with
// SASL_SSL and ACLs: an admin creates the topics and grants each role's
// user the policy table's ACLs; the pipeline logs in as the validator, a
// producer as the submitter, and what was produced reaches ClickHouse. A
// producer cannot write blocks or delete topics, and a client without
// credentials gets nowhere.
func TestRealKafkaSASLSSL(t *testing.T) {
	k := startRealKafka(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	adm := kadm.NewClient(k.client(t, auth.RoleAdmin))
	for topic, parts := range pipelineTopics(3) {
		res, err := adm.CreateTopic(ctx, parts, 1, nil, topic)
		if err == nil {
			err = res.Err
		}
		if err != nil {
			t.Fatalf("create %s: %v", topic, err)
		}
	}
	acls := kmsg.NewPtrCreateACLsRequest()
	for _, r := range auth.Roles {
		acls.Creations = append(acls.Creations, broker.ACLs("User:"+r.String(), r)...)
	}
	resp, err := acls.RequestWith(ctx, k.client(t, auth.RoleAdmin))
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range resp.Results {
		if err := kerr.ErrorForCode(r.ErrorCode); err != nil {
			t.Fatalf("ACL %+v: %v", acls.Creations[i], err)
		}
	}

	// Without credentials, Kafka drops the connection.
	anon, err := kgo.NewClient(kgo.SeedBrokers(k.addr), kgo.DialTLSConfig(brokertest.ClientTLS(t, k.cert)), kgo.RequestRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	shortCtx, shortCancel := context.WithTimeout(ctx, 5*time.Second)
	if _, err := kadm.NewClient(anon).ListTopics(shortCtx); err == nil {
		t.Fatal("a client without credentials listed the topics")
	}
	shortCancel()
	anon.Close()
	producer := k.client(t, auth.RoleSubmitter)
	if err := producer.ProduceSync(ctx, &kgo.Record{Topic: schemas.TopicBlocks, Value: []byte("forged")}).FirstErr(); !errors.Is(err, kerr.TopicAuthorizationFailed) {
		t.Fatalf("the producer writing %s: %v", schemas.TopicBlocks, err)
	}
	if res, err := kadm.NewClient(producer).DeleteTopic(ctx, schemas.TopicTransactions); err == nil && !errors.Is(res.Err, kerr.TopicAuthorizationFailed) {
		t.Fatalf("the producer deleting %s: %v", schemas.TopicTransactions, res.Err)
	}

	dir := t.TempDir()
	passwordFile := filepath.Join(dir, "validator.password")
	if err := os.WriteFile(passwordFile, []byte(k.passwords[auth.RoleValidator]+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := testDevFlags(t, filepath.Join(dir, "data"))
	f.externalKafka, f.kafka = true, k.addr
	f.kafkaClient = kafkaClientFlags{user: "validator", passwordFile: passwordFile, tlsCA: k.cert}
	p := startPipeline(t, f)
	defer p.stop(t)
	const txs = 1000
	produceTxsAs(t, []string{k.addr}, brokertest.Login("submitter", k.passwords[auth.RoleSubmitter], brokertest.ClientTLS(t, k.cert)), 0, txs)
	assertProjected(t, p.addrs.ClickHouseHTTP, txs)
	assertVerified(t, p.addrs.HTTP, txs)
}

// TestRealKafkaDevCreatesTopics runs dev --external-kafka on an Apache
// Kafka that holds no topic yet, as a first start does: the pipeline
// creates its topics and commits 100,000 transactions exactly once (the
// chain verifies on every validator, online and offline; ClickHouse holds
// each once; the blocks topic holds heights 1..tip at offsets 0..tip-1),
// and logs no ERROR on the way. On a real broker a topic just created is
// unknown to it for a moment: the publisher used to go on at once and log
// UNKNOWN_TOPIC_OR_PARTITION at ERROR; and the record limit of the blocks
// topic, read from the brokers' configs before the topic exists, was never
// found (Kafka answers a config resource of no broker id with the dynamic
// defaults alone), so the pipeline never started.
func TestRealKafkaDevCreatesTopics(t *testing.T) {
	addr := testbin.StartPlainKafka(t)
	caught := &loggedErrors{}
	f := testDevFlags(t, filepath.Join(t.TempDir(), "data"))
	f.externalKafka, f.kafka = true, addr
	p := startPipelineLogged(t, f, slog.New(caught.wrap(testLog(t).Handler())))
	defer p.stop(t)

	const txs = 100_000
	start := time.Now()
	produceTxs(t, []string{addr}, 0, txs)
	waitTxCount(t, p, txs)
	took := time.Since(start)
	t.Logf("%d transactions produced and committed through Apache Kafka in %v: %.0f tx/s", txs, took.Round(time.Millisecond), txs/took.Seconds())
	assertVerified(t, p.addrs.HTTP, txs)
	assertProjected(t, p.addrs.ClickHouseHTTP, txs)
	testbin.CheckBlocksTopic(t, []string{addr}, nil, chainHeight(t, p.addrs.HTTP), nil)
	p.stop(t)
	assertOfflineVerify(t, f.dataDir, f.validators)
	if errs := caught.records(); len(errs) > 0 {
		t.Errorf("the pipeline logged %d errors, e.g.:\n%s", len(errs), strings.Join(errs[:min(len(errs), 5)], "\n"))
	}
}

// loggedErrors keeps the ERROR records a handler it wraps passes on.
type loggedErrors struct {
	mu   sync.Mutex
	seen []string
}

func (l *loggedErrors) wrap(h slog.Handler) slog.Handler { return errorCatcher{Handler: h, l: l} }

func (l *loggedErrors) records() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.seen)
}

type errorCatcher struct {
	slog.Handler
	l *loggedErrors
}

func (h errorCatcher) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		line := r.Message
		r.Attrs(func(a slog.Attr) bool {
			line += " " + a.String()
			return true
		})
		h.l.mu.Lock()
		h.l.seen = append(h.l.seen, line)
		h.l.mu.Unlock()
	}
	return h.Handler.Handle(ctx, r)
}

func (h errorCatcher) WithAttrs(as []slog.Attr) slog.Handler {
	return errorCatcher{Handler: h.Handler.WithAttrs(as), l: h.l}
}

func (h errorCatcher) WithGroup(name string) slog.Handler {
	return errorCatcher{Handler: h.Handler.WithGroup(name), l: h.l}
}
