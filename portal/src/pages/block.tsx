import { AccountLink, Badge, BlockLink, Card, ErrorBox, Field, Hash, Loading, PageTitle, TxLink } from '../components';
import { useFetch, useNow } from '../hooks';
import type { BlockView } from '../lib/api';
import { assetName, formatAge, formatInt, formatTime } from '../lib/format';
import { routeHref } from '../lib/route';

const TX_PAGE = 100;

export function BlockDetail({ height, txPage }: { height: string; txPage: number }) {
  const now = useNow();
  const res = useFetch<BlockView>(`/blocks/${height}`);
  const b = res.data && String(res.data.height) === height ? res.data : null;
  const h = Number(height);
  const pages = b ? Math.max(1, Math.ceil(b.txs.length / TX_PAGE)) : 1;
  const page = Math.min(txPage, pages);
  const txs = b ? b.txs.slice((page - 1) * TX_PAGE, page * TX_PAGE) : [];

  return (
    <div class="page block">
      <PageTitle>Block {formatInt(height)}</PageTitle>
      <nav class="pager" aria-label="Neighbouring blocks">
        {h > 1 && <a class="btn" href={`/blocks/${h - 1}`} rel="prev">← Block {formatInt(h - 1)}</a>}
        <a class="btn" href={`/blocks/${h + 1}`} rel="next">Block {formatInt(h + 1)} →</a>
      </nav>
      {res.error && <ErrorBox error={res.error} retry={res.reload} />}
      {res.loading && !b && <Loading what="the block" />}
      {b && (
        <>
          <Card title="Header" testId="block-header">
            <dl class="fields">
              <Field label="Height"><span data-testid="block-height">{formatInt(b.height)}</span></Field>
              <Field label="Hash"><Hash value={b.hash} full /></Field>
              <Field label="Previous hash">
                {b.height > 1 ? <a href={`/blocks/${b.height - 1}`} data-testid="prev-link"><Hash value={b.prev_hash} full /></a> : <Hash value={b.prev_hash} full />}
              </Field>
              <Field label="Merkle root of the transactions"><Hash value={b.tx_root} full /></Field>
              <Field label="Time">{formatTime(b.timestamp_ms)} <span class="muted">({formatAge(b.timestamp_ms, now)})</span></Field>
              <Field label="Proposer">validator <span data-testid="block-proposer">{b.proposer}</span></Field>
              <Field label="Raft term · index">{formatInt(b.raft_term)} · {formatInt(b.raft_index)}</Field>
              <Field label="Transactions"><span data-testid="block-txcount">{formatInt(b.tx_count)}</span>{b.failed_count > 0 && <span class="bad-text"> ({formatInt(b.failed_count)} failed)</span>}</Field>
              <Field label="Consumed">
                {b.sources.length === 0 ? '—' : b.sources.map((s) => (
                  <div key={`${s.topic}/${s.partition}`} class="small"><code>{s.topic}</code> partition {s.partition}, offsets {formatInt(s.start_offset)}–{formatInt(s.end_offset - 1)}</div>
                ))}
              </Field>
            </dl>
          </Card>
          <Card title={`Transactions (${formatInt(b.txs.length)})`} testId="block-txs">
            <div class="table-wrap">
              <table>
                <thead>
                  <tr><th scope="col" class="num">#</th><th scope="col">Id</th><th scope="col">Type</th><th scope="col">From</th><th scope="col">To</th><th scope="col" class="num">Amount</th><th scope="col" class="hide-sm">Asset</th><th scope="col">Status</th></tr>
                </thead>
                <tbody>
                  {txs.map((tx, i) => (
                    <tr key={tx.id} data-txid={tx.id}>
                      <td class="num">{(page - 1) * TX_PAGE + i}</td>
                      <td><TxLink id={tx.id} /></td>
                      <td>{tx.type}</td>
                      <td><AccountLink address={tx.from} /></td>
                      <td><AccountLink address={tx.to} /></td>
                      <td class="num" data-testid="tx-amount">{formatInt(tx.amount)}</td>
                      <td class="hide-sm">{assetName(tx.asset, tx.type)}</td>
                      <td><Badge status={tx.status} />{tx.reason && <span class="reason small" data-testid="tx-reason"> {tx.reason}</span>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {pages > 1 && (
              <nav class="pager" aria-label="Transaction pages">
                {page > 1 && <a class="btn" href={routeHref({ page: 'block', height, txPage: page - 1 })}>← Previous</a>}
                <span class="muted">page {page} of {pages}</span>
                {page < pages && <a class="btn" href={routeHref({ page: 'block', height, txPage: page + 1 })}>Next →</a>}
              </nav>
            )}
          </Card>
        </>
      )}
      {b === null && res.data && <BlockLink height={res.data.height} />}
    </div>
  );
}
