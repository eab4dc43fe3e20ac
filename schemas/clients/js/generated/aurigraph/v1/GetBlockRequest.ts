// Original file: ../../aurigraph/v1/block.proto

import type { Long } from '@grpc/proto-loader';

export interface GetBlockRequest {
  /**
   * From 1.
   */
  'height'?: (number | string | Long);
  /**
   * The block's 32-byte hash.
   */
  'hash'?: (Buffer | Uint8Array | string);
  'stale'?: (boolean);
  'block'?: "height"|"hash";
}

export interface GetBlockRequest__Output {
  /**
   * From 1.
   */
  'height'?: (string);
  /**
   * The block's 32-byte hash.
   */
  'hash'?: (Buffer);
  'stale': (boolean);
  'block'?: "height"|"hash";
}
