// The browser tests' harness: a real `aurigraph dev` on free loopback
// ports with its own data directory, Debian's Chromium driven by
// playwright-core, producers through kcat, and a guard that fails a test
// on any console error or failed request.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const REPO = resolve(__dirname, '../../..');
export const BIN = process.env.AURIGRAPH_BIN ?? join(REPO, 'bin/aurigraph');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
/**
 * Where flows save screenshots: test-results/ (ignored by git) unless
 * AURIGRAPH_SCREENSHOTS names another directory; `make portal-screenshots`
 * points it at portal/screenshots/, which the README shows.
 */
export const SHOTS = resolve(process.env.AURIGRAPH_SCREENSHOTS ?? join(REPO, 'portal/test-results/screenshots'));

/** Flags Chromium needs as root on a machine without outside network. */
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
];

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? res(a.port) : rej(new Error('no port'))));
    });
  });
}

function portFree(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createServer();
    s.once('error', () => res(false));
    s.listen(port, '127.0.0.1', () => s.close(() => res(true)));
  });
}

/** A run of n+1 free ports from a random base: the validators' Raft ports are base+1..base+n. */
async function freeRun(n: number): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const base = 20000 + Math.floor(Math.random() * 30000);
    let ok = true;
    for (let p = base; p <= base + n && ok; p++) ok = await portFree(p);
    if (ok) return base;
  }
  throw new Error('no run of free ports for the Raft transport');
}

export interface DevPorts {
  http: number;
  grpc: number;
  kafka: number;
  clickhouse: number;
  raft: number;
}

export class Dev {
  proc: ChildProcess | null = null;
  log = '';
  readonly dataDir: string;

  private constructor(readonly ports: DevPorts, readonly validators: number) {
    this.dataDir = mkdtempSync(join(tmpdir(), 'aurigraph-portal-e2e-'));
  }

  static async create(validators = 3): Promise<Dev> {
    const ports = { http: await freePort(), grpc: await freePort(), kafka: await freePort(), clickhouse: await freePort(), raft: await freeRun(validators) };
    return new Dev(ports, validators);
  }

  get url(): string {
    return `http://127.0.0.1:${this.ports.http}`;
  }

  get broker(): string {
    return `127.0.0.1:${this.ports.kafka}`;
  }

  /**
   * start runs aurigraph dev and waits until its health is UP; with nice > 0
   * at that lower priority, for measurements that stand in for a viewer on
   * another machine than the validators.
   */
  async start(timeoutMs = 90_000, nice = 0): Promise<void> {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run make build first`);
    const p = this.ports;
    const cmd = nice > 0 ? ['nice', '-n', String(nice), BIN] : [BIN];
    this.proc = spawn(cmd[0], [
      ...cmd.slice(1),
      'dev', '--data', this.dataDir, '--validators', String(this.validators),
      '--http', `127.0.0.1:${p.http}`, '--grpc', `127.0.0.1:${p.grpc}`, '--kafka', `127.0.0.1:${p.kafka}`,
      '--clickhouse-http', `127.0.0.1:${p.clickhouse}`, '--raft-port', String(p.raft), '--log-level', 'warn',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (b: Buffer) => {
      this.log = (this.log + b.toString()).slice(-20_000);
    };
    this.proc.stdout!.on('data', keep);
    this.proc.stderr!.on('data', keep);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) throw new Error(`aurigraph dev exited with ${this.proc.exitCode}:\n${this.log}`);
      try {
        const res = await fetch(`${this.url}/q/health`);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(250);
    }
    throw new Error(`aurigraph dev not healthy after ${timeoutMs} ms:\n${this.log}`);
  }

  /** stop ends aurigraph dev with SIGTERM, as Ctrl-C does, and waits for it. */
  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((res) => p.once('exit', res));
    p.kill('SIGTERM');
    const t = setTimeout(() => p.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(t);
    this.proc = null;
  }

  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  async api<T>(path: string, init?: RequestInit): Promise<T> {
    const res = await fetch(`${this.url}/api/v12${path}`, init);
    const text = await res.text();
    if (!res.ok) throw new Error(`${path}: ${res.status} ${text}`);
    return JSON.parse(text) as T;
  }

  /** kcat produces records to the transactions topic, as any producer would. */
  kcat(lines: string[]): Promise<void> {
    return new Promise((res, rej) => {
      const k = spawn('kcat', ['-P', '-b', this.broker, '-t', 'aurigraph.tx.v1', '-K', '|'], { stdio: ['pipe', 'ignore', 'pipe'] });
      let err = '';
      k.stderr.on('data', (b) => (err += b.toString()));
      k.on('error', rej);
      k.on('exit', (code) => (code === 0 ? res() : rej(new Error(`kcat exited ${code}: ${err}`))));
      k.stdin.end(lines.join('\n') + '\n');
    });
  }

  /** waitFor polls until fn returns a value, or fails after timeoutMs. */
  async waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      try {
        const v = await fn();
        if (v) return v;
      } catch (e) {
        last = e;
      }
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
  }

  /** The chain head. */
  async height(): Promise<number> {
    return (await this.api<{ height: number }>('/chain/stats?stale=true')).height;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** tx writes a transaction record for kcat: key|json. */
export function txLine(tx: Record<string, unknown>): string {
  return `${String(tx.from ?? tx.to)}|${JSON.stringify(tx)}`;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, chromiumSandbox: false, args: CHROMIUM_ARGS });
}

/**
 * Guard records a page's console errors and failed requests. Every test
 * ends with check(), which fails on anything not explicitly expected.
 */
export class Guard {
  problems: string[] = [];
  private allowed: RegExp[] = [];

  constructor(page: Page) {
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') this.record(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => this.record(`page error: ${e.message}`));
    page.on('requestfailed', (r) => {
      const why = r.failure()?.errorText ?? '';
      // A read the page abandoned (it navigated on) is not a failure.
      if (why === 'net::ERR_ABORTED') return;
      this.record(`request failed: ${r.method()} ${r.url()} ${why}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400) this.record(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
    });
  }

  private record(s: string): void {
    if (!this.allowed.some((re) => re.test(s))) this.problems.push(s);
  }

  /** allow accepts problems matching re from now on (a test that provokes them). */
  allow(re: RegExp): void {
    this.allowed.push(re);
  }

  reset(): void {
    this.problems = [];
    this.allowed = [];
  }

  check(): void {
    const p = this.problems;
    this.problems = [];
    this.allowed = [];
    if (p.length) throw new Error(`the page reported:\n  ${p.join('\n  ')}`);
  }
}

export interface Session {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  guard: Guard;
}

export async function openSession(browser: Browser, base: string, opts: { width?: number; height?: number; colorScheme?: 'light' | 'dark'; acceptDownloads?: boolean } = {}): Promise<Session> {
  const context = await browser.newContext({
    baseURL: base, viewport: { width: opts.width ?? 1280, height: opts.height ?? 860 }, colorScheme: opts.colorScheme ?? 'light',
    acceptDownloads: opts.acceptDownloads ?? true, reducedMotion: 'reduce',
  });
  const page = await context.newPage();
  return { browser, context, page, guard: new Guard(page) };
}

export function shotPath(name: string): string {
  mkdirSync(SHOTS, { recursive: true });
  return join(SHOTS, `${name}.png`);
}

/** Gateway is an `aurigraph gateway` following a dev's blocks topic. */
export class Gateway {
  private constructor(readonly proc: ChildProcess, readonly url: string) {}

  /** start runs a gateway; with analytics it reads dev's projection through its ClickHouse HTTP interface. */
  static async start(dev: Dev, opts: { analytics?: boolean } = {}, timeoutMs = 60_000): Promise<Gateway> {
    const http = await freePort();
    const grpc = await freePort();
    const args = ['gateway', '--kafka', dev.broker, '--validators', dev.url, '--http', `127.0.0.1:${http}`, '--grpc', `127.0.0.1:${grpc}`, '--log-level', 'warn'];
    if (opts.analytics) args.push('--clickhouse', `http://127.0.0.1:${dev.ports.clickhouse}`);
    const proc = spawn(BIN, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    proc.stderr!.on('data', (b: Buffer) => (log = (log + b.toString()).slice(-10_000)));
    const url = `http://127.0.0.1:${http}`;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`aurigraph gateway exited with ${proc.exitCode}:\n${log}`);
      try {
        if ((await fetch(`${url}/q/health`)).ok) return new Gateway(proc, url);
      } catch {
        // not listening yet
      }
      await sleep(200);
    }
    proc.kill('SIGKILL');
    throw new Error(`aurigraph gateway not up after ${timeoutMs} ms:\n${log}`);
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    const exited = new Promise((res) => this.proc.once('exit', res));
    this.proc.kill('SIGTERM');
    await exited;
  }
}
