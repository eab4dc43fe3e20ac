package hashtab

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

// TestTableAgreesWithMap runs random inserts, puts and deletes against a Go
// map, with keys crowded onto few home slots so that probe runs are long
// and deletions must shift entries back across them.
func TestTableAgreesWithMap(t *testing.T) {
	for _, tc := range []struct {
		name   string
		values bool
		homes  uint64
	}{
		{"map, spread", true, 1 << 40},
		{"map, crowded", true, 5},
		{"set, crowded", false, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 2))
			tab := New(4)
			ref := map[Key]uint64{}
			key := func() Key {
				var k Key
				binary.LittleEndian.PutUint64(k[:], r.Uint64N(tc.homes))
				binary.LittleEndian.PutUint64(k[8:], r.Uint64N(64))
				return k
			}
			for i := range 20000 {
				k, v := key(), r.Uint64()
				if !tc.values {
					v = 0
				}
				switch r.IntN(4) {
				case 0:
					_, had := ref[k]
					if got := tab.Insert(k, v); got == had {
						t.Fatalf("op %d: Insert reported %v with the key present %v", i, got, had)
					}
					if !had {
						ref[k] = v
					}
				case 1:
					tab.Put(k, v)
					ref[k] = v
				case 2:
					_, had := ref[k]
					if got := tab.Delete(k); got != had {
						t.Fatalf("op %d: Delete reported %v with the key present %v", i, got, had)
					}
					delete(ref, k)
				default:
					want, had := ref[k]
					if got, ok := tab.Get(k); ok != had || got != want {
						t.Fatalf("op %d: Get = %d %v, want %d %v", i, got, ok, want, had)
					}
				}
				if tab.Len() != len(ref) {
					t.Fatalf("op %d: Len %d, want %d", i, tab.Len(), len(ref))
				}
			}
			seen := 0
			tab.Range(func(k Key, v uint64) bool {
				if want, ok := ref[k]; !ok || want != v {
					t.Fatalf("Range gave %x=%d, the map has %d %v", k, v, want, ok)
				}
				seen++
				return true
			})
			if seen != len(ref) {
				t.Fatalf("Range gave %d entries, want %d", seen, len(ref))
			}
		})
	}
}
