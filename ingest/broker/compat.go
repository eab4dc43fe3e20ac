package broker

import (
	"context"
	"encoding/binary"
	"io"
	"log/slog"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kbin"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// kfake answers a few requests otherwise than Apache Kafka, and the Java
// clients (so kafka-topics.sh, Spring's KafkaAdmin, Kafka Streams and
// Connect, lag monitors) fail on or misreport what it says:
//   - DescribeTopicPartitions: null eligible and last known leader replica
//     lists, which the AdminClient dereferences (describeTopics fails);
//   - CreateTopics (v5+): the configs of a topic created without any are
//     null (createTopics fails), and those given carry no source;
//   - ListTransactions, DescribeTransactions: a finished transaction is
//     Empty instead of CompleteCommit or CompleteAbort, and a state filter
//     naming those finds nothing;
//   - ListGroups (v5+): a consumer-protocol group has no protocol type, so
//     the AdminClient takes it for a simple group;
//   - ConsumerGroupDescribe: members' partitions name their topic by id
//     only, and the default assignor has no name.
//
// A control function (kfake's ControlKey) replaces kfake's handling of a
// request instead of completing it: it sees neither kfake's answer nor the
// state and ACLs it is made from. So the completion sits on the
// connection: it reads the requests whose answers it completes as they
// pass to kfake, and rewrites kfake's answers to them on their way back,
// leaving every other byte as it is. What an answer lacks, it asks kfake
// for over the broker's own in-process connection.

// Bounds of the completion's state.
const (
	// maxCompletedRequestBytes: a larger request of a kind whose answer is
	// completed passes through as it is (these are admin requests of a
	// few hundred bytes).
	maxCompletedRequestBytes = 1 << 20
	// maxPendingAnswers per connection: kfake reads at most one request
	// ahead of the answer it is writing.
	maxPendingAnswers = 16
	// maxTxnEnds is how many transactional ids' last outcome are kept.
	maxTxnEnds = 1 << 16
	// lookupTimeout bounds one question to kfake while an answer waits.
	lookupTimeout = 10 * time.Second
	// defaultConsumerAssignor is the server-side assignor kfake runs when
	// a consumer-protocol group names none, as Kafka's default.
	defaultConsumerAssignor = "uniform"
)

// completedKeys are the requests whose answers are completed.
var completedKeys = map[int16]bool{
	kmsg.CreateTopics.Int16():            true,
	kmsg.DescribeTopicPartitions.Int16(): true,
	kmsg.InitProducerID.Int16():          true,
	kmsg.EndTxn.Int16():                  true,
	kmsg.ListTransactions.Int16():        true,
	kmsg.DescribeTransactions.Int16():    true,
	kmsg.ListGroups.Int16():              true,
	kmsg.ConsumerGroupDescribe.Int16():   true,
}

// Transaction states of the protocol that kfake does not keep.
const (
	txnEmpty          = "Empty"
	txnCompleteCommit = "CompleteCommit"
	txnCompleteAbort  = "CompleteAbort"
)

// completion is what every connection of one broker shares.
type completion struct {
	log *slog.Logger
	// lookup asks kfake over the in-process connection, as an admin; nil
	// until the broker serves.
	lookup atomic.Pointer[kgo.Client]

	mu sync.Mutex
	// ends holds each transactional id's last finished transaction, as
	// seen in successful EndTxn answers. It is not persisted: after a
	// restart, a finished transaction lists as Empty until it ends again.
	ends map[string]txnEnd
}

type txnEnd struct {
	producerID int64
	commit     bool
}

func newCompletion(log *slog.Logger) *completion {
	return &completion{log: log, ends: map[string]txnEnd{}}
}

func (c *completion) close() {
	if cl := c.lookup.Swap(nil); cl != nil {
		cl.Close()
	}
}

// pendingAnswer is a request whose answer will be completed.
type pendingAnswer struct {
	req kmsg.Request
	// stateFilters are a ListTransactions request's own state filters,
	// which its completed answer must pass: kfake filters by its own
	// states, and went without the finished ones (Empty in their place).
	stateFilters []string
}

// completingConn completes kfake's answers on one client connection.
type completingConn struct {
	net.Conn
	c *completion

	// Read side: kfake reads a connection from one goroutine at a time.
	hdr  [12]byte // size, API key, version, correlation id
	out  []byte   // bytes of the current request still to hand on
	left int64    // bytes of the current request still to pass through
	lost bool     // the framing could not be followed: pass everything
	err  error    // what ended the connection, once out is handed on

	mu      sync.Mutex
	pending map[int32]pendingAnswer
}

func (c *completion) wrap(conn net.Conn) net.Conn {
	return &completingConn{Conn: conn, c: c, pending: map[int32]pendingAnswer{}}
}

func (cc *completingConn) Read(p []byte) (int, error) {
	for len(cc.out) == 0 {
		if cc.err != nil {
			return 0, cc.err
		}
		if cc.lost || cc.left > 0 {
			if !cc.lost && int64(len(p)) > cc.left {
				p = p[:cc.left]
			}
			n, err := cc.Conn.Read(p)
			cc.left -= int64(n)
			return n, err
		}
		if err := cc.nextRequest(); err != nil {
			return 0, err
		}
	}
	n := copy(p, cc.out)
	cc.out = cc.out[n:]
	return n, nil
}

// nextRequest reads the start of the next request, and all of it if its
// answer is to be completed. A request cut short by the connection's end
// is handed on as far as it came.
func (cc *completingConn) nextRequest() error {
	if n, err := io.ReadFull(cc.Conn, cc.hdr[:4]); err != nil {
		return cc.cutShort(cc.hdr[:n], err)
	}
	size := int64(binary.BigEndian.Uint32(cc.hdr[:4]))
	if size < 8 {
		// Too short to name its kind: kfake refuses it.
		cc.lost, cc.out = true, cc.hdr[:4]
		return nil
	}
	if n, err := io.ReadFull(cc.Conn, cc.hdr[4:12]); err != nil {
		return cc.cutShort(cc.hdr[:4+n], err)
	}
	key := int16(binary.BigEndian.Uint16(cc.hdr[4:6]))
	if !completedKeys[key] || size > maxCompletedRequestBytes {
		cc.out, cc.left = cc.hdr[:12], size-8
		return nil
	}
	frame := make([]byte, 4+size)
	copy(frame, cc.hdr[:12])
	if n, err := io.ReadFull(cc.Conn, frame[12:]); err != nil {
		return cc.cutShort(frame[:12+n], err)
	}
	cc.out = cc.track(frame)
	return nil
}

// cutShort hands on the part of a request read before err, then err.
func (cc *completingConn) cutShort(part []byte, err error) error {
	if len(part) == 0 {
		return err
	}
	cc.out, cc.err = part, err
	return nil
}

// track decodes one whole request frame and, if its answer is to be
// completed, notes it; it returns the frame to hand to kfake.
func (cc *completingConn) track(frame []byte) []byte {
	key := int16(binary.BigEndian.Uint16(frame[4:6]))
	version := int16(binary.BigEndian.Uint16(frame[6:8]))
	corr := int32(binary.BigEndian.Uint32(frame[8:12]))
	req := kmsg.RequestForKey(key)
	req.SetVersion(version)
	r := kbin.Reader{Src: frame[12:]}
	r.NullableString() // client id
	if req.IsFlexible() {
		kmsg.SkipTags(&r)
	}
	if !r.Ok() || req.ReadFrom(r.Src) != nil {
		return frame // kfake answers what it cannot read
	}
	pa := pendingAnswer{req: req}
	if lt, ok := req.(*kmsg.ListTransactionsRequest); ok && len(lt.StateFilters) > 0 {
		pa.stateFilters = lt.StateFilters
		if filters, ok := kfakeStateFilters(lt.StateFilters); ok {
			lt.StateFilters = filters
			header := frame[:len(frame)-len(r.Src)]
			frame = lt.AppendTo(slices.Clone(header))
			binary.BigEndian.PutUint32(frame[:4], uint32(len(frame)-4))
		}
	}
	cc.mu.Lock()
	if len(cc.pending) < maxPendingAnswers {
		cc.pending[corr] = pa
	}
	cc.mu.Unlock()
	return frame
}

// kfakeStateFilters are the state filters to send kfake for a client's,
// which may name the finished states kfake reports as Empty: ok is false
// when they need no change.
func kfakeStateFilters(filters []string) ([]string, bool) {
	if !slices.Contains(filters, txnCompleteCommit) && !slices.Contains(filters, txnCompleteAbort) {
		return nil, false
	}
	out := []string{txnEmpty}
	for _, f := range filters {
		if f != txnCompleteCommit && f != txnCompleteAbort && f != txnEmpty {
			out = append(out, f)
		}
	}
	return out, true
}

// Write completes the answer it carries if its request was noted. kfake
// writes each answer whole, with one Write.
func (cc *completingConn) Write(p []byte) (int, error) {
	if len(p) < 8 {
		return cc.Conn.Write(p)
	}
	corr := int32(binary.BigEndian.Uint32(p[4:8]))
	cc.mu.Lock()
	pa, ok := cc.pending[corr]
	delete(cc.pending, corr)
	cc.mu.Unlock()
	if !ok || int(binary.BigEndian.Uint32(p[:4])) != len(p)-4 {
		return cc.Conn.Write(p)
	}
	completed := cc.c.completeAnswer(pa, p)
	if completed == nil {
		return cc.Conn.Write(p)
	}
	if _, err := cc.Conn.Write(completed); err != nil {
		return 0, err
	}
	return len(p), nil
}

// completeAnswer returns the completed answer frame, or nil to send
// kfake's as it is.
func (c *completion) completeAnswer(pa pendingAnswer, frame []byte) []byte {
	resp := pa.req.ResponseKind()
	body := frame[8:]
	if resp.IsFlexible() {
		r := kbin.Reader{Src: body}
		kmsg.SkipTags(&r)
		if !r.Ok() {
			return nil
		}
		body = r.Src
	}
	if resp.ReadFrom(body) != nil {
		return nil
	}
	if !c.complete(pa, resp) {
		return nil
	}
	out := slices.Clone(frame[:8])
	if resp.IsFlexible() {
		out = append(out, 0) // no tagged fields in the header
	}
	out = resp.AppendTo(out)
	binary.BigEndian.PutUint32(out[:4], uint32(len(out)-4))
	return out
}

// complete fills in resp, the answer to pa, and reports whether it changed.
func (c *completion) complete(pa pendingAnswer, resp kmsg.Response) bool {
	switch resp := resp.(type) {
	case *kmsg.DescribeTopicPartitionsResponse:
		return completeReplicaLists(resp)
	case *kmsg.CreateTopicsResponse:
		return c.completeCreatedConfigs(pa.req.(*kmsg.CreateTopicsRequest), resp)
	case *kmsg.EndTxnResponse:
		c.noteTxnEnd(pa.req.(*kmsg.EndTxnRequest), resp)
		return false
	case *kmsg.InitProducerIDResponse:
		if req := pa.req.(*kmsg.InitProducerIDRequest); resp.ErrorCode == 0 && req.TransactionalID != nil {
			// A producer starting over leaves its transactional id Empty.
			c.mu.Lock()
			delete(c.ends, *req.TransactionalID)
			c.mu.Unlock()
		}
		return false
	case *kmsg.ListTransactionsResponse:
		return c.completeListedTxns(pa.stateFilters, resp)
	case *kmsg.DescribeTransactionsResponse:
		changed := false
		for i := range resp.TransactionStates {
			st := &resp.TransactionStates[i]
			if st.ErrorCode == 0 {
				changed = c.finishedState(st.TransactionalID, st.ProducerID, &st.State) || changed
			}
		}
		return changed
	case *kmsg.ListGroupsResponse:
		changed := false
		for i := range resp.Groups {
			if g := &resp.Groups[i]; g.GroupType == "consumer" && g.ProtocolType == "" {
				g.ProtocolType, changed = "consumer", true
			}
		}
		return changed
	case *kmsg.ConsumerGroupDescribeResponse:
		return c.completeGroupDescriptions(resp)
	}
	return false
}

func completeReplicaLists(resp *kmsg.DescribeTopicPartitionsResponse) bool {
	changed := false
	for i := range resp.Topics {
		for j := range resp.Topics[i].Partitions {
			p := &resp.Topics[i].Partitions[j]
			if p.EligibleLeaderReplicas == nil {
				p.EligibleLeaderReplicas, changed = []int32{}, true
			}
			if p.LastKnownELR == nil {
				p.LastKnownELR, changed = []int32{}, true
			}
		}
	}
	return changed
}

// completeCreatedConfigs answers each created topic's configs as
// DescribeConfigs describes them, defaults included, as Kafka does.
func (c *completion) completeCreatedConfigs(req *kmsg.CreateTopicsRequest, resp *kmsg.CreateTopicsResponse) bool {
	if resp.Version < 5 {
		return false
	}
	var created []string
	for _, t := range resp.Topics {
		if t.ErrorCode == 0 {
			created = append(created, t.Topic)
		}
	}
	if len(created) == 0 {
		return false
	}
	var described map[string]*kmsg.DescribeConfigsResponseResource
	if !req.ValidateOnly { // a topic only validated cannot be described
		described = c.describeTopicConfigs(created)
	}
	for i := range resp.Topics {
		t := &resp.Topics[i]
		if t.ErrorCode != 0 {
			continue
		}
		r := described[t.Topic]
		if r == nil || r.ErrorCode != 0 {
			if t.Configs == nil {
				t.Configs = []kmsg.CreateTopicsResponseTopicConfig{}
			}
			if r != nil {
				t.ConfigErrorCode = r.ErrorCode
			}
			continue
		}
		t.Configs = make([]kmsg.CreateTopicsResponseTopicConfig, 0, len(r.Configs))
		for _, rc := range r.Configs {
			tc := kmsg.NewCreateTopicsResponseTopicConfig()
			tc.Name, tc.Value, tc.ReadOnly, tc.Source, tc.IsSensitive = rc.Name, rc.Value, rc.ReadOnly, int8(rc.Source), rc.IsSensitive
			t.Configs = append(t.Configs, tc)
		}
	}
	return true
}

func (c *completion) describeTopicConfigs(topics []string) map[string]*kmsg.DescribeConfigsResponseResource {
	cl := c.lookup.Load()
	if cl == nil {
		return nil
	}
	req := kmsg.NewPtrDescribeConfigsRequest()
	for _, t := range topics {
		r := kmsg.NewDescribeConfigsRequestResource()
		r.ResourceType, r.ResourceName = kmsg.ConfigResourceTypeTopic, t
		req.Resources = append(req.Resources, r)
	}
	ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
	defer cancel()
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		c.log.Warn("embedded broker: created topics' configs not described; CreateTopics answers without them", "topics", topics, "err", err)
		return nil
	}
	out := make(map[string]*kmsg.DescribeConfigsResponseResource, len(resp.Resources))
	for i := range resp.Resources {
		out[resp.Resources[i].ResourceName] = &resp.Resources[i]
	}
	return out
}

func (c *completion) noteTxnEnd(req *kmsg.EndTxnRequest, resp *kmsg.EndTxnResponse) {
	if resp.ErrorCode != 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.ends[req.TransactionalID]; !ok && len(c.ends) >= maxTxnEnds {
		for id := range c.ends { // forget one: it then lists as Empty
			delete(c.ends, id)
			break
		}
	}
	c.ends[req.TransactionalID] = txnEnd{producerID: req.ProducerID, commit: req.Commit}
}

// finishedState turns kfake's Empty into the finished state of the
// transactional id's last transaction, if it ended under this producer id.
func (c *completion) finishedState(txnID string, producerID int64, state *string) bool {
	if *state != txnEmpty {
		return false
	}
	c.mu.Lock()
	end, ok := c.ends[txnID]
	c.mu.Unlock()
	if !ok || end.producerID != producerID {
		return false
	}
	*state = txnCompleteAbort
	if end.commit {
		*state = txnCompleteCommit
	}
	return true
}

func (c *completion) completeListedTxns(filters []string, resp *kmsg.ListTransactionsResponse) bool {
	changed := false
	kept := resp.TransactionStates[:0]
	for _, st := range resp.TransactionStates {
		changed = c.finishedState(st.TransactionalID, st.ProducerID, &st.TransactionState) || changed
		if filters == nil || slices.Contains(filters, st.TransactionState) {
			kept = append(kept, st)
		} else {
			changed = true
		}
	}
	resp.TransactionStates = kept
	return changed
}

func (c *completion) completeGroupDescriptions(resp *kmsg.ConsumerGroupDescribeResponse) bool {
	changed := false
	var names map[[16]byte]string
	name := func(a *kmsg.Assignment) {
		for i := range a.TopicPartitions {
			tp := &a.TopicPartitions[i]
			if tp.Topic != "" {
				continue
			}
			if names == nil {
				names = c.topicNames()
			}
			if n, ok := names[tp.TopicID]; ok {
				tp.Topic, changed = n, true
			}
		}
	}
	for i := range resp.Groups {
		g := &resp.Groups[i]
		if g.ErrorCode != 0 {
			continue
		}
		if g.AssignorName == "" {
			g.AssignorName, changed = defaultConsumerAssignor, true
		}
		for j := range g.Members {
			name(&g.Members[j].Assignment)
			name(&g.Members[j].TargetAssignment)
		}
	}
	return changed
}

// topicNames maps every topic's id to its name.
func (c *completion) topicNames() map[[16]byte]string {
	out := map[[16]byte]string{}
	cl := c.lookup.Load()
	if cl == nil {
		return out
	}
	ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
	defer cancel()
	req := kmsg.NewPtrMetadataRequest() // no topics listed: all of them
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		c.log.Warn("embedded broker: topic names not looked up; ConsumerGroupDescribe answers topic ids only", "err", err)
		return out
	}
	for _, t := range resp.Topics {
		if t.Topic != nil && kerr.ErrorForCode(t.ErrorCode) == nil {
			out[t.TopicID] = *t.Topic
		}
	}
	return out
}
