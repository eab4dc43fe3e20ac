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
	var buf [maxIDLen]byte
	return string(e.appendID(buf[:0]))
}

// hasID reports whether the event has an ID, which block and tx events
// have and live-only events do not.
func (e Event) hasID() bool { return e.Type == MessageBlock || e.Type == MessageTx }

// resumePoint is where a subscriber stands: the last event sent to it that
// has an ID. It keeps the event's position, not its message, so a block a
// subscriber's filter left far behind is not kept, and formats the ID only
// when asked, not for every event sent.
type resumePoint struct{ last Event }

// sent moves the point past ev when ev has an ID.
func (p *resumePoint) sent(ev Event) {
	if ev.hasID() {
		p.last = Event{Type: ev.Type, Height: ev.Height, TxIndex: ev.TxIndex}
	}
}

// ID is what to resume after: empty before any event with an ID.
func (p *resumePoint) ID() string { return p.last.ID() }

// maxIDLen is the longest ID: a 20-digit height, a dot, a 10-digit index.
const maxIDLen = 31

// appendID appends ID's text to b, for the frames of a block's events,
// which would otherwise make a string per transaction only to copy it.
func (e Event) appendID(b []byte) []byte {
	switch e.Type {
	case MessageBlock:
		return strconv.AppendUint(b, e.Height, 10)
	case MessageTx:
		b = strconv.AppendUint(b, e.Height, 10)
		b = append(b, '.')
		return strconv.AppendUint(b, uint64(e.TxIndex), 10)
	}
	return b
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

// appendTxFrame appends the frame of transaction index of block hd: the
// envelope every event has (type, id, height, committed_ms, as StreamEvent
// has them) around the transaction in the shape every face writes,
// schemas.TxView:
//
//	{"type":"tx","id":"H.I","height":H,"committed_ms":C,"tx":{...}}
func appendTxFrame(b []byte, hd *aurigraphv1.BlockHeader, index uint32, committedMs int64, r *aurigraphv1.TxResult) []byte {
	// The id is digits and a dot, which JSON needs no escaping for.
	b = append(b, `{"type":"tx","id":"`...)
	b = Event{Type: MessageTx, Height: hd.GetHeight(), TxIndex: index}.appendID(b)
	b = append(b, `","height":`...)
	b = schemas.AppendUint(b, hd.GetHeight())
	if committedMs != 0 {
		b = append(b, `,"committed_ms":`...)
		b = schemas.AppendInt(b, committedMs)
	}
	b = append(b, `,"tx":`...)
	b = schemas.AppendTxResultJSON(b, r, hd.GetHeight(), index, hd.GetTimestampMs())
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
			buf = appendTxFrame(buf, hd, uint32(i), m.committedMs(), r)
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
		// A block's events live in three arrays and their ids are pieces of
		// one string, as the JSON frames share one buffer: a block costs a
		// few allocations, not several per transaction.
		txs := m.Block.GetTxs()
		ends := make([]int, len(txs))
		// No id is longer than one with index len(txs).
		var scratch [maxIDLen]byte
		idLen := len(Event{Type: MessageTx, Height: hd.GetHeight(), TxIndex: uint32(len(txs))}.appendID(scratch[:0]))
		idBuf := make([]byte, 0, len(txs)*idLen)
		for i := range txs {
			idBuf = Event{Type: MessageTx, Height: hd.GetHeight(), TxIndex: uint32(i)}.appendID(idBuf)
			ends[i] = len(idBuf)
		}
		ids := string(idBuf)
		events := make([]aurigraphv1.StreamEvent, len(txs))
		wrappers := make([]aurigraphv1.StreamEvent_Tx, len(txs))
		bodies := make([]aurigraphv1.TxEvent, len(txs))
		m.enc.txProto = make([]*aurigraphv1.StreamEvent, len(txs))
		start := 0
		for i, r := range txs {
			body := &bodies[i]
			body.Index, body.Tx, body.Status, body.Reason = uint32(i), r.GetTx(), r.GetStatus(), r.GetReason()
			wrappers[i].Tx = body
			ev := &events[i]
			ev.Type, ev.Height, ev.CommittedMs = aurigraphv1.EventType_EVENT_TYPE_TX, hd.GetHeight(), m.committedMs()
			ev.Id, ev.Event = ids[start:ends[i]], &wrappers[i]
			start = ends[i]
			m.enc.txProto[i] = ev
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
