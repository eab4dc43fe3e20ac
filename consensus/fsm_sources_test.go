package consensus

import (
	"strings"
	"testing"

	"github.com/aurigraph/aurigraph/schemas"
	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// A failure reason quoting a hostile name is cut to schemas.MaxReasonBytes:
// ingest sizes batches on that bound to keep blocks within their topic.
func TestFSMBoundsFailureReasons(t *testing.T) {
	f := newFSM(100)
	asset := strings.Repeat(`"`, 128) // %q doubles every byte
	blk, err := f.apply(&aurigraphv1.Batch{Txs: []*aurigraphv1.Transaction{txOf(tXfer, "x", "alice", "bob", asset, 1, 1)}}, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	reason := blk.GetTxs()[0].GetReason()
	if len(reason) > schemas.MaxReasonBytes || !strings.HasPrefix(reason, "unknown asset") {
		t.Fatalf("reason of %d bytes (%.40q...), want at most %d starting with the cause", len(reason), reason, schemas.MaxReasonBytes)
	}
}
