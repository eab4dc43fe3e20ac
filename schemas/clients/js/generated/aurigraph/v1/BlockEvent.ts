// Original file: ../../aurigraph/v1/chain.proto

import type { Block as _aurigraph_v1_Block, Block__Output as _aurigraph_v1_Block__Output } from '../../aurigraph/v1/Block';
import type { Long } from '@grpc/proto-loader';

/**
 * Published to aurigraph.blocks.v1 (key = height) and to live subscribers.
 */
export interface BlockEvent {
  'block'?: (_aurigraph_v1_Block | null);
  /**
   * When the publishing validator saw the block committed, Unix milliseconds.
   */
  'committed_ms'?: (number | string | Long);
  /**
   * The validator that signed the block, and its Ed25519 signature over
   * "aurigraph-block-v1" || the block hash. Consumers accept a block only
   * with a signature by the key that validator held at that height.
   */
  'signer'?: (number | string | Long);
  'signature'?: (Buffer | Uint8Array | string);
}

/**
 * Published to aurigraph.blocks.v1 (key = height) and to live subscribers.
 */
export interface BlockEvent__Output {
  'block': (_aurigraph_v1_Block__Output | null);
  /**
   * When the publishing validator saw the block committed, Unix milliseconds.
   */
  'committed_ms': (string);
  /**
   * The validator that signed the block, and its Ed25519 signature over
   * "aurigraph-block-v1" || the block hash. Consumers accept a block only
   * with a signature by the key that validator held at that height.
   */
  'signer': (string);
  'signature': (Buffer);
}
