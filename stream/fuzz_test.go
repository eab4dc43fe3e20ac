package stream

import (
	"net/url"
	"strconv"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

func FuzzParseFromHeight(f *testing.F) {
	for _, seed := range []string{"", "from_height=1", "from_height=18446744073709551615", "from_height=0",
		"from_height=-1", "from_height=1&from_height=2", "from_height=%zz", "other=1", "from_height=+5", "from_height=1e3"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		h, err := parseFromHeight(raw)
		if err != nil {
			if h != 0 {
				t.Fatalf("parseFromHeight(%q) = %d with error %v", raw, h, err)
			}
			return
		}
		if h == 0 {
			// Only an absent parameter means live-only.
			if q, _ := url.ParseQuery(raw); q.Has("from_height") {
				t.Fatalf("parseFromHeight(%q) accepted a from_height of 0", raw)
			}
			return
		}
		if again, err := parseFromHeight("from_height=" + strconv.FormatUint(h, 10)); err != nil || again != h {
			t.Fatalf("height %d from %q does not round-trip: %d, %v", h, raw, again, err)
		}
	})
}

func FuzzDecodeBlockRecord(f *testing.F) {
	chain := newMemChain()
	chain.append(2, 2, time.Now())
	for h := uint64(1); h <= 2; h++ {
		b, _ := chain.Get(h)
		rec, err := newBlockRecord(schemas.TopicBlocks, h, b, time.Now())
		if err != nil {
			f.Fatal(err)
		}
		f.Add(rec.Key, rec.Value)
	}
	f.Add([]byte("01"), []byte{})
	f.Add([]byte("0"), []byte{0x0a, 0x00})
	f.Add([]byte("3"), []byte{0xff, 0xff})
	f.Fuzz(func(t *testing.T, key, value []byte) {
		h, ev, err := decodeBlockRecord(key, value)
		if err != nil {
			return
		}
		if h == 0 || string(key) != strconv.FormatUint(h, 10) || ev.GetBlock().GetHeader().GetHeight() != h {
			t.Fatalf("decodeBlockRecord(%q) = height %d, block height %d", key, h, ev.GetBlock().GetHeader().GetHeight())
		}
		// What decodes must survive a re-encode with the same meaning.
		again, err := proto.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		var back aurigraphv1.BlockEvent
		if err := proto.Unmarshal(again, &back); err != nil || back.GetBlock().GetHeader().GetHeight() != h {
			t.Fatalf("re-encoded event does not decode to height %d: %v", h, err)
		}
	})
}
