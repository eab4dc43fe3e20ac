package main

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"

	"github.com/spf13/pflag"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/aurigraph/aurigraph/ingest/broker"
	"github.com/aurigraph/aurigraph/internal/access"
	"github.com/aurigraph/aurigraph/internal/audit"
	"github.com/aurigraph/aurigraph/internal/auth"
	"github.com/aurigraph/aurigraph/internal/certreload"
	"github.com/aurigraph/aurigraph/internal/kafkaclient"
)

// kafkaClientFlags say how the process's own Kafka clients reach the
// cluster (dev, node, gateway, bench).
type kafkaClientFlags struct {
	mechanism    string
	user         string
	passwordFile string
	tls          bool
	tlsCA        string
	serverName   string
}

func (f *kafkaClientFlags) register(fl *pflag.FlagSet) {
	fl.StringVar(&f.mechanism, "kafka-sasl-mechanism", "", "SASL mechanism of this process's Kafka clients: SCRAM-SHA-512, SCRAM-SHA-256 or PLAIN (only with TLS) (default SCRAM-SHA-512 when --kafka-user is set)")
	fl.StringVar(&f.user, "kafka-user", "", "SASL user this process's Kafka clients log in as (with --kafka-password-file)")
	fl.StringVar(&f.passwordFile, "kafka-password-file", "", "file holding --kafka-user's password, read again at every new connection")
	fl.BoolVar(&f.tls, "kafka-tls", false, "connect to the Kafka brokers over TLS, checking their certificates against the system's roots or --kafka-tls-ca")
	fl.StringVar(&f.tlsCA, "kafka-tls-ca", "", "PEM certificates that the Kafka brokers' certificates must chain to (implies --kafka-tls)")
	fl.StringVar(&f.serverName, "kafka-tls-server-name", "", "name the Kafka brokers' certificates must carry (default: the host dialed)")
}

// config checks the flags and returns the clients' configuration.
func (f kafkaClientFlags) config() (kafkaclient.Config, error) {
	var c kafkaclient.Config
	if f.tls || f.tlsCA != "" || f.serverName != "" {
		t, err := kafkaclient.TLSConfig(f.tlsCA, f.serverName)
		if err != nil {
			return c, fmt.Errorf("--kafka-tls-ca: %w", err)
		}
		c.TLS = t
	}
	switch {
	case f.user == "" && (f.mechanism != "" || f.passwordFile != ""):
		return c, errors.New("--kafka-sasl-mechanism and --kafka-password-file need --kafka-user")
	case f.user != "" && f.passwordFile == "":
		return c, errors.New("--kafka-user needs --kafka-password-file (a file holding the password, so that it is in no command line)")
	case f.user != "":
		c.Mechanism, c.User, c.Password = f.mechanism, f.user, kafkaclient.PasswordFile(f.passwordFile)
		if c.Mechanism == "" {
			c.Mechanism = kafkaclient.SCRAMSHA512
		}
		if _, err := c.Password(); err != nil {
			return c, fmt.Errorf("--kafka-password-file: %w", err)
		}
	}
	if _, err := c.Opts(); err != nil {
		return c, fmt.Errorf("--kafka-sasl-mechanism: %w", err)
	}
	return c, nil
}

// opts returns the options the flags ask for.
func (f kafkaClientFlags) opts() ([]kgo.Opt, error) {
	c, err := f.config()
	if err != nil {
		return nil, err
	}
	return c.Opts()
}

// brokerSecurityFlags secure the embedded broker's Kafka port (dev and
// broker).
type brokerSecurityFlags struct {
	saslUsers  string
	tlsCert    string
	tlsKey     string
	advertised string
}

func (f *brokerSecurityFlags) register(fl *pflag.FlagSet) {
	fl.StringVar(&f.saslUsers, "kafka-sasl-users", "", "require SASL on the embedded broker: users and roles of this file (aurigraph user add) may log in, each doing what its role's grants allow (see SECURITY.md, Kafka topics)")
	fl.StringVar(&f.tlsCert, "kafka-tls-cert", "", "serve the embedded broker over TLS with this PEM certificate, reloaded when the file changes (with --kafka-tls-key)")
	fl.StringVar(&f.tlsKey, "kafka-tls-key", "", "PEM private key of --kafka-tls-cert")
	fl.StringVar(&f.advertised, "kafka-advertised-addr", "", "host:port the embedded broker tells clients to connect to (Kafka's advertised.listeners; default: the address it listens on)")
}

// brokerSecurity is what the flags build for the embedded broker.
type brokerSecurity struct {
	tls        *certreload.Reloader
	users      *auth.Users
	advertised string
}

// build opens the users file and the certificate, and refuses an address
// beyond loopback without both unless insecure.
func (f brokerSecurityFlags) build(addr string, insecure bool, log *slog.Logger) (brokerSecurity, error) {
	var s brokerSecurity
	s.advertised = f.advertised
	switch {
	case f.tlsCert == "" && f.tlsKey == "":
	case f.tlsCert == "" || f.tlsKey == "":
		return s, fmt.Errorf("--kafka-tls-cert and --kafka-tls-key go together (got cert %q, key %q)", f.tlsCert, f.tlsKey)
	default:
		rl, err := certreload.New(f.tlsCert, f.tlsKey, 0, log.With("component", "kafka-tls"))
		if err != nil {
			return s, fmt.Errorf("--kafka-tls-cert: %w", err)
		}
		s.tls = rl
	}
	if f.saslUsers != "" {
		u, err := auth.OpenUsers(f.saslUsers)
		if err != nil {
			return s, fmt.Errorf("--kafka-sasl-users: %w", err)
		}
		if u.Len() == 0 {
			log.Warn("--kafka-sasl-users holds no users yet: nobody but this process can use the broker until one is added (aurigraph user add)", "file", f.saslUsers)
		}
		s.users = u
	}
	err := access.CheckExposure([]access.Listener{{
		Flag: "--kafka", Addr: addr, Authenticated: s.users != nil, FixAuth: "--kafka-sasl-users",
		NeedsTLS: true, TLS: s.tls != nil, FixTLS: "--kafka-tls-cert and --kafka-tls-key",
	}}, insecure, log)
	return s, err
}

// config fills the broker's TLS and SASL settings in.
func (s brokerSecurity) config(cfg broker.Config, al *audit.Log) broker.Config {
	if s.tls != nil {
		cfg.TLS = s.tls.Config()
	}
	if s.users != nil {
		cfg.SASL = &broker.SASL{Users: s.users, Audit: al}
	}
	cfg.AdvertisedAddr = s.advertised
	return cfg
}

// processUser is the account dev's own clients use on its embedded broker
// when no --kafka-user is given.
const processUser = "aurigraph-dev"

// clientConfig is how dev's own clients reach its embedded broker: as
// --kafka-user when given, otherwise as a validator account that lives in
// this process only; over TLS checked against --kafka-tls-ca, or against
// the very certificate the broker serves.
func (s brokerSecurity) clientConfig(given kafkaclient.Config) (kafkaclient.Config, error) {
	c := given
	if s.users != nil && c.Mechanism == "" {
		password, err := randomPassword()
		if err != nil {
			return c, err
		}
		if err := s.users.AddProcessUser(processUser, auth.RoleValidator, password); err != nil {
			return c, fmt.Errorf("--kafka-sasl-users: %w", err)
		}
		c.Mechanism, c.User, c.Password = kafkaclient.SCRAMSHA512, processUser, func() (string, error) { return password, nil }
	}
	if s.tls != nil && c.TLS == nil {
		c.TLS = pinnedTLS(s.tls)
	}
	return c, nil
}

// pinnedTLS trusts exactly the certificate rl serves now.
func pinnedTLS(rl *certreload.Reloader) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		// Verified below, against the broker's own certificate rather than
		// a CA: this process is the broker.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			cert, err := rl.GetCertificate(nil)
			if err != nil || len(cs.PeerCertificates) == 0 || len(cert.Certificate) == 0 || !bytes.Equal(cs.PeerCertificates[0].Raw, cert.Certificate[0]) {
				return errors.New("the Kafka broker presented a certificate other than the one this process serves")
			}
			return nil
		},
	}
}
