package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// APIKeyPrefix starts every API key, so a key is told from a JWT at a
// glance and secret scanners can find leaked ones.
const APIKeyPrefix = "agk_"

// DefaultKeyLifetime is how long a key lives when its creator names no
// expiry.
const DefaultKeyLifetime = 90 * 24 * time.Hour

// maxKeys bounds the keys one file holds.
const maxKeys = 10_000

// APIKey is a stored key: everything but the secret, of which only a
// SHA-256 hash is kept. The secret has 256 bits of entropy, so a fast hash
// is enough: there is nothing to guess from it.
type APIKey struct {
	ID           string    `json:"id"`
	Name         string    `json:"name"`
	Role         Role      `json:"role"`
	Organisation string    `json:"organisation,omitempty"`
	Created      time.Time `json:"created"`
	Expires      time.Time `json:"expires"`
	// CreatedBy names the principal that created the key.
	CreatedBy string `json:"created_by,omitempty"`
	Hash      string `json:"sha256"`
}

// NewKey is what a creator asks for.
type NewKey struct {
	Name         string
	Role         Role
	Organisation string
	// Lifetime defaults to DefaultKeyLifetime.
	Lifetime  time.Duration
	CreatedBy string
}

// KeyStore holds API keys in a file of their own (JSON, mode 0600), which
// it writes atomically and reads again when it changes on disk, so keys
// created or revoked on one node reach others that share or receive the
// file without a restart.
type KeyStore struct {
	path string

	mu      sync.Mutex
	keys    map[string]APIKey
	modTime time.Time
	checked time.Time
}

// OpenKeyStore opens (or, when absent, starts) the key file at path.
func OpenKeyStore(path string) (*KeyStore, error) {
	s := &KeyStore{path: path, keys: map[string]APIKey{}}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("api keys %s: %w", path, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.reloadLocked(true); err != nil {
		return nil, err
	}
	return s, nil
}

type keyFile struct {
	Keys []APIKey `json:"keys"`
}

// reloadLocked reads the file again when its modification time changed;
// force reads it regardless. A missing file holds no keys.
func (s *KeyStore) reloadLocked(force bool) error {
	s.checked = time.Now()
	st, err := os.Stat(s.path)
	if errors.Is(err, os.ErrNotExist) {
		s.keys, s.modTime = map[string]APIKey{}, time.Time{}
		return nil
	}
	if err != nil {
		return fmt.Errorf("api keys %s: %w", s.path, err)
	}
	if !force && st.ModTime().Equal(s.modTime) {
		return nil
	}
	raw, err := os.ReadFile(s.path)
	if err != nil {
		return fmt.Errorf("api keys %s: %w", s.path, err)
	}
	var f keyFile
	if err := json.Unmarshal(raw, &f); err != nil {
		return fmt.Errorf("api keys %s: not a key file: %w", s.path, err)
	}
	keys := make(map[string]APIKey, len(f.Keys))
	for _, k := range f.Keys {
		if k.ID == "" || len(k.Hash) != 2*sha256.Size {
			return fmt.Errorf("api keys %s: key %q has no id or no sha256", s.path, k.ID)
		}
		keys[k.ID] = k
	}
	s.keys, s.modTime = keys, st.ModTime()
	return nil
}

// refreshLocked rereads a changed file at most once a second.
func (s *KeyStore) refreshLocked() {
	if time.Since(s.checked) < time.Second {
		return
	}
	if err := s.reloadLocked(false); err != nil {
		// Keep the keys last read: a half-written copy from another tool
		// must not lock every machine out.
		s.checked = time.Now()
	}
}

func (s *KeyStore) writeLocked(keys map[string]APIKey) error {
	f := keyFile{Keys: make([]APIKey, 0, len(keys))}
	for _, k := range keys {
		f.Keys = append(f.Keys, k)
	}
	slices.SortFunc(f.Keys, func(a, b APIKey) int { return strings.Compare(a.ID, b.ID) })
	raw, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.path), ".apikeys-*")
	if err != nil {
		return fmt.Errorf("api keys %s: %w", s.path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(raw, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("api keys %s: %w", s.path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("api keys %s: %w", s.path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("api keys %s: %w", s.path, err)
	}
	if err := os.Rename(tmp.Name(), s.path); err != nil {
		return fmt.Errorf("api keys %s: %w", s.path, err)
	}
	s.keys = keys
	if st, err := os.Stat(s.path); err == nil {
		s.modTime = st.ModTime()
	}
	return nil
}

// Create makes a key and returns it with its secret, which is shown this
// once: only its hash is stored.
func (s *KeyStore) Create(req NewKey, now time.Time) (APIKey, string, error) {
	if req.Name == "" || len(req.Name) > 128 {
		return APIKey{}, "", errors.New("api key: name must be 1 to 128 characters")
	}
	if req.Role == RoleNone || req.Role > RoleAdmin {
		return APIKey{}, "", fmt.Errorf("api key %q: role %s grants nothing: use viewer, submitter, operator, validator or admin", req.Name, req.Role)
	}
	if req.Lifetime < 0 {
		return APIKey{}, "", fmt.Errorf("api key %q: negative lifetime %s", req.Name, req.Lifetime)
	}
	if req.Lifetime == 0 {
		req.Lifetime = DefaultKeyLifetime
	}
	var id [8]byte
	var secret [32]byte
	if _, err := rand.Read(id[:]); err != nil {
		return APIKey{}, "", err
	}
	if _, err := rand.Read(secret[:]); err != nil {
		return APIKey{}, "", err
	}
	k := APIKey{
		ID: hex.EncodeToString(id[:]), Name: req.Name, Role: req.Role, Organisation: req.Organisation,
		Created: now.UTC().Truncate(time.Second), Expires: now.Add(req.Lifetime).UTC().Truncate(time.Second), CreatedBy: req.CreatedBy,
	}
	plain := APIKeyPrefix + k.ID + "_" + base64.RawURLEncoding.EncodeToString(secret[:])
	sum := sha256.Sum256([]byte(plain))
	k.Hash = hex.EncodeToString(sum[:])
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.reloadLocked(false); err != nil {
		return APIKey{}, "", err
	}
	if len(s.keys) >= maxKeys {
		return APIKey{}, "", fmt.Errorf("api key: %d keys stored already; revoke unused ones first", len(s.keys))
	}
	keys := maps.Clone(s.keys)
	keys[k.ID] = k
	if err := s.writeLocked(keys); err != nil {
		return APIKey{}, "", err
	}
	return k, plain, nil
}

// ErrKeyNotFound is returned by Revoke for an unknown id.
var ErrKeyNotFound = errors.New("no such api key")

// Revoke deletes the key with id; it stops working at once on this node
// and on others once they see the file change.
func (s *KeyStore) Revoke(id string) (APIKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.reloadLocked(false); err != nil {
		return APIKey{}, err
	}
	k, ok := s.keys[id]
	if !ok {
		return APIKey{}, fmt.Errorf("%w: %q", ErrKeyNotFound, id)
	}
	keys := maps.Clone(s.keys)
	delete(keys, id)
	return k, s.writeLocked(keys)
}

// List returns the stored keys, without secrets, by id.
func (s *KeyStore) List() []APIKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refreshLocked()
	out := make([]APIKey, 0, len(s.keys))
	for _, k := range s.keys {
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b APIKey) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Verify returns the principal of a presented key.
func (s *KeyStore) Verify(plain string, now time.Time) (Principal, error) {
	rest, ok := strings.CutPrefix(plain, APIKeyPrefix)
	id, _, ok2 := strings.Cut(rest, "_")
	if !ok || !ok2 || len(id) != 16 {
		return Principal{}, fmt.Errorf("%w: malformed api key", ErrInvalidCredentials)
	}
	s.mu.Lock()
	s.refreshLocked()
	k, found := s.keys[id]
	s.mu.Unlock()
	sum := sha256.Sum256([]byte(plain))
	want, _ := hex.DecodeString(k.Hash)
	// Compared in constant time even for an unknown id, so timing tells
	// nothing about which ids exist.
	if subtle.ConstantTimeCompare(sum[:], want) != 1 || !found {
		return Principal{}, fmt.Errorf("%w: unknown or revoked api key %s", ErrInvalidCredentials, id)
	}
	if !now.Before(k.Expires) {
		return Principal{}, fmt.Errorf("%w: api key %s (%s) expired at %s", ErrInvalidCredentials, id, k.Name, k.Expires.Format(time.RFC3339))
	}
	return Principal{Subject: "key:" + k.ID, Name: k.Name, Method: MethodAPIKey, Role: k.Role, Organisation: k.Organisation, Expires: k.Expires}, nil
}
