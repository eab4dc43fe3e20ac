package stream

import (
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// MessageType is the type of an event; it is also the "type" field of its
// JSON form.
type MessageType string

// Event types. MessageWelcome and MessageSubscribed are replies the JSON
// transports send about the connection itself.
const (
	MessageWelcome    MessageType = "welcome"
	MessageSubscribed MessageType = "subscribed"
	MessageBlock      MessageType = "block"
	MessageTx         MessageType = "tx"
	MessageTPS        MessageType = "tps"
	MessageValidator  MessageType = "validator"
	MessageAlert      MessageType = "alert"
)

// Message is one item of a subscription's queue: a committed block, a
// second's throughput, or a change of the validator set. A block message
// expands into the block's event and its transactions' events, filtered for
// each subscriber by Subscription.Events.
//
// A Message is shared by every subscriber it is queued for: treat it as
// read-only.
type Message struct {
	Type MessageType
	// Block is set for MessageBlock.
	Block *aurigraphv1.Block
	// Committed is when the hub saw the block committed; zero for blocks
	// replayed from storage.
	Committed time.Time
	// TPS is set for MessageTPS.
	TPS TPSSample
	// Validators is set for MessageValidator.
	Validators ValidatorStatus
	// Alert is set for MessageAlert: a user-defined alert's transition,
	// without its webhook's destination and secret.
	Alert *aurigraphv1.AlertTransition
	// head is the chain head when an alert message was made.
	head uint64

	enc *encodings
}

// TPSSample is the throughput of the last completed second.
type TPSSample struct {
	// T is the second, in Unix seconds.
	T      int64
	TPS    uint64
	Blocks uint64
	Height uint64
}

// ValidatorStatus is the validator set as the hub last saw it.
type ValidatorStatus struct {
	// Leader is 0 while there is none.
	Leader uint64
	Term   uint64
	// Voters is ascending; empty where the membership is not known.
	Voters []uint64
	// Height is the chain head when the status was taken.
	Height uint64
}

func (v ValidatorStatus) same(o ValidatorStatus) bool {
	if v.Leader != o.Leader || v.Term != o.Term || len(v.Voters) != len(o.Voters) {
		return false
	}
	for i := range v.Voters {
		if v.Voters[i] != o.Voters[i] {
			return false
		}
	}
	return true
}

// encodings holds a message's wire forms, made once on first use and then
// shared by every subscriber: the work per subscriber is a filter check and
// a write.
type encodings struct {
	jsonOnce sync.Once
	json     []byte   // the block, tps or validator frame
	txJSON   [][]byte // block messages: one frame per transaction

	protoOnce sync.Once
	proto     *aurigraphv1.StreamEvent
	txProto   []*aurigraphv1.StreamEvent
}

func newBlockMessage(b *aurigraphv1.Block, committed time.Time) *Message {
	return &Message{Type: MessageBlock, Block: b, Committed: committed, enc: &encodings{}}
}

func newTPSMessage(s TPSSample) *Message {
	return &Message{Type: MessageTPS, TPS: s, enc: &encodings{}}
}

func newValidatorMessage(v ValidatorStatus) *Message {
	return &Message{Type: MessageValidator, Validators: v, enc: &encodings{}}
}

func newAlertMessage(t *aurigraphv1.AlertTransition, head uint64) *Message {
	return &Message{Type: MessageAlert, Alert: t, head: head, enc: &encodings{}}
}

func (m *Message) committedMs() int64 {
	if m.Committed.IsZero() {
		return 0
	}
	return m.Committed.UnixMilli()
}

// Height is the block height the message belongs to, or the chain head
// when it was made for tps and validator messages.
func (m *Message) Height() uint64 {
	switch m.Type {
	case MessageBlock:
		return m.Block.GetHeader().GetHeight()
	case MessageTPS:
		return m.TPS.Height
	case MessageAlert:
		return m.head
	default:
		return m.Validators.Height
	}
}

// Event is one event of a subscription: a message, or for a block message
// one of its transactions.
type Event struct {
	Type MessageType
	// Height is the block's height for block and tx events.
	Height uint64
	// TxIndex is the transaction's position in its block (tx events).
	TxIndex uint32
	msg     *Message
}

// Message is the queue item the event came from.
func (e Event) Message() *Message { return e.msg }

// ID is the event's resume cursor: "H" for block H, "H.I" for transaction
// I of block H, empty for tps and validator events, which are live only.
// Subscribing with After set to it resumes right after this event.
func (e Event) ID() string {
	switch e.Type {
	case MessageBlock:
		return strconv.FormatUint(e.Height, 10)
	case MessageTx:
		return strconv.FormatUint(e.Height, 10) + "." + strconv.FormatUint(uint64(e.TxIndex), 10)
	}
	return ""
}

// JSON is the event's JSON frame, shared with every other subscriber.
func (e Event) JSON() []byte {
	m := e.msg
	m.enc.jsonOnce.Do(func() { m.encodeJSON() })
	if e.Type == MessageTx {
		return m.enc.txJSON[e.TxIndex]
	}
	return m.enc.json
}

// Proto is the event as served by StreamService, shared with every other
// subscriber.
func (e Event) Proto() *aurigraphv1.StreamEvent {
	m := e.msg
	m.enc.protoOnce.Do(func() { m.encodeProto() })
	if e.Type == MessageTx {
		return m.enc.txProto[e.TxIndex]
	}
	return m.enc.proto
}

type blockFrame struct {
	Type        MessageType  `json:"type"`
	ID          string       `json:"id"`
	Height      schemas.Uint `json:"height"`
	Hash        string       `json:"hash"`
	PrevHash    string       `json:"prev_hash"`
	TxCount     uint32       `json:"tx_count"`
	FailedCount uint32       `json:"failed_count"`
	Proposer    schemas.Uint `json:"proposer"`
	RaftTerm    schemas.Uint `json:"raft_term"`
	// Timestamp is the block's timestamp_ms.
	Timestamp   int64 `json:"timestamp"`
	CommittedMs int64 `json:"committed_ms,omitempty"`
}

// appendTxFrame appends a tx event's frame: the envelope every event has
// (type, id, height, committed_ms, as StreamEvent has them) around the
// transaction in the shape every face writes, schemas.TxView:
//
//	{"type":"tx","id":"H.I","height":H,"committed_ms":C,"tx":{...}}
func appendTxFrame(b []byte, id string, height uint64, committedMs int64, tx *schemas.TxView) []byte {
	b = append(b, `{"type":"tx","id":`...)
	b = schemas.AppendString(b, id)
	b = append(b, `,"height":`...)
	b = schemas.AppendUint(b, height)
	if committedMs != 0 {
		b = append(b, `,"committed_ms":`...)
		b = schemas.AppendInt(b, committedMs)
	}
	b = append(b, `,"tx":`...)
	b = tx.AppendJSON(b)
	return append(b, '}')
}

type tpsFrame struct {
	Type   MessageType `json:"type"`
	TPS    uint64      `json:"tps"`
	Blocks uint64      `json:"blocks"`
	Height uint64      `json:"height"`
	T      int64       `json:"t"`
}

type validatorFrame struct {
	Type   MessageType `json:"type"`
	Height uint64      `json:"height"`
	Leader uint64      `json:"leader"`
	Term   uint64      `json:"term"`
	Voters []uint64    `json:"voters"`
}

// alertFrame is an alert event: the transition as the alert history API
// shows it.
type alertFrame struct {
	Type      MessageType `json:"type"`
	Height    uint64      `json:"height"`
	ID        uint64      `json:"alert_id"`
	RuleID    string      `json:"rule_id"`
	RuleName  string      `json:"rule_name,omitempty"`
	State     string      `json:"state"`
	Metric    string      `json:"metric"`
	Condition string      `json:"condition"`
	Threshold float64     `json:"threshold"`
	Value     float64     `json:"value"`
	AtMs      int64       `json:"at_ms"`
}

type welcomeFrame struct {
	Type   MessageType `json:"type"`
	Height uint64      `json:"height"`
	// ServerTime is Unix milliseconds.
	ServerTime int64 `json:"server_time"`
}

func (m *Message) encodeJSON() {
	switch m.Type {
	case MessageBlock:
		hd := m.Block.GetHeader()
		m.enc.json = mustJSON(blockFrame{
			Type: MessageBlock, ID: strconv.FormatUint(hd.GetHeight(), 10), Height: schemas.Uint(hd.GetHeight()),
			Hash: hex.EncodeToString(hd.GetHash()), PrevHash: hex.EncodeToString(hd.GetPrevHash()),
			TxCount: hd.GetTxCount(), FailedCount: hd.GetFailedCount(),
			Proposer: schemas.Uint(hd.GetProposer()), RaftTerm: schemas.Uint(hd.GetRaftTerm()),
			Timestamp: hd.GetTimestampMs(), CommittedMs: m.committedMs(),
		})
		// The frames share one buffer, sized from the first frame: a block's
		// transactions cost a few allocations, not one per frame, and little
		// copying.
		txs := m.Block.GetTxs()
		var buf []byte
		ends := make([]int, len(txs))
		for i, r := range txs {
			v := schemas.TxResultView(r, hd.GetHeight(), uint32(i), hd.GetTimestampMs())
			id := Event{Type: MessageTx, Height: hd.GetHeight(), TxIndex: uint32(i)}.ID()
			buf = appendTxFrame(buf, id, hd.GetHeight(), m.committedMs(), &v)
			ends[i] = len(buf)
			if i == 0 {
				buf = slices.Grow(buf, len(buf)*(len(txs)-1)*9/8)
			}
		}
		m.enc.txJSON = make([][]byte, len(txs))
		start := 0
		for i, end := range ends {
			m.enc.txJSON[i] = buf[start:end:end]
			start = end
		}
	case MessageTPS:
		m.enc.json = mustJSON(tpsFrame{Type: MessageTPS, TPS: m.TPS.TPS, Blocks: m.TPS.Blocks, Height: m.TPS.Height, T: m.TPS.T})
	case MessageValidator:
		v := m.Validators
		m.enc.json = mustJSON(validatorFrame{Type: MessageValidator, Height: v.Height, Leader: v.Leader, Term: v.Term, Voters: append([]uint64{}, v.Voters...)})
	case MessageAlert:
		a := m.Alert
		state := "resolved"
		if a.GetFiring() {
			state = "firing"
		}
		m.enc.json = mustJSON(alertFrame{
			Type: MessageAlert, Height: m.head, ID: a.GetId(), RuleID: a.GetRuleId(), RuleName: a.GetRuleName(), State: state,
			Metric: a.GetMetric(), Condition: a.GetCondition(), Threshold: a.GetThreshold(), Value: a.GetValue(), AtMs: a.GetAtMs(),
		})
	}
}

func (m *Message) encodeProto() {
	switch m.Type {
	case MessageBlock:
		hd := m.Block.GetHeader()
		m.enc.proto = &aurigraphv1.StreamEvent{
			Type: aurigraphv1.EventType_EVENT_TYPE_BLOCK, Height: hd.GetHeight(), CommittedMs: m.committedMs(),
			Id: strconv.FormatUint(hd.GetHeight(), 10),
			Event: &aurigraphv1.StreamEvent_Block{Block: &aurigraphv1.BlockSummary{
				Hash: hd.GetHash(), PrevHash: hd.GetPrevHash(), TimestampMs: hd.GetTimestampMs(),
				Proposer: hd.GetProposer(), RaftTerm: hd.GetRaftTerm(),
				TxCount: hd.GetTxCount(), FailedCount: hd.GetFailedCount(),
			}},
		}
		txs := m.Block.GetTxs()
		m.enc.txProto = make([]*aurigraphv1.StreamEvent, len(txs))
		for i, r := range txs {
			m.enc.txProto[i] = &aurigraphv1.StreamEvent{
				Type: aurigraphv1.EventType_EVENT_TYPE_TX, Height: hd.GetHeight(), CommittedMs: m.committedMs(),
				Id: Event{Type: MessageTx, Height: hd.GetHeight(), TxIndex: uint32(i)}.ID(),
				Event: &aurigraphv1.StreamEvent_Tx{Tx: &aurigraphv1.TxEvent{
					Index: uint32(i), Tx: r.GetTx(), Status: r.GetStatus(), Reason: r.GetReason(),
				}},
			}
		}
	case MessageTPS:
		m.enc.proto = &aurigraphv1.StreamEvent{
			Type: aurigraphv1.EventType_EVENT_TYPE_TPS, Height: m.TPS.Height,
			Event: &aurigraphv1.StreamEvent_Tps{Tps: &aurigraphv1.TpsEvent{T: m.TPS.T, Tps: m.TPS.TPS, Blocks: m.TPS.Blocks}},
		}
	case MessageValidator:
		v := m.Validators
		m.enc.proto = &aurigraphv1.StreamEvent{
			Type: aurigraphv1.EventType_EVENT_TYPE_VALIDATOR, Height: v.Height,
			Event: &aurigraphv1.StreamEvent_Validator{Validator: &aurigraphv1.ValidatorEvent{Leader: v.Leader, Term: v.Term, Voters: v.Voters}},
		}
	case MessageAlert:
		m.enc.proto = &aurigraphv1.StreamEvent{
			Type: aurigraphv1.EventType_EVENT_TYPE_ALERT, Height: m.head,
			Event: &aurigraphv1.StreamEvent_Alert{Alert: m.Alert},
		}
	}
}

// mustJSON encodes the frames above, which hold only strings, integers,
// integer slices and finite numbers (an alert rule's threshold and value
// are checked finite) and so cannot fail to encode.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("stream: encode frame: " + err.Error())
	}
	return b
}
