// Original file: ../../aurigraph/v1/stream.proto

import type { EventType as _aurigraph_v1_EventType, EventType__Output as _aurigraph_v1_EventType__Output } from '../../aurigraph/v1/EventType';
import type { BlockSummary as _aurigraph_v1_BlockSummary, BlockSummary__Output as _aurigraph_v1_BlockSummary__Output } from '../../aurigraph/v1/BlockSummary';
import type { TxEvent as _aurigraph_v1_TxEvent, TxEvent__Output as _aurigraph_v1_TxEvent__Output } from '../../aurigraph/v1/TxEvent';
import type { TpsEvent as _aurigraph_v1_TpsEvent, TpsEvent__Output as _aurigraph_v1_TpsEvent__Output } from '../../aurigraph/v1/TpsEvent';
import type { ValidatorEvent as _aurigraph_v1_ValidatorEvent, ValidatorEvent__Output as _aurigraph_v1_ValidatorEvent__Output } from '../../aurigraph/v1/ValidatorEvent';
import type { AlertTransition as _aurigraph_v1_AlertTransition, AlertTransition__Output as _aurigraph_v1_AlertTransition__Output } from '../../aurigraph/v1/AlertTransition';
import type { Long } from '@grpc/proto-loader';

export interface StreamEvent {
  'type'?: (_aurigraph_v1_EventType);
  /**
   * Height of the block the event belongs to; for TPS and VALIDATOR events
   * the chain head when the event was sent.
   */
  'height'?: (number | string | Long);
  /**
   * When this validator or gateway saw the block committed, Unix
   * milliseconds (BLOCK and TX events).
   */
  'committed_ms'?: (number | string | Long);
  'block'?: (_aurigraph_v1_BlockSummary | null);
  'tx'?: (_aurigraph_v1_TxEvent | null);
  'tps'?: (_aurigraph_v1_TpsEvent | null);
  'validator'?: (_aurigraph_v1_ValidatorEvent | null);
  /**
   * Resume cursor: "H" for the event of block H, "H.I" for transaction I
   * of block H; empty for TPS and VALIDATOR events, which are live only.
   */
  'id'?: (string);
  'alert'?: (_aurigraph_v1_AlertTransition | null);
  'event'?: "block"|"tx"|"tps"|"validator"|"alert";
}

export interface StreamEvent__Output {
  'type': (_aurigraph_v1_EventType__Output);
  /**
   * Height of the block the event belongs to; for TPS and VALIDATOR events
   * the chain head when the event was sent.
   */
  'height': (string);
  /**
   * When this validator or gateway saw the block committed, Unix
   * milliseconds (BLOCK and TX events).
   */
  'committed_ms': (string);
  'block'?: (_aurigraph_v1_BlockSummary__Output | null);
  'tx'?: (_aurigraph_v1_TxEvent__Output | null);
  'tps'?: (_aurigraph_v1_TpsEvent__Output | null);
  'validator'?: (_aurigraph_v1_ValidatorEvent__Output | null);
  /**
   * Resume cursor: "H" for the event of block H, "H.I" for transaction I
   * of block H; empty for TPS and VALIDATOR events, which are live only.
   */
  'id': (string);
  'alert'?: (_aurigraph_v1_AlertTransition__Output | null);
  'event'?: "block"|"tx"|"tps"|"validator"|"alert";
}
