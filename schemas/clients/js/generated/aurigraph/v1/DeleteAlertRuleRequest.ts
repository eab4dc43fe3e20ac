// Original file: ../../aurigraph/v1/alerts.proto


export interface DeleteAlertRuleRequest {
  'id'?: (string);
}

export interface DeleteAlertRuleRequest__Output {
  'id': (string);
}
