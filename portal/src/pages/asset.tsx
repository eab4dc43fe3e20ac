import { AccountLink, Card, ErrorBox, ExportLinks, Loading, PageTitle, Stat } from '../components';
import { useFetch } from '../hooks';
import type { AssetSummary } from '../lib/api';
import { formatInt } from '../lib/format';
import { TxTable } from './account';

export function AssetPage({ asset }: { asset: string }) {
  const enc = encodeURIComponent(asset);
  const res = useFetch<AssetSummary>(`/analytics/assets/${enc}?limit=20`, 10_000);
  const a = res.data;
  return (
    <div class="page asset">
      <PageTitle sub={asset === 'AUR' ? 'The native asset, minted by mint transactions.' : 'Created by an asset_create transaction and moved by asset_transfer.'}>Asset {asset}</PageTitle>
      {res.error && <ErrorBox error={res.error} retry={res.reload} />}
      {res.loading && !a && <Loading what="the asset" />}
      {a && (
        <>
          <div class="stats">
            <Stat label="Supply" value={<span data-testid="supply">{formatInt(a.supply)}</span>} sub="the sum of every balance" />
            <Stat label="Holders" value={<span data-testid="holders">{formatInt(a.holders)}</span>} sub="accounts with a positive balance" />
          </div>
          <div class="grid-2">
            <Card title="Largest holders" testId="holders-table">
              <div class="table-wrap">
                <table>
                  <thead><tr><th scope="col">Account</th><th scope="col" class="num">Balance</th></tr></thead>
                  <tbody>
                    {a.top_holders.map((h) => (
                      <tr key={h.account}><td><AccountLink address={h.account} /></td><td class="num">{formatInt(h.balance)}</td></tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </Card>
            <Card title="Recent transfers" class="span-2" testId="recent" actions={<ExportLinks path={`/analytics/assets/${enc}`} params={{ limit: 500 }} name={`asset-${asset}`} />}>
              <TxTable rows={a.recent} testId="recent-table" />
            </Card>
          </div>
        </>
      )}
    </div>
  );
}
