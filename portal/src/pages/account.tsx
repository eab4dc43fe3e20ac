import { useEffect } from 'preact/hooks';
import { AccountLink, AssetLink, Badge, BlockLink, Card, Empty, ErrorBox, ExportLinks, Loading, PageTitle, TxLink } from '../components';
import { useApp, useFetch, useLive, useNow } from '../hooks';
import { can } from '../lib/access';
import type { Balance, Tx, TxPage } from '../lib/api';
import { assetName, formatAge, formatInt, formatTime } from '../lib/format';
import { routeHref } from '../lib/route';

const PAGE = 50;

export function TxTable({ rows, testId, account }: { rows: Tx[]; testId: string; account?: string }) {
  return (
    <div class="table-wrap">
      <table data-testid={testId}>
        <thead>
          <tr>
            <th scope="col">Block</th><th scope="col">Id</th><th scope="col">Type</th><th scope="col">From</th><th scope="col">To</th>
            <th scope="col" class="num">Amount</th><th scope="col">Asset</th><th scope="col">Status</th><th scope="col" class="hide-sm">Time</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((t) => (
            <tr key={t.id + t.height} data-txid={t.id}>
              <td><BlockLink height={t.height} /></td>
              <td><TxLink id={t.id} /></td>
              <td>{t.type}</td>
              <td>{t.from === account ? <b>{t.from}</b> : <AccountLink address={t.from} />}</td>
              <td>{t.to === account ? <b>{t.to}</b> : <AccountLink address={t.to} />}</td>
              <td class="num">{formatInt(t.amount)}</td>
              <td><AssetLink asset={assetName(t.asset, t.type)} /></td>
              <td><Badge status={t.status} />{t.reason && <span class="reason small"> {t.reason}</span>}</td>
              <td class="hide-sm nowrap">{formatTime(t.block_timestamp)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function AccountPage({ address, before }: { address: string; before?: string }) {
  const { features } = useApp();
  const snap = useLive();
  const now = useNow();
  const analytics = can('analytics.read', features);
  const enc = encodeURIComponent(address);
  const balances = useFetch<{ account: string; balances: Balance[] }>(analytics ? `/analytics/accounts/${enc}` : null);
  const history = useFetch<TxPage>(analytics ? `/analytics/accounts/${enc}/history?limit=${PAGE}${before ? `&before=${before}` : ''}` : null);
  const liveTxs = snap.txs.map((e) => e.tx).filter((t) => t.from === address || t.to === address);

  // New transactions of the account change its balances: read them again,
  // at most every two seconds.
  const newest = liveTxs[0]?.id;
  useEffect(() => {
    if (!newest || !analytics) return undefined;
    const t = setTimeout(() => {
      balances.reload();
      if (!before) history.reload();
    }, 2000);
    return () => clearTimeout(t);
  }, [newest]);

  return (
    <div class="page account">
      <PageTitle sub="Balances from the analytics projection; transactions as they commit.">Account <span class="break" data-testid="account-name">{address}</span></PageTitle>
      {analytics ? (
        <Card title="Balances" testId="balances" actions={<ExportLinks path={`/analytics/accounts/${enc}`} params={{}} name={`balances-${address}`} />}>
          {balances.error && <ErrorBox error={balances.error} retry={balances.reload} />}
          {balances.loading && !balances.data && <Loading what="balances" />}
          {balances.data && (balances.data.balances.length === 0 ? <Empty>No committed transaction has touched this account yet.</Empty> : (
            <div class="table-wrap">
              <table>
                <thead><tr><th scope="col">Asset</th><th scope="col" class="num">Balance</th><th scope="col" class="num">Transactions</th><th scope="col">Last change</th></tr></thead>
                <tbody>
                  {balances.data.balances.map((b) => (
                    <tr key={b.asset} data-asset={b.asset}>
                      <td><AssetLink asset={b.asset} /></td>
                      <td class="num" data-testid="balance">{formatInt(b.balance)}</td>
                      <td class="num">{formatInt(b.txs)}</td>
                      <td>block <BlockLink height={b.last_height} /> · {formatAge(Date.parse(b.last_time), now)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ))}
        </Card>
      ) : (
        <Empty>Balances and history come from the analytics projection, which this process does not serve; new transactions still appear below.</Empty>
      )}
      <Card title={<>Live <span class="live-dot" aria-hidden="true" /></>} testId="account-live">
        {liveTxs.length === 0 ? <Empty>Transactions of {address} appear here as they commit.</Empty> : (
          <TxTable testId="live-txs" account={address} rows={liveTxs.slice(0, 20)} />
        )}
      </Card>
      {analytics && (
        <Card title="History" testId="history" actions={<ExportLinks path={`/analytics/accounts/${enc}/history`} params={{ limit: 500, before }} name={`history-${address}`} />}>
          {history.error && <ErrorBox error={history.error} retry={history.reload} />}
          {history.loading && !history.data && <Loading what="history" />}
          {history.data && (history.data.transactions.length ? <TxTable rows={history.data.transactions} testId="history-table" account={address} /> : <Empty>No transactions.</Empty>)}
          <nav class="pager" aria-label="History pages">
            {before && <a class="btn" href={routeHref({ page: 'account', address })}>← Newest</a>}
            {history.data?.next_before && <a class="btn" href={routeHref({ page: 'account', address, before: history.data.next_before })}>Older →</a>}
          </nav>
        </Card>
      )}
    </div>
  );
}
