package consensus

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"go.etcd.io/raft/v3/raftpb"
)

// recordingMachine keeps the data of every normal entry it applies.
type recordingMachine struct {
	mu          sync.Mutex
	index, term uint64
	data        [][]byte
}

func (m *recordingMachine) Apply(ents []raftpb.Entry, confChange func(*raftpb.Entry) (raftpb.ConfChangeV2, error)) ([]Outcome, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range ents {
		e := &ents[i]
		if _, err := confChange(e); err != nil {
			return nil, err
		}
		if e.Index <= m.index {
			continue
		}
		if e.Type == raftpb.EntryNormal && len(e.Data) > 0 {
			m.data = append(m.data, e.Data)
		}
		m.index, m.term = e.Index, e.Term
	}
	return nil, nil
}

func (m *recordingMachine) Applied() (uint64, uint64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.index, m.term
}

func (m *recordingMachine) Snapshot() (uint64, uint64, func() ([]byte, error)) {
	index, term := m.Applied()
	return index, term, func() ([]byte, error) { return nil, nil }
}

func (m *recordingMachine) Restore(_ []byte, index, term uint64, _ bool) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.index, m.term = index, term
	return nil
}

func (m *recordingMachine) Sync() error { return nil }

func (m *recordingMachine) applied() [][]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.data)
}

// TestReplicaReplicatesToTheCallersMachine runs three replicas over
// loopback and checks that what the leader proposes reaches every
// machine in order, that a follower refuses to propose, and that no block
// store is opened.
func TestReplicaReplicatesToTheCallersMachine(t *testing.T) {
	peers := map[uint64]string{}
	lis := map[uint64]net.Listener{}
	for id := uint64(1); id <= 3; id++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lis[id], peers[id] = l, l.Addr().String()
	}
	replicas := map[uint64]*Replica{}
	machines := map[uint64]*recordingMachine{}
	dirs := map[uint64]string{}
	for id := uint64(1); id <= 3; id++ {
		machines[id], dirs[id] = &recordingMachine{}, t.TempDir()
		r, err := StartReplica(t.Context(), Config{
			ID: id, Peers: peers, Listener: lis[id], DataDir: dirs[id], TickInterval: testTick, Logger: testLogger(),
		}, machines[id])
		if err != nil {
			t.Fatal(err)
		}
		replicas[id] = r
		t.Cleanup(func() {
			if err := r.Close(context.Background()); err != nil {
				t.Errorf("close replica %d: %v", id, err)
			}
		})
	}
	var lead uint64
	waitFor(t, "a leader", func() bool {
		for id, r := range replicas {
			if isLeader, _ := r.Leader(); isLeader {
				lead = id
				return true
			}
		}
		return false
	})
	want := [][]byte{[]byte("one"), []byte("two"), []byte("three")}
	for _, d := range want {
		if err := replicas[lead].Propose(t.Context(), d); err != nil {
			t.Fatalf("propose %q on the leader: %v", d, err)
		}
	}
	for id, m := range machines {
		waitFor(t, "every entry applied on replica", func() bool { return len(m.applied()) >= len(want) })
		if got := m.applied(); !slices.EqualFunc(got, want, slices.Equal) {
			t.Errorf("replica %d applied %q, want %q", id, got, want)
		}
	}
	for id, r := range replicas {
		if id == lead {
			continue
		}
		if err := r.Propose(t.Context(), []byte("x")); !errors.Is(err, ErrNotLeader) {
			t.Errorf("replica %d, a follower, proposed: %v; want ErrNotLeader", id, err)
		}
		if r.Err() != nil {
			t.Errorf("replica %d: %v", id, r.Err())
		}
	}
	for id, dir := range dirs {
		if _, err := os.Stat(filepath.Join(dir, BlocksFile)); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("replica %d: block store in %s: %v; want none", id, dir, err)
		}
	}
}

func TestStartReplicaNeedsAMachine(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, err = StartReplica(t.Context(), Config{ID: 1, Peers: map[uint64]string{1: l.Addr().String()}, Listener: l, DataDir: t.TempDir()}, nil)
	if err == nil {
		t.Fatal("StartReplica without a state machine succeeded")
	}
	// The listener was handed over, so it is closed.
	if _, err := l.Accept(); err == nil {
		t.Error("the listener is still open")
	}
}
