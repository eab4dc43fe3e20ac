// Package kafkaclient says how the pipeline's own Kafka clients (ingest,
// submission, publisher, projector, gateways, health checks, bench) reach
// a cluster that wants SASL or TLS: one Config, turned into the franz-go
// options every client of a process is given.
package kafkaclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// Mechanisms a Config may name.
const (
	Plain       = "PLAIN"
	SCRAMSHA256 = "SCRAM-SHA-256"
	SCRAMSHA512 = "SCRAM-SHA-512"
)

// Config is how to reach the cluster. The zero value is plain text
// without authentication.
type Config struct {
	// Mechanism is the SASL mechanism: "" for none, PLAIN (only with TLS),
	// SCRAM-SHA-256 or SCRAM-SHA-512.
	Mechanism string
	User      string
	// Password is asked at every new connection, so a password file can
	// be replaced without a restart.
	Password func() (string, error)
	// TLS, when set, encrypts connections with it.
	TLS *tls.Config
}

// Opts returns the client options for c.
func (c Config) Opts() ([]kgo.Opt, error) {
	var opts []kgo.Opt
	if c.TLS != nil {
		opts = append(opts, kgo.DialTLSConfig(c.TLS))
	}
	if c.Mechanism == "" {
		if c.User != "" {
			return nil, errors.New("kafka: a user without a SASL mechanism")
		}
		return opts, nil
	}
	if c.User == "" || c.Password == nil {
		return nil, fmt.Errorf("kafka: SASL %s needs a user and a password", c.Mechanism)
	}
	var m sasl.Mechanism
	switch strings.ToUpper(c.Mechanism) {
	case Plain:
		if c.TLS == nil {
			return nil, errors.New("kafka: SASL PLAIN sends the password as it is: use it only with TLS, or use SCRAM-SHA-512")
		}
		m = plain.Plain(func(context.Context) (plain.Auth, error) {
			p, err := c.Password()
			return plain.Auth{User: c.User, Pass: p}, err
		})
	case SCRAMSHA256, SCRAMSHA512:
		auth := func(context.Context) (scram.Auth, error) {
			p, err := c.Password()
			return scram.Auth{User: c.User, Pass: p}, err
		}
		m = scram.Sha512(auth)
		if strings.EqualFold(c.Mechanism, SCRAMSHA256) {
			m = scram.Sha256(auth)
		}
	default:
		return nil, fmt.Errorf("kafka: SASL mechanism %q: use PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512", c.Mechanism)
	}
	return append(opts, kgo.SASL(m)), nil
}

// PasswordFile reads a password from path (trailing newlines dropped) at
// every call.
func PasswordFile(path string) func() (string, error) {
	return func() (string, error) {
		b, err := os.ReadFile(path)
		if err != nil {
			return "", fmt.Errorf("kafka password: %w", err)
		}
		p := strings.TrimRight(string(b), "\r\n")
		if p == "" {
			return "", fmt.Errorf("kafka password: %s is empty", path)
		}
		return p, nil
	}
}

// TLSConfig trusts the PEM certificates in caFile, or the system's when it
// is empty, and checks the broker's name against serverName when set
// (otherwise against the host dialed).
func TLSConfig(caFile, serverName string) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: serverName}
	if caFile == "" {
		return cfg, nil
	}
	pemBytes, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("kafka TLS CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemBytes) {
		return nil, fmt.Errorf("kafka TLS CA: no PEM certificate in %s", caFile)
	}
	cfg.RootCAs = pool
	return cfg, nil
}
