// Original file: ../../aurigraph/v1/validator.proto

import type { Long } from '@grpc/proto-loader';

export interface AddMemberRequest {
  'id'?: (number | string | Long);
  /**
   * host:port of the new validator's raft transport.
   */
  'raft_address'?: (string);
}

export interface AddMemberRequest__Output {
  'id': (string);
  /**
   * host:port of the new validator's raft transport.
   */
  'raft_address': (string);
}
