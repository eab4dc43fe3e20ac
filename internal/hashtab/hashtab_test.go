package hashtab

import (
	"encoding/binary"
	"math/rand/v2"
	"runtime"
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

// TestLargeTablesLiveOffTheHeap checks that a table as big as a validator's
// dedup window neither counts toward the collector's heap nor loses entries
// while growing from heap slots into mapped ones and between mappings.
func TestLargeTablesLiveOffTheHeap(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	big := New(1 << 20)
	runtime.ReadMemStats(&after)
	if grew := after.HeapAlloc - before.HeapAlloc; grew > 1<<20 {
		t.Fatalf("a table for 2^20 entries put %d bytes on the heap, want its slots off it", grew)
	}
	big.Insert(Key{1}, 1)
	runtime.KeepAlive(big)

	r := rand.New(rand.NewPCG(3, 4))
	tab := New(4)
	ref := map[Key]uint64{}
	for range 200_000 {
		var k Key
		binary.LittleEndian.PutUint64(k[:], r.Uint64())
		binary.LittleEndian.PutUint64(k[8:], r.Uint64())
		v := r.Uint64()
		tab.Put(k, v)
		ref[k] = v
	}
	if tab.Len() != len(ref) {
		t.Fatalf("Len %d, want %d", tab.Len(), len(ref))
	}
	for k, v := range ref {
		if got, ok := tab.Get(k); !ok || got != v {
			t.Fatalf("Get(%x) = %d %v, want %d", k, got, ok, v)
		}
	}
	// Dropped tables are unmapped by their cleanups; a use after that
	// would fault, so collect with the tables gone and keep going.
	big, tab = nil, nil
	for range 3 {
		runtime.GC()
	}
	if n := New(1 << 18); !n.Insert(Key{2}, 2) {
		t.Fatal("insert into a fresh table after the cleanups ran failed")
	}
}
