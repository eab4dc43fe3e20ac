// Package blockfeed reads the blocks topic as every consumer must: a record
// counts only if it decodes, is well formed, links to the block accepted
// before it (block 1 to the chain's genesis hash) and carries a signature
// by a validator key the consumer trusts. Anyone who can write the topic
// can put anything there, so everything else is skipped, logged and
// counted, and the real block of each height is still found after it.
//
// Since foreign records may sit anywhere, offsets do not equal heights; but
// the publisher writes heights in order, so the first record of height h
// sits at offset h-1 or later, and readers search from that lower bound
// when they know no better offset.
package blockfeed

import (
	"errors"
	"fmt"
	"strconv"

	"google.golang.org/protobuf/proto"

	aurigraphv1 "github.com/aurigraph/aurigraph/schemas/gen/aurigraph/v1"
)

// Decode decodes one record of the blocks topic: its key is the decimal
// height of the block event in its value. It checks shape only; Verifier
// checks whether the block is real.
func Decode(key, value []byte) (*aurigraphv1.BlockEvent, error) {
	height, err := strconv.ParseUint(string(key), 10, 64)
	if err != nil || height == 0 || strconv.FormatUint(height, 10) != string(key) {
		return nil, fmt.Errorf("record key %q is not a block height", truncate(key))
	}
	ev := &aurigraphv1.BlockEvent{}
	if err := proto.Unmarshal(value, ev); err != nil {
		return nil, fmt.Errorf("decode the block event of height %d (%d bytes): %w", height, len(value), err)
	}
	hdr := ev.GetBlock().GetHeader()
	if hdr == nil {
		return nil, errors.New("block event has no block header")
	}
	if got := hdr.GetHeight(); got != height {
		return nil, fmt.Errorf("record key says height %d but the block event holds height %d", height, got)
	}
	return ev, nil
}

// truncate keeps a hostile key short in messages.
func truncate(b []byte) []byte {
	if len(b) > 32 {
		return b[:32]
	}
	return b
}
