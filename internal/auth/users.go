package auth

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
)

// SCRAM mechanisms, named as SASL names them.
const (
	SCRAMSHA256 = "SCRAM-SHA-256"
	SCRAMSHA512 = "SCRAM-SHA-512"
)

// DefaultSCRAMIterations is the PBKDF2 iteration count of new verifiers:
// twice Kafka's minimum of 4096.
const DefaultSCRAMIterations = 8192

// maxUsers bounds the users one file holds.
const maxUsers = 10_000

// Credential is a SCRAM verifier (RFC 5802): enough to check a password
// or a SCRAM proof, and not enough to log in with or to recover the
// password without guessing it through Iterations rounds of PBKDF2 per
// guess.
type Credential struct {
	Salt       []byte `json:"salt"`
	Iterations int    `json:"iterations"`
	StoredKey  []byte `json:"stored_key"`
	ServerKey  []byte `json:"server_key"`
}

// User is a named user: the Kafka port's SASL users and the ClickHouse
// interface's named users. It has no organisation: neither a topic nor SQL
// can be confined to one organisation's accounts.
type User struct {
	Name string `json:"name"`
	Role Role   `json:"role"`
	// SCRAM holds one verifier per mechanism, keyed SCRAM-SHA-256 and
	// SCRAM-SHA-512.
	SCRAM   map[string]Credential `json:"scram"`
	Created time.Time             `json:"created,omitzero"`
}

// Principal is the user's principal.
func (u User) Principal() Principal {
	return Principal{Subject: "user:" + u.Name, Name: u.Name, Method: MethodPassword, Role: u.Role}
}

func scramHash(mechanism string) (func() hash.Hash, bool) {
	switch mechanism {
	case SCRAMSHA256:
		return sha256.New, true
	case SCRAMSHA512:
		return sha512.New, true
	}
	return nil, false
}

func hmacSum(h func() hash.Hash, key []byte, msg string) []byte {
	m := hmac.New(h, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}

// NewCredential makes a verifier of password for mechanism.
func NewCredential(mechanism, password string, iterations int) (Credential, error) {
	h, ok := scramHash(mechanism)
	if !ok {
		return Credential{}, fmt.Errorf("mechanism %q: use %s or %s", mechanism, SCRAMSHA256, SCRAMSHA512)
	}
	if iterations < 4096 {
		return Credential{}, fmt.Errorf("%d iterations: use at least 4096", iterations)
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return Credential{}, err
	}
	return credential(h, password, salt, iterations)
}

func credential(h func() hash.Hash, password string, salt []byte, iterations int) (Credential, error) {
	salted, err := pbkdf2.Key(h, password, salt, iterations, h().Size())
	if err != nil {
		return Credential{}, err
	}
	clientKey := hmacSum(h, salted, "Client Key")
	stored := h()
	stored.Write(clientKey)
	return Credential{Salt: salt, Iterations: iterations, StoredKey: stored.Sum(nil), ServerKey: hmacSum(h, salted, "Server Key")}, nil
}

// checkPassword reports whether password is the one c verifies, comparing
// in constant time.
func (c Credential) checkPassword(h func() hash.Hash, password string) bool {
	got, err := credential(h, password, c.Salt, c.Iterations)
	return err == nil && subtle.ConstantTimeCompare(got.StoredKey, c.StoredKey) == 1
}

// NewUser makes a user with verifiers of password for both mechanisms.
func NewUser(name string, role Role, password string) (User, error) {
	if err := checkUserName(name); err != nil {
		return User{}, err
	}
	if role == RoleNone || role > RoleAdmin {
		return User{}, fmt.Errorf("user %q: role %s grants nothing: use viewer, submitter, operator, validator or admin", name, role)
	}
	if len(password) < 12 {
		return User{}, fmt.Errorf("user %q: the password has %d characters; use at least 12", name, len(password))
	}
	u := User{Name: name, Role: role, SCRAM: map[string]Credential{}, Created: time.Now().UTC().Truncate(time.Second)}
	for _, m := range []string{SCRAMSHA256, SCRAMSHA512} {
		c, err := NewCredential(m, password, DefaultSCRAMIterations)
		if err != nil {
			return User{}, err
		}
		u.SCRAM[m] = c
	}
	return u, nil
}

// checkUserName allows 1 to 128 printable characters without spaces, the
// names SASL and HTTP basic authentication both carry unchanged.
func checkUserName(name string) error {
	if name == "" || len(name) > 128 {
		return fmt.Errorf("user name %q: use 1 to 128 characters", name)
	}
	for _, r := range name {
		if !unicode.IsPrint(r) || unicode.IsSpace(r) || r == ':' {
			return fmt.Errorf("user name %q: use printable characters without spaces or colons", name)
		}
	}
	return nil
}

// Users holds named users in a file of their own (JSON, mode 0600), which
// it writes atomically and reads again when it changes on disk, at most
// once a second, so users added or removed reach a running process without
// a restart. A process may add users of its own that live in memory only
// (its own service account on its embedded broker).
type Users struct {
	path string

	mu      sync.Mutex
	file    map[string]User
	process map[string]User
	modTime time.Time
	checked time.Time
	// dummy is checked against for unknown names, so that the time an
	// answer takes does not tell which names exist.
	dummy Credential
}

type usersFile struct {
	Users []User `json:"users"`
}

// OpenUsers opens (or, when absent, starts) the users file at path; an
// empty path holds no file, only the process's own users.
func OpenUsers(path string) (*Users, error) {
	dummy, err := NewCredential(SCRAMSHA256, "", DefaultSCRAMIterations)
	if err != nil {
		return nil, err
	}
	u := &Users{path: path, file: map[string]User{}, process: map[string]User{}, dummy: dummy}
	if path == "" {
		return u, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("users %s: %w", path, err)
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if err := u.reloadLocked(true); err != nil {
		return nil, err
	}
	return u, nil
}

// Path is the users file, or "" when there is none.
func (u *Users) Path() string { return u.path }

func (u *Users) reloadLocked(force bool) error {
	u.checked = time.Now()
	if u.path == "" {
		return nil
	}
	st, err := os.Stat(u.path)
	if errors.Is(err, os.ErrNotExist) {
		u.file, u.modTime = map[string]User{}, time.Time{}
		return nil
	}
	if err != nil {
		return fmt.Errorf("users %s: %w", u.path, err)
	}
	if !force && st.ModTime().Equal(u.modTime) {
		return nil
	}
	raw, err := os.ReadFile(u.path)
	if err != nil {
		return fmt.Errorf("users %s: %w", u.path, err)
	}
	var f usersFile
	if err := json.Unmarshal(raw, &f); err != nil {
		return fmt.Errorf("users %s: not a users file: %w", u.path, err)
	}
	if len(f.Users) > maxUsers {
		return fmt.Errorf("users %s: %d users, at most %d", u.path, len(f.Users), maxUsers)
	}
	users := make(map[string]User, len(f.Users))
	for _, usr := range f.Users {
		if err := checkUserName(usr.Name); err != nil {
			return fmt.Errorf("users %s: %w", u.path, err)
		}
		if _, dup := users[usr.Name]; dup {
			return fmt.Errorf("users %s: user %q appears twice", u.path, usr.Name)
		}
		for m, c := range usr.SCRAM {
			h, ok := scramHash(m)
			if !ok || len(c.Salt) < 8 || c.Iterations < 4096 || len(c.StoredKey) != h().Size() || len(c.ServerKey) != h().Size() {
				return fmt.Errorf("users %s: user %q has a malformed %s verifier (make users with aurigraph user add)", u.path, usr.Name, m)
			}
		}
		if len(usr.SCRAM) == 0 {
			return fmt.Errorf("users %s: user %q has no verifier", u.path, usr.Name)
		}
		users[usr.Name] = usr
	}
	u.file, u.modTime = users, st.ModTime()
	return nil
}

// refreshLocked rereads a changed file at most once a second; a file that
// does not read keeps the users last read, so a half-written copy locks
// nobody out.
func (u *Users) refreshLocked() {
	if time.Since(u.checked) < time.Second {
		return
	}
	_ = u.reloadLocked(false)
	u.checked = time.Now()
}

func (u *Users) writeLocked(users map[string]User) error {
	f := usersFile{Users: slices.SortedFunc(maps.Values(users), func(a, b User) int { return strings.Compare(a.Name, b.Name) })}
	raw, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(u.path), ".users-*")
	if err != nil {
		return fmt.Errorf("users %s: %w", u.path, err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(append(raw, '\n'))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), u.path)
	}
	if err != nil {
		return fmt.Errorf("users %s: %w", u.path, err)
	}
	u.file = users
	if st, err := os.Stat(u.path); err == nil {
		u.modTime = st.ModTime()
	}
	return nil
}

// Put adds usr to the file, or replaces the user of its name.
func (u *Users) Put(usr User) error {
	if u.path == "" {
		return errors.New("users: no file to write")
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if err := u.reloadLocked(false); err != nil {
		return err
	}
	if _, ok := u.file[usr.Name]; !ok && len(u.file) >= maxUsers {
		return fmt.Errorf("users %s: %d users already; remove unused ones first", u.path, len(u.file))
	}
	users := maps.Clone(u.file)
	users[usr.Name] = usr
	return u.writeLocked(users)
}

// ErrUserNotFound is returned by Remove for an unknown name.
var ErrUserNotFound = errors.New("no such user")

// Remove deletes the user name from the file.
func (u *Users) Remove(name string) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if err := u.reloadLocked(false); err != nil {
		return err
	}
	if _, ok := u.file[name]; !ok {
		return fmt.Errorf("%w: %q", ErrUserNotFound, name)
	}
	users := maps.Clone(u.file)
	delete(users, name)
	return u.writeLocked(users)
}

// List returns the file's users, by name.
func (u *Users) List() []User {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.refreshLocked()
	return slices.SortedFunc(maps.Values(u.file), func(a, b User) int { return strings.Compare(a.Name, b.Name) })
}

// AddProcessUser adds a user that lives in this process's memory only,
// with password, for the process's own clients.
func (u *Users) AddProcessUser(name string, role Role, password string) error {
	usr, err := NewUser(name, role, password)
	if err != nil {
		return err
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	u.refreshLocked()
	if _, ok := u.file[name]; ok {
		return fmt.Errorf("user %q is in %s already: choose another name for the process's own user", name, u.path)
	}
	u.process[name] = usr
	return nil
}

// Len counts the users, the process's own included.
func (u *Users) Len() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.refreshLocked()
	return len(u.file) + len(u.process)
}

func (u *Users) lookup(name string) (User, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.refreshLocked()
	if usr, ok := u.process[name]; ok {
		return usr, true
	}
	usr, ok := u.file[name]
	return usr, ok
}

// Credential returns name's verifier for a SCRAM mechanism.
func (u *Users) Credential(name, mechanism string) (Credential, User, bool) {
	usr, ok := u.lookup(name)
	if !ok {
		return Credential{}, User{}, false
	}
	c, ok := usr.SCRAM[mechanism]
	return c, usr, ok
}

// VerifyPassword checks a presented name and password (SASL PLAIN, HTTP
// basic authentication) against the user's verifier, in constant time,
// taking as long for an unknown name as for a wrong password.
func (u *Users) VerifyPassword(name, password string) (Principal, error) {
	usr, ok := u.lookup(name)
	c, h := u.dummy, sha256.New
	if ok {
		for _, m := range []string{SCRAMSHA256, SCRAMSHA512} {
			if v, found := usr.SCRAM[m]; found {
				c = v
				h, _ = scramHash(m)
				break
			}
		}
	}
	if !c.checkPassword(h, password) || !ok {
		return Principal{}, fmt.Errorf("%w: unknown user or wrong password for %q", ErrInvalidCredentials, name)
	}
	return usr.Principal(), nil
}
