// Original file: ../../aurigraph/v1/alerts.proto

import type { Long } from '@grpc/proto-loader';

export interface ListAlertHistoryRequest {
  /**
   * Only this rule's transitions; empty: all.
   */
  'rule_id'?: (string);
  /**
   * Transitions with an id above this one (paging: the last id of the
   * previous page).
   */
  'after'?: (number | string | Long);
  /**
   * At most this many, oldest first; 0 means 100, at most 1000.
   */
  'limit'?: (number);
}

export interface ListAlertHistoryRequest__Output {
  /**
   * Only this rule's transitions; empty: all.
   */
  'rule_id': (string);
  /**
   * Transitions with an id above this one (paging: the last id of the
   * previous page).
   */
  'after': (string);
  /**
   * At most this many, oldest first; 0 means 100, at most 1000.
   */
  'limit': (number);
}
