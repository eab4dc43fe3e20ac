package rpc

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
)

// DefaultTimeout is the bound put on unary calls that arrive without a
// deadline when Config.DefaultTimeout is zero.
const DefaultTimeout = 30 * time.Second

// Config configures the interceptors.
type Config struct {
	Logger     *slog.Logger          // nil: slog.Default()
	Registerer prometheus.Registerer // nil: no metrics registered (still counted)
	// DefaultTimeout bounds unary calls that arrive without a deadline (default 30s); streaming calls are not bounded.
	DefaultTimeout time.Duration
	// TLS, when set, serves TLS with these credentials (see ServerTLS).
	TLS credentials.TransportCredentials
}

// interceptors holds what the interceptor chain shares across calls.
type interceptors struct {
	logger  *slog.Logger
	metrics *metrics
	timeout time.Duration
}

// ServerOptions returns the grpc.ServerOptions for the public API server: chained unary and stream interceptors
// (in this order: request id, recovery, logging, metrics, deadline) and, with cfg.TLS, the credentials.
//
// The request id comes first so that everything after it, including the
// recovery message, can name the call. Recovery sits outside logging and
// metrics so that it also catches their bugs; they still see a panicking
// call, as Internal, the code recovery answers with. Deadline is innermost
// so that its rejections and its mapping of handler errors to codes are what
// logging and metrics record.
//
// The error reports an invalid Config or metrics that clash with collectors
// of the same name already in cfg.Registerer.
func ServerOptions(cfg Config) ([]grpc.ServerOption, error) {
	if cfg.DefaultTimeout < 0 {
		return nil, errors.New("rpc: Config.DefaultTimeout is negative; use 0 for the default of 30s")
	}
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	ic := &interceptors{logger: cfg.Logger, metrics: m, timeout: cfg.DefaultTimeout}
	if ic.logger == nil {
		ic.logger = slog.Default()
	}
	if ic.timeout == 0 {
		ic.timeout = DefaultTimeout
	}
	opts := []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(unaryRequestID, ic.unaryRecovery, ic.unaryLogging, ic.unaryMetrics, ic.unaryDeadline),
		grpc.ChainStreamInterceptor(streamRequestID, ic.streamRecovery, ic.streamLogging, ic.streamMetrics, streamErrors),
	}
	if cfg.TLS != nil {
		opts = append(opts, grpc.Creds(cfg.TLS))
	}
	return opts, nil
}

// serverStream lets a stream interceptor hand the handler a context it
// derived, which grpc.ServerStream alone cannot carry.
type serverStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *serverStream) Context() context.Context { return s.ctx }

// observe runs call and reports its outcome, also when call panics: the
// recovery interceptor further out turns the panic into errPanicked's code,
// so that is what the client sees and what gets reported.
func observe(call func() error, report func(error)) (err error) {
	err = errPanicked
	defer func() { report(err) }()
	return call()
}
