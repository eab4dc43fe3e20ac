package raftnodetest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"

	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/aurigraph/aurigraph/internal/raftnode"
)

// Entry encodes what a Machine applies: the proposal id whose outcome the
// Machine reports (0 for none) and the payload it keeps.
func Entry(proposal uint64, payload []byte) []byte {
	return append(binary.BigEndian.AppendUint64(nil, proposal), payload...)
}

// Machine is a raftnode.StateMachine that keeps what it applies: the
// payload of every normal entry, in order. It reports a nil outcome for
// every entry made with Entry under a proposal id, and refuses, as a whole,
// nothing. Its snapshots carry the payloads.
type Machine struct {
	mu          sync.Mutex
	index, term uint64
	payloads    [][]byte
}

// Apply implements raftnode.StateMachine.
func (m *Machine) Apply(ents []raftpb.Entry, conf raftnode.Conf) ([]raftnode.Outcome, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []raftnode.Outcome
	for i := range ents {
		e := &ents[i]
		if _, err := conf.Change(e); err != nil {
			return nil, err
		}
		if e.Index <= m.index {
			continue
		}
		if e.Type == raftpb.EntryNormal && len(e.Data) >= 8 {
			if id := binary.BigEndian.Uint64(e.Data); id != 0 {
				out = append(out, raftnode.Outcome{Proposal: id})
			}
			m.payloads = append(m.payloads, e.Data[8:])
		}
		m.index, m.term = e.Index, e.Term
	}
	return out, nil
}

// Applied implements raftnode.StateMachine.
func (m *Machine) Applied() (uint64, uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.index, m.term
}

// Snapshot implements raftnode.StateMachine: the payloads as field 1 of a
// protocol buffers message.
func (m *Machine) Snapshot() (uint64, uint64, func() ([]byte, error)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	payloads := slices.Clone(m.payloads)
	return m.index, m.term, func() ([]byte, error) {
		var out []byte
		for _, p := range payloads {
			out = protowire.AppendTag(out, 1, protowire.BytesType)
			out = protowire.AppendBytes(out, p)
		}
		return out, nil
	}
}

// Restore implements raftnode.StateMachine.
func (m *Machine) Restore(data []byte, index, term uint64, _ bool) error {
	var payloads [][]byte
	for len(data) > 0 {
		num, typ, n := protowire.ConsumeTag(data)
		if n < 0 {
			return fmt.Errorf("restore: %w", protowire.ParseError(n))
		}
		data = data[n:]
		if num != 1 || typ != protowire.BytesType {
			// The members the raft loop appends.
			n = protowire.ConsumeFieldValue(num, typ, data)
		} else {
			var p []byte
			p, n = protowire.ConsumeBytes(data)
			payloads = append(payloads, p)
		}
		if n < 0 {
			return errors.New("restore: snapshot cut short")
		}
		data = data[n:]
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.index, m.term, m.payloads = index, term, payloads
	return nil
}

// Sync implements raftnode.StateMachine; the machine keeps nothing on disk.
func (m *Machine) Sync() error { return nil }

// Payloads returns what the machine applied, in order.
func (m *Machine) Payloads() [][]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.payloads)
}
