package schemas

import "unicode/utf8"

// MaxReasonBytes bounds the reason a block gives for a failed transaction.
// The state machine cuts longer reasons (BoundReason), so that the leader
// can bound the size of a block before it is built and keep every block
// within what the blocks topic accepts. The leader reserves this much for
// every transaction of a batch, so a larger bound makes batches of small
// transactions smaller; a reason need not repeat the transaction, which
// sits next to it in the block.
const MaxReasonBytes = 128

// BoundReason returns reason cut to at most MaxReasonBytes, on a UTF-8
// boundary, ending in "..." when it was cut.
func BoundReason(reason string) string {
	if len(reason) <= MaxReasonBytes {
		return reason
	}
	cut := MaxReasonBytes - len("...")
	for cut > 0 && !utf8.RuneStart(reason[cut]) {
		cut--
	}
	return reason[:cut] + "..."
}
