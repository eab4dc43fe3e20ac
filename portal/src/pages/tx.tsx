import { useEffect } from 'preact/hooks';
import { AccountLink, AssetLink, Badge, BlockLink, Card, Empty, ErrorBox, Field, Hash, Loading, PageTitle } from '../components';
import { useFetch, useLive } from '../hooks';
import type { SearchResult, Tx } from '../lib/api';
import { assetName, formatDuration, formatInt, formatTime } from '../lib/format';

export function TxPage({ id }: { id: string }) {
  const snap = useLive();
  // Search answers a miss without an error; it also tells pending from committed.
  const found = useFetch<SearchResult>(`/search?q=${encodeURIComponent(id)}`);
  const r = found.data?.kind === 'transaction' && found.data.id === id ? found.data : null;
  const read = useFetch<Tx>(r && r.status !== 'pending' ? `/transactions/${encodeURIComponent(id)}` : null);
  const tx = read.data?.id === id && read.data.type ? read.data : undefined;

  // A pending transaction is looked up again as blocks commit.
  const pendingHead = r?.status === 'pending' ? snap.head : 0;
  useEffect(() => {
    if (pendingHead) found.reload();
  }, [pendingHead]);

  return (
    <div class="page tx">
      <PageTitle sub={<code class="break">{id}</code>}>Transaction</PageTitle>
      {found.error && <ErrorBox error={found.error} retry={found.reload} />}
      {found.loading && !found.data && <Loading what="the transaction" />}
      {found.data && !r && <Empty>No transaction with this id is in the chain or waiting to be committed.</Empty>}
      {r && (
        <Card title="Status" testId="tx-status">
          <dl class="fields">
            <Field label="Status"><Badge status={r.status ?? 'unknown'} /></Field>
            {r.status !== 'pending' && <Field label="Block"><BlockLink height={r.height!} /> <span class="muted">position {r.index ?? 0}</span></Field>}
            {tx?.reason && <Field label="Failure reason"><span class="bad-text" data-testid="failure-reason">{tx.reason}</span></Field>}
            {r.status === 'pending' && <Field label="">Submitted, waiting for a block: this page updates when it commits.</Field>}
          </dl>
        </Card>
      )}
      {read.error && <ErrorBox error={read.error} retry={read.reload} />}
      {tx && (
        <Card title="Transaction" testId="tx-detail">
          <dl class="fields">
            <Field label="Id"><Hash value={tx.id} full /></Field>
            <Field label="Type">{tx.type}</Field>
            <Field label="From"><AccountLink address={tx.from} /></Field>
            <Field label="To"><AccountLink address={tx.to} /></Field>
            <Field label="Amount"><span data-testid="tx-amount">{formatInt(tx.amount)}</span> <AssetLink asset={assetName(tx.asset, tx.type)} /></Field>
            <Field label="Nonce">{formatInt(tx.nonce)}</Field>
            {tx.timestamp ? <Field label="Signed time">{formatTime(tx.timestamp)}</Field> : null}
            {tx.submitted_ms ? <Field label="Submitted">{formatTime(tx.submitted_ms)}</Field> : null}
            <Field label="Committed">{formatTime(tx.block_timestamp)}</Field>
            {tx.submitted_ms && tx.block_timestamp ? <Field label="Submit → commit">{formatDuration(tx.block_timestamp - tx.submitted_ms)}</Field> : null}
            {tx.payload && <Field label="Payload (base64)"><code class="break">{tx.payload}</code></Field>}
          </dl>
        </Card>
      )}
    </div>
  );
}
