package access

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/aurigraph/aurigraph/internal/audit"
	"github.com/aurigraph/aurigraph/internal/auth"
	"github.com/aurigraph/aurigraph/internal/policy"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
	"github.com/aurigraph/aurigraph/schemas/rpc"
)

// ServerOptions are the interceptors enforcing the policy on a gRPC
// server; append them after the server's own (request id, logging, ...),
// so refusals are logged and counted like any other status.
func (g *Guard) ServerOptions() []grpc.ServerOption {
	return []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(g.unary),
		grpc.ChainStreamInterceptor(g.stream),
	}
}

// CheckMethods refuses a server with a method the policy table does not
// name (every call to it would be refused), and records the methods for
// Methods. Call it after registering every service.
func (g *Guard) CheckMethods(info map[string]grpc.ServiceInfo) error {
	var missing, all []string
	for svc, si := range info {
		for _, m := range si.Methods {
			full := "/" + svc + "/" + m.Name
			all = append(all, full)
			if _, ok := policy.Methods[full]; !ok {
				missing = append(missing, full)
			}
		}
	}
	g.servedMu.Lock()
	g.methods = append(g.methods, all...)
	g.servedMu.Unlock()
	if len(missing) > 0 {
		return fmt.Errorf("gRPC methods without an entry in the access policy: %s", strings.Join(missing, ", "))
	}
	return nil
}

func (g *Guard) unary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	ctx, ev, err := g.admitCall(ctx, info.FullMethod)
	if err != nil {
		return nil, err
	}
	resp, err := handler(ctx, req)
	g.recordCall(ctx, ev, err)
	return resp, err
}

func (g *Guard) stream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	ctx, ev, err := g.admitCall(ss.Context(), info.FullMethod)
	if err != nil {
		return err
	}
	err = handler(srv, &principalStream{ServerStream: ss, ctx: ctx})
	g.recordCall(ctx, ev, err)
	return err
}

type principalStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *principalStream) Context() context.Context { return s.ctx }

// admitCall authenticates, authorizes and rate-limits a call; ev is set for
// a privileged call, to be completed with its outcome.
func (g *Guard) admitCall(ctx context.Context, method string) (context.Context, *audit.Event, error) {
	rule, ok := policy.Methods[method]
	if !ok {
		return ctx, nil, status.Errorf(codes.PermissionDenied, "method %s has no entry in the access policy, so nobody may call it", method)
	}
	if rule.Action == policy.Public {
		return ctx, nil, nil
	}
	from := peerAddr(ctx)
	ev := audit.Event{Action: string(rule.Action), Route: method, From: from}
	p, err := g.authenticateGRPC(ctx)
	if err != nil {
		ev.Who, ev.Result, ev.Reason = claimedGRPC(ctx), audit.Unauthenticated, err.Error()
		code := codes.Unauthenticated
		if errors.Is(err, auth.ErrUnavailable) {
			code = codes.Unavailable
		}
		ev.Status = code.String()
		g.cfg.Audit.Record(ctx, ev)
		msg := err.Error()
		if errors.Is(err, auth.ErrNoCredentials) {
			msg = "authentication required: send metadata authorization: Bearer <token or API key>, or a client certificate mapped to a principal"
		}
		return ctx, nil, status.Error(code, msg)
	}
	ev.Who, ev.Organisation, ev.Role = p.String(), p.Organisation, p.Role.String()
	if !policy.Allowed(p.Role, rule.Action) {
		ev.Result, ev.Status, ev.Reason = audit.Denied, codes.PermissionDenied.String(), fmt.Sprintf("role %s may not %s", p.Role, rule.Action)
		g.cfg.Audit.Record(ctx, ev)
		return ctx, nil, status.Errorf(codes.PermissionDenied, "%s (role %s) may not call %s: it needs a role that grants %s", p, p.Role, method, rule.Action)
	}
	if wait, ok := g.rateLimit(rule, p, from); !ok {
		if policy.Privileged(rule.Action) {
			ev.Result, ev.Status = audit.Limited, codes.ResourceExhausted.String()
			g.cfg.Audit.Record(ctx, ev)
		}
		return ctx, nil, rpc.ResourceExhausted(fmt.Sprintf("rate limit for %s reached for %s: retry after %ds", rule.Limit, principalOrAddr(p, from), retrySeconds(wait)), wait)
	}
	ctx = auth.WithPrincipal(ctx, p)
	if !policy.Privileged(rule.Action) {
		return ctx, nil, nil
	}
	return ctx, &ev, nil
}

func (g *Guard) recordCall(ctx context.Context, ev *audit.Event, err error) {
	if ev == nil {
		return
	}
	ev.Result, ev.Status = audit.Succeeded, codes.OK.String()
	if err != nil {
		ev.Result, ev.Status, ev.Reason = audit.Failed, status.Code(err).String(), err.Error()
	}
	g.cfg.Audit.Record(ctx, *ev)
}

func (g *Guard) authenticateGRPC(ctx context.Context) (auth.Principal, error) {
	a := g.cfg.Auth
	if md, ok := metadata.FromIncomingContext(ctx); ok {
		if v := md.Get("authorization"); len(v) > 0 {
			scheme, cred, _ := strings.Cut(v[0], " ")
			if !strings.EqualFold(scheme, "Bearer") || cred == "" {
				return auth.Principal{}, fmt.Errorf("%w: authorization scheme %q: use Bearer", auth.ErrInvalidCredentials, scheme)
			}
			return a.Bearer(ctx, strings.TrimSpace(cred))
		}
	}
	if pr, ok := peer.FromContext(ctx); ok {
		if ti, ok := pr.AuthInfo.(credentials.TLSInfo); ok && len(ti.State.VerifiedChains) > 0 {
			if p, ok := a.Certificate(ti.State.VerifiedChains); ok {
				return p, nil
			}
		}
	}
	return a.Anonymous()
}

func claimedGRPC(ctx context.Context) string {
	md, _ := metadata.FromIncomingContext(ctx)
	v := md.Get("authorization")
	if len(v) == 0 {
		return "anonymous"
	}
	_, cred, _ := strings.Cut(v[0], " ")
	if rest, ok := strings.CutPrefix(strings.TrimSpace(cred), auth.APIKeyPrefix); ok {
		id, _, _ := strings.Cut(rest, "_")
		if len(id) > 16 {
			id = id[:16]
		}
		return "api_key:" + id
	}
	return "bearer"
}

func peerAddr(ctx context.Context) string {
	pr, ok := peer.FromContext(ctx)
	if !ok || pr.Addr == nil {
		return ""
	}
	host, _, err := net.SplitHostPort(pr.Addr.String())
	if err != nil {
		return pr.Addr.String()
	}
	return host
}

// AuthService serves aurigraph.v1.AuthService with the guard's keys.
func (g *Guard) AuthService() aurigraphv1.AuthServiceServer { return &authService{g: g} }

type authService struct {
	aurigraphv1.UnimplementedAuthServiceServer
	g *Guard
}

func (s *authService) WhoAmI(ctx context.Context, _ *aurigraphv1.WhoAmIRequest) (*aurigraphv1.WhoAmIResponse, error) {
	p, _ := auth.FromContext(ctx)
	me := MeOf(p)
	out := &aurigraphv1.WhoAmIResponse{Subject: p.Subject, Name: p.Name, Method: string(p.Method), Role: p.Role.String(), Organisation: p.Organisation}
	for _, a := range me.Actions {
		out.Actions = append(out.Actions, string(a))
	}
	if !p.Expires.IsZero() {
		out.Expires = timestamppb.New(p.Expires)
	}
	return out, nil
}

func keyProto(k auth.APIKey) *aurigraphv1.ApiKey {
	return &aurigraphv1.ApiKey{Id: k.ID, Name: k.Name, Role: k.Role.String(), Organisation: k.Organisation,
		Created: timestamppb.New(k.Created), Expires: timestamppb.New(k.Expires), CreatedBy: k.CreatedBy}
}

func (s *authService) CreateKey(ctx context.Context, in *aurigraphv1.CreateKeyRequest) (*aurigraphv1.CreateKeyResponse, error) {
	role, err := auth.ParseRole(in.GetRole())
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	if in.GetLifetimeSeconds() < 0 {
		return nil, status.Errorf(codes.InvalidArgument, "lifetime_seconds %d: give 0 (90 days) or more", in.GetLifetimeSeconds())
	}
	req := CreateKeyRequest{Name: in.GetName(), Role: role, Organisation: in.GetOrganisation()}
	if in.GetLifetimeSeconds() > 0 {
		req.ExpiresIn = (time.Duration(in.GetLifetimeSeconds()) * time.Second).String()
	}
	p, _ := auth.FromContext(ctx)
	k, secret, err := s.g.CreateKey(p, req)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return &aurigraphv1.CreateKeyResponse{Key: keyProto(k), Secret: secret}, nil
}

func (s *authService) ListKeys(context.Context, *aurigraphv1.ListKeysRequest) (*aurigraphv1.ListKeysResponse, error) {
	ks := s.g.cfg.Auth.Keys()
	if ks == nil {
		return nil, status.Error(codes.FailedPrecondition, "API keys are not enabled here: start with --api-keys FILE")
	}
	out := &aurigraphv1.ListKeysResponse{}
	for _, k := range ks.List() {
		out.Keys = append(out.Keys, keyProto(k))
	}
	return out, nil
}

func (s *authService) RevokeKey(_ context.Context, in *aurigraphv1.RevokeKeyRequest) (*aurigraphv1.RevokeKeyResponse, error) {
	ks := s.g.cfg.Auth.Keys()
	if ks == nil {
		return nil, status.Error(codes.FailedPrecondition, "API keys are not enabled here: start with --api-keys FILE")
	}
	k, err := ks.Revoke(in.GetId())
	switch {
	case errors.Is(err, auth.ErrKeyNotFound):
		return nil, status.Error(codes.NotFound, err.Error())
	case err != nil:
		return nil, status.Error(codes.Internal, err.Error())
	}
	return &aurigraphv1.RevokeKeyResponse{Key: keyProto(k)}, nil
}
