// Original file: ../../aurigraph/v1/chain.proto

import type { Long } from '@grpc/proto-loader';

/**
 * The address a joining validator's peers should dial, carried in the
 * context of a ConfChangeV2 that adds it.
 */
export interface MemberContext {
  'id'?: (number | string | Long);
  'raft_address'?: (string);
}

/**
 * The address a joining validator's peers should dial, carried in the
 * context of a ConfChangeV2 that adds it.
 */
export interface MemberContext__Output {
  'id': (string);
  'raft_address': (string);
}
