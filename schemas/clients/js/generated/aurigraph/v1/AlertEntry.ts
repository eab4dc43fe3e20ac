// Original file: ../../aurigraph/v1/alerts.proto

import type { AlertRule as _aurigraph_v1_AlertRule, AlertRule__Output as _aurigraph_v1_AlertRule__Output } from '../../aurigraph/v1/AlertRule';
import type { AlertTransition as _aurigraph_v1_AlertTransition, AlertTransition__Output as _aurigraph_v1_AlertTransition__Output } from '../../aurigraph/v1/AlertTransition';
import type { Long } from '@grpc/proto-loader';

/**
 * What the leader proposes to change the alerts: exactly one of its fields.
 * The state machine applies it at the entry's position in the raft log.
 */
export interface AlertEntry {
  /**
   * Creates the rule (create set; its id is new) or replaces the one with
   * its id.
   */
  'put_rule'?: (_aurigraph_v1_AlertRule | null);
  'delete_rule'?: (string);
  /**
   * A transition of rule_id to firing; applied only when the rule's newest
   * transition is still expect_last, so a deposed leader's or a repeated
   * proposal is refused and each transition is recorded once.
   */
  'transition'?: (_aurigraph_v1_AlertTransition | null);
  'expect_last'?: (number | string | Long);
  /**
   * The outcome of a webhook delivery of transition delivered_id.
   */
  'delivered_id'?: (number | string | Long);
  'delivery'?: (string);
  'create'?: (boolean);
}

/**
 * What the leader proposes to change the alerts: exactly one of its fields.
 * The state machine applies it at the entry's position in the raft log.
 */
export interface AlertEntry__Output {
  /**
   * Creates the rule (create set; its id is new) or replaces the one with
   * its id.
   */
  'put_rule': (_aurigraph_v1_AlertRule__Output | null);
  'delete_rule': (string);
  /**
   * A transition of rule_id to firing; applied only when the rule's newest
   * transition is still expect_last, so a deposed leader's or a repeated
   * proposal is refused and each transition is recorded once.
   */
  'transition': (_aurigraph_v1_AlertTransition__Output | null);
  'expect_last': (string);
  /**
   * The outcome of a webhook delivery of transition delivered_id.
   */
  'delivered_id': (string);
  'delivery': (string);
  'create': (boolean);
}
