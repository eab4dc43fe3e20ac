// Original file: ../../aurigraph/v1/alerts.proto

import type { AlertTransition as _aurigraph_v1_AlertTransition, AlertTransition__Output as _aurigraph_v1_AlertTransition__Output } from '../../aurigraph/v1/AlertTransition';

export interface ListAlertHistoryResponse {
  'transitions'?: (_aurigraph_v1_AlertTransition)[];
}

export interface ListAlertHistoryResponse__Output {
  'transitions': (_aurigraph_v1_AlertTransition__Output)[];
}
