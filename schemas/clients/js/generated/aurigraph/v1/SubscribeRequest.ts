// Original file: ../../aurigraph/v1/stream.proto

import type { EventType as _aurigraph_v1_EventType, EventType__Output as _aurigraph_v1_EventType__Output } from '../../aurigraph/v1/EventType';
import type { TxType as _aurigraph_v1_TxType, TxType__Output as _aurigraph_v1_TxType__Output } from '../../aurigraph/v1/TxType';
import type { TxStatus as _aurigraph_v1_TxStatus, TxStatus__Output as _aurigraph_v1_TxStatus__Output } from '../../aurigraph/v1/TxStatus';
import type { Long } from '@grpc/proto-loader';

export interface SubscribeRequest {
  /**
   * First block to deliver; 0 means live only. Blocks from here to the head
   * are replayed from storage, then the stream continues live without a
   * gap or a repeat.
   */
  'from_height'?: (number | string | Long);
  /**
   * Instead of from_height: the id of the last event received (see
   * StreamEvent.id), to resume right after it.
   */
  'after'?: (string);
  /**
   * Event types wanted; empty means BLOCK and TPS.
   */
  'types'?: (_aurigraph_v1_EventType)[];
  /**
   * Transaction filters. Each list, when not empty, must match: a
   * transaction is delivered when its from or to is one of accounts, its
   * type one of tx_types, its asset one of assets (the native asset is ""),
   * and its status one of statuses.
   */
  'accounts'?: (string)[];
  'tx_types'?: (_aurigraph_v1_TxType)[];
  'assets'?: (string)[];
  'statuses'?: (_aurigraph_v1_TxStatus)[];
}

export interface SubscribeRequest__Output {
  /**
   * First block to deliver; 0 means live only. Blocks from here to the head
   * are replayed from storage, then the stream continues live without a
   * gap or a repeat.
   */
  'from_height': (string);
  /**
   * Instead of from_height: the id of the last event received (see
   * StreamEvent.id), to resume right after it.
   */
  'after': (string);
  /**
   * Event types wanted; empty means BLOCK and TPS.
   */
  'types': (_aurigraph_v1_EventType__Output)[];
  /**
   * Transaction filters. Each list, when not empty, must match: a
   * transaction is delivered when its from or to is one of accounts, its
   * type one of tx_types, its asset one of assets (the native asset is ""),
   * and its status one of statuses.
   */
  'accounts': (string)[];
  'tx_types': (_aurigraph_v1_TxType__Output)[];
  'assets': (string)[];
  'statuses': (_aurigraph_v1_TxStatus__Output)[];
}
