// Original file: ../../aurigraph/v1/alerts.proto


export interface GetAlertRuleRequest {
  'id'?: (string);
}

export interface GetAlertRuleRequest__Output {
  'id': (string);
}
