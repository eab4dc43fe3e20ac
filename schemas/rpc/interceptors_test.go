package rpc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

var generatedID = regexp.MustCompile(`^[0-9a-f]{16}$`)

func TestRequestID(t *testing.T) {
	conn := dial(t, serve(t, Config{Logger: slog.New(slog.DiscardHandler)}, echoBack()), nil)
	tests := []struct {
		name     string
		incoming []string // x-request-id values sent, none if empty
		want     string   // "" means a generated id
	}{
		{name: "generated when absent"},
		{name: "echoed", incoming: []string{"client-7f3a/retry 2"}, want: "client-7f3a/retry 2"},
		{name: "longest accepted", incoming: []string{strings.Repeat("a", 128)}, want: strings.Repeat("a", 128)},
		{name: "first of several", incoming: []string{"one", "two"}, want: "one"},
		{name: "empty replaced", incoming: []string{""}},
		{name: "too long replaced", incoming: []string{strings.Repeat("a", 129)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := testContext(t)
			for _, v := range tt.incoming {
				ctx = metadata.AppendToOutgoingContext(ctx, RequestIDHeader, v)
			}
			check := func(kind, seen, header string) {
				t.Helper()
				if seen != header {
					t.Errorf("%s: handler saw request id %q, header says %q", kind, seen, header)
				}
				if tt.want != "" && header != tt.want {
					t.Errorf("%s: request id %q, want %q", kind, header, tt.want)
				}
				if tt.want == "" && !generatedID.MatchString(header) {
					t.Errorf("%s: request id %q is not a generated one", kind, header)
				}
			}
			seen, header, err := callUnary(ctx, conn, "")
			if err != nil {
				t.Fatalf("unary: %v", err)
			}
			check("unary", seen, header)
			msgs, header, err := callStream(ctx, conn, "")
			if err != nil || len(msgs) != 1 {
				t.Fatalf("stream: %v, %d messages", err, len(msgs))
			}
			check("stream", msgs[0], header)
		})
	}

	t.Run("generated ids differ", func(t *testing.T) {
		_, a, errA := callUnary(testContext(t), conn, "")
		_, b, errB := callUnary(testContext(t), conn, "")
		if errA != nil || errB != nil || a == b {
			t.Errorf("two calls got request ids %q and %q (errors %v, %v)", a, b, errA, errB)
		}
	})
	t.Run("outside a call", func(t *testing.T) {
		if id := RequestID(context.Background()); id != "" {
			t.Errorf("RequestID outside a call = %q", id)
		}
	})
}

// grpc-go clients refuse to send ids with bytes outside printable ASCII, so
// that part of the check is tested directly.
func TestValidRequestID(t *testing.T) {
	for id, want := range map[string]bool{
		"abc":                    true,
		" ~":                     true,
		"":                       false,
		"tab\there":              false,
		"nl\n":                   false,
		"del\x7f":                false,
		"caf\u00e9":              false,
		strings.Repeat("x", 128): true,
		strings.Repeat("x", 129): false,
	} {
		if got := validRequestID(id); got != want {
			t.Errorf("validRequestID(%q) = %v, want %v", id, got, want)
		}
	}
}

func TestPanic(t *testing.T) {
	logs := &recorder{}
	reg := prometheus.NewRegistry()
	svc := echoBack()
	svc.unary = func(ctx context.Context, in string) (string, error) {
		if in == "panic" {
			panic("unary went wrong")
		}
		return RequestID(ctx), nil
	}
	svc.stream = func(in string, ss grpc.ServerStream) error {
		if err := ss.SendMsg(wrapperspb.String("before")); err != nil {
			return err
		}
		if in == "panic" {
			panic(fmt.Errorf("stream went wrong"))
		}
		return nil
	}
	conn := dial(t, serve(t, Config{Logger: logs.logger(), Registerer: reg}, svc), nil)

	tests := []struct {
		name   string
		method string
		call   func(ctx context.Context, in string) (id string, err error)
		panic  string
	}{
		{"unary", "Unary", func(ctx context.Context, in string) (string, error) {
			_, id, err := callUnary(ctx, conn, in)
			return id, err
		}, "unary went wrong"},
		{"stream", "Stream", func(ctx context.Context, in string) (string, error) {
			msgs, id, err := callStream(ctx, conn, in)
			if len(msgs) != 1 || msgs[0] != "before" {
				t.Errorf("stream messages before the panic: %q", msgs)
			}
			return id, err
		}, "stream went wrong"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := tt.call(testContext(t), "panic")
			if id == "" {
				t.Fatal("no request id header on the failed call")
			}
			want := "internal error (request id " + id + ")"
			if s := status.Convert(err); s.Code() != codes.Internal || s.Message() != want {
				t.Errorf("panicking call: %v, want Internal %q", err, want)
			}

			panics := logs.find("grpc handler panicked", "request_id", id)
			if len(panics) != 1 {
				t.Fatalf("want one panic log line, got %+v", panics)
			}
			p := panics[0]
			if p.level != slog.LevelError || p.attrs["panic"] != tt.panic || p.attrs["method"] != "/"+echoService+"/"+tt.method ||
				!strings.Contains(p.attrs["stack"], "TestPanic") {
				t.Errorf("panic log line: %+v", p)
			}
			if l := logs.callLine(t, id); l.level != slog.LevelWarn || l.attrs["code"] != "Internal" {
				t.Errorf("call line of a panicked call: %+v", l)
			}
			if n := testutil.ToFloat64(mustHandled(t, reg).WithLabelValues(echoService, tt.method, "Internal")); n != 1 {
				t.Errorf("panicked calls counted as Internal: %v, want 1", n)
			}

			if _, err := tt.call(testContext(t), "fine"); err != nil {
				t.Errorf("call after the panic: %v", err)
			}
		})
	}
	if n := testutil.ToFloat64(mustInFlight(t, reg).WithLabelValues(echoService)); n != 0 {
		t.Errorf("in flight after panics: %v", n)
	}
}

// mustHandled and mustInFlight return the collectors ServerOptions
// registered, the way a second server would get them.
func mustHandled(t *testing.T, reg prometheus.Registerer) *prometheus.CounterVec {
	t.Helper()
	m, err := newMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	return m.handled
}

func mustInFlight(t *testing.T, reg prometheus.Registerer) *prometheus.GaugeVec {
	t.Helper()
	m, err := newMetrics(reg)
	if err != nil {
		t.Fatal(err)
	}
	return m.inFlight
}

func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	entered, release := make(chan struct{}), make(chan struct{})
	svc := echoBack()
	svc.unary = func(ctx context.Context, in string) (string, error) {
		switch in {
		case "missing":
			return "", status.Error(codes.NotFound, "no such thing")
		case "block":
			close(entered)
			<-release
		}
		return "", nil
	}
	addr := serve(t, Config{Logger: slog.New(slog.DiscardHandler), Registerer: reg}, svc)
	conn := dial(t, addr, nil)
	ctx := testContext(t)

	blocked := make(chan error, 1)
	go func() {
		_, _, err := callUnary(ctx, conn, "block")
		blocked <- err
	}()
	<-entered
	inFlight := mustInFlight(t, reg).WithLabelValues(echoService)
	if n := testutil.ToFloat64(inFlight); n != 1 {
		t.Errorf("in flight during a call: %v, want 1", n)
	}
	close(release)
	if err := <-blocked; err != nil {
		t.Fatal(err)
	}
	for _, in := range []string{"a", "missing"} {
		_, _, _ = callUnary(ctx, conn, in)
	}
	if _, _, err := callStream(ctx, conn, ""); err != nil {
		t.Fatal(err)
	}
	// A second server sharing the registry, as in tests of several
	// services, reuses the collectors.
	if _, _, err := callUnary(ctx, dial(t, serve(t, Config{Logger: slog.New(slog.DiscardHandler), Registerer: reg}, svc), nil), "b"); err != nil {
		t.Fatal(err)
	}
	// The health service counts too; what it answers is up to grpc.
	if _, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatal(err)
	}

	want := `
# HELP aurigraph_grpc_handled_total gRPC calls finished on the public API, by status code.
# TYPE aurigraph_grpc_handled_total counter
aurigraph_grpc_handled_total{code="NotFound",method="Unary",service="aurigraph.test.v1.Echo"} 1
aurigraph_grpc_handled_total{code="OK",method="Check",service="grpc.health.v1.Health"} 1
aurigraph_grpc_handled_total{code="OK",method="Stream",service="aurigraph.test.v1.Echo"} 1
aurigraph_grpc_handled_total{code="OK",method="Unary",service="aurigraph.test.v1.Echo"} 3
# HELP aurigraph_grpc_in_flight_requests gRPC calls and streams being handled on the public API.
# TYPE aurigraph_grpc_in_flight_requests gauge
aurigraph_grpc_in_flight_requests{service="aurigraph.test.v1.Echo"} 0
aurigraph_grpc_in_flight_requests{service="grpc.health.v1.Health"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"aurigraph_grpc_handled_total", "aurigraph_grpc_in_flight_requests"); err != nil {
		t.Error(err)
	}
	for method, want := range map[string]uint64{"Unary": 4, "Stream": 1} {
		labels := map[string]string{"service": echoService, "method": method}
		if n := sampleCount(t, reg, "aurigraph_grpc_handling_seconds", labels); n != want {
			t.Errorf("handling_seconds samples for %s: %d, want %d", method, n, want)
		}
	}
}

func TestMetricsRegistration(t *testing.T) {
	t.Run("nil registerer", func(t *testing.T) {
		conn := dial(t, serve(t, Config{Logger: slog.New(slog.DiscardHandler)}, echoBack()), nil)
		if _, _, err := callUnary(testContext(t), conn, ""); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("clashing collector", func(t *testing.T) {
		reg := prometheus.NewRegistry()
		reg.MustRegister(prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "aurigraph_grpc_handled_total", Help: "something else",
		}, []string{"code"}))
		_, err := ServerOptions(Config{Registerer: reg})
		if err == nil || !strings.Contains(err.Error(), "aurigraph_grpc_handled_total") {
			t.Errorf("ServerOptions with a clashing collector: %v", err)
		}
	})
	t.Run("negative timeout", func(t *testing.T) {
		if _, err := ServerOptions(Config{DefaultTimeout: -time.Second}); err == nil {
			t.Error("ServerOptions accepted a negative DefaultTimeout")
		}
	})
}

// A grpc-go client does not send a deadline that has already passed, and
// one that runs out in transit races with the client's own cancellation. An
// interceptor outside ours makes the context arrive finished instead.
func TestFinishedOnArrival(t *testing.T) {
	tests := []struct {
		name   string
		finish func(context.Context) (context.Context, context.CancelFunc)
		want   codes.Code
	}{
		{"deadline passed", func(ctx context.Context) (context.Context, context.CancelFunc) {
			return context.WithDeadline(ctx, time.Now().Add(-time.Millisecond))
		}, codes.DeadlineExceeded},
		{"canceled", func(ctx context.Context) (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(ctx)
			cancel()
			return ctx, cancel
		}, codes.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			var called atomic.Bool
			svc := echoBack()
			svc.unary = func(context.Context, string) (string, error) {
				called.Store(true)
				return "", nil
			}
			finish := grpc.ChainUnaryInterceptor(func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
				ctx, cancel := tt.finish(ctx)
				defer cancel()
				return h(ctx, req)
			})
			conn := dial(t, serve(t, Config{Logger: slog.New(slog.DiscardHandler), Registerer: reg}, svc, finish), nil)
			_, _, err := callUnary(testContext(t), conn, "")
			if status.Code(err) != tt.want {
				t.Errorf("call: %v, want %v", err, tt.want)
			}
			if called.Load() {
				t.Error("handler ran")
			}
			if n := testutil.ToFloat64(mustHandled(t, reg).WithLabelValues(echoService, "Unary", tt.want.String())); n != 1 {
				t.Errorf("counted as %v: %v, want 1", tt.want, n)
			}
		})
	}
}

func TestDefaultTimeout(t *testing.T) {
	const timeout = 2 * time.Second
	deadlines := make(chan time.Duration, 1) // time left when the handler ran, -1 without a deadline
	left := func(ctx context.Context) {
		d, ok := ctx.Deadline()
		if !ok {
			deadlines <- -1
			return
		}
		deadlines <- time.Until(d)
	}
	svc := &echo{
		unary: func(ctx context.Context, _ string) (string, error) {
			left(ctx)
			return "", nil
		},
		stream: func(_ string, ss grpc.ServerStream) error {
			left(ss.Context())
			return nil
		},
	}
	conn := dial(t, serve(t, Config{Logger: slog.New(slog.DiscardHandler), DefaultTimeout: timeout}, svc), nil)

	tests := []struct {
		name     string
		deadline time.Duration // client deadline, 0 for none
		stream   bool
		check    func(left time.Duration) bool
	}{
		{"unary without deadline gets the default", 0, false, func(d time.Duration) bool { return d > 0 && d <= timeout }},
		{"unary deadline kept", time.Hour, false, func(d time.Duration) bool { return d > timeout }},
		{"stream not bounded", 0, true, func(d time.Duration) bool { return d == -1 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			if tt.deadline != 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.deadline)
				defer cancel()
			}
			var err error
			if tt.stream {
				_, _, err = callStream(ctx, conn, "")
			} else {
				_, _, err = callUnary(ctx, conn, "")
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := <-deadlines; !tt.check(d) {
				t.Errorf("handler had %v left", d)
			}
		})
	}

	t.Run("default timeout ends the call", func(t *testing.T) {
		svc := echoBack()
		svc.unary = func(ctx context.Context, _ string) (string, error) {
			<-ctx.Done()
			return "", ctx.Err()
		}
		conn := dial(t, serve(t, Config{Logger: slog.New(slog.DiscardHandler), DefaultTimeout: 20 * time.Millisecond}, svc), nil)
		// A client deadline would replace the default timeout; cancelling
		// instead makes a server that never ends the call fail the test
		// with Canceled rather than hang it.
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		defer time.AfterFunc(5*time.Second, cancel).Stop()
		if _, _, err := callUnary(ctx, conn, ""); status.Code(err) != codes.DeadlineExceeded {
			t.Errorf("call outliving the default timeout: %v", err)
		}
	})
}

// TestOutcome checks, for each kind of handler error, what the client gets
// and how the call is logged.
func TestOutcome(t *testing.T) {
	tests := []struct {
		name  string
		err   error
		code  codes.Code
		msg   string
		level slog.Level
	}{
		{"ok", nil, codes.OK, "", slog.LevelDebug},
		{"bare deadline", context.DeadlineExceeded, codes.DeadlineExceeded, "context deadline exceeded", slog.LevelInfo},
		{"bare canceled", context.Canceled, codes.Canceled, "context canceled", slog.LevelInfo},
		{"wrapped canceled", fmt.Errorf("read block 7: %w", context.Canceled), codes.Canceled, "read block 7: context canceled", slog.LevelInfo},
		{"plain error", errors.New("disk on fire"), codes.Internal, "disk on fire", slog.LevelWarn},
		{"status kept", status.Error(codes.NotFound, "no block 9"), codes.NotFound, "no block 9", slog.LevelInfo},
		{"bad request", BadRequest("bad amount"), codes.InvalidArgument, "bad amount", slog.LevelInfo},
		{"not leader", NotLeader("not the leader", 2), codes.FailedPrecondition, "not the leader", slog.LevelInfo},
		{"exhausted", status.Error(codes.ResourceExhausted, "slow down"), codes.ResourceExhausted, "slow down", slog.LevelInfo},
		{"unavailable", Unavailable("no quorum", time.Second), codes.Unavailable, "no quorum", slog.LevelWarn},
		{"unimplemented", status.Error(codes.Unimplemented, "later"), codes.Unimplemented, "later", slog.LevelWarn},
	}
	// The request names the test case whose error the handler returns.
	errs := map[string]error{}
	for _, tt := range tests {
		errs[tt.name] = tt.err
	}
	svc := &echo{
		unary:  func(_ context.Context, in string) (string, error) { return "", errs[in] },
		stream: func(in string, _ grpc.ServerStream) error { return errs[in] },
	}
	logs := &recorder{}
	conn := dial(t, serve(t, Config{Logger: logs.logger()}, svc), nil)

	for _, tt := range tests {
		for _, stream := range []bool{false, true} {
			method := "Unary"
			if stream {
				method = "Stream"
			}
			t.Run(tt.name+"/"+method, func(t *testing.T) {
				var (
					id  string
					err error
				)
				if stream {
					_, id, err = callStream(testContext(t), conn, tt.name)
				} else {
					_, id, err = callUnary(testContext(t), conn, tt.name)
				}
				if s := status.Convert(err); s.Code() != tt.code || s.Message() != tt.msg {
					t.Errorf("client got %v, want %v %q", err, tt.code, tt.msg)
				}
				l := logs.callLine(t, id)
				if l.level != tt.level || l.attrs["code"] != tt.code.String() || l.attrs["method"] != "/"+echoService+"/"+method ||
					!strings.HasPrefix(l.attrs["peer"], "127.0.0.1:") || l.attrs["duration"] == "" || l.attrs["error"] != tt.msg {
					t.Errorf("call line: %+v, want level %v", l, tt.level)
				}
			})
		}
	}
}

func TestQuietMethods(t *testing.T) {
	logs := &recorder{}
	conn := dial(t, serve(t, Config{Logger: logs.logger()}, echoBack()), nil)
	ctx := testContext(t)
	var hdr metadata.MD
	_, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: "nope"}, grpc.Header(&hdr))
	if status.Code(err) != codes.NotFound {
		t.Fatalf("health check of an unknown service: %v", err)
	}
	if l := logs.callLine(t, first(hdr.Get(RequestIDHeader))); l.level != slog.LevelDebug || l.attrs["code"] != "NotFound" {
		t.Errorf("health check line: %+v", l)
	}

	for method, want := range map[string]slog.Level{
		"/grpc.reflection.v1.ServerReflection/ServerReflectionInfo":      slog.LevelDebug,
		"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo": slog.LevelDebug,
		"/grpc.health.v1.Health/Watch":                                   slog.LevelDebug,
		"/aurigraph.v1.BlockService/Get":                                 slog.LevelInfo,
	} {
		if got := logLevel(method, codes.Canceled); got != want {
			t.Errorf("level of a canceled %s: %v, want %v", method, got, want)
		}
	}
}

func TestSplitMethod(t *testing.T) {
	for full, want := range map[string][2]string{
		"/aurigraph.v1.BlockService/Get": {"aurigraph.v1.BlockService", "Get"},
		"/grpc.health.v1.Health/Watch":   {"grpc.health.v1.Health", "Watch"},
		"garbage":                        {"unknown", "garbage"},
	} {
		if s, m := splitMethod(full); s != want[0] || m != want[1] {
			t.Errorf("splitMethod(%q) = %q, %q, want %q", full, s, m, want)
		}
	}
}
