// Original file: ../../aurigraph/v1/stream.proto

import type { Transaction as _aurigraph_v1_Transaction, Transaction__Output as _aurigraph_v1_Transaction__Output } from '../../aurigraph/v1/Transaction';
import type { TxStatus as _aurigraph_v1_TxStatus, TxStatus__Output as _aurigraph_v1_TxStatus__Output } from '../../aurigraph/v1/TxStatus';

export interface TxEvent {
  /**
   * Position of the transaction in its block, from 0.
   */
  'index'?: (number);
  'tx'?: (_aurigraph_v1_Transaction | null);
  'status'?: (_aurigraph_v1_TxStatus);
  'reason'?: (string);
}

export interface TxEvent__Output {
  /**
   * Position of the transaction in its block, from 0.
   */
  'index': (number);
  'tx': (_aurigraph_v1_Transaction__Output | null);
  'status': (_aurigraph_v1_TxStatus__Output);
  'reason': (string);
}
