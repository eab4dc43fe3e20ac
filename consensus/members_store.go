package consensus

import (
	"encoding/binary"
	"errors"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// bucketMembers maps be64 validator id -> raft address, as applied conf
// changes and installed snapshots left it. It sits outside stateBuckets:
// the raft configuration is not part of the state machine's snapshot state.
var bucketMembers = []byte("members")

// loadMembers returns the persisted member addresses.
func (s *BlockStore) loadMembers() (map[uint64]string, error) {
	out := map[uint64]string{}
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketMembers)
		if b == nil {
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			if len(k) != 8 {
				return fmt.Errorf("member key %x is %d bytes, want 8", k, len(k))
			}
			out[binary.BigEndian.Uint64(k)] = string(v)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("load members from block store: %w", err)
	}
	return out, nil
}

func (s *BlockStore) saveMember(id uint64, addr string) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketMembers)
		if err != nil {
			return err
		}
		return b.Put(be64(id), []byte(addr))
	})
	if err != nil {
		return fmt.Errorf("persist member %d at %s: %w", id, addr, err)
	}
	return nil
}

func (s *BlockStore) deleteMember(id uint64) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketMembers)
		if b == nil {
			return nil
		}
		return b.Delete(be64(id))
	})
	if err != nil {
		return fmt.Errorf("delete member %d: %w", id, err)
	}
	return nil
}

func (s *BlockStore) replaceMembers(addrs map[uint64]string) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketMembers); err != nil && !errors.Is(err, bolt.ErrBucketNotFound) {
			return err
		}
		b, err := tx.CreateBucket(bucketMembers)
		if err != nil {
			return err
		}
		for id, addr := range addrs {
			if err := b.Put(be64(id), []byte(addr)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("replace members: %w", err)
	}
	return nil
}
