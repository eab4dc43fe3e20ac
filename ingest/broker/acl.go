package broker

import (
	"context"
	"fmt"
	"net"
	"sync"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/aurigraph/aurigraph/internal/auth"
	"github.com/aurigraph/aurigraph/internal/listener"
	"github.com/aurigraph/aurigraph/internal/policy"
)

// kafkaACL maps the policy's names to the protocol's.
var (
	aclResources = map[policy.KafkaResource]kmsg.ACLResourceType{
		policy.KafkaTopic: kmsg.ACLResourceTypeTopic, policy.KafkaGroup: kmsg.ACLResourceTypeGroup, policy.KafkaCluster: kmsg.ACLResourceTypeCluster,
	}
	aclOps = map[policy.KafkaOp]kmsg.ACLOperation{
		policy.KafkaRead: kmsg.ACLOperationRead, policy.KafkaWrite: kmsg.ACLOperationWrite, policy.KafkaDescribeConfigs: kmsg.ACLOperationDescribeConfigs,
	}
)

// ACLs are the Kafka ACLs that give principal (User:NAME) what role may do
// on the Kafka port, for CreateACLs: the embedded broker's, and what an
// external cluster's admin grants the pipeline's users. A role whose
// principals may do everything (admin) has none: make it a super user.
func ACLs(principal string, role auth.Role) []kmsg.CreateACLsRequestCreation {
	if policy.KafkaSuperuser(role) {
		return nil
	}
	var out []kmsg.CreateACLsRequestCreation
	for _, g := range policy.KafkaGrantsOf(role) {
		c := kmsg.NewCreateACLsRequestCreation()
		c.ResourceType, c.ResourceName, c.ResourcePatternType = aclResources[g.Resource], g.Name, kmsg.ACLResourcePatternTypeLiteral
		c.Principal, c.Host = principal, "*"
		c.Operation, c.PermissionType = aclOps[g.Op], kmsg.ACLPermissionTypeAllow
		out = append(out, c)
	}
	return out
}

// installACLs makes the broker's ACLs the policy table's, whatever a
// previous start or an admin left: kfake keeps ACLs in its data directory
// and seeds new ones only into an empty one. It talks to the broker over
// an in-process connection logged in as the admins' account.
func installACLs(ctx context.Context, seed string, inproc *listener.InProcess) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(seed), kgo.Dialer(func(ctx context.Context, _, _ string) (net.Conn, error) {
		return inproc.Dial(ctx)
	}))
	if err != nil {
		return fmt.Errorf("broker: install ACLs: %w", err)
	}
	defer cl.Close()
	del := kmsg.NewPtrDeleteACLsRequest()
	all := kmsg.NewDeleteACLsRequestFilter()
	all.ResourceType, all.ResourcePatternType = kmsg.ACLResourceTypeAny, kmsg.ACLResourcePatternTypeAny
	all.Operation, all.PermissionType = kmsg.ACLOperationAny, kmsg.ACLPermissionTypeAny
	del.Filters = append(del.Filters, all)
	delResp, err := del.RequestWith(ctx, cl)
	if err != nil {
		return fmt.Errorf("broker: remove previous ACLs: %w", err)
	}
	for _, r := range delResp.Results {
		if err := kerr.ErrorForCode(r.ErrorCode); err != nil {
			return fmt.Errorf("broker: remove previous ACLs: %w", err)
		}
	}
	create := kmsg.NewPtrCreateACLsRequest()
	for _, role := range auth.Roles {
		create.Creations = append(create.Creations, ACLs("User:"+roleUser(role), role)...)
	}
	createResp, err := create.RequestWith(ctx, cl)
	if err != nil {
		return fmt.Errorf("broker: install ACLs: %w", err)
	}
	for i, r := range createResp.Results {
		if err := kerr.ErrorForCode(r.ErrorCode); err != nil {
			return fmt.Errorf("broker: install ACL %+v: %w", create.Creations[i], err)
		}
	}
	return nil
}

// mergedListener hands kfake the connections of the TCP listener and of
// the in-process one (the broker's own administration), and names the
// advertised address as its own, which kfake tells clients.
type mergedListener struct {
	tcp        net.Listener
	inproc     *listener.InProcess
	keeper     *gatekeeper
	advertised string
	conns      chan net.Conn
	closed     chan struct{}
	once       sync.Once
}

func newMergedListener(tcp net.Listener, inproc *listener.InProcess, keeper *gatekeeper, advertised string) *mergedListener {
	l := &mergedListener{tcp: tcp, inproc: inproc, keeper: keeper, advertised: advertised, conns: make(chan net.Conn), closed: make(chan struct{})}
	go l.pump(tcp, func(c net.Conn) net.Conn { return c })
	go l.pump(inproc, func(c net.Conn) net.Conn {
		if keeper == nil {
			return c
		}
		return keeper.wrapInternal(c, auth.RoleAdmin)
	})
	return l
}

func (l *mergedListener) pump(from net.Listener, wrap func(net.Conn) net.Conn) {
	for {
		c, err := from.Accept()
		if err != nil {
			return
		}
		select {
		case l.conns <- wrap(c):
		case <-l.closed:
			c.Close()
			return
		}
	}
}

func (l *mergedListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *mergedListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	l.inproc.Close()
	return l.tcp.Close()
}

func (l *mergedListener) Addr() net.Addr {
	if l.advertised != "" {
		return advertisedAddr(l.advertised)
	}
	return l.tcp.Addr()
}

type advertisedAddr string

func (a advertisedAddr) Network() string { return "tcp" }
func (a advertisedAddr) String() string  { return string(a) }
