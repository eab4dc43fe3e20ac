-- Analytics projection of the block log: one row per block, one row per
-- transaction result. Every statement is idempotent so a migration that was
-- interrupted before it was recorded can simply run again.
-- Statements end with a line ending in ';'.

CREATE DATABASE IF NOT EXISTS aurigraph;

CREATE TABLE IF NOT EXISTS aurigraph.schema_migrations
(
    version    UInt32,
    name       String,
    applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
ORDER BY version;

-- max(height) of this table is the projector's commit marker: a block range is
-- written here only after all of its transactions are in aurigraph.transactions.
-- Deliberately unpartitioned so an insert of a block range is always a single
-- part, which the server commits atomically.
-- non_replicated_deduplication_window lets a retried insert carrying the same
-- insert_deduplication_token be dropped instead of written twice.
CREATE TABLE IF NOT EXISTS aurigraph.blocks
(
    height       UInt64,
    hash         String,
    prev_hash    String,
    tx_root      String,
    timestamp    DateTime64(3, 'UTC'),
    proposer     UInt64,
    raft_term    UInt64,
    raft_index   UInt64,
    tx_count     UInt32,
    failed_count UInt32,
    projected_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
ORDER BY height
SETTINGS non_replicated_deduplication_window = 1000;

-- Migration 0004 (projector/repartition.go) moves this table to day
-- partitions.
-- commit_latency_ms is block_time - submitted: both come from the block log, so
-- a rebuild from height 1 yields the same figures.
CREATE TABLE IF NOT EXISTS aurigraph.transactions
(
    id                String,
    height            UInt64,
    idx               UInt32,
    type              LowCardinality(String),
    `from`            String,
    `to`              String,
    asset             LowCardinality(String),
    amount            UInt64,
    nonce             UInt64,
    status            Enum8('committed' = 1, 'failed' = 2),
    reason            String,
    submitted         DateTime64(3, 'UTC'),
    block_time        DateTime64(3, 'UTC'),
    commit_latency_ms Int64,
    INDEX id_bloom id TYPE bloom_filter GRANULARITY 4
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(block_time)
ORDER BY (height, idx)
SETTINGS non_replicated_deduplication_window = 1000;
