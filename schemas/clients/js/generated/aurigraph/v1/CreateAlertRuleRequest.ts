// Original file: ../../aurigraph/v1/alerts.proto

import type { AlertRule as _aurigraph_v1_AlertRule, AlertRule__Output as _aurigraph_v1_AlertRule__Output } from '../../aurigraph/v1/AlertRule';

export interface CreateAlertRuleRequest {
  'rule'?: (_aurigraph_v1_AlertRule | null);
}

export interface CreateAlertRuleRequest__Output {
  'rule': (_aurigraph_v1_AlertRule__Output | null);
}
