// Original file: ../../aurigraph/v1/alerts.proto

import type { Long } from '@grpc/proto-loader';

/**
 * A rule's change of state: it fired or resolved.
 */
export interface AlertTransition {
  /**
   * The cluster-wide transition id, 1, 2, 3... Webhook receivers
   * deduplicate on it.
   */
  'id'?: (number | string | Long);
  'rule_id'?: (string);
  'rule_name'?: (string);
  'metric'?: (string);
  'condition'?: (string);
  'threshold'?: (number | string);
  'firing'?: (boolean);
  /**
   * The series' value that caused the transition.
   */
  'value'?: (number | string);
  /**
   * When the evaluating leader saw it, Unix milliseconds.
   */
  'at_ms'?: (number | string | Long);
  /**
   * Webhook delivery: pending while the rule names a webhook and the
   * receiver has not acknowledged; delivered or failed (given up after the
   * attempts documented in the README) otherwise.
   */
  'delivery'?: (string);
  /**
   * The destination, copied from the rule when the transition happened.
   * Never returned by the API.
   */
  'webhook_url'?: (string);
  'webhook_secret'?: (string);
}

/**
 * A rule's change of state: it fired or resolved.
 */
export interface AlertTransition__Output {
  /**
   * The cluster-wide transition id, 1, 2, 3... Webhook receivers
   * deduplicate on it.
   */
  'id': (string);
  'rule_id': (string);
  'rule_name': (string);
  'metric': (string);
  'condition': (string);
  'threshold': (number);
  'firing': (boolean);
  /**
   * The series' value that caused the transition.
   */
  'value': (number);
  /**
   * When the evaluating leader saw it, Unix milliseconds.
   */
  'at_ms': (string);
  /**
   * Webhook delivery: pending while the rule names a webhook and the
   * receiver has not acknowledged; delivered or failed (given up after the
   * attempts documented in the README) otherwise.
   */
  'delivery': (string);
  /**
   * The destination, copied from the rule when the transition happened.
   * Never returned by the API.
   */
  'webhook_url': (string);
  'webhook_secret': (string);
}
