package stream

import (
	"encoding/json"
	"net/url"
	"reflect"
	"strconv"
	"testing"
)

func FuzzRequestFromQuery(f *testing.F) {
	for _, seed := range []string{"", "from_height=1", "from_height=18446744073709551615", "from_height=0",
		"from_height=-1", "from_height=1&from_height=2", "from_height=%zz", "other=1", "from_height=+5", "from_height=1e3",
		"after=5", "after=5.3", "after=5.", "after=.3", "after=5.4294967295", "from_height=2&after=3",
		"types=block,tx&account=alice,bob&tx_type=transfer&status=failed&asset=", "types=nope", "tx_type=TX_TYPE_MINT"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		req, err := requestFromQuery(raw)
		if err != nil {
			return
		}
		q, _ := url.ParseQuery(raw)
		if req.FromHeight == 0 && q.Has("from_height") {
			t.Fatalf("requestFromQuery(%q) accepted a from_height of 0", raw)
		}
		if req.FromHeight != 0 {
			again, err := requestFromQuery("from_height=" + strconv.FormatUint(req.FromHeight, 10))
			if err != nil || again.FromHeight != req.FromHeight {
				t.Fatalf("height %d from %q does not round-trip: %d, %v", req.FromHeight, raw, again.FromHeight, err)
			}
		}
		if req.After != "" {
			c, err := parseEventID(req.After)
			if err != nil || c.height == 0 || !c.skipBlock {
				t.Fatalf("after=%q accepted, but parses to %+v, %v", req.After, c, err)
			}
		}
		// What was accepted compiles, and its echo parses back to the same filter.
		if _, err := req.Filter.compile(); err != nil {
			t.Fatalf("accepted filter does not compile: %v", err)
		}
		echo, err := req.Filter.describe().filter()
		if err != nil {
			t.Fatalf("echo of %+v does not parse: %v", req.Filter, err)
		}
		if a, b := echo.describe(), req.Filter.describe(); !reflect.DeepEqual(a, b) {
			t.Fatalf("filter %+v echoes as %+v", b, a)
		}
	})
}

func FuzzControlMessage(f *testing.F) {
	for _, seed := range []string{`{"type":"subscribe","types":["tx"],"accounts":["a"]}`, `{"type":"subscribe"}`, `{}`, `[]`,
		`{"type":"subscribe","tx_types":["bad"]}`, `{"type":"subscribe","statuses":["committed","TX_STATUS_FAILED"]}`, `nul`} {
		f.Add([]byte(seed))
	}
	hub := NewHub(newMemChain(), HubOptions{})
	f.Fuzz(func(t *testing.T, raw []byte) {
		sub := &Subscription{hub: hub}
		before, _ := Filter{}.compile()
		sub.match.Store(before)
		typ, reply := applyControl(sub, raw)
		var out map[string]any
		if err := json.Unmarshal(reply, &out); err != nil || out["type"] != string(typ) {
			t.Fatalf("reply %s to %q is not a %s frame: %v", reply, raw, typ, err)
		}
		if typ == MessageError && sub.match.Load() != before {
			t.Fatalf("refused message %q changed the filter", raw)
		}
	})
}
