// Original file: ../../aurigraph/v1/block.proto

import type { Long } from '@grpc/proto-loader';

export interface ListBlocksRequest {
  /**
   * First height, from 1.
   */
  'from_height'?: (number | string | Long);
  /**
   * Last height wanted, inclusive; 0 means up to the head.
   */
  'to_height'?: (number | string | Long);
  /**
   * At most this many blocks, 1 to 1000; 0 means 100.
   */
  'limit'?: (number);
  /**
   * Leave out the transactions, for headers and counts only.
   */
  'headers_only'?: (boolean);
  'stale'?: (boolean);
}

export interface ListBlocksRequest__Output {
  /**
   * First height, from 1.
   */
  'from_height': (string);
  /**
   * Last height wanted, inclusive; 0 means up to the head.
   */
  'to_height': (string);
  /**
   * At most this many blocks, 1 to 1000; 0 means 100.
   */
  'limit': (number);
  /**
   * Leave out the transactions, for headers and counts only.
   */
  'headers_only': (boolean);
  'stale': (boolean);
}
