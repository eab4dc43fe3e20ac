// Original file: ../../aurigraph/v1/alerts.proto


export interface DeleteAlertRuleResponse {
}

export interface DeleteAlertRuleResponse__Output {
}
