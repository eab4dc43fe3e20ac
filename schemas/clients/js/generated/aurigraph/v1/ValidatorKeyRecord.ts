// Original file: ../../aurigraph/v1/chain.proto

import type { Long } from '@grpc/proto-loader';

/**
 * A validator's registered block-signing key. A validator has one key from
 * its registration until it leaves the membership; to change keys, remove
 * it and add it again.
 */
export interface ValidatorKeyRecord {
  'id'?: (number | string | Long);
  'pubkey'?: (Buffer | Uint8Array | string);
  /**
   * 0 while the validator is a member; once removed, the chain height at its
   * removal: it signs no block above it.
   */
  'retired_at_height'?: (number | string | Long);
}

/**
 * A validator's registered block-signing key. A validator has one key from
 * its registration until it leaves the membership; to change keys, remove
 * it and add it again.
 */
export interface ValidatorKeyRecord__Output {
  'id': (string);
  'pubkey': (Buffer);
  /**
   * 0 while the validator is a member; once removed, the chain height at its
   * removal: it signs no block above it.
   */
  'retired_at_height': (string);
}
