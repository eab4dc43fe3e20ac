// Original file: ../../aurigraph/v1/chain.proto

import type { Transaction as _aurigraph_v1_Transaction, Transaction__Output as _aurigraph_v1_Transaction__Output } from '../../aurigraph/v1/Transaction';
import type { TxStatus as _aurigraph_v1_TxStatus, TxStatus__Output as _aurigraph_v1_TxStatus__Output } from '../../aurigraph/v1/TxStatus';

export interface TxResult {
  'tx'?: (_aurigraph_v1_Transaction | null);
  'status'?: (_aurigraph_v1_TxStatus);
  /**
   * Why a failed transaction failed; empty when committed.
   */
  'reason'?: (string);
}

export interface TxResult__Output {
  'tx': (_aurigraph_v1_Transaction__Output | null);
  'status': (_aurigraph_v1_TxStatus__Output);
  /**
   * Why a failed transaction failed; empty when committed.
   */
  'reason': (string);
}
