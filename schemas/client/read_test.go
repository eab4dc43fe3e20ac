package client

import (
	"context"
	"fmt"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestBlocksPages(t *testing.T) {
	// The fake holds blocks 1 to 25 and answers at most 7 per page.
	for _, tc := range []struct {
		from, to    uint64
		headersOnly bool
		wantFirst   uint64
		wantLast    uint64
		wantPages   int
	}{
		{1, 0, false, 1, 25, 4},
		{5, 12, false, 5, 12, 2},
		{3, 3, true, 3, 3, 1},
		{20, 0, true, 20, 25, 1},
		{1, 21, true, 1, 21, 3},
	} {
		t.Run(fmt.Sprintf("%d to %d headers %v", tc.from, tc.to, tc.headersOnly), func(t *testing.T) {
			c, f, _ := start(t)
			// A failed page in the middle is retried without a trace in
			// the sequence.
			f.failNext(nil, unavailable())
			want := tc.wantFirst
			for b, err := range c.Blocks(context.Background(), tc.from, tc.to, tc.headersOnly) {
				if err != nil {
					t.Fatal(err)
				}
				if h := b.GetHeader().GetHeight(); h != want {
					t.Fatalf("got block %d, want %d", h, want)
				}
				if gotTxs := len(b.GetTxs()) > 0; gotTxs == tc.headersOnly {
					t.Fatalf("block %d has %d transactions with headersOnly %v", want, len(b.GetTxs()), tc.headersOnly)
				}
				want++
			}
			if want != tc.wantLast+1 {
				t.Fatalf("sequence ended before block %d", want)
			}
			lists := f.blocks.listed()
			if len(lists) != tc.wantPages {
				t.Fatalf("%d pages, want %d", len(lists), tc.wantPages)
			}
			wantLimit := uint32(blocksPage)
			if tc.headersOnly {
				wantLimit = headersPage
			}
			for _, l := range lists {
				if l.GetLimit() != wantLimit || l.GetToHeight() != tc.to || l.GetHeadersOnly() != tc.headersOnly {
					t.Errorf("request %v", l)
				}
			}
			calls := f.recorded()
			for _, cl := range calls {
				if cl.requestID != calls[0].requestID {
					t.Fatalf("pages carried ids %v, want one", calls)
				}
			}
		})
	}
}

func TestBlocksEnds(t *testing.T) {
	t.Run("consumer breaks", func(t *testing.T) {
		c, f, _ := start(t)
		n := 0
		for _, err := range c.Blocks(context.Background(), 1, 0, false) {
			if err != nil {
				t.Fatal(err)
			}
			if n++; n == 3 {
				break
			}
		}
		if pages := len(f.blocks.listed()); pages != 1 {
			t.Errorf("%d pages asked for, want 1", pages)
		}
	})
	t.Run("error yielded once", func(t *testing.T) {
		c, _, _ := start(t)
		var errs []error
		for b, err := range c.Blocks(context.Background(), 30, 0, false) {
			if err == nil {
				t.Fatalf("got block %v past the head", b)
			}
			errs = append(errs, err)
		}
		if len(errs) != 1 || status.Code(errs[0]) != codes.InvalidArgument {
			t.Fatalf("errors %v, want one INVALID_ARGUMENT", errs)
		}
	})
}
