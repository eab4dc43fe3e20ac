// Original file: ../../aurigraph/v1/transaction.proto

import type { Transaction as _aurigraph_v1_Transaction, Transaction__Output as _aurigraph_v1_Transaction__Output } from '../../aurigraph/v1/Transaction';

export interface SubmitRequest {
  'transaction'?: (_aurigraph_v1_Transaction | null);
}

export interface SubmitRequest__Output {
  'transaction': (_aurigraph_v1_Transaction__Output | null);
}
