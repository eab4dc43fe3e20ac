'use strict';
// End-to-end check of the public gRPC API against a running server:
// AURIGRAPH_GRPC=host:port node --test smoke.test.js

const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { after, before, test } = require('node:test');
const grpc = require('@grpc/grpc-js');
const { connect, deadlineIn, errorDetails, unary, DEFAULT_TIMEOUT_MS } = require('./index.js');

/** @typedef {import('./generated/aurigraph/v1/Transaction').Transaction} Transaction */
/** @typedef {import('./generated/aurigraph/v1/StreamEvent').StreamEvent__Output} StreamEvent */
/** @typedef {import('./generated/aurigraph/v1/GetTransactionStatusResponse').GetTransactionStatusResponse__Output} TxStatus */
/** @typedef {import('./generated/google/rpc/BadRequest').BadRequest__Output} BadRequest */

const COMMIT_TIMEOUT_MS = 60_000;
const EVENT_TIMEOUT_MS = 30_000;
// Only a guard against a hung server: the test cancels the stream itself.
const STREAM_DEADLINE_MS = 120_000;

const target = process.env.AURIGRAPH_GRPC ?? '';
/** @type {import('./index.js').Clients} */
let c;

before(async () => {
  assert.ok(target, 'AURIGRAPH_GRPC is not set: export AURIGRAPH_GRPC=host:port of the gRPC API (e.g. 127.0.0.1:9004)');
  c = connect(target);
  await new Promise((resolve, reject) => c.transactions.waitForReady(deadlineIn(),
    (err) => (err ? reject(new Error(`no gRPC server answered at AURIGRAPH_GRPC=${target}: ${err.message}`)) : resolve(undefined))));
});

after(() => c?.close());

/**
 * @param {string} to
 * @param {number} amount
 * @param {number} nonce
 * @returns {Transaction}
 */
const mint = (to, amount, nonce) => ({ type: 'TX_TYPE_MINT', to, amount, nonce });

const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));

/**
 * @template T
 * @param {Promise<T>} p
 * @param {number} ms
 * @param {string} what
 * @returns {Promise<T>}
 */
async function withTimeout(p, ms, what) {
  /** @type {NodeJS.Timeout | undefined} */
  let t;
  const expired = new Promise((_, reject) => { t = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms); });
  try {
    return await Promise.race([p, /** @type {Promise<never>} */ (expired)]);
  } finally {
    clearTimeout(t);
  }
}

/** @param {unknown} err */
const codeOf = (err) => /** @type {grpc.ServiceError} */ (err).code;

/**
 * A live Subscribe call whose events are buffered from the start, so none
 * is lost while the test is busy submitting and polling.
 */
class BlockWatcher {
  constructor() {
    /** @type {StreamEvent[]} */
    this.events = [];
    /** @type {grpc.ServiceError | undefined} */
    this.error = undefined;
    /** @type {(() => void)[]} */
    this.wakers = [];
    this.call = c.stream.Subscribe(
      { from_height: 0, types: ['EVENT_TYPE_BLOCK'] },
      { deadline: deadlineIn(STREAM_DEADLINE_MS) },
    );
    // The server sends headers once the subscription is in place.
    this.subscribed = new Promise((resolve, reject) => {
      this.call.once('metadata', resolve);
      this.call.once('error', reject);
    });
    this.ended = new Promise((resolve) => this.call.once('close', resolve));
    this.call.on('data', (/** @type {StreamEvent} */ ev) => { this.events.push(ev); this.wake(); });
    this.call.on('error', (/** @type {grpc.ServiceError} */ err) => { this.error = err; this.wake(); });
  }

  wake() {
    for (const w of this.wakers.splice(0)) w();
  }

  /**
   * @param {bigint} minHeight
   * @param {number} timeoutMs
   * @returns {Promise<StreamEvent>}
   */
  async waitBlock(minHeight, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const ev of this.events.splice(0)) {
        assert.equal(ev.type, 'EVENT_TYPE_BLOCK');
        if (BigInt(ev.height) >= minHeight) return ev;
      }
      assert.equal(this.error, undefined, `stream ended early: ${this.error?.message}`);
      const left = deadline - Date.now();
      assert.ok(left > 0, `no block event at height >= ${minHeight} within ${timeoutMs} ms`);
      await new Promise((resolve) => {
        const t = setTimeout(resolve, left);
        this.wakers.push(() => { clearTimeout(t); resolve(undefined); });
      });
    }
  }

  async cancel() {
    this.call.cancel();
    await this.ended;
    assert.equal(this.error?.code, grpc.status.CANCELLED, `stream ended with ${this.error?.message}`);
  }
}

/**
 * Polls Status until every id is committed or failed. UNAVAILABLE and
 * NOT_FOUND count as "not yet": the first is retryable by contract, the
 * second can be seen when a read reaches a validator before the write's
 * pending record does.
 *
 * @param {string[]} ids
 * @returns {Promise<Map<string, TxStatus>>}
 */
async function waitSettled(ids) {
  /** @type {Map<string, string>} */
  const pending = new Map(ids.map((id) => [id, 'not asked yet']));
  /** @type {Map<string, TxStatus>} */
  const done = new Map();
  const deadline = Date.now() + COMMIT_TIMEOUT_MS;
  for (;;) {
    for (const id of [...pending.keys()]) {
      try {
        const st = await unary(c.transactions, c.transactions.Status, { id });
        if (st.state === 'TX_STATE_COMMITTED' || st.state === 'TX_STATE_FAILED') {
          done.set(id, st);
          pending.delete(id);
        } else {
          pending.set(id, st.state);
        }
      } catch (err) {
        if (codeOf(err) !== grpc.status.UNAVAILABLE && codeOf(err) !== grpc.status.NOT_FOUND) throw err;
        pending.set(id, grpc.status[codeOf(err)]);
      }
    }
    if (pending.size === 0) return done;
    assert.ok(Date.now() < deadline, `not settled after ${COMMIT_TIMEOUT_MS} ms: ${JSON.stringify(Object.fromEntries(pending))}`);
    await sleep(100);
  }
}

test('health', async () => {
  const res = await unary(c.health, c.health.Check, { service: '' });
  assert.equal(res.status, 'SERVING');
});

test('submit, commit, read back and stream', async () => {
  const watcher = new BlockWatcher();
  try {
    // Without this the block could commit before the live subscription
    // exists and never be delivered.
    await withTimeout(watcher.subscribed, DEFAULT_TIMEOUT_MS, 'Subscribe did not start');

    const account = `js-smoke-${crypto.randomBytes(6).toString('hex')}`;
    const txs = Array.from({ length: 10 }, (_, i) => mint(account, i + 1, i + 1));
    const batch = await unary(c.transactions, c.transactions.SubmitBatch, { transactions: txs });
    assert.equal(batch.ids.length, 10);
    assert.ok(batch.ids.every(Boolean));
    assert.equal(new Set(batch.ids).size, 10, 'distinct transactions must get distinct ids');
    const one = await unary(c.transactions, c.transactions.Submit, { transaction: mint(account, 11, 11) });
    assert.ok(one.id && !batch.ids.includes(one.id));

    const settled = await waitSettled([...batch.ids, one.id]);
    const failed = [...settled].filter(([, s]) => s.state !== 'TX_STATE_COMMITTED').map(([id, s]) => `${id}: ${s.reason}`);
    assert.deepEqual(failed, []);

    const got = await unary(c.transactions, c.transactions.Get, { id: one.id });
    assert.equal(got.state, 'TX_STATE_COMMITTED');
    const height = BigInt(got.height);
    assert.ok(height > 0n);
    assert.equal(got.result?.status, 'TX_STATUS_COMMITTED', got.result?.reason);
    const tx = got.result?.tx;
    assert.deepEqual([tx?.id, tx?.type, tx?.to, tx?.amount], [one.id, 'TX_TYPE_MINT', account, '11']);
    assert.equal(settled.get(one.id)?.height, got.height);

    const { block } = await unary(c.blocks, c.blocks.Get, { height: got.height });
    assert.equal(block?.header?.height, got.height);
    assert.ok(block?.txs.some((r) => r.tx?.id === one.id), 'block does not hold the transaction');
    assert.equal(block?.txs[got.index]?.tx?.id, one.id);
    const latest = await unary(c.blocks, c.blocks.Latest, {});
    assert.ok(BigInt(latest.block?.header?.height ?? 0) >= height);

    const ev = await watcher.waitBlock(height, EVENT_TIMEOUT_MS);
    assert.equal(ev.event, 'block');
    assert.equal(ev.id, ev.height);
  } finally {
    await watcher.cancel();
  }
});

test('invalid amount', async () => {
  const bad = mint(`js-smoke-${crypto.randomBytes(6).toString('hex')}`, 0, 1);
  const err = await unary(c.transactions, c.transactions.Submit, { transaction: bad }).then(
    () => assert.fail('Submit with amount 0 succeeded'),
    (/** @type {grpc.ServiceError} */ e) => e,
  );
  assert.equal(err.code, grpc.status.INVALID_ARGUMENT, `${grpc.status[err.code]}: ${err.details}`);

  const requests = errorDetails(err).filter((d) => d.type === 'google.rpc.BadRequest')
    .map((d) => /** @type {BadRequest} */ (d.value));
  // The detail is optional on the wire; the code is what the contract fixes.
  if (requests.length === 0) return;
  const fields = requests.flatMap((br) => br.field_violations.map((v) => v.field));
  // Accept a path such as "transaction.amount": the contract names the
  // field, not the path syntax.
  assert.ok(fields.some((f) => f.split('.').at(-1) === 'amount'), `BadRequest should name amount: ${fields}`);
});
