// Original file: ../../aurigraph/v1/transaction.proto

import type { Transaction as _aurigraph_v1_Transaction, Transaction__Output as _aurigraph_v1_Transaction__Output } from '../../aurigraph/v1/Transaction';

export interface SubmitBatchRequest {
  'transactions'?: (_aurigraph_v1_Transaction)[];
}

export interface SubmitBatchRequest__Output {
  'transactions': (_aurigraph_v1_Transaction__Output)[];
}
