-- Account balances as the chain's committed transactions move them, kept by
-- a materialized view as per-block deltas, and aurigraph.accounts, the
-- snapshot summed from them. Per block, for the reason block_stats is: a
-- block projected again writes its rows again and ReplacingMergeTree keeps
-- one. The native asset is AUR (a mint, or an empty asset).

CREATE TABLE IF NOT EXISTS aurigraph.account_deltas
(
    account   String,
    asset     LowCardinality(String),
    height    UInt64,
    delta     Int128,
    txs       UInt64,
    last_time DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY (account, asset, height);

CREATE MATERIALIZED VIEW IF NOT EXISTS aurigraph.account_deltas_mv TO aurigraph.account_deltas AS
SELECT leg.1 AS account, asset, height, sum(leg.2) AS delta, count() AS txs, max(block_time) AS last_time
FROM
(
    SELECT height, block_time, if(type = 'mint' OR asset = '', 'AUR', asset) AS asset,
           arrayJoin(multiIf(
               type = 'mint', [(`to`, toInt128(amount))],
               type = 'asset_create', [(`from`, toInt128(amount))],
               [(`from`, -toInt128(amount)), (`to`, toInt128(amount))])) AS leg
    FROM aurigraph.transactions
    WHERE status = 'committed'
)
GROUP BY account, asset, height;

CREATE VIEW IF NOT EXISTS aurigraph.accounts AS
SELECT account, asset, sum(delta) AS balance, sum(txs) AS txs, max(height) AS last_height, max(last_time) AS last_time
FROM aurigraph.account_deltas FINAL
GROUP BY account, asset;

-- Transactions projected before this migration; a rerun rewrites the same
-- rows, which ReplacingMergeTree collapses.
INSERT INTO aurigraph.account_deltas
SELECT leg.1 AS account, asset, height, sum(leg.2), count(), max(block_time)
FROM
(
    SELECT height, block_time, if(type = 'mint' OR asset = '', 'AUR', asset) AS asset,
           arrayJoin(multiIf(
               type = 'mint', [(`to`, toInt128(amount))],
               type = 'asset_create', [(`from`, toInt128(amount))],
               [(`from`, -toInt128(amount)), (`to`, toInt128(amount))])) AS leg
    FROM aurigraph.transactions
    WHERE status = 'committed'
)
GROUP BY account, asset, height;
