import type { ComponentChildren } from 'preact';
import { exportURL } from './lib/api';
import { formatInt, shortHash } from './lib/format';

export function Card(props: { title?: ComponentChildren; children: ComponentChildren; class?: string; actions?: ComponentChildren; testId?: string }) {
  return (
    <section class={`card ${props.class ?? ''}`} data-testid={props.testId}>
      {(props.title || props.actions) && (
        <header class="card-head">
          {props.title && <h2>{props.title}</h2>}
          {props.actions && <div class="card-actions">{props.actions}</div>}
        </header>
      )}
      {props.children}
    </section>
  );
}

export function Stat(props: { label: string; value: ComponentChildren; sub?: ComponentChildren; testId?: string }) {
  return (
    <div class="stat" data-testid={props.testId}>
      <div class="stat-label">{props.label}</div>
      <div class="stat-value">{props.value}</div>
      {props.sub && <div class="stat-sub">{props.sub}</div>}
    </div>
  );
}

export function Badge(props: { status: string; children?: ComponentChildren }) {
  const tone = /^(up|committed|leader|open|ok)$/i.test(props.status)
    ? 'good'
    : /^(down|failed|lost|removed)$/i.test(props.status)
      ? 'bad'
      : /^(pending|learner|connecting|candidate|precandidate)$/i.test(props.status)
        ? 'warn'
        : 'neutral';
  return <span class={`badge ${tone}`}>{props.children ?? props.status}</span>;
}

export function ErrorBox(props: { error: string; retry?: () => void }) {
  return (
    <div class="error" role="alert">
      <span>{props.error}</span>
      {props.retry && <button type="button" class="btn small" onClick={props.retry}>Retry</button>}
    </div>
  );
}

export function Loading(props: { what?: string }) {
  return <p class="muted loading" aria-busy="true">Loading{props.what ? ` ${props.what}` : ''}…</p>;
}

export function Empty(props: { children: ComponentChildren }) {
  return <p class="muted empty">{props.children}</p>;
}

/** Hash shows a short hash with the whole one on hover and for screen readers. */
export function Hash(props: { value: string; full?: boolean }) {
  return (
    <code class="hash" title={props.value}>
      {props.full ? props.value : shortHash(props.value)}
    </code>
  );
}

export function AccountLink(props: { address?: string | null }) {
  if (!props.address) return <span class="muted">—</span>;
  return <a href={`/accounts/${encodeURIComponent(props.address)}`}>{props.address}</a>;
}

export function AssetLink(props: { asset: string }) {
  return <a href={`/assets/${encodeURIComponent(props.asset)}`}>{props.asset}</a>;
}

export function BlockLink(props: { height: number | string }) {
  return <a href={`/blocks/${props.height}`}>{formatInt(props.height)}</a>;
}

export function TxLink(props: { id: string; short?: boolean }) {
  return (
    <a href={`/tx/${encodeURIComponent(props.id)}`} title={props.id}>
      <code>{props.short === false ? props.id : shortHash(props.id, 10, 4)}</code>
    </a>
  );
}

/** ExportLinks downloads an analytics result as CSV, JSON or Parquet. */
export function ExportLinks(props: { path: string; params: Record<string, string | number | undefined>; name: string; formats?: string[] }) {
  const formats = props.formats ?? ['csv', 'json', 'parquet'];
  return (
    <span class="export-links" role="group" aria-label={`Download ${props.name}`}>
      {formats.map((f) => (
        <a key={f} class="btn small" href={exportURL(props.path, props.params, f)} download={`${props.name}.${f}`} data-format={f}>
          {f.toUpperCase()}
        </a>
      ))}
    </span>
  );
}

export function Field(props: { label: string; children: ComponentChildren }) {
  return (
    <div class="field">
      <dt>{props.label}</dt>
      <dd>{props.children}</dd>
    </div>
  );
}

export function PageTitle(props: { children: ComponentChildren; sub?: ComponentChildren }) {
  return (
    <div class="page-title">
      <h1 tabIndex={-1}>{props.children}</h1>
      {props.sub && <p class="muted">{props.sub}</p>}
    </div>
  );
}
