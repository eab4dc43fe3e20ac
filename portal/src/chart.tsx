// Time-series charts in SVG, drawn with d3's scales and shapes: lines, a
// prediction band and marked points. Each can be read by pointer or by
// keyboard (arrow keys move the cursor) and saved as SVG or PNG.

import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { scaleLinear, scaleTime } from 'd3-scale';
import { area, line } from 'd3-shape';
import { fileSafe, saveBlob, svgMarkup, svgToPng } from './lib/download';
import { formatCompact, formatTime } from './lib/format';

export interface Point {
  /** Unix ms. */
  t: number;
  v: number | null;
}

export interface ChartSeries {
  name: string;
  points: Point[];
  /** s1..s4: the series colour from the theme. */
  tone: 's1' | 's2' | 's3' | 's4';
  dashed?: boolean;
}

export interface Band {
  name: string;
  points: { t: number; lo: number; hi: number }[];
}

export interface Marker {
  t: number;
  v: number;
  label: string;
}

interface Props {
  title: string;
  series: ChartSeries[];
  band?: Band;
  markers?: Marker[];
  height?: number;
  yFormat?: (n: number) => string;
  /** A summary for screen readers, e.g. the latest value. */
  summary: string;
  testId?: string;
  /** The time axis, when it should not just span the data (a live window). */
  xDomain?: [number, number];
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** timeTicks labels a time axis in 24-hour local time, as fine as its span needs. */
export function timeTicks(spanMs: number): (d: Date) => string {
  if (spanMs <= 3 * 60_000) return (d) => `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  if (spanMs <= 2 * 86_400_000) return (d) => `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
  return (d) => `${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
}

const M = { top: 12, right: 16, bottom: 26, left: 52 };

export function LineChart({ title, series, band, markers, height = 240, yFormat = formatCompact, summary, testId, xDomain }: Props) {
  const wrap = useRef<HTMLDivElement>(null);
  const svg = useRef<SVGSVGElement>(null);
  const [width, setWidth] = useState(640);
  const [cursor, setCursor] = useState<number | null>(null);
  const [saving, setSaving] = useState<string | null>(null);

  useEffect(() => {
    const el = wrap.current;
    if (!el || typeof ResizeObserver === 'undefined') return undefined;
    const ro = new ResizeObserver((entries) => {
      const w = Math.round(entries[0].contentRect.width);
      if (w > 0) setWidth((old) => (Math.abs(old - w) > 1 ? w : old));
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const geo = useMemo(() => {
    let tMin = Infinity;
    let tMax = -Infinity;
    let vMax = 0;
    let vMin = 0;
    const seen = (t: number, v: number | null) => {
      if (t < tMin) tMin = t;
      if (t > tMax) tMax = t;
      if (v !== null && Number.isFinite(v)) {
        if (v > vMax) vMax = v;
        if (v < vMin) vMin = v;
      }
    };
    for (const s of series) for (const p of s.points) seen(p.t, p.v);
    if (band) for (const p of band.points) {
      seen(p.t, p.lo);
      seen(p.t, p.hi);
    }
    if (xDomain) [tMin, tMax] = xDomain;
    if (!Number.isFinite(tMin)) {
      tMax = Date.now();
      tMin = tMax - 60_000;
    }
    if (tMin === tMax) tMin -= 1000;
    if (vMax === vMin) vMax = vMin + 1;
    const x = scaleTime().domain([tMin, tMax]).range([M.left, width - M.right]);
    const y = scaleLinear().domain([vMin, vMax]).nice(5).range([height - M.bottom, M.top]);
    const path = line<Point>().defined((p) => p.v !== null && Number.isFinite(p.v)).x((p) => x(p.t)).y((p) => y(p.v as number));
    const bandPath = band
      ? area<{ t: number; lo: number; hi: number }>().x((p) => x(p.t)).y0((p) => y(p.lo)).y1((p) => y(p.hi))(band.points) ?? ''
      : '';
    return { x, y, path, bandPath, xTicks: x.ticks(Math.max(2, Math.floor(width / 110))), yTicks: y.ticks(5), tickFormat: timeTicks(tMax - tMin) };
  }, [series, band, width, height, xDomain?.[0], xDomain?.[1]]);

  // The cursor walks the longest series' points.
  const base = useMemo(() => series.reduce<ChartSeries | null>((a, s) => (!a || s.points.length > a.points.length ? s : a), null), [series]);
  const at = cursor !== null && base && base.points.length ? base.points[Math.min(cursor, base.points.length - 1)] : null;

  function pick(clientX: number) {
    if (!base || !base.points.length || !svg.current) return;
    const r = svg.current.getBoundingClientRect();
    const t = geo.x.invert(clientX - r.left).getTime();
    let best = 0;
    for (let i = 1; i < base.points.length; i++) {
      if (Math.abs(base.points[i].t - t) < Math.abs(base.points[best].t - t)) best = i;
    }
    setCursor(best);
  }

  function onKey(e: KeyboardEvent) {
    if (!base || !base.points.length) return;
    const n = base.points.length;
    const cur = cursor ?? n - 1;
    const next = e.key === 'ArrowLeft' ? Math.max(0, cur - 1) : e.key === 'ArrowRight' ? Math.min(n - 1, cur + 1) : e.key === 'Home' ? 0 : e.key === 'End' ? n - 1 : null;
    if (next === null) {
      if (e.key === 'Escape') setCursor(null);
      return;
    }
    e.preventDefault();
    setCursor(next);
  }

  async function save(kind: 'svg' | 'png') {
    if (!svg.current) return;
    setSaving(kind);
    try {
      const markup = svgMarkup(svg.current, title);
      const name = `${fileSafe(title)}.${kind}`;
      if (kind === 'svg') saveBlob(new Blob([markup], { type: 'image/svg+xml' }), name);
      else saveBlob(await svgToPng(markup, width, height), name);
    } finally {
      setSaving(null);
    }
  }

  const nearMarker = at && markers ? markers.find((m) => m.t === at.t) : undefined;
  const valuesAt = at
    ? series.map((s) => ({ s, p: s.points.find((p) => p.t === at.t) })).filter((x) => x.p && x.p.v !== null)
    : [];
  const bandAt = at && band ? band.points.find((p) => p.t === at.t) : undefined;

  return (
    <figure class="chart" data-testid={testId}>
      <figcaption>
        <span class="chart-title">{title}</span>
        <span class="chart-actions">
          <button type="button" class="btn small" onClick={() => save('png')} disabled={saving !== null} aria-label={`Save ${title} as PNG`}>PNG</button>
          <button type="button" class="btn small" onClick={() => save('svg')} disabled={saving !== null} aria-label={`Save ${title} as SVG`}>SVG</button>
        </span>
      </figcaption>
      <div class="chart-body" ref={wrap}>
        <svg
          ref={svg}
          width={width}
          height={height}
          role="img"
          aria-label={`${title}: ${summary}. Use the arrow keys to read values.`}
          tabIndex={0}
          onKeyDown={onKey}
          onPointerMove={(e) => pick(e.clientX)}
          onPointerLeave={() => setCursor(null)}
          onBlur={() => setCursor(null)}
        >
          <g class="grid">
            {geo.yTicks.map((v) => (
              <g key={v}>
                <line x1={M.left} x2={width - M.right} y1={geo.y(v)} y2={geo.y(v)} />
                <text x={M.left - 6} y={geo.y(v)} dy="0.32em" text-anchor="end">{yFormat(v)}</text>
              </g>
            ))}
          </g>
          <g class="axis">
            {geo.xTicks.map((d) => (
              <text key={d.getTime()} x={geo.x(d)} y={height - 8} text-anchor="middle">{geo.tickFormat(d)}</text>
            ))}
          </g>
          {band && <path class="band" d={geo.bandPath} />}
          {series.map((s) => (
            <path key={s.name} class={`line ${s.tone}${s.dashed ? ' dashed' : ''}`} d={geo.path(s.points) ?? ''} />
          ))}
          {markers?.map((m) => (
            <circle key={m.t} class="marker" cx={geo.x(m.t)} cy={geo.y(m.v)} r={5}>
              <title>{m.label}</title>
            </circle>
          ))}
          {at && (
            <g class="cursor">
              <line x1={geo.x(at.t)} x2={geo.x(at.t)} y1={M.top} y2={height - M.bottom} />
              {valuesAt.map(({ s, p }) => (
                <circle key={s.name} class={`dot ${s.tone}`} cx={geo.x(p!.t)} cy={geo.y(p!.v as number)} r={3.5} />
              ))}
            </g>
          )}
        </svg>
        {at && (
          <div class="tooltip" role="status" style={{ left: `${Math.min(Math.max(geo.x(at.t) - 90, 0), width - 200)}px` }}>
            <div class="muted">{formatTime(at.t)}</div>
            {valuesAt.map(({ s, p }) => (
              <div key={s.name}><span class={`swatch ${s.tone}`} /> {s.name}: <b>{yFormat(p!.v as number)}</b></div>
            ))}
            {bandAt && <div>{band!.name}: {yFormat(bandAt.lo)} – {yFormat(bandAt.hi)}</div>}
            {nearMarker && <div class="anomaly-note">{nearMarker.label}</div>}
          </div>
        )}
      </div>
      {(series.length > 1 || band || markers?.length) && (
        <ul class="legend">
          {series.map((s) => (
            <li key={s.name}><span class={`swatch ${s.tone}${s.dashed ? ' dashed' : ''}`} />{s.name}</li>
          ))}
          {band && <li><span class="swatch band" />{band.name}</li>}
          {markers && markers.length > 0 && <li><span class="swatch marker" />anomaly ({markers.length})</li>}
        </ul>
      )}
    </figure>
  );
}
