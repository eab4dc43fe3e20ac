package client

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// fakes holds one fake of every service and the script of failures the
// server's interceptors inject ahead of them.
type fakes struct {
	tx     *fakeTx
	blocks *fakeBlocks
	vals   *fakeValidators
	perf   *fakePerformance
	stream *fakeStream

	mu    sync.Mutex
	fail  []error // returned, in order, by the next calls instead of the handler
	calls []call
}

type call struct {
	method    string
	requestID string
}

func (f *fakes) failNext(errs ...error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = append(f.fail, errs...)
}

func (f *fakes) record(ctx context.Context, method string) error {
	md, _ := metadata.FromIncomingContext(ctx)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call{method: method[strings.LastIndex(method, "/")+1:], requestID: strings.Join(md.Get(RequestIDHeader), ",")})
	if len(f.fail) == 0 {
		return nil
	}
	err := f.fail[0]
	f.fail = f.fail[1:]
	return err
}

func (f *fakes) recorded() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call(nil), f.calls...)
}

func (f *fakes) unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if err := f.record(ctx, info.FullMethod); err != nil {
		return nil, err
	}
	return handler(ctx, req)
}

func (f *fakes) streaming(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if err := f.record(ss.Context(), info.FullMethod); err != nil {
		return err
	}
	return handler(srv, ss)
}

// server is one gRPC server on a loopback port.
type server struct {
	addr string
	srv  *grpc.Server
	done chan struct{}
}

func serve(t *testing.T, addr string, f *fakes) *server {
	t.Helper()
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	s := &server{
		addr: lis.Addr().String(),
		srv:  grpc.NewServer(grpc.UnaryInterceptor(f.unary), grpc.StreamInterceptor(f.streaming)),
		done: make(chan struct{}),
	}
	aurigraphv1.RegisterTransactionServiceServer(s.srv, f.tx)
	aurigraphv1.RegisterBlockServiceServer(s.srv, f.blocks)
	aurigraphv1.RegisterValidatorServiceServer(s.srv, f.vals)
	aurigraphv1.RegisterPerformanceServiceServer(s.srv, f.perf)
	aurigraphv1.RegisterStreamServiceServer(s.srv, f.stream)
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(lis)
	}()
	return s
}

func (s *server) stop() {
	s.srv.Stop()
	<-s.done
}

// start serves fresh fakes and returns them with a client whose backoff is
// short enough for tests; opts come after and may override it. Everything
// is torn down at the end of the test, which then checks that no goroutine
// outlived it.
func start(t *testing.T, opts ...Option) (*Client, *fakes, *server) {
	t.Helper()
	noLeaks(t)
	f := &fakes{
		tx:     &fakeTx{},
		blocks: newFakeBlocks(25, 7),
		vals:   &fakeValidators{},
		perf:   &fakePerformance{},
		stream: &fakeStream{},
	}
	s := serve(t, "127.0.0.1:0", f)
	t.Cleanup(s.stop)
	c, err := New(s.addr, append([]Option{WithRetry(5, time.Millisecond, 5*time.Millisecond)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c, f, s
}

// noLeaks fails the test if, once its cleanups have run, more goroutines
// are left than there were when it began. Registered first, it runs last.
func noLeaks(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() { settles(t, before) })
}

// settles waits up to 5s for the number of goroutines to come down to n.
func settles(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Errorf("%d goroutines, want at most %d:\n%s", runtime.NumGoroutine(), n, buf[:runtime.Stack(buf, true)])
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type fakeTx struct {
	aurigraphv1.UnimplementedTransactionServiceServer

	mu     sync.Mutex
	seen   []*aurigraphv1.Transaction // every transaction received, in order
	chunks []int                      // SubmitStream message sizes, per stream, in order
	// breakStream, when set, is asked after each SubmitStream message
	// whether to end the call with an error.
	breakStream func(stream, messages int) error
	streams     int
	// status answers Status; nil means always committed.
	status func(n int) (*aurigraphv1.GetTransactionStatusResponse, error)
	polls  int
}

func (f *fakeTx) keep(txs ...*aurigraphv1.Transaction) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	ids := make([]string, len(txs))
	for i, tx := range txs {
		f.seen = append(f.seen, tx)
		ids[i] = tx.GetId()
		if ids[i] == "" {
			ids[i] = schemas.TxID(tx)
		}
	}
	return ids
}

func (f *fakeTx) received() []*aurigraphv1.Transaction {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*aurigraphv1.Transaction(nil), f.seen...)
}

func (f *fakeTx) sizes() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]int(nil), f.chunks...)
}

func (f *fakeTx) pollCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.polls
}

func (f *fakeTx) Submit(_ context.Context, req *aurigraphv1.SubmitRequest) (*aurigraphv1.SubmitResponse, error) {
	return &aurigraphv1.SubmitResponse{Id: f.keep(req.GetTransaction())[0]}, nil
}

func (f *fakeTx) SubmitBatch(_ context.Context, req *aurigraphv1.SubmitBatchRequest) (*aurigraphv1.SubmitBatchResponse, error) {
	return &aurigraphv1.SubmitBatchResponse{Ids: f.keep(req.GetTransactions()...)}, nil
}

func (f *fakeTx) SubmitStream(st grpc.ClientStreamingServer[aurigraphv1.SubmitStreamRequest, aurigraphv1.SubmitStreamResponse]) error {
	f.mu.Lock()
	f.streams++
	stream := f.streams
	f.mu.Unlock()
	var ids []string
	for messages := 1; ; messages++ {
		m, err := st.Recv()
		if err != nil {
			// io.EOF: the client closed its side and wants the answer.
			return st.SendAndClose(&aurigraphv1.SubmitStreamResponse{Ids: ids})
		}
		f.mu.Lock()
		f.chunks = append(f.chunks, len(m.GetTransactions()))
		brk := f.breakStream
		f.mu.Unlock()
		ids = append(ids, f.keep(m.GetTransactions()...)...)
		if brk != nil {
			if err := brk(stream, messages); err != nil {
				return err
			}
		}
	}
}

func (f *fakeTx) Get(_ context.Context, req *aurigraphv1.GetTransactionRequest) (*aurigraphv1.GetTransactionResponse, error) {
	return &aurigraphv1.GetTransactionResponse{State: aurigraphv1.TxState_TX_STATE_COMMITTED, Height: 3, Index: 1,
		Result: &aurigraphv1.TxResult{Tx: &aurigraphv1.Transaction{Id: req.GetId()}}}, nil
}

func (f *fakeTx) Status(_ context.Context, req *aurigraphv1.GetTransactionStatusRequest) (*aurigraphv1.GetTransactionStatusResponse, error) {
	f.mu.Lock()
	f.polls++
	n, answer := f.polls, f.status
	f.mu.Unlock()
	if answer == nil {
		return &aurigraphv1.GetTransactionStatusResponse{Id: req.GetId(), State: aurigraphv1.TxState_TX_STATE_COMMITTED, Height: 3}, nil
	}
	return answer(n)
}

type fakeBlocks struct {
	aurigraphv1.UnimplementedBlockServiceServer
	chain   []*aurigraphv1.Block // chain[h-1] is block h
	pageCap int                  // the most blocks List returns, whatever the limit

	mu    sync.Mutex
	lists []*aurigraphv1.ListBlocksRequest
}

func blockHash(h uint64) []byte {
	sum := sha256.Sum256(binary.BigEndian.AppendUint64(nil, h))
	return sum[:]
}

func newFakeBlocks(height, pageCap int) *fakeBlocks {
	f := &fakeBlocks{pageCap: pageCap}
	for h := uint64(1); h <= uint64(height); h++ {
		f.chain = append(f.chain, &aurigraphv1.Block{
			Header: &aurigraphv1.BlockHeader{Height: h, Hash: blockHash(h), PrevHash: blockHash(h - 1), TxCount: 2},
			Txs: []*aurigraphv1.TxResult{
				{Tx: &aurigraphv1.Transaction{Id: fmt.Sprintf("%d.0", h)}, Status: aurigraphv1.TxStatus_TX_STATUS_COMMITTED},
				{Tx: &aurigraphv1.Transaction{Id: fmt.Sprintf("%d.1", h)}, Status: aurigraphv1.TxStatus_TX_STATUS_COMMITTED},
			},
		})
	}
	return f
}

func (f *fakeBlocks) Get(_ context.Context, req *aurigraphv1.GetBlockRequest) (*aurigraphv1.GetBlockResponse, error) {
	for _, b := range f.chain {
		if b.GetHeader().GetHeight() == req.GetHeight() || string(b.GetHeader().GetHash()) == string(req.GetHash()) {
			return &aurigraphv1.GetBlockResponse{Block: b}, nil
		}
	}
	return nil, status.Error(codes.NotFound, "no such block")
}

func (f *fakeBlocks) Latest(context.Context, *aurigraphv1.GetLatestBlockRequest) (*aurigraphv1.GetLatestBlockResponse, error) {
	return &aurigraphv1.GetLatestBlockResponse{Block: f.chain[len(f.chain)-1]}, nil
}

func (f *fakeBlocks) List(_ context.Context, req *aurigraphv1.ListBlocksRequest) (*aurigraphv1.ListBlocksResponse, error) {
	f.mu.Lock()
	f.lists = append(f.lists, req)
	f.mu.Unlock()
	head := uint64(len(f.chain))
	if req.GetFromHeight() < 1 || req.GetFromHeight() > head {
		return nil, status.Errorf(codes.InvalidArgument, "from_height %d outside 1 to %d", req.GetFromHeight(), head)
	}
	last := head
	if to := req.GetToHeight(); to != 0 && to < last {
		last = to
	}
	limit := int(req.GetLimit())
	if limit == 0 {
		limit = 100
	}
	resp := &aurigraphv1.ListBlocksResponse{HeadHeight: head}
	h := req.GetFromHeight()
	for ; h <= last && len(resp.Blocks) < min(limit, f.pageCap); h++ {
		b := f.chain[h-1]
		if req.GetHeadersOnly() {
			b = &aurigraphv1.Block{Header: b.GetHeader()}
		}
		resp.Blocks = append(resp.Blocks, b)
	}
	if h <= last {
		resp.NextHeight = h
	}
	return resp, nil
}

func (f *fakeBlocks) listed() []*aurigraphv1.ListBlocksRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*aurigraphv1.ListBlocksRequest(nil), f.lists...)
}

type fakeValidators struct {
	aurigraphv1.UnimplementedValidatorServiceServer
}

func (fakeValidators) List(context.Context, *aurigraphv1.ListValidatorsRequest) (*aurigraphv1.ListValidatorsResponse, error) {
	return &aurigraphv1.ListValidatorsResponse{Leader: 2, Term: 7, AnsweredBy: 1,
		Validators: []*aurigraphv1.Validator{{Id: 1, Voter: true}, {Id: 2, Voter: true}, {Id: 3, Voter: true}}}, nil
}

func (fakeValidators) Leader(context.Context, *aurigraphv1.GetLeaderRequest) (*aurigraphv1.GetLeaderResponse, error) {
	return &aurigraphv1.GetLeaderResponse{Leader: 2, Term: 7, RaftAddress: "127.0.0.1:9002"}, nil
}

type fakePerformance struct {
	aurigraphv1.UnimplementedPerformanceServiceServer
}

func (fakePerformance) Current(context.Context, *aurigraphv1.GetCurrentPerformanceRequest) (*aurigraphv1.GetCurrentPerformanceResponse, error) {
	return &aurigraphv1.GetCurrentPerformanceResponse{CurrentTps: 1200, PeakTps: 5000, Height: 25}, nil
}

// fakeStream hands every Subscribe call to serve, numbered from 1, and
// keeps the requests.
type fakeStream struct {
	aurigraphv1.UnimplementedStreamServiceServer
	serve func(n int, req *aurigraphv1.SubscribeRequest, st grpc.ServerStreamingServer[aurigraphv1.StreamEvent]) error

	mu   sync.Mutex
	reqs []*aurigraphv1.SubscribeRequest
}

func (f *fakeStream) Subscribe(req *aurigraphv1.SubscribeRequest, st grpc.ServerStreamingServer[aurigraphv1.StreamEvent]) error {
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	n := len(f.reqs)
	f.mu.Unlock()
	return f.serve(n, req, st)
}

func (f *fakeStream) requests() []*aurigraphv1.SubscribeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*aurigraphv1.SubscribeRequest(nil), f.reqs...)
}
