package rpc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// TestMain fails the package if goroutines outlive the tests: every server
// and client a test starts must be gone by then.
func TestMain(m *testing.M) {
	before := runtime.NumGoroutine()
	code := m.Run()
	if code == 0 {
		if err := waitGoroutines(before, 5*time.Second); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}

func waitGoroutines(want int, within time.Duration) error {
	deadline := time.Now().Add(within)
	for runtime.NumGoroutine() > want {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			return fmt.Errorf("%d goroutines left, %d before the tests:\n%s",
				runtime.NumGoroutine(), want, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil
}

// echo is a hand-registered service, so the tests depend on no generated
// API code. Its handlers do whatever the test puts in unary and stream.
type echo struct {
	unary  func(ctx context.Context, in string) (string, error)
	stream func(in string, ss grpc.ServerStream) error
}

const (
	echoService  = "aurigraph.test.v1.Echo"
	echoUnary    = "/" + echoService + "/Unary"
	echoStreamed = "/" + echoService + "/Stream"
)

var echoDesc = grpc.ServiceDesc{
	ServiceName: echoService,
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: "Unary",
		Handler: func(srv any, ctx context.Context, dec func(any) error, ic grpc.UnaryServerInterceptor) (any, error) {
			in := new(wrapperspb.StringValue)
			if err := dec(in); err != nil {
				return nil, err
			}
			info := &grpc.UnaryServerInfo{Server: srv, FullMethod: echoUnary}
			return ic(ctx, in, info, func(ctx context.Context, req any) (any, error) {
				out, err := srv.(*echo).unary(ctx, req.(*wrapperspb.StringValue).GetValue())
				if err != nil {
					return nil, err
				}
				return wrapperspb.String(out), nil
			})
		},
	}},
	Streams: []grpc.StreamDesc{{
		StreamName:    "Stream",
		ServerStreams: true,
		Handler: func(srv any, ss grpc.ServerStream) error {
			in := new(wrapperspb.StringValue)
			if err := ss.RecvMsg(in); err != nil {
				return err
			}
			return srv.(*echo).stream(in.GetValue(), ss)
		},
	}},
}

// echoBack answers with the request id the handler sees, which is what most
// tests want to compare with the response header.
func echoBack() *echo {
	return &echo{
		unary: func(ctx context.Context, _ string) (string, error) { return RequestID(ctx), nil },
		stream: func(_ string, ss grpc.ServerStream) error {
			return ss.SendMsg(wrapperspb.String(RequestID(ss.Context())))
		},
	}
}

// serve starts a server with ServerOptions(cfg) on 127.0.0.1, the extra
// options outside ours, and the echo and health services. It is stopped
// when the test ends.
func serve(t *testing.T, cfg Config, svc *echo, extra ...grpc.ServerOption) string {
	t.Helper()
	opts, err := ServerOptions(cfg)
	if err != nil {
		t.Fatalf("ServerOptions: %v", err)
	}
	srv := grpc.NewServer(append(extra, opts...)...)
	srv.RegisterService(&echoDesc, svc)
	healthpb.RegisterHealthServer(srv, health.NewServer())
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(lis)
	}()
	t.Cleanup(func() {
		srv.Stop()
		<-done
	})
	return lis.Addr().String()
}

func dial(t *testing.T, addr string, creds credentials.TransportCredentials) *grpc.ClientConn {
	t.Helper()
	if creds == nil {
		creds = insecure.NewCredentials()
	}
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// testContext bounds a test's calls so that a bug shows as a failure, not
// a hung test binary.
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// callUnary returns the response and the request id header.
func callUnary(ctx context.Context, conn *grpc.ClientConn, in string) (string, string, error) {
	var hdr metadata.MD
	out := new(wrapperspb.StringValue)
	err := conn.Invoke(ctx, echoUnary, wrapperspb.String(in), out, grpc.Header(&hdr))
	return out.GetValue(), first(hdr.Get(RequestIDHeader)), err
}

// callStream returns every message of the response stream and the request
// id header.
func callStream(ctx context.Context, conn *grpc.ClientConn, in string) ([]string, string, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cs, err := conn.NewStream(ctx, &echoDesc.Streams[0], echoStreamed)
	if err != nil {
		return nil, "", err
	}
	if err := cs.SendMsg(wrapperspb.String(in)); err != nil {
		return nil, "", err
	}
	if err := cs.CloseSend(); err != nil {
		return nil, "", err
	}
	var out []string
	for {
		msg := new(wrapperspb.StringValue)
		if err = cs.RecvMsg(msg); err != nil {
			break
		}
		out = append(out, msg.GetValue())
	}
	hdr, _ := cs.Header()
	if errors.Is(err, io.EOF) {
		err = nil
	}
	return out, first(hdr.Get(RequestIDHeader)), err
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// logLine is one record seen by recorder, attributes as strings.
type logLine struct {
	level slog.Level
	msg   string
	attrs map[string]string
}

// recorder is a slog.Handler that keeps every record, Debug included.
type recorder struct {
	mu    sync.Mutex
	lines []logLine
}

func (r *recorder) logger() *slog.Logger                     { return slog.New(r) }
func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *recorder) WithGroup(string) slog.Handler            { return r }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	line := logLine{level: rec.Level, msg: rec.Message, attrs: map[string]string{}}
	rec.Attrs(func(a slog.Attr) bool {
		line.attrs[a.Key] = a.Value.String()
		return true
	})
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, line)
	return nil
}

// find returns the records with message msg whose attribute key is value.
func (r *recorder) find(msg, key, value string) []logLine {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.DeleteFunc(slices.Clone(r.lines), func(l logLine) bool {
		return l.msg != msg || l.attrs[key] != value
	})
}

// callLine is the one "grpc call" record of the call with request id id.
func (r *recorder) callLine(t *testing.T, id string) logLine {
	t.Helper()
	lines := r.find("grpc call", "request_id", id)
	if len(lines) != 1 {
		t.Fatalf("want one grpc call line for request id %q, got %d: %+v", id, len(lines), lines)
	}
	return lines[0]
}

// sampleCount is how many observations the histogram series with these
// labels holds.
func sampleCount(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) uint64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	metric:
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if labels[l.GetName()] != l.GetValue() {
					continue metric
				}
			}
			return m.GetHistogram().GetSampleCount()
		}
	}
	return 0
}
