// Original file: ../../aurigraph/v1/transaction.proto

import type { ExistingTransaction as _aurigraph_v1_ExistingTransaction, ExistingTransaction__Output as _aurigraph_v1_ExistingTransaction__Output } from '../../aurigraph/v1/ExistingTransaction';

export interface SubmitStreamResponse {
  /**
   * Ids of every transaction sent, in order.
   */
  'ids'?: (string)[];
  /**
   * Those already in the chain, which were not written again.
   */
  'existing'?: (_aurigraph_v1_ExistingTransaction)[];
}

export interface SubmitStreamResponse__Output {
  /**
   * Ids of every transaction sent, in order.
   */
  'ids': (string)[];
  /**
   * Those already in the chain, which were not written again.
   */
  'existing': (_aurigraph_v1_ExistingTransaction__Output)[];
}
