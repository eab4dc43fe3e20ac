// Package client is a typed Go client for the Aurigraph gRPC API (port 9004,
// schemas/aurigraph/v1) that retries what the API contract says is safe to
// retry.
//
//	c, err := client.New("127.0.0.1:9004")
//	if err != nil {
//		return err
//	}
//	defer c.Close()
//
//	id, err := c.Submit(ctx, &aurigraphv1.Transaction{
//		Type: aurigraphv1.TxType_TX_TYPE_MINT, From: "acct-1", To: "acct-1", Amount: 10, Nonce: 1,
//	})
//	if err != nil {
//		return err
//	}
//	st, err := c.WaitCommitted(ctx, id, 100*time.Millisecond)
//	...
//	for ev, err := range c.Subscribe(ctx, &aurigraphv1.SubscribeRequest{FromHeight: 1}) {
//		...
//	}
//
// # Retries
//
// Unary calls are repeated on UNAVAILABLE, which the services answer when no
// leader is reachable or a validator is still catching up, with exponential
// backoff and jitter (see WithRetry). A google.rpc.RetryInfo detail on the
// error replaces the computed delay. No attempt is started that could not
// begin before the context's deadline: the call then fails at once with the
// last error instead of sleeping into a deadline it cannot meet.
//
// Submissions are retried as well (and on DEADLINE_EXCEEDED from the server
// while the caller's context is still live, as the TransactionService
// contract allows) because the chain commits a transaction id at most once.
// That only holds when every attempt carries the same id, so the client fills
// in an empty id itself, exactly as the server would derive it
// (schemas.TxID), on a copy of the caller's message.
//
// INVALID_ARGUMENT, RESOURCE_EXHAUSTED, NOT_FOUND, FAILED_PRECONDITION and
// every other code are returned as they are: repeating the same request
// cannot change the answer, or (for RESOURCE_EXHAUSTED) would add load to a
// server that asked for less. Returned errors wrap the gRPC status, so
// status.Code and status.FromError see it.
//
// # Request ids
//
// Every logical call sends metadata x-request-id (RequestIDHeader), the same
// on all its retries, reconnects and pages, so server logs can tie them
// together. An x-request-id already in the context's outgoing metadata is
// kept, which lets callers thread their own ids through. Calls made directly
// on the raw stubs (TransactionService and the like) get no id and no
// retries.
package client

import (
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// RequestIDHeader is the metadata key carrying the id of a logical call.
const RequestIDHeader = "x-request-id"

// maxRecvMsgSize replaces gRPC's 4 MiB default: ingest cuts batches at
// about 4 MiB of records, so a single block with its transactions can be
// larger than that, and a page of BlockService.List holds several.
const maxRecvMsgSize = 64 << 20

// Client is safe for concurrent use. Its zero value is not usable; call New.
type Client struct {
	conn        *grpc.ClientConn
	cfg         config
	txs         aurigraphv1.TransactionServiceClient
	blocks      aurigraphv1.BlockServiceClient
	validators  aurigraphv1.ValidatorServiceClient
	performance aurigraphv1.PerformanceServiceClient
	stream      aurigraphv1.StreamServiceClient
}

type config struct {
	creds          credentials.TransportCredentials
	dial           []grpc.DialOption
	attempts       int
	initialBackoff time.Duration
	maxBackoff     time.Duration
	requestID      func() string
}

// Option configures a Client; pass options to New.
type Option func(*config)

// WithTransportCredentials sets the connection's security. The default is
// plaintext, which suits a validator on loopback or inside a trusted network.
func WithTransportCredentials(creds credentials.TransportCredentials) Option {
	return func(c *config) { c.creds = creds }
}

// WithDialOptions adds options to grpc.NewClient. They are applied after
// the client's own (credentials, a 64 MiB receive limit, connection backoff
// matched to WithRetry), so they override them.
func WithDialOptions(opts ...grpc.DialOption) Option {
	return func(c *config) { c.dial = append(c.dial, opts...) }
}

// WithRetry sets how many times a call is attempted in all (at least 1; 1
// disables retries) and the bounds of the exponential backoff between
// attempts. The defaults are 5 attempts, 50ms and 2s. The connection's own
// reconnect backoff uses the same bounds: with gRPC's default (1s, growing
// to 2 minutes) a dropped connection would still be in its backoff window
// after the last attempt, and every attempt would fail without reaching the
// server.
func WithRetry(attempts int, initialBackoff, maxBackoff time.Duration) Option {
	return func(c *config) {
		c.attempts, c.initialBackoff, c.maxBackoff = attempts, initialBackoff, maxBackoff
	}
}

// WithRequestIDs replaces the generator of x-request-id values (by default
// 26 random base32 characters).
func WithRequestIDs(next func() string) Option {
	return func(c *config) { c.requestID = next }
}

// New returns a client for target (host:port, or any grpc.NewClient
// target). It does not connect: the connection is made by the first call and
// remade as needed.
func New(target string, opts ...Option) (*Client, error) {
	cfg := config{
		creds:          insecure.NewCredentials(),
		attempts:       5,
		initialBackoff: 50 * time.Millisecond,
		maxBackoff:     2 * time.Second,
		requestID:      rand.Text,
	}
	for _, o := range opts {
		o(&cfg)
	}
	if err := cfg.check(); err != nil {
		return nil, fmt.Errorf("aurigraph client for %q: %w", target, err)
	}
	dial := append([]grpc.DialOption{
		grpc.WithTransportCredentials(cfg.creds),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxRecvMsgSize)),
		grpc.WithConnectParams(grpc.ConnectParams{
			Backoff: backoff.Config{
				BaseDelay:  cfg.initialBackoff,
				Multiplier: backoff.DefaultConfig.Multiplier,
				Jitter:     backoff.DefaultConfig.Jitter,
				MaxDelay:   cfg.maxBackoff,
			},
			MinConnectTimeout: 20 * time.Second,
		}),
	}, cfg.dial...)
	conn, err := grpc.NewClient(target, dial...)
	if err != nil {
		return nil, fmt.Errorf("aurigraph client for %q: %w", target, err)
	}
	return &Client{
		conn:        conn,
		cfg:         cfg,
		txs:         aurigraphv1.NewTransactionServiceClient(conn),
		blocks:      aurigraphv1.NewBlockServiceClient(conn),
		validators:  aurigraphv1.NewValidatorServiceClient(conn),
		performance: aurigraphv1.NewPerformanceServiceClient(conn),
		stream:      aurigraphv1.NewStreamServiceClient(conn),
	}, nil
}

func (c *config) check() error {
	switch {
	case c.creds == nil:
		return errors.New("nil transport credentials")
	case c.attempts < 1:
		return fmt.Errorf("retry attempts %d: need at least 1", c.attempts)
	case c.initialBackoff <= 0 || c.maxBackoff < c.initialBackoff:
		return fmt.Errorf("retry backoff %v to %v: need 0 < initial <= max", c.initialBackoff, c.maxBackoff)
	case c.requestID == nil:
		return errors.New("nil request id generator")
	}
	return nil
}

// Close ends the connection; calls in flight fail with CANCELED.
func (c *Client) Close() error {
	return c.conn.Close()
}

// TransactionService returns the generated stub, for requests this client
// does not wrap (stale reads, for one). Calls on it are not retried.
func (c *Client) TransactionService() aurigraphv1.TransactionServiceClient { return c.txs }

// BlockService returns the generated stub; calls on it are not retried.
func (c *Client) BlockService() aurigraphv1.BlockServiceClient { return c.blocks }

// ValidatorService returns the generated stub, which also changes
// membership (AddMember, RemoveMember); calls on it are not retried.
func (c *Client) ValidatorService() aurigraphv1.ValidatorServiceClient { return c.validators }

// PerformanceService returns the generated stub, which also serves Series
// and Forecast; calls on it are not retried.
func (c *Client) PerformanceService() aurigraphv1.PerformanceServiceClient { return c.performance }

// StreamService returns the generated stub; a stream opened on it does not
// reconnect.
func (c *Client) StreamService() aurigraphv1.StreamServiceClient { return c.stream }
