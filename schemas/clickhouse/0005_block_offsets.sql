-- Where each projected block's record sits in aurigraph.blocks.v1. Records
-- others wrote to the topic are skipped, so offsets no longer follow
-- heights; the projector resumes after the offset of its last block when
-- that offset belongs to the topic as it is now (same topic_id), and
-- otherwise searches from the lowest offset the next height can have.
-- Blocks projected before this migration have topic_offset -1.

ALTER TABLE aurigraph.blocks ADD COLUMN IF NOT EXISTS topic_offset Int64 DEFAULT -1;

ALTER TABLE aurigraph.blocks ADD COLUMN IF NOT EXISTS topic_id String DEFAULT '';
