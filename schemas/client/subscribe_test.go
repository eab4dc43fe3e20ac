package client

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// chainEvents is what a subscriber to BLOCK and TX events of blocks 1 to n
// receives: each block's event, then one per transaction.
func chainEvents(n int) []*aurigraphv1.StreamEvent {
	var evs []*aurigraphv1.StreamEvent
	for h := uint64(1); h <= uint64(n); h++ {
		evs = append(evs, &aurigraphv1.StreamEvent{Type: aurigraphv1.EventType_EVENT_TYPE_BLOCK, Height: h, Id: fmt.Sprint(h),
			Event: &aurigraphv1.StreamEvent_Block{Block: &aurigraphv1.BlockSummary{Hash: blockHash(h), TxCount: 2}}})
		for i := range uint32(2) {
			evs = append(evs, &aurigraphv1.StreamEvent{Type: aurigraphv1.EventType_EVENT_TYPE_TX, Height: h, Id: fmt.Sprintf("%d.%d", h, i),
				Event: &aurigraphv1.StreamEvent_Tx{Tx: &aurigraphv1.TxEvent{Index: i}}})
		}
	}
	return evs
}

func tpsEvent() *aurigraphv1.StreamEvent {
	return &aurigraphv1.StreamEvent{Type: aurigraphv1.EventType_EVENT_TYPE_TPS, Event: &aurigraphv1.StreamEvent_Tps{Tps: &aurigraphv1.TpsEvent{Tps: 900}}}
}

// resumeAt is where a server starts in evs for req, as the contract says.
func resumeAt(evs []*aurigraphv1.StreamEvent, req *aurigraphv1.SubscribeRequest) (int, error) {
	if after := req.GetAfter(); after != "" {
		i := slices.IndexFunc(evs, func(e *aurigraphv1.StreamEvent) bool { return e.GetId() == after })
		if i < 0 {
			return 0, status.Errorf(codes.InvalidArgument, "after %q: no such event", after)
		}
		return i + 1, nil
	}
	return slices.IndexFunc(evs, func(e *aurigraphv1.StreamEvent) bool { return e.GetHeight() >= req.GetFromHeight() }), nil
}

// sendFrom sends evs from where req resumes, count of them at most (all when
// count < 0), and returns end, or waits for the client to leave once it has
// sent everything.
func sendFrom(evs []*aurigraphv1.StreamEvent, req *aurigraphv1.SubscribeRequest, st grpc.ServerStreamingServer[aurigraphv1.StreamEvent], count int, end error) error {
	i, err := resumeAt(evs, req)
	if err != nil {
		return err
	}
	for sent := 0; i < len(evs) && sent != count; i, sent = i+1, sent+1 {
		if err := st.Send(evs[i]); err != nil {
			return err
		}
	}
	if i == len(evs) {
		<-st.Context().Done()
		return nil
	}
	return end
}

// consume takes n events from seq, then stops.
func consume(t *testing.T, seq func(func(*aurigraphv1.StreamEvent, error) bool), n int) []string {
	t.Helper()
	var ids []string
	for ev, err := range seq {
		if err != nil {
			t.Fatalf("after %v: %v", ids, err)
		}
		ids = append(ids, ev.GetId())
		if len(ids) == n {
			break
		}
	}
	return ids
}

func idsOf(evs []*aurigraphv1.StreamEvent) []string {
	ids := make([]string, len(evs))
	for i, e := range evs {
		ids[i] = e.GetId()
	}
	return ids
}

func TestSubscribeResumesAfterBreak(t *testing.T) {
	evs := chainEvents(10)
	for _, tc := range []struct {
		name  string
		req   *aurigraphv1.SubscribeRequest
		end   error // how each connection breaks, after 7 events
		first int   // index in evs of the first event wanted
	}{
		{"unavailable from height 1", &aurigraphv1.SubscribeRequest{FromHeight: 1}, unavailable(), 0},
		{"server ends from height 4", &aurigraphv1.SubscribeRequest{FromHeight: 4}, nil, 9},
		{"unavailable after a tx event", &aurigraphv1.SubscribeRequest{After: "2.1"}, unavailable(), 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, f, _ := start(t)
			f.stream.serve = func(_ int, req *aurigraphv1.SubscribeRequest, st grpc.ServerStreamingServer[aurigraphv1.StreamEvent]) error {
				return sendFrom(evs, req, st, 7, tc.end)
			}
			req := proto.Clone(tc.req).(*aurigraphv1.SubscribeRequest)
			req.Types = []aurigraphv1.EventType{aurigraphv1.EventType_EVENT_TYPE_BLOCK, aurigraphv1.EventType_EVENT_TYPE_TX}
			before := proto.Clone(req)
			want := idsOf(evs[tc.first:])
			if got := consume(t, c.Subscribe(context.Background(), req), len(want)); !slices.Equal(got, want) {
				t.Fatalf("got events %v, want %v", got, want)
			}
			if !proto.Equal(req, before) {
				t.Errorf("caller's request changed to %v", req)
			}
			reqs := f.stream.requests()
			if len(reqs) < 2 {
				t.Fatalf("%d subscriptions, want reconnects", len(reqs))
			}
			for i, r := range reqs[1:] {
				wantAfter := want[7*(i+1)-1]
				if r.GetAfter() != wantAfter || r.GetFromHeight() != 0 || !slices.Equal(r.GetTypes(), req.GetTypes()) {
					t.Errorf("reconnect %d asked for %v, want after %q and the same types", i+1, r, wantAfter)
				}
			}
		})
	}
}

func TestSubscribeSurvivesServerRestart(t *testing.T) {
	evs := chainEvents(4)
	c, f, s := start(t, WithRetry(10, 5*time.Millisecond, 50*time.Millisecond))
	// The first server is stopped while the stream is open, dropping the
	// connection; a new one takes its address.
	f.stream.serve = func(n int, req *aurigraphv1.SubscribeRequest, st grpc.ServerStreamingServer[aurigraphv1.StreamEvent]) error {
		if n == 1 {
			return sendFrom(evs[:5], req, st, -1, nil)
		}
		return sendFrom(evs, req, st, -1, nil)
	}
	var got []string
	for ev, err := range c.Subscribe(context.Background(), &aurigraphv1.SubscribeRequest{FromHeight: 1}) {
		if err != nil {
			t.Fatalf("after %v: %v", got, err)
		}
		got = append(got, ev.GetId())
		if len(got) == 5 {
			s.stop()
			t.Cleanup(serve(t, s.addr, f).stop)
		}
		if len(got) == len(evs) {
			break
		}
	}
	if want := idsOf(evs); !slices.Equal(got, want) {
		t.Fatalf("got events %v, want %v", got, want)
	}
	if reqs := f.stream.requests(); len(reqs) != 2 || reqs[1].GetAfter() != "2.0" {
		t.Fatalf("subscriptions %v, want a second one after 2.0", reqs)
	}
}

func TestSubscribeEventsWithoutIDKeepCursor(t *testing.T) {
	evs := chainEvents(3)
	validator := &aurigraphv1.StreamEvent{Type: aurigraphv1.EventType_EVENT_TYPE_VALIDATOR,
		Event: &aurigraphv1.StreamEvent_Validator{Validator: &aurigraphv1.ValidatorEvent{Leader: 2}}}
	for _, tc := range []struct {
		name      string
		first     []*aurigraphv1.StreamEvent // what the first connection sends before breaking
		wantAfter string
		wantFrom  uint64
		wantNext  string // the first event of the second connection
	}{
		{"after a block", []*aurigraphv1.StreamEvent{evs[0], tpsEvent(), validator}, "1", 0, "1.0"},
		{"before any block", []*aurigraphv1.StreamEvent{tpsEvent()}, "", 1, "1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, f, _ := start(t)
			f.stream.serve = func(n int, req *aurigraphv1.SubscribeRequest, st grpc.ServerStreamingServer[aurigraphv1.StreamEvent]) error {
				if n > 1 {
					return sendFrom(evs, req, st, -1, nil)
				}
				for _, e := range tc.first {
					if err := st.Send(e); err != nil {
						return err
					}
				}
				return unavailable()
			}
			got := consume(t, c.Subscribe(context.Background(), &aurigraphv1.SubscribeRequest{FromHeight: 1}), len(tc.first)+1)
			reqs := f.stream.requests()
			if len(reqs) != 2 || reqs[1].GetAfter() != tc.wantAfter || reqs[1].GetFromHeight() != tc.wantFrom {
				t.Fatalf("subscriptions %v, want the second after %q from %d", reqs, tc.wantAfter, tc.wantFrom)
			}
			if next := got[len(got)-1]; next != tc.wantNext {
				t.Errorf("first event after the break %q, want %q", next, tc.wantNext)
			}
		})
	}
}

func TestSubscribeEndsOnFinalErrors(t *testing.T) {
	evs := chainEvents(3)
	for _, tc := range []struct {
		name      string
		end       error
		sent      int // events before end, on every connection
		attempts  int
		wantCode  codes.Code
		wantConns int
		wantIn    string
	}{
		{"invalid argument", status.Error(codes.InvalidArgument, "unknown event type"), 0, 5, codes.InvalidArgument, 1, "subscribe from height 1"},
		{"resource exhausted", status.Error(codes.ResourceExhausted, "subscriber too slow"), 2, 5, codes.ResourceExhausted, 1, `subscribe after "1.0"`},
		{"reconnects run out", unavailable(), 0, 3, codes.Unavailable, 3, "attempt 3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, f, _ := start(t, WithRetry(tc.attempts, time.Millisecond, 2*time.Millisecond))
			f.stream.serve = func(_ int, req *aurigraphv1.SubscribeRequest, st grpc.ServerStreamingServer[aurigraphv1.StreamEvent]) error {
				return sendFrom(evs, req, st, tc.sent, tc.end)
			}
			var got []string
			var errs []error
			for ev, err := range c.Subscribe(context.Background(), &aurigraphv1.SubscribeRequest{FromHeight: 1}) {
				if err != nil {
					errs = append(errs, err)
					continue
				}
				got = append(got, ev.GetId())
			}
			if len(got) != tc.sent || len(errs) != 1 {
				t.Fatalf("events %v and errors %v, want %d events then one error", got, errs, tc.sent)
			}
			if status.Code(errs[0]) != tc.wantCode || !strings.Contains(errs[0].Error(), tc.wantIn) {
				t.Errorf("error %v, want %v mentioning %q", errs[0], tc.wantCode, tc.wantIn)
			}
			if n := len(f.stream.requests()); n != tc.wantConns {
				t.Errorf("%d subscriptions, want %d", n, tc.wantConns)
			}
		})
	}
}

// TestEarlyExitsLeaveNoGoroutines leaves every long-lived call halfway and
// checks, with the client still open, that no stream, handler or timer
// goroutine stays behind.
func TestEarlyExitsLeaveNoGoroutines(t *testing.T) {
	c, f, _ := start(t)
	evs := chainEvents(5)
	f.stream.serve = func(_ int, req *aurigraphv1.SubscribeRequest, st grpc.ServerStreamingServer[aurigraphv1.StreamEvent]) error {
		return sendFrom(evs, req, st, -1, nil)
	}
	ctx := context.Background()
	// Connected first, so the connection's own goroutines are counted.
	if _, err := c.Leader(ctx); err != nil {
		t.Fatal(err)
	}
	connected := runtime.NumGoroutine()
	consume(t, c.Subscribe(ctx, nil), 2)
	for range c.Blocks(ctx, 1, 0, false) {
		break
	}
	f.tx.breakStream = func(int, int) error { return status.Error(codes.InvalidArgument, "bad") }
	if _, err := c.SubmitStream(ctx, counted(50, new(int)), 10); err == nil {
		t.Error("SubmitStream succeeded through a rejection")
	}
	f.tx.status = func(int) (*aurigraphv1.GetTransactionStatusResponse, error) {
		return &aurigraphv1.GetTransactionStatusResponse{State: aurigraphv1.TxState_TX_STATE_PENDING}, nil
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	defer cancel()
	if _, err := c.WaitCommitted(wctx, "w1", time.Millisecond); err == nil {
		t.Error("WaitCommitted returned for a pending transaction")
	}
	settles(t, connected)
}
