// Original file: ../../aurigraph/v1/alerts.proto

import type { AlertRule as _aurigraph_v1_AlertRule, AlertRule__Output as _aurigraph_v1_AlertRule__Output } from '../../aurigraph/v1/AlertRule';

export interface ListAlertRulesResponse {
  'rules'?: (_aurigraph_v1_AlertRule)[];
}

export interface ListAlertRulesResponse__Output {
  'rules': (_aurigraph_v1_AlertRule__Output)[];
}
