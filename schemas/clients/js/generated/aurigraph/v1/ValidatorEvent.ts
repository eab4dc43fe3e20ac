// Original file: ../../aurigraph/v1/stream.proto

import type { Long } from '@grpc/proto-loader';

export interface ValidatorEvent {
  /**
   * Current leader, 0 while there is none.
   */
  'leader'?: (number | string | Long);
  'term'?: (number | string | Long);
  /**
   * Voting members, ascending. Empty where the server cannot see the
   * membership (a gateway learns leaders from block headers only).
   */
  'voters'?: (number | string | Long)[];
}

export interface ValidatorEvent__Output {
  /**
   * Current leader, 0 while there is none.
   */
  'leader': (string);
  'term': (string);
  /**
   * Voting members, ascending. Empty where the server cannot see the
   * membership (a gateway learns leaders from block headers only).
   */
  'voters': (string)[];
}
