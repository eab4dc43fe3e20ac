// Original file: ../../aurigraph/v1/transaction.proto

import type { TxState as _aurigraph_v1_TxState, TxState__Output as _aurigraph_v1_TxState__Output } from '../../aurigraph/v1/TxState';
import type { Long } from '@grpc/proto-loader';

export interface GetTransactionStatusResponse {
  'id'?: (string);
  'state'?: (_aurigraph_v1_TxState);
  'height'?: (number | string | Long);
  'index'?: (number);
  /**
   * Why the state machine rejected it, when failed.
   */
  'reason'?: (string);
}

export interface GetTransactionStatusResponse__Output {
  'id': (string);
  'state': (_aurigraph_v1_TxState__Output);
  'height': (string);
  'index': (number);
  /**
   * Why the state machine rejected it, when failed.
   */
  'reason': (string);
}
