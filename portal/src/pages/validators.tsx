import { useState } from 'preact/hooks';
import { Badge, BlockLink, Card, ErrorBox, Loading, PageTitle, Stat } from '../components';
import { useApp, useFetch, useLive, useNow } from '../hooks';
import { can } from '../lib/access';
import { ApiError, send, type ClusterStatus, type LeaderTerm, type ValidatorSet } from '../lib/api';
import { formatAge, formatInt, formatTime } from '../lib/format';

interface ValidatorStats {
  proposer: number;
  blocks: number;
  txs: number;
  failed: number;
  terms: number;
  avg_txs_per_block: number;
}

export function Validators() {
  const { features } = useApp();
  const snap = useLive();
  const now = useNow();
  const analytics = can('analytics.read', features);
  const manage = can('cluster.manage', features);
  const set = useFetch<ValidatorSet>('/validators', 3000);
  const cluster = useFetch<ClusterStatus>('/cluster/status', 3000);
  const leaders = useFetch<{ terms: LeaderTerm[] }>(analytics ? '/analytics/leaders?limit=20' : null, 10_000);
  const production = useFetch<{ validators: ValidatorStats[] }>(analytics ? '/analytics/validators?from=-86400s' : null, 10_000);
  const [busy, setBusy] = useState<string | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [confirmRemove, setConfirmRemove] = useState<number | null>(null);

  const v = snap.validator;
  const leader = v?.leader ?? set.data?.leader ?? 0;
  const term = v?.term ?? set.data?.term ?? 0;
  const state = new Map((set.data?.validators ?? []).map((x) => [x.id, x]));
  const members = cluster.data?.members ?? [];
  const voters = members.filter((m) => m.voter).length;

  async function act(key: string, run: () => Promise<unknown>, done: string) {
    setBusy(key);
    setMessage(null);
    try {
      await run();
      setMessage({ ok: true, text: done });
      set.reload();
      cluster.reload();
    } catch (e) {
      setMessage({ ok: false, text: e instanceof ApiError || e instanceof Error ? e.message : String(e) });
    } finally {
      setBusy(null);
      setConfirmRemove(null);
    }
  }

  return (
    <div class="page validators">
      <PageTitle sub="The Raft validator set: who leads, how far each has applied, and the membership.">Validators</PageTitle>
      <div class="stats">
        <Stat label="Leader" value={<span data-testid="leader-id">{leader ? `validator ${leader}` : 'none'}</span>} sub={`term ${formatInt(term)}`} />
        <Stat label="Voters" value={formatInt(voters || v?.voters.length)} sub={`${members.length - voters} learners`} />
        <Stat label="Height" value={formatInt(snap.head || undefined)} />
      </div>
      {message && (
        <div class={message.ok ? 'notice' : 'error'} role={message.ok ? 'status' : 'alert'} data-testid="membership-result">{message.text}</div>
      )}
      <Card title="Members" testId="members">
        {(set.error || cluster.error) && <ErrorBox error={(set.error || cluster.error)!} retry={() => { set.reload(); cluster.reload(); }} />}
        {!cluster.data && !cluster.error && <Loading what="the members" />}
        {cluster.data && (
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Id</th><th scope="col">Role</th><th scope="col">State</th><th scope="col" class="num">Applied index</th>
                  <th scope="col" class="num">Match index</th><th scope="col" class="hide-sm">Raft address</th><th scope="col" class="hide-sm">Replication</th>
                  {manage && <th scope="col">Actions</th>}
                </tr>
              </thead>
              <tbody>
                {members.map((m) => {
                  const st = state.get(m.id);
                  return (
                    <tr key={m.id} data-member={m.id}>
                      <td>{m.id}</td>
                      <td><Badge status={m.id === leader ? 'leader' : m.role} /></td>
                      <td>{st?.state ?? <span class="muted">remote</span>}</td>
                      <td class="num">{st ? formatInt(st.applied) : '—'}</td>
                      <td class="num">{m.match !== undefined ? formatInt(m.match) : st?.match !== undefined ? formatInt(st.match) : '—'}</td>
                      <td class="hide-sm"><code>{m.raft_address}</code></td>
                      <td class="hide-sm">{m.replication ?? '—'}{m.active === false && <span class="bad-text"> inactive</span>}</td>
                      {manage && (
                        <td class="actions">
                          {m.voter && m.id !== leader && (
                            <button type="button" class="btn small" disabled={busy !== null} onClick={() => act(`lead-${m.id}`, () => send('POST', '/cluster/leader', { id: m.id }), `Validator ${m.id} leads now.`)}>
                              {busy === `lead-${m.id}` ? 'Transferring…' : 'Make leader'}
                            </button>
                          )}
                          {!(m.voter && voters <= 1) && (confirmRemove === m.id ? (
                            <>
                              <button type="button" class="btn small danger" disabled={busy !== null} onClick={() => act(`remove-${m.id}`, () => send('DELETE', `/cluster/members/${m.id}`), `Validator ${m.id} was removed.`)}>
                                {busy === `remove-${m.id}` ? 'Removing…' : `Confirm: remove ${m.id}`}
                              </button>
                              <button type="button" class="btn small" onClick={() => setConfirmRemove(null)}>Cancel</button>
                            </>
                          ) : (
                            <button type="button" class="btn small" disabled={busy !== null} onClick={() => setConfirmRemove(m.id)}>Remove</button>
                          ))}
                        </td>
                      )}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </Card>
      {manage && <AddMember busy={busy !== null} onAdd={(id, addr) => act('add', () => send('POST', '/cluster/members', { id, raft_address: addr }), `Validator ${id} joins as a learner; start it with --join.`)} />}
      <div class="grid-2">
        <Card title="Leader history" testId="leader-history">
          {analytics && leaders.data ? (
            <div class="table-wrap">
              <table>
                <thead><tr><th scope="col" class="num">Term</th><th scope="col">Leader</th><th scope="col">Blocks</th><th scope="col">From</th></tr></thead>
                <tbody>
                  {leaders.data.terms.map((t) => (
                    <tr key={`${t.term}-${t.proposer}`}>
                      <td class="num">{formatInt(t.term)}</td>
                      <td>validator {t.proposer}</td>
                      <td><BlockLink height={t.first_height} />–<BlockLink height={t.last_height} /> ({formatInt(t.blocks)})</td>
                      <td class="nowrap">{formatTime(Date.parse(t.first))}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <ul class="plain">
              {snap.leaders.map((l) => (
                <li key={`${l.term}-${l.leader}`}>term {formatInt(l.term)}: {l.leader ? `validator ${l.leader}` : 'no leader'} <span class="muted">{formatAge(l.at, now)}</span></li>
              ))}
            </ul>
          )}
          {leaders.error && <ErrorBox error={leaders.error} retry={leaders.reload} />}
        </Card>
        {analytics && (
          <Card title="Blocks proposed, last 24 hours" testId="production">
            {production.data && (
              <div class="table-wrap">
                <table>
                  <thead><tr><th scope="col">Validator</th><th scope="col" class="num">Blocks</th><th scope="col" class="num">Transactions</th><th scope="col" class="num">Terms</th></tr></thead>
                  <tbody>
                    {production.data.validators.map((p) => (
                      <tr key={p.proposer}><td>{p.proposer}</td><td class="num">{formatInt(p.blocks)}</td><td class="num">{formatInt(p.txs)}</td><td class="num">{formatInt(p.terms)}</td></tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </Card>
        )}
      </div>
    </div>
  );
}

function AddMember({ busy, onAdd }: { busy: boolean; onAdd: (id: number, addr: string) => void }) {
  const [id, setId] = useState('');
  const [addr, setAddr] = useState('');
  const valid = /^[1-9]\d{0,18}$/.test(id) && /^[^\s:]+:\d{1,5}$/.test(addr);
  return (
    <Card title="Add a validator" testId="add-member">
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          if (valid) onAdd(Number(id), addr.trim());
        }}
      >
        <label>Id <input type="number" min="1" value={id} onInput={(e) => setId((e.target as HTMLInputElement).value)} class="narrow" name="id" /></label>
        <label>Raft address <input type="text" placeholder="host:7004" value={addr} onInput={(e) => setAddr((e.target as HTMLInputElement).value)} name="raft_address" /></label>
        <button type="submit" class="btn primary" disabled={!valid || busy}>Add as learner</button>
      </form>
      <p class="muted small">It joins as a learner and becomes a voter once caught up; then start <code>aurigraph node --id N --join</code> there.</p>
    </Card>
  );
}
