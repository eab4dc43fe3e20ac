-- Per-block rollup of aurigraph.transactions, kept by a materialized view:
-- one row per block with its transaction and failure counts, committed
-- volume and a commit-latency quantile state. Throughput, volume and latency
-- series at any resolution read one row per block instead of one per
-- transaction.
--
-- Why per block and not per second: the projector's exactly-once recovery
-- deletes the transactions of an interrupted batch and inserts them again.
-- A view summing into per-second buckets would count them twice. Rows keyed
-- by height are simply written again, and ReplacingMergeTree keeps one
-- (readers use FINAL). A projector batch holds whole blocks and stays below
-- max_insert_block_size, so the view sees every transaction of a height in
-- one insert.

CREATE TABLE IF NOT EXISTS aurigraph.block_stats
(
    height     UInt64,
    block_time DateTime64(3, 'UTC'),
    txs        UInt64,
    failed     UInt64,
    volume     UInt64,
    latency    AggregateFunction(quantiles(0.5, 0.9, 0.99), Int64)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMMDD(block_time)
ORDER BY height;

CREATE MATERIALIZED VIEW IF NOT EXISTS aurigraph.block_stats_mv TO aurigraph.block_stats AS
SELECT
    height,
    any(block_time) AS block_time,
    count() AS txs,
    countIf(status = 'failed') AS failed,
    sumIf(amount, status = 'committed') AS volume,
    quantilesStateIf(0.5, 0.9, 0.99)(commit_latency_ms, commit_latency_ms >= 0) AS latency
FROM aurigraph.transactions
GROUP BY height;

-- Blocks projected before this migration. Running it again (it was
-- interrupted before being recorded) only rewrites rows ReplacingMergeTree
-- collapses.
INSERT INTO aurigraph.block_stats
SELECT height, any(block_time), count(), countIf(status = 'failed'), sumIf(amount, status = 'committed'),
       quantilesStateIf(0.5, 0.9, 0.99)(commit_latency_ms, commit_latency_ms >= 0)
FROM aurigraph.transactions
GROUP BY height;
