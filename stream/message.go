package stream

import (
	"encoding/hex"
	"encoding/json"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// MessageType is what a Message carries; it is also the "type" field of its
// JSON form.
type MessageType string

// Message types sent to subscribers. MessageWelcome only appears on WebSocket
// connections.
const (
	MessageWelcome MessageType = "welcome"
	MessageBlock   MessageType = "block"
	MessageTPS     MessageType = "tps"
)

// Message is one item of a subscription.
type Message struct {
	Type MessageType
	// Block is set for MessageBlock. It is shared with every other
	// subscriber: treat it as read-only.
	Block *aurigraphv1.Block
	// TPS is set for MessageTPS.
	TPS TPSSample

	// wire is the JSON form, encoded once per message rather than once per
	// WebSocket subscriber.
	wire []byte
}

// TPSSample is the throughput of the last completed second.
type TPSSample struct {
	// T is the second, in Unix seconds.
	T      int64
	TPS    uint64
	Height uint64
}

type blockFrame struct {
	Type        MessageType `json:"type"`
	Height      uint64      `json:"height"`
	Hash        string      `json:"hash"`
	PrevHash    string      `json:"prev_hash"`
	TxCount     uint32      `json:"tx_count"`
	FailedCount uint32      `json:"failed_count"`
	// Timestamp is the block's timestamp_ms.
	Timestamp int64 `json:"timestamp"`
}

type tpsFrame struct {
	Type   MessageType `json:"type"`
	TPS    uint64      `json:"tps"`
	Height uint64      `json:"height"`
	T      int64       `json:"t"`
}

type welcomeFrame struct {
	Type   MessageType `json:"type"`
	Height uint64      `json:"height"`
	// ServerTime is Unix milliseconds.
	ServerTime int64 `json:"server_time"`
}

func newBlockMessage(b *aurigraphv1.Block) Message {
	hd := b.GetHeader()
	return Message{Type: MessageBlock, Block: b, wire: mustJSON(blockFrame{
		Type:        MessageBlock,
		Height:      hd.GetHeight(),
		Hash:        hex.EncodeToString(hd.GetHash()),
		PrevHash:    hex.EncodeToString(hd.GetPrevHash()),
		TxCount:     hd.GetTxCount(),
		FailedCount: hd.GetFailedCount(),
		Timestamp:   hd.GetTimestampMs(),
	})}
}

func newTPSMessage(s TPSSample) Message {
	return Message{Type: MessageTPS, TPS: s, wire: mustJSON(tpsFrame{
		Type: MessageTPS, TPS: s.TPS, Height: s.Height, T: s.T,
	})}
}

// mustJSON encodes the frames above, which hold only strings and integers
// and so cannot fail to encode.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("stream: encode frame: " + err.Error())
	}
	return b
}
