'use strict';
// Client for the Aurigraph gRPC API. The .proto files are loaded at run time
// from the repository's schemas, so a change there needs no rebuild here;
// generated/ holds only types, for the editor and `npm run typecheck`.

const fs = require('node:fs');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const protobuf = require('protobufjs');

const SCHEMAS_DIR = path.resolve(__dirname, '..', '..');
const HEALTH_DIR = path.join(path.dirname(require.resolve('grpc-health-check/package.json')), 'proto');
const GOOGLE_DIR = path.dirname(require.resolve('google-proto-files/package.json'));

/** Milliseconds. Unary calls answer in milliseconds on a healthy cluster. */
const DEFAULT_TIMEOUT_MS = 10_000;

/**
 * generate.sh passes the same choices to proto-loader-gen-types, so the
 * generated types describe exactly what these options produce. keepCase:
 * field names stay as in the .proto (from_height, timestamp_ms), the same
 * as in the REST JSON and the other clients.
 */
const LOADER_OPTIONS = Object.freeze({
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [SCHEMAS_DIR, HEALTH_DIR, GOOGLE_DIR],
});

/**
 * @typedef {import('./generated/block').ProtoGrpcType
 *   & import('./generated/chain').ProtoGrpcType
 *   & import('./generated/performance').ProtoGrpcType
 *   & import('./generated/stream').ProtoGrpcType
 *   & import('./generated/transaction').ProtoGrpcType
 *   & import('./generated/validator').ProtoGrpcType
 *   & import('./generated/health').ProtoGrpcType} ProtoGrpcType
 */

/** @type {ProtoGrpcType | undefined} */
let loaded;

/** @returns {ProtoGrpcType} the loaded aurigraph.v1 and grpc.health.v1 packages */
function loadProtos() {
  if (!loaded) {
    const files = fs.readdirSync(path.join(SCHEMAS_DIR, 'aurigraph', 'v1'))
      // raft.proto is the validators' peer transport, not served to clients.
      .filter((f) => f.endsWith('.proto') && f !== 'raft.proto')
      .sort()
      .map((f) => `aurigraph/v1/${f}`);
    files.push('health/v1/health.proto');
    const def = protoLoader.loadSync(files, LOADER_OPTIONS);
    loaded = /** @type {ProtoGrpcType} */ (/** @type {unknown} */ (grpc.loadPackageDefinition(def)));
  }
  return loaded;
}

/**
 * @typedef {object} Clients
 * @property {import('./generated/aurigraph/v1/TransactionService').TransactionServiceClient} transactions
 * @property {import('./generated/aurigraph/v1/BlockService').BlockServiceClient} blocks
 * @property {import('./generated/aurigraph/v1/ValidatorService').ValidatorServiceClient} validators
 * @property {import('./generated/aurigraph/v1/PerformanceService').PerformanceServiceClient} performance
 * @property {import('./generated/aurigraph/v1/StreamService').StreamServiceClient} stream
 * @property {import('./generated/grpc/health/v1/Health').HealthClient} health
 * @property {() => void} close closes the one channel all of them share
 */

/**
 * @param {string} target host:port
 * @param {grpc.ChannelCredentials} [credentials] insecure when omitted
 * @returns {Clients}
 */
function connect(target, credentials = grpc.credentials.createInsecure()) {
  const { aurigraph, grpc: { health } } = loadProtos();
  const v1 = aurigraph.v1;
  // The server lets clients ping every 10 s; 30 s keeps idle subscriptions
  // alive through NATs and proxies without risking a GOAWAY.
  const transactions = new v1.TransactionService(target, credentials, { 'grpc.keepalive_time_ms': 30_000 });
  const shared = { channelOverride: transactions.getChannel() };
  return {
    transactions,
    blocks: new v1.BlockService(target, credentials, shared),
    validators: new v1.ValidatorService(target, credentials, shared),
    performance: new v1.PerformanceService(target, credentials, shared),
    stream: new v1.StreamService(target, credentials, shared),
    health: new health.v1.Health(target, credentials, shared),
    close: () => transactions.close(),
  };
}

/**
 * @param {number} [ms]
 * @returns {Date}
 */
function deadlineIn(ms = DEFAULT_TIMEOUT_MS) {
  return new Date(Date.now() + ms);
}

/**
 * Calls a unary method with a deadline and resolves with its answer:
 * `await unary(c.transactions, c.transactions.Submit, { transaction })`.
 * The method's (request, callback) overload fixes the types.
 *
 * @template Req, Res
 * @param {grpc.Client} client
 * @param {(request: Req, callback: grpc.requestCallback<Res>) => grpc.ClientUnaryCall} method
 * @param {Req} request
 * @param {{ timeoutMs?: number, metadata?: grpc.Metadata }} [opts]
 * @returns {Promise<Res>}
 */
function unary(client, method, request, opts = {}) {
  return new Promise((resolve, reject) => {
    const full = /** @type {(r: Req, m: grpc.Metadata, o: grpc.CallOptions, cb: grpc.requestCallback<Res>) => void} */ (
      /** @type {unknown} */ (method)
    );
    full.call(client, request, opts.metadata ?? new grpc.Metadata(), { deadline: deadlineIn(opts.timeoutMs) },
      (err, res) => (err ? reject(err) : resolve(/** @type {Res} */ (res))));
  });
}

/** @type {protobuf.Root | undefined} */
let rpcRoot;

/**
 * @typedef {object} ErrorDetail
 * @property {string} type full message name, e.g. google.rpc.BadRequest
 * @property {Record<string, any>} value decoded with the loader's options;
 *   generated/google/rpc has its types (BadRequest__Output etc.)
 */

/**
 * The google.rpc error details a server attached to a failed call
 * (trailer grpc-status-details-bin); empty when there are none. Details of
 * types outside google/rpc/error_details.proto are left out.
 *
 * @param {grpc.ServiceError} err
 * @returns {ErrorDetail[]}
 */
function errorDetails(err) {
  const raw = err.metadata?.get('grpc-status-details-bin')[0];
  if (!raw || typeof raw === 'string') return [];
  if (!rpcRoot) {
    rpcRoot = new protobuf.Root();
    rpcRoot.resolvePath = (_origin, target) => path.join(GOOGLE_DIR, target);
    rpcRoot.loadSync(['google/rpc/status.proto', 'google/rpc/error_details.proto'], { keepCase: true });
  }
  const root = rpcRoot;
  const conv = { longs: String, enums: String, defaults: true, oneofs: true };
  const StatusType = root.lookupType('google.rpc.Status');
  const status = StatusType.toObject(StatusType.decode(raw), conv);
  /** @type {ErrorDetail[]} */
  const out = [];
  for (const any of /** @type {{ type_url: string, value: Uint8Array }[]} */ (status.details)) {
    const type = any.type_url.slice(any.type_url.lastIndexOf('/') + 1);
    const T = root.lookup(type);
    if (T instanceof protobuf.Type) out.push({ type, value: T.toObject(T.decode(any.value), conv) });
  }
  return out;
}

module.exports = { DEFAULT_TIMEOUT_MS, LOADER_OPTIONS, loadProtos, connect, deadlineIn, unary, errorDetails };
