// Original file: ../../aurigraph/v1/chain.proto

import type { Long } from '@grpc/proto-loader';

/**
 * A validator's block-signing key, with proof that the validator holds it:
 * proof is the Ed25519 signature by pubkey over
 * "aurigraph-validator-key-v1" || genesis hash || big-endian id || pubkey.
 */
export interface ValidatorKey {
  'id'?: (number | string | Long);
  'pubkey'?: (Buffer | Uint8Array | string);
  'proof'?: (Buffer | Uint8Array | string);
}

/**
 * A validator's block-signing key, with proof that the validator holds it:
 * proof is the Ed25519 signature by pubkey over
 * "aurigraph-validator-key-v1" || genesis hash || big-endian id || pubkey.
 */
export interface ValidatorKey__Output {
  'id': (string);
  'pubkey': (Buffer);
  'proof': (Buffer);
}
