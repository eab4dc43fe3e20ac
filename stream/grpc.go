package stream

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// StreamService serves the hub as aurigraph.v1.StreamService, with the
// same events, filters and resume semantics as the JSON transports.
func (h *Hub) StreamService() aurigraphv1.StreamServiceServer { return &streamService{hub: h} }

// HeaderHeight is the gRPC response header holding the chain head at the
// moment Subscribe started.
const HeaderHeight = "aurigraph-height"

type streamService struct {
	aurigraphv1.UnimplementedStreamServiceServer
	hub *Hub
}

var eventTypes = map[aurigraphv1.EventType]MessageType{
	aurigraphv1.EventType_EVENT_TYPE_BLOCK:     MessageBlock,
	aurigraphv1.EventType_EVENT_TYPE_TX:        MessageTx,
	aurigraphv1.EventType_EVENT_TYPE_TPS:       MessageTPS,
	aurigraphv1.EventType_EVENT_TYPE_VALIDATOR: MessageValidator,
	aurigraphv1.EventType_EVENT_TYPE_ALERT:     MessageAlert,
}

func (g *streamService) Subscribe(in *aurigraphv1.SubscribeRequest, out grpc.ServerStreamingServer[aurigraphv1.StreamEvent]) error {
	req, err := requestFromProto(in)
	if err != nil {
		g.hub.metrics.failed("grpc", reasonRequest)
		return status.Error(codes.InvalidArgument, err.Error())
	}
	ctx := out.Context()
	req.Transport = "grpc"
	if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
		req.Client = p.Addr.String()
		if host, _, err := net.SplitHostPort(req.Client); err == nil {
			req.Client = host
		}
	}
	height := g.hub.Height()
	sub, err := g.hub.Subscribe(ctx, req)
	if err != nil {
		g.hub.metrics.refused("grpc", err)
		return subscribeStatus(err)
	}
	defer sub.Close()
	// Headers tell the client the subscription is in place, and where the
	// chain stood, before any event arrives: the WebSocket welcome's role.
	if err := out.SendHeader(metadata.Pairs(HeaderHeight, strconv.FormatUint(height, 10))); err != nil {
		g.sendFailed(ctx)
		return err
	}
	var at resumePoint
	for msg := range sub.Messages() {
		for ev := range sub.Events(msg) {
			pb := ev.Proto()
			if err := out.Send(pb); err != nil {
				g.sendFailed(ctx)
				return err
			}
			at.sent(ev)
			sub.Sent(ev, proto.Size(pb))
		}
	}
	err = sub.Err()
	lastID := at.ID()
	switch {
	case errors.Is(err, ErrLagged):
		return status.Errorf(codes.ResourceExhausted, "%v; resume with after=%q", err, lastID)
	case errors.Is(err, ErrHubClosed):
		return status.Errorf(codes.Unavailable, "%s; resume with after=%q on this or another server", closeReasonShutdown, lastID)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return status.FromContextError(err).Err()
	default:
		return status.Error(codes.Internal, err.Error())
	}
}

// sendFailed counts a failed send unless the client canceled the call or
// went away, which ends its context.
func (g *streamService) sendFailed(ctx context.Context) {
	if ctx.Err() == nil {
		g.hub.metrics.failed("grpc", reasonWrite)
	}
}

func subscribeStatus(err error) error {
	switch {
	case errors.Is(err, ErrTooManySubscriptions):
		return status.Error(codes.ResourceExhausted, err.Error())
	case errors.Is(err, ErrHubClosed):
		return status.Error(codes.Unavailable, "the server is shutting down: reconnect to another one, or in a few seconds")
	default:
		return status.Error(codes.InvalidArgument, err.Error())
	}
}

func requestFromProto(in *aurigraphv1.SubscribeRequest) (SubscribeRequest, error) {
	req := SubscribeRequest{FromHeight: in.GetFromHeight(), After: in.GetAfter()}
	if req.FromHeight != 0 && req.After != "" {
		return req, errors.New("give either from_height or after")
	}
	if req.After != "" {
		if _, err := parseEventID(req.After); err != nil {
			return req, fmt.Errorf("after: %w", err)
		}
	}
	for _, t := range in.GetTypes() {
		mt, ok := eventTypes[t]
		if !ok {
			return req, fmt.Errorf("types: %v is not an event type: use EVENT_TYPE_BLOCK, _TX, _TPS or _VALIDATOR", t)
		}
		req.Filter.Types = append(req.Filter.Types, mt)
	}
	req.Filter.Accounts = in.GetAccounts()
	req.Filter.TxTypes = in.GetTxTypes()
	req.Filter.Assets = in.GetAssets()
	req.Filter.Statuses = in.GetStatuses()
	if _, err := req.Filter.compile(); err != nil {
		return req, err
	}
	return req, nil
}
