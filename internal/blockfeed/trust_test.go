package blockfeed

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aurigraph/aurigraph/internal/chain"
	"github.com/aurigraph/aurigraph/internal/chain/chaintest"
)

// keysServer serves a validator's GET /api/v12/validators/keys.
type keysServer struct {
	mu     sync.Mutex
	status int
	body   []byte
	hits   int
}

func (s *keysServer) set(status int, body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status, s.body = status, body
}

func (s *keysServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hits++
	if r.URL.Path != KeysPath {
		http.NotFound(w, r)
		return
	}
	w.WriteHeader(s.status)
	_, _ = w.Write(s.body)
}

func serveKeys(t *testing.T, status int, body []byte) (*keysServer, string) {
	t.Helper()
	ks := &keysServer{status: status, body: body}
	srv := httptest.NewServer(ks)
	t.Cleanup(srv.Close)
	return ks, srv.URL
}

func document(t *testing.T, c *chaintest.Chain, edit func(*chain.KeysDocument)) []byte {
	t.Helper()
	doc := c.Keys().Document(c.GenesisHash())
	if edit != nil {
		edit(&doc)
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// answer is one validator's answer to GET /api/v12/validators/keys.
type answer struct {
	status int
	body   []byte
}

func TestAnchorsFromValidatorsAndFiles(t *testing.T) {
	c := testChain(t)
	other := chaintest.New("another chain", 3)
	onlyFirst := func(d *chain.KeysDocument) { d.Keys = d.Keys[:1] }
	tests := []struct {
		name string
		// file, when set, is the keys file's document.
		file []byte
		// answers of the validators, in the order they are asked.
		answers    []answer
		down       bool // a validator that does not listen comes first
		wantOK     bool
		wantSigner uint64 // a validator whose key the anchor must hold
		wantErr    string
	}{
		{name: "the first answer pins the chain", wantOK: true, wantSigner: 3,
			answers: []answer{{200, document(t, c, nil)}}},
		{name: "a validator that is down is passed over", down: true, wantOK: true, wantSigner: 3,
			answers: []answer{{200, document(t, c, nil)}}},
		{name: "the file's keys and the validators' together", file: document(t, c, onlyFirst), wantOK: true, wantSigner: 3,
			answers: []answer{{200, document(t, c, func(d *chain.KeysDocument) { d.Keys = d.Keys[2:] })}}},
		{name: "a validator of another chain is refused", file: document(t, c, onlyFirst), wantOK: true, wantErr: "another",
			answers: []answer{{200, document(t, other, nil)}}},
		{name: "an error answer", wantErr: "503",
			answers: []answer{{503, []byte("no leader")}}},
		{name: "an answer too large", wantErr: "larger than",
			answers: []answer{{200, []byte(strings.Repeat(" ", maxKeysDocument+1))}}},
		{name: "not a keys document", wantErr: "validator keys document",
			answers: []answer{{200, []byte(`{"genesis_hash":"00","keys":[]}`)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := AnchorsConfig{Logger: testLogger(t)}
			if tt.file != nil {
				cfg.File = t.TempDir() + "/keys.json"
				writeFile(t, cfg.File, tt.file)
			}
			if tt.down {
				srv := httptest.NewServer(http.NotFoundHandler())
				srv.Close()
				cfg.Validators = append(cfg.Validators, srv.URL)
			}
			for _, a := range tt.answers {
				_, u := serveKeys(t, a.status, a.body)
				cfg.Validators = append(cfg.Validators, u)
			}
			a, err := NewAnchors(cfg)
			if err != nil {
				t.Fatal(err)
			}
			_, err = a.refresh(context.Background())
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("refresh = %v, want an error containing %q", err, tt.wantErr)
			}
			an, ok := a.Anchor()
			if ok != tt.wantOK {
				t.Fatalf("anchor known = %v, want %v", ok, tt.wantOK)
			}
			if !ok {
				return
			}
			if string(an.GenesisHash) != string(c.GenesisHash()) {
				t.Fatalf("genesis %x, want %x", an.GenesisHash, c.GenesisHash())
			}
			if tt.wantSigner != 0 && len(an.Keys.BlockKeys(tt.wantSigner, 1)) == 0 {
				t.Fatalf("anchor lacks validator %d's key", tt.wantSigner)
			}
		})
	}
}

func writeFile(t *testing.T, path string, raw []byte) {
	t.Helper()
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
}

// On-demand refreshes are paced: a burst of blocks signed by unknown keys
// asks a validator once, not once per block.
func TestAnchorsRefreshIsPaced(t *testing.T) {
	c := testChain(t)
	ks, u := serveKeys(t, 200, document(t, c, func(d *chain.KeysDocument) { d.Keys = d.Keys[:2] }))
	a, err := NewAnchors(AnchorsConfig{Validators: []string{u}, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	if !a.Refresh(context.Background()) {
		t.Fatal("the first refresh brought no keys")
	}
	for range 100 {
		a.Refresh(context.Background())
	}
	ks.mu.Lock()
	hits := ks.hits
	ks.mu.Unlock()
	if hits != 1 {
		t.Fatalf("%d requests for 101 refreshes in a burst, want 1", hits)
	}
	// A retirement or a new member is learned by Run without a block asking.
	ks.set(200, document(t, c, nil))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a.cfg.RefreshEvery = 20 * time.Millisecond
	go a.Run(ctx)
	deadline := time.Now().Add(5 * time.Second)
	for {
		an, _ := a.Anchor()
		if len(an.Keys.BlockKeys(3, 1)) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Run did not pick up validator 3's key")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestNewAnchorsRefusesBadConfig(t *testing.T) {
	for _, cfg := range []AnchorsConfig{
		{},
		{Validators: []string{"node:8080"}},
		{Validators: []string{"ftp://node"}},
		{File: "/does/not/exist.json"},
	} {
		if _, err := NewAnchors(cfg); err == nil {
			t.Errorf("NewAnchors(%+v) accepted", cfg)
		}
	}
}
