package access

import (
	"context"
	"net"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/aurigraph/aurigraph/internal/auth"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// The interceptors refuse, limit and let through as the HTTP side does,
// with gRPC's codes; a server with a method the table does not name is
// refused.
func TestGRPCInterceptors(t *testing.T) {
	f := newFixture(t)
	g := f.mux.Guard()
	srv := grpc.NewServer(g.ServerOptions()...)
	healthpb.RegisterHealthServer(srv, health.NewServer())
	aurigraphv1.RegisterAuthServiceServer(srv, g.AuthService())
	// Submit reaches this stub only past the guard: it answers UNIMPLEMENTED.
	aurigraphv1.RegisterTransactionServiceServer(srv, aurigraphv1.UnimplementedTransactionServiceServer{})
	if err := g.CheckMethods(srv.GetServiceInfo()); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Stop()
	conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	as := func(r auth.Role) context.Context {
		return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+f.secrets[r])
	}

	if _, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatalf("health without a credential: %v", err)
	}
	auths := aurigraphv1.NewAuthServiceClient(conn)
	if _, err := auths.WhoAmI(ctx, &aurigraphv1.WhoAmIRequest{}); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("WhoAmI without a credential: %v", err)
	}
	if me, err := auths.WhoAmI(as(auth.RoleOperator), &aurigraphv1.WhoAmIRequest{}); err != nil || me.GetRole() != "operator" {
		t.Fatalf("WhoAmI as operator: %v %v", me, err)
	}
	if _, err := auths.ListKeys(as(auth.RoleOperator), &aurigraphv1.ListKeysRequest{}); status.Code(err) != codes.PermissionDenied {
		t.Fatalf("ListKeys as operator: %v", err)
	}
	created, err := auths.CreateKey(as(auth.RoleAdmin), &aurigraphv1.CreateKeyRequest{Name: "robot", Role: "submitter", LifetimeSeconds: 3600})
	if err != nil || created.GetSecret() == "" {
		t.Fatalf("CreateKey as admin: %v %v", created, err)
	}

	txs := aurigraphv1.NewTransactionServiceClient(conn)
	robot := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+created.GetSecret())
	for i := range 2 {
		if _, err := txs.Submit(robot, &aurigraphv1.SubmitRequest{}); status.Code(err) != codes.Unimplemented {
			t.Fatalf("submit %d within the burst: %v", i, err)
		}
	}
	_, err = txs.Submit(robot, &aurigraphv1.SubmitRequest{})
	var retry *errdetails.RetryInfo
	for _, d := range status.Convert(err).Details() {
		if r, ok := d.(*errdetails.RetryInfo); ok {
			retry = r
		}
	}
	if status.Code(err) != codes.ResourceExhausted || retry.GetRetryDelay().AsDuration() <= 0 {
		t.Fatalf("submit over the limit: %v (retry info %v)", err, retry)
	}
	if _, err := auths.RevokeKey(as(auth.RoleAdmin), &aurigraphv1.RevokeKeyRequest{Id: created.GetKey().GetId()}); err != nil {
		t.Fatal(err)
	}
	if _, err := txs.Submit(robot, &aurigraphv1.SubmitRequest{}); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("submit with the revoked key: %v", err)
	}

	bare := grpc.NewServer()
	aurigraphv1.RegisterRaftTransportServer(bare, aurigraphv1.UnimplementedRaftTransportServer{})
	if err := g.CheckMethods(bare.GetServiceInfo()); err == nil {
		t.Fatal("a server with methods missing from the table was accepted")
	}
}
