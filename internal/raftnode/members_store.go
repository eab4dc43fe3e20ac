package raftnode

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/aurigraph/aurigraph/internal/atomicfile"
)

// MembersFile, in Config.DataDir, maps node ids to raft addresses, as
// applied conf changes and installed snapshots left them. It is not part of
// the state machine's snapshot state: the raft configuration is raft's.
const MembersFile = "members.json"

// WriteMembers replaces dataDir's MembersFile with addrs, as an earlier
// version's store that held them hands them over.
func WriteMembers(dataDir string, addrs map[uint64]string) error {
	m := &memberStore{path: filepath.Join(dataDir, MembersFile)}
	return m.writeLocked(maps.Clone(addrs))
}

// memberStore keeps the member addresses in MembersFile, rewritten whole
// (and synced) on each change: changes are rare.
type memberStore struct {
	path  string
	mu    sync.Mutex
	addrs map[uint64]string
}

func openMemberStore(path string) (*memberStore, error) {
	m := &memberStore{path: path, addrs: map[uint64]string{}}
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load members: %w", err)
	}
	var byName map[string]string
	if err := json.Unmarshal(raw, &byName); err != nil {
		return nil, fmt.Errorf("load members from %s: %w", path, err)
	}
	for k, v := range byName {
		id, err := strconv.ParseUint(k, 10, 64)
		if err != nil || id == 0 {
			return nil, fmt.Errorf("load members from %s: %q is not a validator id", path, k)
		}
		m.addrs[id] = v
	}
	return m, nil
}

func (m *memberStore) load() map[uint64]string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.addrs)
}

func (m *memberStore) writeLocked(addrs map[uint64]string) error {
	byName := make(map[string]string, len(addrs))
	for id, a := range addrs {
		byName[strconv.FormatUint(id, 10)] = a
	}
	raw, err := json.Marshal(byName)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(m.path, raw); err != nil {
		return err
	}
	m.addrs = addrs
	return nil
}

func (m *memberStore) save(id uint64, addr string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if cur, ok := m.addrs[id]; ok && cur == addr {
		return nil
	}
	next := maps.Clone(m.addrs)
	next[id] = addr
	if err := m.writeLocked(next); err != nil {
		return fmt.Errorf("persist member %d at %s: %w", id, addr, err)
	}
	return nil
}

func (m *memberStore) remove(id uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.addrs[id]; !ok {
		return nil
	}
	next := maps.Clone(m.addrs)
	delete(next, id)
	if err := m.writeLocked(next); err != nil {
		return fmt.Errorf("delete member %d: %w", id, err)
	}
	return nil
}

func (m *memberStore) replace(addrs map[uint64]string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if maps.Equal(addrs, m.addrs) {
		return nil
	}
	if err := m.writeLocked(maps.Clone(addrs)); err != nil {
		return fmt.Errorf("replace members: %w", err)
	}
	return nil
}
