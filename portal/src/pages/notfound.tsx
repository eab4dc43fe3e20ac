import { Card, PageTitle } from '../components';
import { useApp } from '../hooks';

export function NotFound({ path }: { path: string }) {
  return (
    <div class="page">
      <PageTitle>Not found</PageTitle>
      <Card>
        <p>The portal has no page at <code>{path}</code>. <a href="/">Go to the dashboard</a>.</p>
      </Card>
    </div>
  );
}

export function Unavailable({ what }: { what: string }) {
  const { features } = useApp();
  return (
    <div class="page">
      <PageTitle>Not served here</PageTitle>
      <Card>
        <p>{what} need{what.endsWith('s') ? '' : 's'} an API that <b>aurigraph {features.process}</b> does not serve. A gateway serves live streams and blocks, and analytics once started with <code>--clickhouse</code> naming the ClickHouse that <code>aurigraph projector run</code> writes; <code>aurigraph dev</code> serves them all.</p>
      </Card>
    </div>
  );
}
