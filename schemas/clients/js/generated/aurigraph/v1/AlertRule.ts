// Original file: ../../aurigraph/v1/alerts.proto

import type { Long } from '@grpc/proto-loader';

/**
 * One threshold on one series. The rule fires when `value condition
 * threshold` holds at every evaluation for for_ms, the value taken over the
 * last window_ms; it resolves at the first evaluation where it no longer
 * holds.
 */
export interface AlertRule {
  /**
   * Assigned by the cluster on creation: 16 hex digits.
   */
  'id'?: (string);
  'name'?: (string);
  /**
   * tps, block_time_ms, commit_latency_ms, failed_ratio, validator_count or
   * projector_lag_ms (see the README).
   */
  'metric'?: (string);
  /**
   * One of <, <=, >, >=.
   */
  'condition'?: (string);
  'threshold'?: (number | string);
  'window_ms'?: (number | string | Long);
  'for_ms'?: (number | string | Long);
  /**
   * Where firing and resolved events are posted; empty: history and the
   * live stream only.
   */
  'webhook_url'?: (string);
  /**
   * Signs each webhook delivery (X-Aurigraph-Signature). Write-only: never
   * returned; webhook_secret_set says whether one is held.
   */
  'webhook_secret'?: (string);
  'webhook_secret_set'?: (boolean);
  /**
   * Set by the cluster.
   */
  'created_ms'?: (number | string | Long);
  'updated_ms'?: (number | string | Long);
  /**
   * Whether the rule is firing now, and the id of its newest transition
   * (0: none yet).
   */
  'firing'?: (boolean);
  'last_transition'?: (number | string | Long);
}

/**
 * One threshold on one series. The rule fires when `value condition
 * threshold` holds at every evaluation for for_ms, the value taken over the
 * last window_ms; it resolves at the first evaluation where it no longer
 * holds.
 */
export interface AlertRule__Output {
  /**
   * Assigned by the cluster on creation: 16 hex digits.
   */
  'id': (string);
  'name': (string);
  /**
   * tps, block_time_ms, commit_latency_ms, failed_ratio, validator_count or
   * projector_lag_ms (see the README).
   */
  'metric': (string);
  /**
   * One of <, <=, >, >=.
   */
  'condition': (string);
  'threshold': (number);
  'window_ms': (string);
  'for_ms': (string);
  /**
   * Where firing and resolved events are posted; empty: history and the
   * live stream only.
   */
  'webhook_url': (string);
  /**
   * Signs each webhook delivery (X-Aurigraph-Signature). Write-only: never
   * returned; webhook_secret_set says whether one is held.
   */
  'webhook_secret': (string);
  'webhook_secret_set': (boolean);
  /**
   * Set by the cluster.
   */
  'created_ms': (string);
  'updated_ms': (string);
  /**
   * Whether the rule is firing now, and the id of its newest transition
   * (0: none yet).
   */
  'firing': (boolean);
  'last_transition': (string);
}
