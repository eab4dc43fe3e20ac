// Original file: ../../aurigraph/v1/alerts.proto

import type { AlertRule as _aurigraph_v1_AlertRule, AlertRule__Output as _aurigraph_v1_AlertRule__Output } from '../../aurigraph/v1/AlertRule';
import type { AlertTransition as _aurigraph_v1_AlertTransition, AlertTransition__Output as _aurigraph_v1_AlertTransition__Output } from '../../aurigraph/v1/AlertTransition';
import type { Long } from '@grpc/proto-loader';

/**
 * The alerts in the replicated state, as a raft snapshot carries them.
 */
export interface AlertState {
  'rules'?: (_aurigraph_v1_AlertRule)[];
  /**
   * The most recent transitions, oldest first (bounded).
   */
  'history'?: (_aurigraph_v1_AlertTransition)[];
  'next_transition'?: (number | string | Long);
}

/**
 * The alerts in the replicated state, as a raft snapshot carries them.
 */
export interface AlertState__Output {
  'rules': (_aurigraph_v1_AlertRule__Output)[];
  /**
   * The most recent transitions, oldest first (bounded).
   */
  'history': (_aurigraph_v1_AlertTransition__Output)[];
  'next_transition': (string);
}
