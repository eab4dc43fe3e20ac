// The measurements behind the portal's figures in the README (make
// portal-perf): the JavaScript it ships, its first load on loopback,
// Lighthouse's performance and accessibility scores, and its frames while
// `aurigraph bench` commits at the maximum rate. Timing-based, so not part
// of make test. Results go to test-results/perf.json.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, brotliCompressSync } from 'node:zlib';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { BIN, CHROMIUM, CHROMIUM_ARGS, Dev, REPO, launchBrowser, openSession, sleep, txLine } from '../e2e/harness';

const OUT = join(REPO, 'portal/test-results');
const results: Record<string, unknown> = {};
let dev: Dev;
let browser: Browser;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  dev = await Dev.create(3);
  // The pipeline runs below the browser's priority: a viewer's browser does
  // not share its cores with the validators (see the frames test).
  await dev.start(90_000, 10);
  browser = await launchBrowser();
  const lines = Array.from({ length: 2000 }, (_, i) => txLine({ type: 'mint', from: `perf-${i % 50}`, to: `perf-${i % 50}`, amount: 10, nonce: Math.floor(i / 50) + 1 }));
  await dev.kcat(lines);
  await dev.waitFor('seed committed', async () => (await dev.api<{ tx_count: number }>('/chain/stats')).tx_count >= 2000);
}, 180_000);

afterAll(async () => {
  writeFileSync(join(OUT, 'perf.json'), JSON.stringify(results, null, 2) + '\n');
  console.log(JSON.stringify(results, null, 2));
  await browser?.close();
  await dev?.remove();
});

test('the JavaScript the page loads stays under 300 KB gzipped', () => {
  const dir = join(REPO, 'internal/portal/dist/app');
  const index = readFileSync(join(dir, 'index.html'), 'utf8');
  const refs = [...index.matchAll(/(?:src|href)="\/(static\/[^"]+)"/g)].map((m) => m[1]);
  const js = refs.filter((r) => r.endsWith('.js'));
  const css = refs.filter((r) => r.endsWith('.css'));
  const size = (files: string[]) => {
    const bodies = files.map((f) => readFileSync(join(dir, f)));
    return {
      files: files.length,
      raw: bodies.reduce((a, b) => a + b.length, 0),
      gzip: bodies.reduce((a, b) => a + gzipSync(b, { level: 9 }).length, 0),
      brotli: bodies.reduce((a, b) => a + brotliCompressSync(b).length, 0),
    };
  };
  results.javascript = size(js);
  results.css = size(css);
  expect(js.length).toBeGreaterThan(0);
  expect((results.javascript as { gzip: number }).gzip).toBeLessThan(300 * 1024);
});

test('the dashboard first loads in under 2 s on loopback', async () => {
  const runs: { firstBlockMs: number; loadMs: number }[] = [];
  for (let i = 0; i < 5; i++) {
    const s = await openSession(browser, dev.url);
    await s.page.goto('/');
    await s.page.locator('[data-testid=newest-blocks] tbody tr').first().waitFor();
    runs.push(await s.page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      return { firstBlockMs: performance.now(), loadMs: nav.loadEventEnd };
    }));
    await s.context.close();
    s.guard.check();
  }
  results.firstLoad = {
    runs: runs.length,
    medianFirstBlockMs: Math.round(median(runs.map((r) => r.firstBlockMs))),
    maxFirstBlockMs: Math.round(Math.max(...runs.map((r) => r.firstBlockMs))),
    medianLoadEventMs: Math.round(median(runs.map((r) => r.loadMs))),
  };
  expect(Math.max(...runs.map((r) => r.firstBlockMs))).toBeLessThan(2000);
});

async function lighthouse(preset: 'mobile' | 'desktop'): Promise<{ performance: number; accessibility: number; metrics: Record<string, number> }> {
  const cli = join(REPO, 'portal/perf/node_modules/.bin/lighthouse');
  if (!existsSync(cli)) throw new Error(`${cli} is missing: cd portal/perf && npm ci`);
  const out = join(OUT, `lighthouse-${preset}.json`);
  const args = [
    `${dev.url}/`, '--output=json', `--output-path=${out}`, '--only-categories=performance,accessibility', '--quiet',
    `--chrome-flags=--headless=new ${CHROMIUM_ARGS.join(' ')}`,
    ...(preset === 'desktop' ? ['--preset=desktop'] : []),
  ];
  await new Promise<void>((res, rej) => {
    const p = spawn(cli, args, { env: { ...process.env, CHROME_PATH: CHROMIUM }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (b) => (err += b.toString()));
    p.on('exit', (code) => (code === 0 ? res() : rej(new Error(`lighthouse exited ${code}: ${err}`))));
  });
  const r = JSON.parse(readFileSync(out, 'utf8')) as { categories: Record<string, { score: number }>; audits: Record<string, { numericValue?: number }> };
  const metric = (k: string) => Math.round(r.audits[k]?.numericValue ?? NaN);
  return {
    performance: Math.round(r.categories.performance.score * 100),
    accessibility: Math.round(r.categories.accessibility.score * 100),
    metrics: {
      firstContentfulPaintMs: metric('first-contentful-paint'), largestContentfulPaintMs: metric('largest-contentful-paint'),
      totalBlockingTimeMs: metric('total-blocking-time'), cumulativeLayoutShiftx1000: Math.round((r.audits['cumulative-layout-shift']?.numericValue ?? 0) * 1000),
      speedIndexMs: metric('speed-index'),
    },
  };
}

test('Lighthouse scores the dashboard 90 or more for performance and accessibility', async () => {
  const mobile = await lighthouse('mobile');
  const desktop = await lighthouse('desktop');
  results.lighthouse = { mobile, desktop };
  for (const r of [mobile, desktop]) {
    expect(r.performance).toBeGreaterThanOrEqual(90);
    expect(r.accessibility).toBeGreaterThanOrEqual(90);
  }
}, 180_000);

test('while aurigraph bench commits at its maximum rate, the dashboard keeps up with no frame over 100 ms', async () => {
  // The pipeline (nice 10) and the bench (nice 19) run below the browser:
  // a viewer's browser does not share its cores with the validators, and on
  // this 2-core machine a bench at full rate would otherwise leave the
  // renderer without a core for over 100 ms at a time (the trace shows such
  // tasks waiting, 117 ms of wall time for 8 ms of CPU, not working).
  const bench = spawn('nice', ['-n', '19', BIN, 'bench', '--nodes', `127.0.0.1:${dev.ports.http}`, '--kafka', dev.broker, '--skip-ceilings', '--duration', '45s', '--subscribers', '1', '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let benchOut = '';
  bench.stdout.on('data', (b) => (benchOut += b.toString()));
  bench.stderr.on('data', (b) => (benchOut += b.toString()));
  const benchDone = new Promise<number | null>((res) => bench.on('exit', res));
  try {
    const s = await openSession(browser, dev.url);
    const { page } = s;
    await page.goto('/');
    await page.locator('[data-testid=newest-blocks] tbody tr').first().waitFor();
    // Let the bench reach its maximum rate.
    const h0 = await dev.height();
    await dev.waitFor('the bench committing', async () => (await dev.height()) > h0 + 20, 30_000);
    await page.evaluate(() => {
      const w = window as unknown as {
        frames_: number[]; longTasks: number[]; arrived: Record<string, [number, number, number]>; shown: Record<string, number>;
        aurigraph: { live: { onEvent: (fn: (e: { type: string; height: number; timestamp: number; committed_ms?: number }) => void) => void } };
      };
      w.frames_ = [];
      w.longTasks = [];
      w.arrived = {};
      w.shown = {};
      let last = performance.now();
      const tick = (t: number) => {
        w.frames_.push(t - last);
        last = t;
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
      new PerformanceObserver((l) => l.getEntries().forEach((e) => w.longTasks.push(e.duration))).observe({ type: 'longtask' });
      // Per block: built (its timestamp), committed (the hub saw it), arrived here.
      w.aurigraph.live.onEvent((e) => {
        if (e.type === 'block') w.arrived[e.height] = [e.timestamp, e.committed_ms ?? 0, Date.now()];
      });
      new MutationObserver(() => {
        for (const r of document.querySelectorAll('[data-testid=newest-blocks] tr[data-height]')) w.shown[r.getAttribute('data-height')!] ??= Date.now();
      }).observe(document.body, { childList: true, subtree: true });
    });
    await browser.startTracing(page, { path: join(OUT, 'trace-dashboard-under-load.json'), categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline.frame'] });
    // Frames count from here: the trace's own start is not the page's work.
    await page.evaluate(() => ((window as unknown as { frames_: number[] }).frames_.length = 0));
    await sleep(30_000);
    await browser.stopTracing();
    const apiHead = await dev.height();
    const page_ = await page.evaluate(() => {
      const w = window as unknown as { frames_: number[]; longTasks: number[]; arrived: Record<string, [number, number, number]>; shown: Record<string, number>; aurigraph: { store: { snapshot: { head: number } } } };
      return { frames: w.frames_.slice(1), longTasks: w.longTasks, arrived: w.arrived, shown: w.shown, head: w.aurigraph.store.snapshot.head };
    });
    const heights = Object.keys(page_.arrived).map(Number).sort((a, b) => a - b);
    const commitToArrive: number[] = [];
    const arriveToShown: number[] = [];
    const builtToCommit: number[] = [];
    for (const h of heights) {
      const [built, committed, arrived] = page_.arrived[h];
      if (committed) {
        builtToCommit.push(committed - built);
        commitToArrive.push(arrived - committed);
      }
      if (page_.shown[h]) arriveToShown.push(page_.shown[h] - arrived);
    }
    const third = Math.floor(arriveToShown.length / 3);
    const trace = JSON.parse(readFileSync(join(OUT, 'trace-dashboard-under-load.json'), 'utf8')) as { traceEvents: { name: string; dur?: number; tdur?: number; ph: string }[] };
    // Top-level tasks of the page's main thread: wall time, and the CPU
    // time they used (tdur), which tells work from waiting for a core.
    const tasks = trace.traceEvents.filter((e) => ['TimerFire', 'FireAnimationFrame', 'FunctionCall', 'EventDispatch', 'Layout', 'Paint', 'ParseHTML'].includes(e.name) && e.dur);
    const longestTaskMs = Math.max(0, ...tasks.map((e) => (e.dur ?? 0) / 1000));
    const longestTaskCpuMs = Math.max(0, ...tasks.map((e) => (e.tdur ?? 0) / 1000));
    const frames = page_.frames.sort((a, b) => a - b);
    const q = (xs: number[], p: number) => Math.round([...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN);
    results.underLoad = {
      windowS: 30,
      blocksReceived: heights.length,
      committedTxPerS: undefined,
      frames: frames.length,
      framesOver100ms: frames.filter((f) => f > 100).length,
      longestFrameMs: Math.round(frames.at(-1) ?? 0),
      p99FrameMs: q(frames, 0.99),
      longTasksMs: page_.longTasks.map(Math.round),
      longestTaskMs: Math.round(longestTaskMs),
      longestTaskCpuMs: Math.round(longestTaskCpuMs * 10) / 10,
      blockBuiltToCommitMs: { p50: q(builtToCommit, 0.5), p99: q(builtToCommit, 0.99) },
      commitToArrivalMs: { p50: q(commitToArrive, 0.5), p99: q(commitToArrive, 0.99) },
      arrivalToRowMs: { p50: q(arriveToShown, 0.5), p99: q(arriveToShown, 0.99), max: q(arriveToShown, 1), firstThirdP50: q(arriveToShown.slice(0, third), 0.5), lastThirdP50: q(arriveToShown.slice(-third), 0.5) },
      pageHeadBehindApiAtEnd: Math.max(0, apiHead - page_.head),
    };
    await s.context.close();
    s.guard.check();
    expect(frames.length).toBeGreaterThan(1000);
    expect(frames.filter((f) => f > 100)).toEqual([]);
    // The page renders what arrives within a few frames, and does not fall behind.
    expect(q(arriveToShown, 0.99)).toBeLessThan(100);
    expect(q(arriveToShown.slice(-third), 0.5)).toBeLessThan(50);
    expect(longestTaskCpuMs).toBeLessThan(50);
  } finally {
    if (bench.exitCode === null) bench.kill('SIGINT');
    await benchDone;
    const m = /committed tx\/s \(max-rate phase\) \| ([\d.]+K?)/.exec(benchOut);
    if (results.underLoad && m) (results.underLoad as Record<string, unknown>).committedTxPerS = m[1];
  }
}, 180_000);
