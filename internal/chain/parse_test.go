package chain

import (
	"bytes"
	"crypto/ed25519"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/schemas"
)

func TestParseGenesis(t *testing.T) {
	pub := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)).Public().(ed25519.PublicKey)
	addr := schemas.AddressOf(pub)
	for _, c := range []struct {
		name, in, err string
	}{
		{"defaults", `{"chain_id":"c"}`, ""},
		{"signed with issuers", `{"chain_id":"c","require_signatures":true,"issuers":[{"address":"` + addr + `"},{"address":"treasury","pubkey":"` + strings.Repeat("ab", 32) + `"}],"max_block_bytes":100000,"max_timestamp_skew":"1m"}`, ""},
		{"unknown key", `{"chain_id":"c","issuer":[]}`, "unknown field"},
		{"named issuer without key on a signed chain", `{"require_signatures":true,"issuers":[{"address":"treasury"}]}`, "nobody could sign"},
		{"key address of another key", `{"issuers":[{"address":"` + addr + `","pubkey":"` + strings.Repeat("cd", 32) + `"}]}`, "is not the address"},
		{"short pubkey", `{"issuers":[{"address":"x","pubkey":"abcd"}]}`, "Ed25519 key"},
		{"issuer twice", `{"issuers":[{"address":"x"},{"address":"x"}]}`, "twice"},
		{"block limit too small", `{"max_block_bytes":1000}`, "max_block_bytes"},
		{"skew too large", `{"max_timestamp_skew":"48h"}`, "max_timestamp_skew"},
		{"skew not a duration", `{"max_timestamp_skew":"soon"}`, "max_timestamp_skew"},
		{"chain id with a space", `{"chain_id":"a b"}`, "chain_id"},
	} {
		t.Run(c.name, func(t *testing.T) {
			g, err := ParseGenesis([]byte(c.in))
			if c.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				back, err := MarshalGenesis(g)
				if err != nil {
					t.Fatal(err)
				}
				again, err := ParseGenesis(back)
				if err != nil || !proto.Equal(g, again) || !bytes.Equal(GenesisHash(g), GenesisHash(again)) {
					t.Fatalf("round trip: %v, %v != %v", err, again, g)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Fatalf("ParseGenesis = %v, %v; want an error containing %q", g, err, c.err)
			}
		})
	}
}

func FuzzParseGenesis(f *testing.F) {
	f.Add([]byte(`{"chain_id":"c","require_signatures":true,"issuers":[{"address":"treasury","pubkey":"` + strings.Repeat("ab", 32) + `"}],"max_block_bytes":100000,"max_timestamp_skew":"1m"}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		g, err := ParseGenesis(raw)
		if err != nil {
			return
		}
		if err := CheckGenesis(g); err != nil {
			t.Fatalf("ParseGenesis accepted a genesis CheckGenesis refuses: %v", err)
		}
		back, err := MarshalGenesis(g)
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseGenesis(back)
		if err != nil || !bytes.Equal(GenesisHash(g), GenesisHash(again)) {
			t.Fatalf("round trip of %s: %v", back, err)
		}
	})
}

func FuzzParseAnchor(f *testing.F) {
	k := &Keys{}
	_, _ = k.Register(1, bytes.Repeat([]byte{7}, 32))
	_, _ = k.Register(2, bytes.Repeat([]byte{8}, 32))
	k.Retire(2, 9)
	doc := k.Document(bytes.Repeat([]byte{1}, 32))
	f.Add([]byte(`{"genesis_hash":"` + doc.GenesisHash + `","keys":[{"id":1,"pubkey":"` + doc.Keys[0].Pubkey + `"},{"id":2,"pubkey":"` + doc.Keys[1].Pubkey + `","retired_at_height":9}]}`))
	f.Add([]byte(`{"genesis_hash":"","keys":[]}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		a, err := ParseAnchor(raw)
		if err != nil {
			return
		}
		if len(a.GenesisHash) != HashSize {
			t.Fatalf("genesis hash of %d bytes accepted", len(a.GenesisHash))
		}
		for _, r := range a.Keys.Records() {
			if r.ID == 0 || len(r.Pubkey) != ed25519.PublicKeySize {
				t.Fatalf("record %+v accepted", r)
			}
		}
	})
}

// TestKeysRetireAndConflict: a validator keeps one key until it leaves; a
// retired key signs no block above its retirement.
func TestKeysRetireAndConflict(t *testing.T) {
	k := &Keys{}
	a, b := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)
	if changed, err := k.Register(1, a); !changed || err != nil {
		t.Fatal(changed, err)
	}
	if changed, err := k.Register(1, a); changed || err != nil {
		t.Fatal("registering the same key again changed something", changed, err)
	}
	if _, err := k.Register(1, b); err == nil {
		t.Fatal("a second key for a member was accepted")
	}
	k.Retire(1, 10)
	if got := k.BlockKeys(1, 10); len(got) != 1 {
		t.Fatalf("retired key at its retirement height: %v", got)
	}
	if got := k.BlockKeys(1, 11); len(got) != 0 {
		t.Fatalf("retired key above its retirement height: %v", got)
	}
	if changed, err := k.Register(1, b); !changed || err != nil {
		t.Fatal("re-added validator could not register a new key", err)
	}
	if got := k.BlockKeys(1, 5); len(got) != 2 {
		t.Fatalf("at height 5 both keys may have signed: %v", got)
	}
	back := KeysFromProto(k.Proto())
	if len(back.Records()) != 2 || back.Records()[0].RetiredAt != 10 {
		t.Fatalf("round trip: %+v", back.Records())
	}
}
