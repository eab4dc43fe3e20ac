// Original file: ../../aurigraph/v1/validator.proto

import type { Long } from '@grpc/proto-loader';

export interface GetLeaderResponse {
  /**
   * 0 while there is no leader.
   */
  'leader'?: (number | string | Long);
  'term'?: (number | string | Long);
  'raft_address'?: (string);
}

export interface GetLeaderResponse__Output {
  /**
   * 0 while there is no leader.
   */
  'leader': (string);
  'term': (string);
  'raft_address': (string);
}
