// Original file: ../../aurigraph/v1/transaction.proto

import type { TxState as _aurigraph_v1_TxState, TxState__Output as _aurigraph_v1_TxState__Output } from '../../aurigraph/v1/TxState';
import type { Long } from '@grpc/proto-loader';

/**
 * A submitted transaction the chain already holds.
 */
export interface ExistingTransaction {
  /**
   * Its position in the request (in SubmitStream, over every message).
   */
  'index'?: (number);
  'id'?: (string);
  'height'?: (number | string | Long);
  /**
   * TX_STATE_COMMITTED or TX_STATE_FAILED.
   */
  'state'?: (_aurigraph_v1_TxState);
}

/**
 * A submitted transaction the chain already holds.
 */
export interface ExistingTransaction__Output {
  /**
   * Its position in the request (in SubmitStream, over every message).
   */
  'index': (number);
  'id': (string);
  'height': (string);
  /**
   * TX_STATE_COMMITTED or TX_STATE_FAILED.
   */
  'state': (_aurigraph_v1_TxState__Output);
}
