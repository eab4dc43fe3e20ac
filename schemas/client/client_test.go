package client

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

func unavailable() error { return status.Error(codes.Unavailable, "no leader") }

func retryAfter(d time.Duration) error {
	st, err := status.New(codes.Unavailable, "election in progress").WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(d)})
	if err != nil {
		panic(err)
	}
	return st.Err()
}

func TestNewRejectsBadOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  Option
		want string
	}{
		{"no attempts", WithRetry(0, time.Millisecond, time.Second), "attempts 0"},
		{"zero backoff", WithRetry(3, 0, time.Second), "backoff"},
		{"max below initial", WithRetry(3, time.Second, time.Millisecond), "backoff"},
		{"nil credentials", WithTransportCredentials(nil), "credentials"},
		{"nil request ids", WithRequestIDs(nil), "request id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New("127.0.0.1:9004", tc.opt)
			if err == nil {
				_ = c.Close()
				t.Fatal("New accepted the option")
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "127.0.0.1:9004") {
				t.Fatalf("error %q does not name %q and the target", err, tc.want)
			}
		})
	}
}

// TestCallsRetryUnavailable checks every wrapped unary call against the RPC
// it makes and its retries through two UNAVAILABLE answers.
func TestCallsRetryUnavailable(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		method string
		call   func(*Client) (any, error)
		check  func(t *testing.T, got any)
	}{
		{"Get", func(c *Client) (any, error) { return c.Transaction(ctx, "t1") }, func(t *testing.T, got any) {
			if r := got.(*aurigraphv1.GetTransactionResponse); r.GetResult().GetTx().GetId() != "t1" || r.GetHeight() != 3 {
				t.Errorf("got %v", r)
			}
		}},
		{"Status", func(c *Client) (any, error) { return c.Status(ctx, "t1") }, func(t *testing.T, got any) {
			if r := got.(*aurigraphv1.GetTransactionStatusResponse); r.GetId() != "t1" || r.GetState() != aurigraphv1.TxState_TX_STATE_COMMITTED {
				t.Errorf("got %v", r)
			}
		}},
		{"Get", func(c *Client) (any, error) { return c.Block(ctx, 4) }, func(t *testing.T, got any) {
			if h := got.(*aurigraphv1.Block).GetHeader().GetHeight(); h != 4 {
				t.Errorf("got block %d", h)
			}
		}},
		{"Get", func(c *Client) (any, error) { return c.BlockByHash(ctx, blockHash(9)) }, func(t *testing.T, got any) {
			if h := got.(*aurigraphv1.Block).GetHeader().GetHeight(); h != 9 {
				t.Errorf("got block %d", h)
			}
		}},
		{"Latest", func(c *Client) (any, error) { return c.Latest(ctx) }, func(t *testing.T, got any) {
			if h := got.(*aurigraphv1.Block).GetHeader().GetHeight(); h != 25 {
				t.Errorf("got block %d", h)
			}
		}},
		{"List", func(c *Client) (any, error) { return c.Validators(ctx) }, func(t *testing.T, got any) {
			if r := got.(*aurigraphv1.ListValidatorsResponse); len(r.GetValidators()) != 3 || r.GetLeader() != 2 {
				t.Errorf("got %v", r)
			}
		}},
		{"Leader", func(c *Client) (any, error) { return c.Leader(ctx) }, func(t *testing.T, got any) {
			if r := got.(*aurigraphv1.GetLeaderResponse); r.GetLeader() != 2 || r.GetTerm() != 7 {
				t.Errorf("got %v", r)
			}
		}},
		{"Current", func(c *Client) (any, error) { return c.Performance(ctx) }, func(t *testing.T, got any) {
			if r := got.(*aurigraphv1.GetCurrentPerformanceResponse); r.GetCurrentTps() != 1200 {
				t.Errorf("got %v", r)
			}
		}},
		{"Submit", func(c *Client) (any, error) { return c.Submit(ctx, &aurigraphv1.Transaction{Id: "s1"}) }, func(t *testing.T, got any) {
			if got != "s1" {
				t.Errorf("got id %v", got)
			}
		}},
		{"SubmitBatch", func(c *Client) (any, error) {
			return c.SubmitBatch(ctx, []*aurigraphv1.Transaction{{Id: "b1"}, {Id: "b2"}})
		}, func(t *testing.T, got any) {
			if ids := got.([]string); len(ids) != 2 || ids[0] != "b1" || ids[1] != "b2" {
				t.Errorf("got ids %v", ids)
			}
		}},
	} {
		t.Run(tc.method, func(t *testing.T) {
			c, f, _ := start(t)
			f.failNext(unavailable(), unavailable())
			got, err := tc.call(c)
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, got)
			calls := f.recorded()
			if len(calls) != 3 {
				t.Fatalf("%d calls, want 3", len(calls))
			}
			for _, cl := range calls {
				if cl.method != tc.method {
					t.Errorf("called %s, want %s", cl.method, tc.method)
				}
			}
		})
	}
}

func TestRetryPolicy(t *testing.T) {
	ctx := context.Background()
	status1 := func(c *Client) error { _, err := c.Status(ctx, "t1"); return err }
	submit := func(c *Client) error { _, err := c.Submit(ctx, &aurigraphv1.Transaction{Id: "s1"}); return err }
	for _, tc := range []struct {
		name      string
		fail      []error
		call      func(*Client) error
		wantCalls int
		wantCode  codes.Code
	}{
		{"invalid argument is final", []error{status.Error(codes.InvalidArgument, "bad id")}, status1, 1, codes.InvalidArgument},
		{"resource exhausted is final", []error{status.Error(codes.ResourceExhausted, "slow down")}, submit, 1, codes.ResourceExhausted},
		{"not found is final", []error{status.Error(codes.NotFound, "no such id")}, status1, 1, codes.NotFound},
		{"attempts run out", []error{unavailable(), unavailable(), unavailable(), unavailable(), unavailable(), unavailable()}, status1, 5, codes.Unavailable},
		{"server deadline retried for submit", []error{status.Error(codes.DeadlineExceeded, "log write timed out")}, submit, 2, codes.OK},
		{"server deadline final for reads", []error{status.Error(codes.DeadlineExceeded, "read timed out")}, status1, 1, codes.DeadlineExceeded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, f, _ := start(t)
			f.failNext(tc.fail...)
			err := tc.call(c)
			if got := status.Code(err); got != tc.wantCode {
				t.Fatalf("code %v (%v), want %v", got, err, tc.wantCode)
			}
			if n := len(f.recorded()); n != tc.wantCalls {
				t.Fatalf("%d calls, want %d", n, tc.wantCalls)
			}
			if err != nil && !strings.Contains(err.Error(), `"t1"`) && !strings.Contains(err.Error(), `"s1"`) {
				t.Errorf("error %q does not name the input", err)
			}
		})
	}
}

func TestRetryInfoDelayHonoured(t *testing.T) {
	// A backoff of at most 2ms: only the server's delay can make the call
	// take 300ms.
	c, f, _ := start(t, WithRetry(5, time.Millisecond, 2*time.Millisecond))
	f.failNext(retryAfter(300 * time.Millisecond))
	begin := time.Now()
	if _, err := c.Leader(context.Background()); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(begin); took < 300*time.Millisecond || took > 3*time.Second {
		t.Fatalf("took %v, want about 300ms", took)
	}
	if n := len(f.recorded()); n != 2 {
		t.Fatalf("%d calls, want 2", n)
	}
}

func TestContextEndsRetries(t *testing.T) {
	for _, tc := range []struct {
		name      string
		fail      []error
		ctx       func() (context.Context, context.CancelFunc)
		maxTook   time.Duration
		wantCalls int // 0: any number
		want      func(error) bool
	}{
		{
			name: "deadline during backoff",
			fail: repeat(unavailable(), 100),
			ctx: func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), 150*time.Millisecond)
			},
			// Some attempts, never all 100 failures (4 s of backoff), and
			// no waiting past the deadline; the bound leaves a loaded
			// machine room.
			maxTook: 2 * time.Second,
			want: func(err error) bool {
				return status.Code(err) == codes.Unavailable || status.Code(err) == codes.DeadlineExceeded
			},
		},
		{
			name: "server delay past the deadline",
			fail: []error{retryAfter(10 * time.Second)},
			ctx: func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), 5*time.Second)
			},
			// Well before the deadline: the delay is known to pass it.
			maxTook:   2 * time.Second,
			wantCalls: 1,
			want: func(err error) bool {
				return status.Code(err) == codes.Unavailable && strings.Contains(err.Error(), "past the deadline")
			},
		},
		{
			name: "cancelled while waiting",
			fail: []error{retryAfter(10 * time.Second)},
			ctx: func() (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(context.Background())
				time.AfterFunc(100*time.Millisecond, cancel)
				return ctx, cancel
			},
			maxTook:   2 * time.Second,
			wantCalls: 1,
			want:      func(err error) bool { return errors.Is(err, context.Canceled) && status.Code(err) == codes.Unavailable },
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, f, _ := start(t, WithRetry(1000, 40*time.Millisecond, 40*time.Millisecond))
			f.failNext(tc.fail...)
			ctx, cancel := tc.ctx()
			defer cancel()
			begin := time.Now()
			_, err := c.Status(ctx, "t1")
			took := time.Since(begin)
			if err == nil || !tc.want(err) {
				t.Fatalf("error %v", err)
			}
			if took > tc.maxTook {
				t.Fatalf("took %v, want at most %v", took, tc.maxTook)
			}
			if n := len(f.recorded()); tc.wantCalls != 0 && n != tc.wantCalls || n >= 1000 {
				t.Fatalf("%d calls, want %d", n, tc.wantCalls)
			}
		})
	}
}

func repeat(err error, n int) []error {
	errs := make([]error, n)
	for i := range errs {
		errs[i] = err
	}
	return errs
}

func TestRequestIDs(t *testing.T) {
	t.Run("kept across retries, new per call", func(t *testing.T) {
		c, f, _ := start(t)
		f.failNext(unavailable(), unavailable())
		for range 2 {
			if _, err := c.Status(context.Background(), "t1"); err != nil {
				t.Fatal(err)
			}
		}
		calls := f.recorded()
		if len(calls) != 4 {
			t.Fatalf("%d calls, want 4", len(calls))
		}
		first := calls[0].requestID
		if first == "" || calls[1].requestID != first || calls[2].requestID != first {
			t.Errorf("retries carried ids %q %q %q", first, calls[1].requestID, calls[2].requestID)
		}
		if calls[3].requestID == "" || calls[3].requestID == first {
			t.Errorf("second call carried id %q after %q", calls[3].requestID, first)
		}
	})
	t.Run("custom generator", func(t *testing.T) {
		n := 0
		c, f, _ := start(t, WithRequestIDs(func() string { n++; return "req-" + string(rune('0'+n)) }))
		f.failNext(unavailable())
		if _, err := c.Leader(context.Background()); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Leader(context.Background()); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, cl := range f.recorded() {
			got = append(got, cl.requestID)
		}
		if strings.Join(got, " ") != "req-1 req-1 req-2" {
			t.Errorf("ids %v", got)
		}
	})
	t.Run("caller's id kept", func(t *testing.T) {
		c, f, _ := start(t)
		ctx := metadata.AppendToOutgoingContext(context.Background(), RequestIDHeader, "from-caller")
		if _, err := c.Performance(ctx); err != nil {
			t.Fatal(err)
		}
		if got := f.recorded()[0].requestID; got != "from-caller" {
			t.Errorf("id %q, want the caller's", got)
		}
	})
}
