// Original file: ../../aurigraph/v1/transaction.proto

import type { TxState as _aurigraph_v1_TxState, TxState__Output as _aurigraph_v1_TxState__Output } from '../../aurigraph/v1/TxState';
import type { TxResult as _aurigraph_v1_TxResult, TxResult__Output as _aurigraph_v1_TxResult__Output } from '../../aurigraph/v1/TxResult';
import type { Long } from '@grpc/proto-loader';

export interface GetTransactionResponse {
  'state'?: (_aurigraph_v1_TxState);
  /**
   * The transaction and its outcome; unset while pending.
   */
  'result'?: (_aurigraph_v1_TxResult | null);
  /**
   * Block height and position in the block, when committed or failed.
   */
  'height'?: (number | string | Long);
  'index'?: (number);
}

export interface GetTransactionResponse__Output {
  'state': (_aurigraph_v1_TxState__Output);
  /**
   * The transaction and its outcome; unset while pending.
   */
  'result': (_aurigraph_v1_TxResult__Output | null);
  /**
   * Block height and position in the block, when committed or failed.
   */
  'height': (string);
  'index': (number);
}
