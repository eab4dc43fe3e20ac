package broker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/aurigraph/aurigraph/ingest/broker/brokertest"
	"github.com/aurigraph/aurigraph/internal/audit"
	"github.com/aurigraph/aurigraph/internal/auth"
	"github.com/aurigraph/aurigraph/schemas"
)

// secured is an embedded broker with SASL, ACLs and (optionally) TLS, and
// a user per role.
type secured struct {
	b         *Broker
	dir       string
	cert      string
	tls       bool
	passwords map[auth.Role]string
	auditLog  *syncBuffer
	reg       *prometheus.Registry
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var pipelineTopics = map[string]int32{schemas.TopicTransactions: 2, schemas.TopicDeadLetters: 1, schemas.TopicBlocks: 1}

func startSecured(t *testing.T, withTLS bool) *secured {
	t.Helper()
	s := &secured{dir: t.TempDir(), tls: withTLS, auditLog: &syncBuffer{}}
	s.passwords = brokertest.Users(t, filepath.Join(s.dir, "users.json"), auth.Roles...)
	s.start(t)
	return s
}

func (s *secured) start(t *testing.T) {
	t.Helper()
	users, err := auth.OpenUsers(filepath.Join(s.dir, "users.json"))
	if err != nil {
		t.Fatal(err)
	}
	s.reg = prometheus.NewRegistry()
	al, err := audit.New(slog.New(slog.NewTextHandler(s.auditLog, nil)), s.reg)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{DataDir: filepath.Join(s.dir, "data"), Topics: pipelineTopics, SASL: &SASL{Users: users, Audit: al}}
	if s.tls {
		var key string
		s.cert, key = brokertest.Certificate(t, s.dir)
		cfg.TLS = brokertest.ServerTLS(t, s.cert, key)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if s.b, err = Start(ctx, cfg); err != nil {
		t.Fatal(err)
	}
}

func (s *secured) client(t *testing.T, role auth.Role, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	var tlsCfg = brokertest.ClientTLS(t, s.cert)
	if !s.tls {
		tlsCfg = nil
	}
	all := append([]kgo.Opt{kgo.SeedBrokers(s.b.Addr()), kgo.RequestRetries(1), kgo.RetryTimeout(3 * time.Second)},
		brokertest.Login(role.String(), s.passwords[role], tlsCfg)...)
	cl, err := kgo.NewClient(append(all, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

func produceTo(t *testing.T, cl *kgo.Client, topic string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte(`{"probe":1}`)}).FirstErr()
}

// fetchFrom reads the first record of topic, or the error the fetch
// reports.
func fetchFrom(t *testing.T, s *secured, role auth.Role, topic string) error {
	t.Helper()
	cl := s.client(t, role, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return err
		}
		var errs []error
		fs.EachError(func(_ string, _ int32, err error) { errs = append(errs, err) })
		if len(errs) > 0 {
			return errors.Join(errs...)
		}
		if fs.NumRecords() > 0 {
			return nil
		}
	}
}

// TestRolesOnTheKafkaPort: producers write transactions only, validators
// write blocks and dead letters, readers read blocks, and only admins
// create or delete topics.
func TestRolesOnTheKafkaPort(t *testing.T) {
	s := startSecured(t, true)
	defer s.b.Close()
	denied := func(err error) bool {
		return errors.Is(err, kerr.TopicAuthorizationFailed) || errors.Is(err, kerr.ClusterAuthorizationFailed)
	}

	writes := []struct {
		role  auth.Role
		topic string
		ok    bool
	}{
		{auth.RoleViewer, schemas.TopicTransactions, false},
		{auth.RoleSubmitter, schemas.TopicTransactions, true},
		{auth.RoleSubmitter, schemas.TopicBlocks, false},
		{auth.RoleSubmitter, schemas.TopicDeadLetters, false},
		{auth.RoleOperator, schemas.TopicBlocks, false},
		{auth.RoleValidator, schemas.TopicBlocks, true},
		{auth.RoleValidator, schemas.TopicDeadLetters, true},
		{auth.RoleAdmin, schemas.TopicBlocks, true},
	}
	for _, w := range writes {
		t.Run(fmt.Sprintf("%s writes %s", w.role, w.topic), func(t *testing.T) {
			err := produceTo(t, s.client(t, w.role), w.topic)
			if w.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !w.ok && !denied(err) {
				t.Fatalf("err = %v, want an authorization failure", err)
			}
		})
	}
	reads := []struct {
		role  auth.Role
		topic string
		ok    bool
	}{
		{auth.RoleViewer, schemas.TopicBlocks, true},
		{auth.RoleViewer, schemas.TopicTransactions, false},
		{auth.RoleSubmitter, schemas.TopicTransactions, false},
		{auth.RoleValidator, schemas.TopicTransactions, true},
		{auth.RoleValidator, schemas.TopicBlocks, true},
	}
	for _, r := range reads {
		t.Run(fmt.Sprintf("%s reads %s", r.role, r.topic), func(t *testing.T) {
			err := fetchFrom(t, s, r.role, r.topic)
			if r.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !r.ok && !denied(err) {
				t.Fatalf("err = %v, want an authorization failure", err)
			}
		})
	}
	for _, role := range auth.Roles {
		t.Run(role.String()+" creates and deletes topics", func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			adm := kadm.NewClient(s.client(t, role))
			created, err := adm.CreateTopic(ctx, 1, -1, nil, "made.by."+role.String())
			if err == nil {
				err = created.Err
			}
			deleted, derr := adm.DeleteTopic(ctx, schemas.TopicTransactions)
			if derr == nil {
				derr = deleted.Err
			}
			if role == auth.RoleAdmin {
				if err != nil || derr != nil {
					t.Fatalf("admin: create %v, delete %v", err, derr)
				}
				return
			}
			if !denied(err) || !denied(derr) {
				t.Fatalf("create: %v, delete: %v; want authorization failures", err, derr)
			}
		})
	}
}

// TestAuthenticationFailuresAreRefusedAndAudited: wrong passwords, unknown
// users, PLAIN without TLS and requests before authentication close the
// connection, and each is an audit event.
func TestAuthenticationFailuresAreRefusedAndAudited(t *testing.T) {
	s := startSecured(t, false)
	defer s.b.Close()
	try := func(opts ...kgo.Opt) error {
		cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(s.b.Addr()), kgo.RequestRetries(0)}, opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err = kadm.NewClient(cl).ListTopics(ctx)
		return err
	}
	if err := try(kgo.SASL(scram.Auth{User: "viewer", Pass: s.passwords[auth.RoleViewer]}.AsSha256Mechanism())); err != nil {
		t.Fatalf("SCRAM-SHA-256 with the right password: %v", err)
	}
	failures := []struct {
		name string
		opts []kgo.Opt
		want string
	}{
		{"no credentials", nil, "Metadata request before SASL authentication"},
		{"wrong password", []kgo.Opt{kgo.SASL(scram.Auth{User: "viewer", Pass: "guess guess guess"}.AsSha512Mechanism())}, "who=user:viewer"},
		{"unknown user", []kgo.Opt{kgo.SASL(scram.Auth{User: "mallory", Pass: "guess guess guess"}.AsSha512Mechanism())}, "who=user:mallory"},
		{"PLAIN without TLS", []kgo.Opt{kgo.SASL(plain.Auth{User: "viewer", Pass: s.passwords[auth.RoleViewer]}.AsMechanism())}, "SASL handshake refused: PLAIN"},
	}
	for i, f := range failures {
		t.Run(f.name, func(t *testing.T) {
			if err := try(f.opts...); err == nil {
				t.Fatal("authenticated")
			}
			waitFor(t, func() bool { return strings.Contains(s.auditLog.String(), f.want) }, "audit event "+f.want)
			got := testutil.ToFloat64(auditCounter(t, s.reg))
			if got < float64(i+1) {
				t.Fatalf("aurigraph_audit_events_total{action=kafka.authenticate,result=unauthenticated} = %v after %d failures", got, i+1)
			}
		})
	}
	if strings.Contains(s.auditLog.String(), s.passwords[auth.RoleViewer]) || strings.Contains(s.auditLog.String(), "guess guess") {
		t.Fatalf("a password reached the audit log:\n%s", s.auditLog)
	}
}

func auditCounter(t *testing.T, reg *prometheus.Registry) prometheus.Collector {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "copy"})
	for _, mf := range mfs {
		if mf.GetName() != "aurigraph_audit_events_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["action"] == "kafka.authenticate" && labels["result"] == "unauthenticated" {
				c.Add(m.GetCounter().GetValue())
			}
		}
	}
	return c
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within 10s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRestartKeepsUsersACLsAndNoSecrets: the accounts and ACLs come from
// this start, not from what kfake persisted, and none of its accounts'
// secrets stay on disk.
func TestRestartKeepsUsersACLsAndNoSecrets(t *testing.T) {
	s := startSecured(t, true)
	if err := produceTo(t, s.client(t, auth.RoleSubmitter), schemas.TopicTransactions); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(s.dir, "data", "sasl.json")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("sasl.json while running: %v", err)
	}
	s.b.Close()
	if _, err := os.Stat(filepath.Join(s.dir, "data", "sasl.json")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("sasl.json after stop: %v", err)
	}
	// What kfake leaves of its accounts when the process is killed before
	// it can remove them: the previous start's secrets.
	stale := `{"version":1,"plain":{"aurigraph.role.submitter":"old","aurigraph.role.validator":"old","aurigraph.role.admin":"old"}}`
	if err := os.WriteFile(filepath.Join(s.dir, "data", "sasl.json"), []byte(stale), 0o600); err != nil {
		t.Fatal(err)
	}
	s.start(t)
	defer s.b.Close()
	if err := produceTo(t, s.client(t, auth.RoleSubmitter), schemas.TopicTransactions); err != nil {
		t.Fatalf("producer after restart: %v", err)
	}
	if err := produceTo(t, s.client(t, auth.RoleSubmitter), schemas.TopicBlocks); !errors.Is(err, kerr.TopicAuthorizationFailed) {
		t.Fatalf("producer writing blocks after restart: %v", err)
	}
	if err := fetchFrom(t, s, auth.RoleValidator, schemas.TopicTransactions); err != nil {
		t.Fatalf("validator after restart: %v", err)
	}
}

// kcat runs Debian's kcat (librdkafka) with args and stdin; CI installs it.
func kcat(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	if _, err := exec.LookPath("kcat"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("kcat is required in CI (apt-get install kcat)")
		}
		t.Skip("kcat not installed (apt-get install kcat)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "kcat", args...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestKcat: a client nobody here wrote. Without credentials it is refused;
// with a producer's it writes transactions, and not blocks.
func TestKcat(t *testing.T) {
	s := startSecured(t, true)
	defer s.b.Close()
	login := func(role auth.Role, mechanism string) []string {
		return []string{"-b", s.b.Addr(), "-m", "10", "-X", "security.protocol=SASL_SSL", "-X", "ssl.ca.location=" + s.cert,
			"-X", "sasl.mechanisms=" + mechanism, "-X", "sasl.username=" + role.String(), "-X", "sasl.password=" + s.passwords[role]}
	}
	if out, err := kcat(t, "", "-b", s.b.Addr(), "-m", "5", "-L"); err == nil {
		t.Fatalf("kcat without TLS or credentials listed the topics:\n%s", out)
	}
	if out, err := kcat(t, "", "-b", s.b.Addr(), "-m", "5", "-X", "security.protocol=SSL", "-X", "ssl.ca.location="+s.cert, "-L"); err == nil {
		t.Fatalf("kcat with TLS but no credentials listed the topics:\n%s", out)
	}
	waitFor(t, func() bool { return strings.Contains(s.auditLog.String(), "before SASL authentication") }, "audit of kcat without credentials")
	for _, mech := range []string{"SCRAM-SHA-256", "SCRAM-SHA-512", "PLAIN"} {
		if out, err := kcat(t, "tx-"+mech+"\n", append(login(auth.RoleSubmitter, mech), "-P", "-t", schemas.TopicTransactions)...); err != nil {
			t.Fatalf("producer with %s: %v\n%s\n%s", mech, err, out, s.auditLog)
		}
	}
	out, err := kcat(t, "forged block\n", append(login(auth.RoleSubmitter, "SCRAM-SHA-512"), "-P", "-t", schemas.TopicBlocks)...)
	if err == nil || !strings.Contains(out, "authorization failed") {
		t.Fatalf("producer writing %s: %v\n%s", schemas.TopicBlocks, err, out)
	}
	out, err = kcat(t, "", append(login(auth.RoleViewer, "SCRAM-SHA-512"), "-C", "-t", schemas.TopicTransactions, "-e", "-o", "beginning")...)
	if err == nil && strings.Contains(out, "tx-") {
		t.Fatalf("a reader read the transactions:\n%s", out)
	}
	out, err = kcat(t, "", append(login(auth.RoleValidator, "SCRAM-SHA-512"), "-C", "-t", schemas.TopicTransactions, "-e", "-o", "beginning")...)
	if err != nil || strings.Count(out, "tx-") != 3 {
		t.Fatalf("the validator read %v:\n%s", err, out)
	}
}
