// Original file: ../../aurigraph/v1/transaction.proto

import type { ExistingTransaction as _aurigraph_v1_ExistingTransaction, ExistingTransaction__Output as _aurigraph_v1_ExistingTransaction__Output } from '../../aurigraph/v1/ExistingTransaction';

export interface SubmitBatchResponse {
  /**
   * Ids in the order of the request's transactions.
   */
  'ids'?: (string)[];
  /**
   * The transactions of the request already in the chain, which were not
   * written again. When every one is, the call fails with ALREADY_EXISTS.
   */
  'existing'?: (_aurigraph_v1_ExistingTransaction)[];
}

export interface SubmitBatchResponse__Output {
  /**
   * Ids in the order of the request's transactions.
   */
  'ids': (string)[];
  /**
   * The transactions of the request already in the chain, which were not
   * written again. When every one is, the call fails with ALREADY_EXISTS.
   */
  'existing': (_aurigraph_v1_ExistingTransaction__Output)[];
}
